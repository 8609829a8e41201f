#define TLOG_COMPONENT "daemon"
#include "common/daemon/DaemonMain.hpp"

#include "common/config/CommonSettings.hpp"
#include "common/daemon/LibraryScope.hpp"
#include "common/ev/Watchers.hpp"
#include "common/log/Logger.hpp"
#include "common/metrics/MetricsServer.hpp"
#include "common/util/Error.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <getopt.h>
#include <optional>
#include <systemd/sd-daemon.h>

#ifndef PKGSYSCONFDIR
#define PKGSYSCONFDIR "/etc/talk"
#endif

namespace talk::daemon {

namespace {

constexpr const char* CommonFileName = "talk.cfg";
// Seconds between STATUS= refreshes (sent only when the text changed).
constexpr double StatusInterval = 10.0;

std::string jsonString(std::string_view text)
{
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    }
    else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", u);
      out += esc;
    }
    else {
      out += c;
    }
  }
  return out + "\"";
}

std::string dirName(const std::string& file)
{
  size_t slash = file.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : file.substr(0, slash);
}

void notify(const std::string& state)
{
  // Without $NOTIFY_SOCKET this does nothing, so running by hand needs no special case.
  sd_notify(0, state.c_str());
}

void applyLogging(const config::Settings& common)
{
  log::Level level = log::Level::Info;
  log::parseLevel(common.getString("log.level"), level);
  log::setLevel(level);
  std::string list;
  for (const auto& category : common.getStringList("log.debug")) {
    list += (list.empty() ? "" : ",") + category;
  }
  log::setDebugCategories(list);
  LibraryScope::applyLogLevel();
}

struct Files
{
  std::string own;
  std::string common;
};

// Loading and checking both files: shared by --check-config, startup and reload.
struct Loaded
{
  config::Settings common;
  config::Settings own;
};

Loaded loadBoth(const DaemonSpec& spec, const config::Schema& commonSchema, const config::Schema& ownSchema, const Files& files)
{
  Loaded loaded{config::loadSettings(commonSchema, files.common), config::loadSettings(ownSchema, files.own)};
  const std::string& listen = loaded.own.getString("metrics.listen");
  if (!listen.empty()) {
    try {
      metrics::MetricsServer::validateListen(listen);
    }
    catch (const ConfigError& e) {
      throw ConfigError(loaded.own.where("metrics.listen") + ": " + e.what());
    }
  }
  if (spec.validate) {
    spec.validate(loaded.common, loaded.own);
  }
  return loaded;
}

// Reads every non-empty secret of settings, including those inside lists of groups.
void checkOwnSecrets(const config::Settings& settings)
{
  for (const auto& key : settings.schema().keys()) {
    if (key.type == config::Type::Secret && !settings.getString(key.path).empty()) {
      settings.readSecret(key.path);
    }
    if (key.type == config::Type::GroupList) {
      for (const auto& entry : settings.getGroupList(key.path)) {
        checkOwnSecrets(entry);
      }
    }
  }
}

void checkSecrets(const DaemonSpec& spec, const Loaded& loaded)
{
  checkOwnSecrets(loaded.own);
  for (const auto& path : spec.commonSecrets) {
    if (!loaded.common.getString(path).empty()) {
      loaded.common.readSecret(path);
    }
  }
}

class Daemon : public ev::SignalWatcher::Listener, public ev::Timer::Listener
{
public:
  Daemon(const DaemonSpec& spec, const config::Schema& commonSchema, const config::Schema& ownSchema, Files files, Loaded loaded) :
    d_spec(spec),
    d_commonSchema(commonSchema),
    d_ownSchema(ownSchema),
    d_files(std::move(files)),
    d_common(std::move(loaded.common)),
    d_own(std::move(loaded.own)),
    d_context{d_loop, d_common, d_own, d_metrics},
    d_sigterm(d_loop, this, SIGTERM),
    d_sigint(d_loop, this, SIGINT),
    d_sighup(d_loop, this, SIGHUP),
    d_stopTimer(d_loop, this),
    d_watchdogTimer(d_loop, this),
    d_statusTimer(d_loop, this),
    d_started(std::chrono::steady_clock::now())
  {
  }

  ~Daemon() override
  {
    // The metrics server calls into the service (status), so it goes first.
    d_metricsServer.reset();
    d_service.reset();
  }

  // Throws on startup failure.
  void start()
  {
    registerMetrics();
    d_service = d_spec.create(d_context);
    if (!d_service) {
      throw Error("service factory returned nothing");
    }
    d_service->start();
    const std::string& listen = d_own.getString("metrics.listen");
    if (!listen.empty()) {
      d_metricsServer = std::make_unique<metrics::MetricsServer>(d_loop, d_metrics, listen, [this] { return statusJson(); });
    }
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
      double interval = static_cast<double>(usec) / 2e6;
      d_watchdogTimer.start(interval, interval);
      TLOG_INFO("watchdog enabled interval=%.3fs", interval);
    }
    // Signal watchers do not keep a loop alive; this timer does, so an idle service keeps
    // running until a stop signal ends the loop.
    d_statusTimer.start(StatusInterval, StatusInterval);
    d_lastStatus = statusLine();
    notify("READY=1\nSTATUS=" + d_lastStatus);
    TLOG_NOTICE("started daemon=%s version=%s config=%s", d_spec.name.c_str(), d_spec.version.c_str(), d_files.own.c_str());
  }

  int run()
  {
    d_loop.run();
    return ExitOk;
  }

  void onSignal(ev::SignalWatcher& /*watcher*/, int signal) override
  {
    if (signal == SIGHUP) {
      reload();
      return;
    }
    beginStop(signal);
  }

  void onTimer(ev::Timer& timer) override
  {
    if (&timer == &d_watchdogTimer) {
      // Sent from the loop itself: a stalled loop stops the pings and systemd restarts us.
      notify("WATCHDOG=1\nSTATUS=" + statusLine());
      return;
    }
    if (&timer == &d_statusTimer) {
      std::string status = statusLine();
      if (status != d_lastStatus) {
        d_lastStatus = status;
        notify("STATUS=" + status);
      }
      return;
    }
    if (&timer == &d_stopTimer) {
      TLOG_WARN("stop did not finish in time timeout=%.1fs, exiting anyway", d_spec.stopTimeoutSeconds);
      finishStop();
    }
  }

private:
  void registerMetrics()
  {
    d_metrics.gauge("talk_build_info", "Build information; always 1.", {{"daemon", d_spec.name}, {"version", d_spec.version}}).set(1);
    double startTime = static_cast<double>(std::time(nullptr));
    d_metrics.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.").set(startTime);
    d_reloadOk = &d_metrics.counter("talk_config_reloads_total", "Configuration reloads (SIGHUP) by result.", {{"result", "success"}});
    d_reloadFailed = &d_metrics.counter("talk_config_reloads_total", "Configuration reloads (SIGHUP) by result.", {{"result", "failure"}});
  }

  std::string statusLine() const
  {
    std::string status = d_service ? d_service->status() : std::string();
    if (d_stopping) {
      return "stopping";
    }
    return status.empty() ? "running" : status;
  }

  std::string statusJson() const
  {
    double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - d_started).count();
    char up[32];
    std::snprintf(up, sizeof(up), "%.3f", uptime);
    std::string json = "{\"daemon\":" + jsonString(d_spec.name) + ",\"version\":" + jsonString(d_spec.version) +
                       ",\"uptime_seconds\":" + up + ",\"state\":" + jsonString(d_stopping ? "stopping" : "running") +
                       ",\"status\":" + jsonString(d_service ? d_service->status() : std::string());
    std::string service = d_service ? d_service->statusJson() : std::string();
    if (!service.empty()) {
      json += ",\"service\":" + service;
    }
    return json + "}";
  }

  void reload()
  {
    if (d_stopping) {
      return;
    }
    // MONOTONIC_USEC is what systemd 253+ (Type=notify-reload) wants with RELOADING=1;
    // older versions ignore it.
    struct timespec ts
    {
    };
    clock_gettime(CLOCK_MONOTONIC, &ts);
    notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(static_cast<uint64_t>(ts.tv_sec) * 1000000U + static_cast<uint64_t>(ts.tv_nsec) / 1000U));
    TLOG_NOTICE("reloading configuration config=%s", d_files.own.c_str());
    try {
      Loaded loaded = loadBoth(d_spec, d_commonSchema, d_ownSchema, d_files);
      d_service->reload(loaded.common, loaded.own);
      if (loaded.own.getString("metrics.listen") != d_own.getString("metrics.listen")) {
        TLOG_WARN("metrics.listen changed; it takes effect at the next restart");
      }
      d_common = std::move(loaded.common);
      d_own = std::move(loaded.own);
      applyLogging(d_common);
      d_reloadOk->inc();
      TLOG_NOTICE("configuration reloaded level=%s", log::levelName(log::level()));
    }
    catch (const std::exception& e) {
      d_reloadFailed->inc();
      TLOG_ERROR("reload failed, keeping the old configuration: %s", e.what());
    }
    d_lastStatus = statusLine();
    notify("READY=1\nSTATUS=" + d_lastStatus);
  }

  void beginStop(int signal)
  {
    if (d_stopping) {
      TLOG_NOTICE("second stop signal, exiting now signal=%d", signal);
      finishStop();
      return;
    }
    d_stopping = true;
    notify("STOPPING=1\nSTATUS=stopping");
    TLOG_NOTICE("stopping signal=%d", signal);
    // The watchdog keeps running: the loop still serves the drain and must stay alive.
    d_stopTimer.start(d_spec.stopTimeoutSeconds);
    try {
      d_service->stop([this] {
        if (!d_finished) {
          TLOG_INFO("service drained");
          finishStop();
        }
      });
    }
    catch (const std::exception& e) {
      TLOG_ERROR("stop failed: %s", e.what());
      finishStop();
    }
  }

  void finishStop()
  {
    d_finished = true;
    d_stopTimer.stop();
    d_statusTimer.stop();
    d_loop.stop();
  }

  // Passed by argument (not owned)
  const DaemonSpec& d_spec;
  const config::Schema& d_commonSchema;
  const config::Schema& d_ownSchema;
  // Owned
  Files d_files;
  ev::EventLoop d_loop;
  metrics::Registry d_metrics;
  config::Settings d_common;
  config::Settings d_own;
  Context d_context;
  ev::SignalWatcher d_sigterm;
  ev::SignalWatcher d_sigint;
  ev::SignalWatcher d_sighup;
  ev::Timer d_stopTimer;
  ev::Timer d_watchdogTimer;
  ev::Timer d_statusTimer;
  std::unique_ptr<Service> d_service;
  std::unique_ptr<metrics::MetricsServer> d_metricsServer;
  // State
  metrics::Counter* d_reloadOk{nullptr};
  metrics::Counter* d_reloadFailed{nullptr};
  std::chrono::steady_clock::time_point d_started;
  std::string d_lastStatus;
  bool d_stopping{false};
  bool d_finished{false};
};

void usage(const DaemonSpec& spec, FILE* out)
{
  std::fprintf(out,
               "Usage: %s [OPTION]...\n"
               "\n"
               "  -c, --config FILE            configuration file (default %s/%s.cfg);\n"
               "                               %s is read from the same directory\n"
               "      --check-config           validate the configuration and secrets, then exit\n"
               "      --dump-default-config    print the default %s.cfg and exit\n"
               "      --dump-default-config=common\n"
               "                               print the default %s and exit\n"
               "  -f, --foreground             accepted for compatibility; never forks\n"
               "  -V, --version                print the version and exit\n"
               "  -h, --help                   print this help and exit\n"
               "\n"
               "Exit status: 0 ok, 78 configuration error, 1 other failure.\n"
               "See %s(8) and talk.cfg(5).\n",
               spec.name.c_str(), spec.defaultConfigDir.empty() ? PKGSYSCONFDIR : spec.defaultConfigDir.c_str(), spec.configName.c_str(),
               CommonFileName, spec.configName.c_str(), CommonFileName, spec.name.c_str());
}

std::string ownHeader(const DaemonSpec& spec)
{
  return spec.configName + ".cfg: configuration of " + spec.name + " (libconfig syntax).\n" +
         "Shared settings (log level, NATS, secrets) are in talk.cfg in the same directory.\n" +
         "Every key is shown with its default value. See " + spec.name + "(8) and talk.cfg(5).";
}

const char* CommonHeader = "talk.cfg: settings shared by every talk-hpb daemon (libconfig syntax).\n"
                           "Every key is shown with its default value. See talk.cfg(5).\n"
                           "Secret files (*_file keys) are read from $CREDENTIALS_DIRECTORY when the\n"
                           "daemon runs under systemd with LoadCredential=, else from the secrets/\n"
                           "directory next to this file.";

}

int runDaemon(const DaemonSpec& spec, int argc, char** argv)
{
  enum Action
  {
    Run,
    CheckConfig,
    DumpOwn,
    DumpCommon,
  };
  Action action = Run;
  std::string configFile;

  static const struct option Options[] = {
      {"config", required_argument, nullptr, 'c'},
      {"check-config", no_argument, nullptr, 'C'},
      {"dump-default-config", optional_argument, nullptr, 'D'},
      {"foreground", no_argument, nullptr, 'f'},
      {"version", no_argument, nullptr, 'V'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  optind = 0; // full re-initialisation: runDaemon may run more than once per process (tests)
  int opt = 0;
  while ((opt = getopt_long(argc, argv, "c:fVh", Options, nullptr)) != -1) {
    switch (opt) {
    case 'c':
      configFile = optarg;
      break;
    case 'C':
      action = CheckConfig;
      break;
    case 'D':
      if (optarg == nullptr) {
        action = DumpOwn;
      }
      else if (std::string_view(optarg) == "common") {
        action = DumpCommon;
      }
      else {
        std::fprintf(stderr, "%s: --dump-default-config takes no value or \"common\"\n", spec.name.c_str());
        return ExitFailure;
      }
      break;
    case 'f':
      break;
    case 'V':
      std::printf("%s %s\n", spec.name.c_str(), spec.version.c_str());
      return ExitOk;
    case 'h':
      usage(spec, stdout);
      return ExitOk;
    default:
      usage(spec, stderr);
      return ExitFailure;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "%s: unexpected argument '%s'\n", spec.name.c_str(), argv[optind]);
    usage(spec, stderr);
    return ExitFailure;
  }

  config::Schema commonSchema;
  config::describeCommonSettings(commonSchema);
  config::Schema ownSchema;
  try {
    if (spec.describeSettings) {
      spec.describeSettings(ownSchema);
    }
    ownSchema.string("metrics.listen", "",
                     "Address and port of the HTTP server for Prometheus (GET /metrics) and the\n"
                     "JSON status (GET /status), e.g. \"127.0.0.1:9090\"; \"\" = off. Needs a restart.");
  }
  catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error in the settings schema: %s\n", spec.name.c_str(), e.what());
    return ExitFailure;
  }

  if (action == DumpOwn || action == DumpCommon) {
    std::string text = action == DumpOwn ? ownSchema.dumpDefaults(ownHeader(spec)) : commonSchema.dumpDefaults(CommonHeader);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? ExitOk : ExitFailure;
  }

  Files files;
  files.own = configFile.empty() ? (spec.defaultConfigDir.empty() ? std::string(PKGSYSCONFDIR) : spec.defaultConfigDir) + "/" + spec.configName + ".cfg" : configFile;
  files.common = dirName(files.own) + "/" + CommonFileName;

  log::detectSink();
  if (action == CheckConfig) {
    try {
      Loaded loaded = loadBoth(spec, commonSchema, ownSchema, files);
      checkSecrets(spec, loaded);
    }
    catch (const ConfigError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return ExitConfig;
    }
    catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return ExitConfig;
    }
    std::printf("configuration OK\n");
    return ExitOk;
  }

  LibraryScope libraries;
  try {
    Loaded loaded = loadBoth(spec, commonSchema, ownSchema, files);
    applyLogging(loaded.common);
    Daemon daemon(spec, commonSchema, ownSchema, files, std::move(loaded));
    daemon.start();
    int code = daemon.run();
    TLOG_NOTICE("stopped daemon=%s", spec.name.c_str());
    return code;
  }
  catch (const ConfigError& e) {
    TLOG_ERROR("configuration error: %s", e.what());
    return ExitConfig;
  }
  catch (const std::exception& e) {
    TLOG_ERROR("startup failed: %s", e.what());
    return ExitFailure;
  }
}

}
