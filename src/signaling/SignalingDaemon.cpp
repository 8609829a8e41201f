#include "signaling/SignalingDaemon.hpp"

#include "signaling/SignalingServer.hpp"
#include "signaling/SignalingSettings.hpp"

namespace talk::signaling {

daemon::DaemonSpec daemonSpec()
{
  daemon::DaemonSpec spec;
  spec.name = "talk-signaling";
  spec.configName = "signaling";
#ifdef PACKAGE_VERSION
  spec.version = PACKAGE_VERSION;
#endif
  spec.describeSettings = describeSignalingSettings;
  spec.create = [](daemon::Context& context) -> std::unique_ptr<daemon::Service> {
    return std::make_unique<SignalingServer>(context);
  };
  spec.validate = [](const config::Settings& common, const config::Settings& own) {
    parseSignalingConfig(own);
    parseSignalingRuntime(common, own);
  };
  spec.stopTimeoutSeconds = 10.0;
  return spec;
}

}
