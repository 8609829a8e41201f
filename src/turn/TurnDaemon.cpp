#include "turn/TurnDaemon.hpp"

#include "turn/TurnSettings.hpp"
#include "turn/server/TurnServer.hpp"

namespace talk::turn {

daemon::DaemonSpec daemonSpec()
{
  daemon::DaemonSpec spec;
  spec.name = "talk-turn";
  spec.configName = "turn";
#ifdef PACKAGE_VERSION
  spec.version = PACKAGE_VERSION;
#endif
  spec.describeSettings = describeTurnSettings;
  spec.create = [](daemon::Context& context) -> std::unique_ptr<daemon::Service> { return std::make_unique<TurnServer>(context); };
  // --check-config, startup and SIGHUP run the same semantic checks as TurnServer (listen
  // syntax, port range, external mapping, policy prefixes, TLS certificate and key).
  spec.validate = [](const config::Settings& common, const config::Settings& own) {
    const TurnConfig config = parseTurnConfig(own);
    parseTurnRuntime(common, own, config);
  };
  spec.commonSecrets = {"turn.secret_file"};
  spec.stopTimeoutSeconds = 10.0;
  return spec;
}

}
