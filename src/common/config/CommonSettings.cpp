#include "common/config/CommonSettings.hpp"

namespace talk::config {

void describeCommonSettings(Schema& schema)
{
  schema.choice("log.level", "info", {"error", "warning", "notice", "info", "debug"},
                "Least severe message that is logged. Applied again on reload (SIGHUP).");
  schema.stringList("log.debug", {},
                    "Debug categories to log at level debug, e.g. [ \"nats\", \"turn\" ];\n"
                    "\"all\" enables every category. Needs log.level = \"debug\".");
  schema.string("nats.url", "loopback",
                "Cluster bus. \"loopback\" keeps messages inside the process (one machine);\n"
                "otherwise one or more NATS servers, comma-separated:\n"
                "\"nats://10.0.0.1:4222,nats://10.0.0.2:4222\".");
  schema.secret("nats.token_file", "", "Secret file holding the NATS token; \"\" = no token.");
  schema.string("nats.user", "", "NATS user name for password authentication; \"\" = none.");
  schema.secret("nats.password_file", "", "Secret file holding the password of nats.user.");
  schema.secret("nats.credentials_file", "", "NATS credentials (.creds) file with a JWT and NKey seed; \"\" = none.");
  schema.string("nats.tls_ca", "",
                "CA certificate file (PEM) that verifies the NATS servers when a URL uses\n"
                "tls://; \"\" = the system trust store.");
  schema.secret("turn.secret_file", "turn-secret",
                "Secret file holding the TURN REST API shared secret. talk-turn checks\n"
                "credentials with it and talk-signaling hands out credentials made with it;\n"
                "Nextcloud Talk's TURN settings must hold the same secret.");
}

}
