#pragma once
// The one entry point of every daemon: main() is `return talk::daemon::runDaemon(spec, argc, argv);`.
//
// Options (getopt_long):
//   --config FILE       the daemon's file; talk.cfg is read from the same directory
//                       (default PKGSYSCONFDIR/<configName>.cfg)
//   --check-config      load and validate both files and every secret the daemon reads,
//                       print "configuration OK" (exit 0) or the error (exit 78)
//   --dump-default-config[=common]
//                       print the daemon's file (or talk.cfg with "=common") with defaults
//   --version, --help, --foreground (accepted; we never fork)
// Logging goes to stderr (journal format when $JOURNAL_STREAM is set); level and debug
// categories come from talk.cfg and are re-applied on reload.
// Signals, handled on the loop: SIGTERM/SIGINT → STOPPING=1, Service::stop, bounded
// wait, exit 0. SIGHUP → RELOADING=1, reload both files, Service::reload, READY=1 (a bad
// new config is logged with file:line: key and the old one stays).
// sd_notify: READY=1 after start(); WATCHDOG=1 from a timer at half of $WATCHDOG_USEC;
// STATUS= from Service::status().
// Every daemon gets `metrics.listen` (string, "" = off) in its own schema; runDaemon owns
// the MetricsServer (/metrics, /status).
// Exit codes: 0 ok, 78 (EX_CONFIG) configuration error, 1 other startup failure.
#include "common/daemon/Service.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace talk::daemon {

constexpr int ExitOk = 0;
constexpr int ExitFailure = 1;
constexpr int ExitConfig = 78; // EX_CONFIG from <sysexits.h>

struct DaemonSpec
{
  std::string name;                                      // "talk-turn"
  std::string configName;                                // "turn" → <configdir>/turn.cfg
  std::string version;                                   // PACKAGE_VERSION
  std::function<void(config::Schema&)> describeSettings; // the daemon's own keys
  std::function<std::unique_ptr<Service>(Context&)> create;
  // Secret keys of talk.cfg this daemon reads (e.g. {"turn.secret_file"}); --check-config
  // reads them. Every non-empty secret of the daemon's own file is checked anyway.
  std::vector<std::string> commonSecrets;
  // Optional checks across keys (e.g. a port range whose start must be below its end),
  // run by --check-config, at startup and on reload; throw ConfigError naming where().
  std::function<void(const config::Settings& common, const config::Settings& own)> validate;
  // Upper bound for Service::stop() to call done().
  double stopTimeoutSeconds{20.0};
  // Overrides PKGSYSCONFDIR (tests).
  std::string defaultConfigDir;
};

int runDaemon(const DaemonSpec& spec, int argc, char** argv);

}
