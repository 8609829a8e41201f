#include "sfu/SfuDaemon.hpp"

#include "sfu/SfuServer.hpp"
#include "sfu/SfuSettings.hpp"

namespace talk::sfu {

daemon::DaemonSpec daemonSpec()
{
  daemon::DaemonSpec spec;
  spec.name = "talk-sfu";
  spec.configName = "sfu";
#ifdef PACKAGE_VERSION
  spec.version = PACKAGE_VERSION;
#endif
  spec.describeSettings = describeSfuSettings;
  const std::string version = spec.version;
  spec.create = [version](daemon::Context& context) -> std::unique_ptr<daemon::Service> {
    return std::make_unique<SfuServer>(context, version);
  };
  // --check-config, startup and SIGHUP run the same checks as SfuServer (listen syntax,
  // message bounds, secret and token files).
  spec.validate = [version](const config::Settings&, const config::Settings& own) {
    parseSfuConfig(own);
    parseSfuRuntime(own, version);
  };
  spec.stopTimeoutSeconds = 10.0;
  return spec;
}

}
