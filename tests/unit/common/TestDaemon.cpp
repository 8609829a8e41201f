// talk-test-daemon: the smallest program built on runDaemon. It has no settings of its own
// and idles until stopped. Used to dump talk.cfg's defaults for
// scripts/check-default-config.sh and to try runDaemon by hand.
#include "common/daemon/DaemonMain.hpp"

#include <memory>

namespace {

class IdleService : public talk::daemon::Service
{
public:
  void start() override {}
  void reload(const talk::config::Settings& /*common*/, const talk::config::Settings& /*own*/) override {}
  void stop(std::function<void()> done) override { done(); }
  std::string status() const override { return "idle"; }
};

}

int main(int argc, char** argv)
{
  talk::daemon::DaemonSpec spec;
  spec.name = "talk-test-daemon";
  spec.configName = "test-daemon";
  spec.version = PACKAGE_VERSION;
  spec.create = [](talk::daemon::Context& /*context*/) { return std::make_unique<IdleService>(); };
  return talk::daemon::runDaemon(spec, argc, argv);
}
