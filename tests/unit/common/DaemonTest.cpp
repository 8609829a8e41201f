// runDaemon end to end: each test forks, runs a small Service through runDaemon in the
// child (its own process, signals and exit code), and watches it from outside: exit
// status, stdout/stderr, sd_notify datagrams on a socket the test binds, HTTP /status.
#include "HttpGet.hpp"
#include "TempDir.hpp"
#include "common/config/CommonSettings.hpp"
#include "common/daemon/DaemonMain.hpp"
#include "common/ev/Watchers.hpp"
#include "common/net/UniqueFd.hpp"
#include "common/util/Error.hpp"

#include <chrono>
#include <cppunit/extensions/HelperMacros.h>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>

using namespace talk;
using talk::test::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

class TestService : public daemon::Service, public ev::Timer::Listener
{
public:
  explicit TestService(daemon::Context& context) :
    d_context(context), d_drainTimer(context.loop, this) {}

  void start() override
  {
    if (d_context.own.getBool("test.fail_start")) {
      throw Error("refusing to start");
    }
    if (d_context.own.getBool("test.config_error_at_start")) {
      throw ConfigError(d_context.own.where("test.config_error_at_start") + ": test.config_error_at_start: expected false");
    }
  }

  void reload(const config::Settings& /*common*/, const config::Settings& own) override
  {
    if (own.getBool("test.reject_reload")) {
      throw Error("reload refused by the service");
    }
  }

  void stop(std::function<void()> done) override
  {
    if (d_context.own.getBool("test.never_drain")) {
      d_done = std::move(done); // never called: runDaemon's bound must end the wait
      return;
    }
    int64_t ms = d_context.own.getInt("test.drain_ms");
    if (ms == 0) {
      done();
      return;
    }
    d_done = std::move(done);
    d_drainTimer.start(static_cast<double>(ms) / 1000.0);
  }

  void onTimer(ev::Timer& /*timer*/) override { d_done(); }

  std::string status() const override
  {
    // Read through the Context: it must show the settings in force after a reload.
    return "level=" + d_context.common.getString("log.level") + " greeting=" + d_context.own.getString("test.greeting");
  }

  std::string statusJson() const override { return "{\"greeting\":\"" + d_context.own.getString("test.greeting") + "\"}"; }

private:
  daemon::Context& d_context;
  ev::Timer d_drainTimer;
  std::function<void()> d_done;
};

void describeTestSettings(config::Schema& schema)
{
  schema.string("test.greeting", "hello", "Shown in the status.")
      .integer("test.port", 1000, 1, 65535, "A bounded number.")
      .integer("test.drain_ms", 0, 0, 60000, "How long stop() takes.")
      .boolean("test.never_drain", false, "stop() never finishes.")
      .boolean("test.reject_reload", false, "reload() throws.")
      .boolean("test.fail_start", false, "start() throws.")
      .boolean("test.config_error_at_start", false, "start() throws a ConfigError.")
      .secret("test.token_file", "", "An optional secret of the daemon's own file.");
  config::Schema peer;
  peer.string("name", "", "Peer name.").secret("key_file", "", "Peer key.");
  schema.groupList("test.peers", std::move(peer), "Secrets inside lists are checked too.");
}

daemon::DaemonSpec testSpec(const TempDir& dir, double stopTimeout = 10.0)
{
  daemon::DaemonSpec spec;
  spec.name = "talk-test";
  spec.configName = "test";
  spec.version = "9.9";
  spec.describeSettings = describeTestSettings;
  spec.create = [](daemon::Context& context) { return std::make_unique<TestService>(context); };
  spec.commonSecrets = {"turn.secret_file"};
  spec.stopTimeoutSeconds = stopTimeout;
  spec.defaultConfigDir = dir.path();
  spec.validate = [](const config::Settings& /*common*/, const config::Settings& own) {
    if (own.getString("test.greeting") == "invalid") {
      throw ConfigError(own.where("test.greeting") + ": test.greeting: expected anything but \"invalid\"");
    }
  };
  return spec;
}

// Receives sd_notify datagrams.
class NotifySocket
{
public:
  explicit NotifySocket(const TempDir& dir) :
    d_path(dir.path() + "/notify")
  {
    d_fd.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un sun
    {
    };
    sun.sun_family = AF_UNIX;
    CPPUNIT_ASSERT(d_path.size() < sizeof(sun.sun_path));
    std::snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", d_path.c_str());
    CPPUNIT_ASSERT(::bind(d_fd.get(), reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun)) == 0);
  }

  const std::string& path() const { return d_path; }

  // The next datagram containing needle (earlier ones are skipped), or "" after `seconds`.
  std::string waitFor(const std::string& needle, double seconds)
  {
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      struct pollfd pfd
      {
        d_fd.get(), POLLIN, 0
      };
      if (left < 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) {
        return {};
      }
      char buf[4096];
      ssize_t n = ::recv(d_fd.get(), buf, sizeof(buf), 0);
      if (n <= 0) {
        continue;
      }
      std::string message(buf, static_cast<size_t>(n));
      d_all += message + "\n--\n";
      if (message.find(needle) != std::string::npos) {
        return message;
      }
    }
  }

  const std::string& all() const { return d_all; }

private:
  std::string d_path;
  UniqueFd d_fd;
  std::string d_all;
};

struct Env
{
  std::string notifySocket;
  bool watchdog{false};
  bool journal{false};
};

// Forks; the child runs runDaemon with stdout/stderr in <dir>/out and <dir>/err.
pid_t spawn(const daemon::DaemonSpec& spec, const TempDir& dir, std::vector<std::string> args, const Env& env = {})
{
  std::fflush(nullptr);
  pid_t pid = ::fork();
  CPPUNIT_ASSERT(pid >= 0);
  if (pid > 0) {
    return pid;
  }
  int out = ::open((dir.path() + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = ::open((dir.path() + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  ::unsetenv("JOURNAL_STREAM");
  ::unsetenv("CREDENTIALS_DIRECTORY");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  if (env.notifySocket.empty()) {
    ::unsetenv("NOTIFY_SOCKET");
  }
  else {
    ::setenv("NOTIFY_SOCKET", env.notifySocket.c_str(), 1);
  }
  if (env.journal) {
    ::setenv("JOURNAL_STREAM", "8:12345", 1);
  }
  if (env.watchdog) {
    ::setenv("WATCHDOG_USEC", "200000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  }
  args.insert(args.begin(), spec.name);
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  int code = 1;
  try {
    code = daemon::runDaemon(spec, static_cast<int>(args.size()), argv.data());
  }
  catch (...) {
    code = 99; // runDaemon must not throw
  }
  std::fflush(nullptr);
  ::_exit(code);
}

// Exit code, or -1 (after SIGKILL) when the child did not exit within `seconds`.
int waitExit(pid_t pid, double seconds)
{
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
      }
      return 1000 + WTERMSIG(status);
    }
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Runs to completion; returns the exit code.
int runToExit(const daemon::DaemonSpec& spec, const TempDir& dir, std::vector<std::string> args)
{
  return waitExit(spawn(spec, dir, std::move(args)), 20);
}

bool contains(const std::string& text, const std::string& needle)
{
  return text.find(needle) != std::string::npos;
}

int freePort()
{
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  struct sockaddr_in sin
  {
  };
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<struct sockaddr*>(&sin), sizeof(sin));
  socklen_t len = sizeof(sin);
  ::getsockname(fd.get(), reinterpret_cast<struct sockaddr*>(&sin), &len);
  return ntohs(sin.sin_port);
}

// A directory with talk.cfg, test.cfg and the TURN secret.
void writeConfig(const TempDir& dir, const std::string& common, const std::string& own)
{
  ::mkdir((dir.path() + "/secrets").c_str(), 0700);
  dir.write("secrets/turn-secret", "turn-shared-secret\n");
  dir.write("talk.cfg", common);
  dir.write("test.cfg", own);
}

}

class DaemonTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(DaemonTest);
  CPPUNIT_TEST(checkConfigAcceptsGoodFiles);
  CPPUNIT_TEST(checkConfigRejectsBadFiles);
  CPPUNIT_TEST(checkConfigReadsSecrets);
  CPPUNIT_TEST(dumpsDefaultConfigs);
  CPPUNIT_TEST(versionHelpAndBadOptions);
  CPPUNIT_TEST(lifecycleNotifiesReloadsAndStops);
  CPPUNIT_TEST(stopWaitsForDrain);
  CPPUNIT_TEST(stopIsBounded);
  CPPUNIT_TEST(startupFailuresGiveExitCodes);
  CPPUNIT_TEST(watchdogPings);
  CPPUNIT_TEST(journalFormatUnderSystemd);
  CPPUNIT_TEST_SUITE_END();

public:
  void checkConfigAcceptsGoodFiles()
  {
    TempDir dir;
    writeConfig(dir, "log = { level = \"debug\"; };\n", "test = { port = 2000; };\n");
    daemon::DaemonSpec spec = testSpec(dir);
    // Default location: <defaultConfigDir>/test.cfg.
    CPPUNIT_ASSERT_EQUAL(0, runToExit(spec, dir, {"--check-config"}));
    CPPUNIT_ASSERT_EQUAL(std::string("configuration OK\n"), dir.read("out"));
    // --config elsewhere: talk.cfg comes from that directory.
    TempDir other;
    writeConfig(other, "", "");
    CPPUNIT_ASSERT_EQUAL(0, runToExit(spec, dir, {"--config", other.path() + "/test.cfg", "--check-config"}));
  }

  void checkConfigRejectsBadFiles()
  {
    TempDir dir;
    daemon::DaemonSpec spec = testSpec(dir);
    writeConfig(dir, "", "test = {\n  port = 0;\n};\n");
    CPPUNIT_ASSERT_EQUAL(78, runToExit(spec, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), dir.path() + "/test.cfg:2: test.port: expected an integer from 1 to 65535, not 0"));
    CPPUNIT_ASSERT(!contains(dir.read("out"), "configuration OK"));

    writeConfig(dir, "log = { level = \"chatty\"; };\n", "");
    CPPUNIT_ASSERT_EQUAL(78, runToExit(spec, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), dir.path() + "/talk.cfg:1: log.level: expected one of error, warning, notice, info, debug"));

    writeConfig(dir, "", "metrics = { listen = \"localhost\"; };\n");
    CPPUNIT_ASSERT_EQUAL(78, runToExit(spec, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), dir.path() + "/test.cfg:1: metrics.listen: expected an IP address and port"));

    writeConfig(dir, "", "test = { greeting = \"invalid\"; };\n");
    CPPUNIT_ASSERT_EQUAL(78, runToExit(spec, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), "test.cfg:1: test.greeting: expected anything but"));

    ::remove((dir.path() + "/test.cfg").c_str());
    CPPUNIT_ASSERT_EQUAL(78, runToExit(spec, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), dir.path() + "/test.cfg: cannot read"));
  }

  void checkConfigReadsSecrets()
  {
    TempDir dir;
    daemon::DaemonSpec spec = testSpec(dir);
    writeConfig(dir, "", "");
    ::remove((dir.path() + "/secrets/turn-secret").c_str());
    CPPUNIT_ASSERT_EQUAL(78, runToExit(spec, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), dir.path() + "/talk.cfg (default): turn.secret_file: cannot read secret file " + dir.path() + "/secrets/turn-secret"));
    // A daemon that does not read the TURN secret does not need it.
    daemon::DaemonSpec noTurn = testSpec(dir);
    noTurn.commonSecrets.clear();
    CPPUNIT_ASSERT_EQUAL(0, runToExit(noTurn, dir, {"--check-config"}));
    // Secrets of the daemon's own file are checked when set.
    dir.write("test.cfg", "test = { token_file = \"token\"; };\n");
    CPPUNIT_ASSERT_EQUAL(78, runToExit(noTurn, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), "test.cfg:1: test.token_file: cannot read secret file"));
    dir.write("secrets/token", "tok\n");
    CPPUNIT_ASSERT_EQUAL(0, runToExit(noTurn, dir, {"--check-config"}));
    dir.write("test.cfg", "test = {\n peers = (\n  { name = \"a\"; },\n  { key_file = \"peer-b\"; }\n );\n};\n");
    CPPUNIT_ASSERT_EQUAL(78, runToExit(noTurn, dir, {"--check-config"}));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), "test.cfg:4: test.peers[1].key_file: cannot read secret file"));
    dir.write("secrets/peer-b", "b\n");
    CPPUNIT_ASSERT_EQUAL(0, runToExit(noTurn, dir, {"--check-config"}));
  }

  void dumpsDefaultConfigs()
  {
    TempDir dir;
    daemon::DaemonSpec spec = testSpec(dir);
    CPPUNIT_ASSERT_EQUAL(0, runToExit(spec, dir, {"--dump-default-config"}));
    std::string own = dir.read("out");
    CPPUNIT_ASSERT(own.rfind("# test.cfg: configuration of talk-test", 0) == 0);
    // The dump is a valid file that sets every key to its default.
    config::Schema schema;
    describeTestSettings(schema);
    schema.string("metrics.listen", "", "");
    config::Settings s = config::loadSettings(schema, dir.write("dumped.cfg", own));
    for (const auto& key : schema.keys()) {
      CPPUNIT_ASSERT_MESSAGE(key.path + " missing from the dump", s.isSet(key.path));
    }
    CPPUNIT_ASSERT_EQUAL(std::string("hello"), s.getString("test.greeting"));
    CPPUNIT_ASSERT_EQUAL(int64_t{1000}, s.getInt("test.port"));
    CPPUNIT_ASSERT_EQUAL(std::string(), s.getString("metrics.listen"));

    CPPUNIT_ASSERT_EQUAL(0, runToExit(spec, dir, {"--dump-default-config=common"}));
    std::string common = dir.read("out");
    config::Schema commonSchema;
    config::describeCommonSettings(commonSchema);
    std::string body = commonSchema.dumpDefaults("");
    CPPUNIT_ASSERT(common.rfind("# talk.cfg: ", 0) == 0);
    CPPUNIT_ASSERT(common.size() > body.size() && common.compare(common.size() - body.size(), body.size(), body) == 0);
    // Needs no configuration file at all.
    CPPUNIT_ASSERT(!contains(dir.read("err"), "cannot read"));
  }

  void versionHelpAndBadOptions()
  {
    TempDir dir;
    daemon::DaemonSpec spec = testSpec(dir);
    CPPUNIT_ASSERT_EQUAL(0, runToExit(spec, dir, {"--version"}));
    CPPUNIT_ASSERT_EQUAL(std::string("talk-test 9.9\n"), dir.read("out"));
    CPPUNIT_ASSERT_EQUAL(0, runToExit(spec, dir, {"--help"}));
    CPPUNIT_ASSERT(contains(dir.read("out"), "--check-config"));
    CPPUNIT_ASSERT_EQUAL(1, runToExit(spec, dir, {"--no-such-option"}));
    CPPUNIT_ASSERT_EQUAL(1, runToExit(spec, dir, {"--dump-default-config=other"}));
    CPPUNIT_ASSERT_EQUAL(1, runToExit(spec, dir, {"stray"}));
  }

  void lifecycleNotifiesReloadsAndStops()
  {
    TempDir dir;
    NotifySocket notify(dir);
    int port = freePort();
    std::string metrics = "metrics = { listen = \"127.0.0.1:" + std::to_string(port) + "\"; };\n";
    writeConfig(dir, "log = { level = \"info\"; };\n", "test = { greeting = \"hi\"; };\n" + metrics);
    daemon::DaemonSpec spec = testSpec(dir);
    pid_t pid = spawn(spec, dir, {"--config", dir.path() + "/test.cfg", "--foreground"}, Env{notify.path(), false});

    std::string ready = notify.waitFor("READY=1", 15);
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), !ready.empty());
    CPPUNIT_ASSERT_MESSAGE(ready, contains(ready, "STATUS=level=info greeting=hi"));

    // Listeners are bound before READY=1.
    auto status = talk::test::httpGet(port, "/status");
    CPPUNIT_ASSERT_EQUAL(200, status.status);
    CPPUNIT_ASSERT_MESSAGE(status.body, contains(status.body, "\"daemon\":\"talk-test\",\"version\":\"9.9\""));
    CPPUNIT_ASSERT_MESSAGE(status.body, contains(status.body, "\"status\":\"level=info greeting=hi\",\"service\":{\"greeting\":\"hi\"}}"));
    auto scrape = talk::test::httpGet(port, "/metrics");
    CPPUNIT_ASSERT(contains(scrape.body, "talk_build_info{daemon=\"talk-test\",version=\"9.9\"} 1\n"));

    // A good reload: log level and own settings change, seen through the Context.
    dir.write("talk.cfg", "log = { level = \"debug\"; };\n");
    dir.write("test.cfg", "test = { greeting = \"hello again\"; };\n" + metrics);
    ::kill(pid, SIGHUP);
    CPPUNIT_ASSERT(!notify.waitFor("RELOADING=1", 10).empty());
    ready = notify.waitFor("READY=1", 10);
    CPPUNIT_ASSERT_MESSAGE(notify.all(), contains(ready, "STATUS=level=debug greeting=hello again"));

    // A bad file: the old settings stay, the error names file, line and key.
    dir.write("test.cfg", "test = { greting = \"typo\"; };\n");
    ::kill(pid, SIGHUP);
    CPPUNIT_ASSERT(!notify.waitFor("RELOADING=1", 10).empty());
    ready = notify.waitFor("READY=1", 10);
    CPPUNIT_ASSERT_MESSAGE(notify.all(), contains(ready, "STATUS=level=debug greeting=hello again"));

    // The service refuses: the old settings stay, including the log level.
    dir.write("talk.cfg", "log = { level = \"error\"; };\n");
    dir.write("test.cfg", "test = { greeting = \"refused\"; reject_reload = true; };\n" + metrics);
    ::kill(pid, SIGHUP);
    CPPUNIT_ASSERT(!notify.waitFor("RELOADING=1", 10).empty());
    ready = notify.waitFor("READY=1", 10);
    CPPUNIT_ASSERT_MESSAGE(notify.all(), contains(ready, "STATUS=level=debug greeting=hello again"));

    scrape = talk::test::httpGet(port, "/metrics");
    CPPUNIT_ASSERT_MESSAGE(scrape.body, contains(scrape.body, "talk_config_reloads_total{result=\"success\"} 1\n"));
    CPPUNIT_ASSERT_MESSAGE(scrape.body, contains(scrape.body, "talk_config_reloads_total{result=\"failure\"} 2\n"));

    auto started = Clock::now();
    ::kill(pid, SIGTERM);
    CPPUNIT_ASSERT(!notify.waitFor("STOPPING=1", 10).empty());
    CPPUNIT_ASSERT_EQUAL(0, waitExit(pid, 10));
    CPPUNIT_ASSERT(Clock::now() - started < std::chrono::seconds(5));

    std::string err = dir.read("err");
    CPPUNIT_ASSERT_MESSAGE(err, contains(err, "reload failed, keeping the old configuration: " + dir.path() + "/test.cfg:1: test.greting: unknown key"));
    CPPUNIT_ASSERT_MESSAGE(err, contains(err, "reload refused by the service"));
    CPPUNIT_ASSERT_MESSAGE(err, contains(err, "configuration reloaded level=debug"));
    CPPUNIT_ASSERT_MESSAGE(err, contains(err, "stopped daemon=talk-test"));
  }

  void stopWaitsForDrain()
  {
    TempDir dir;
    NotifySocket notify(dir);
    writeConfig(dir, "", "test = { drain_ms = 300; };\n");
    daemon::DaemonSpec spec = testSpec(dir);
    pid_t pid = spawn(spec, dir, {}, Env{notify.path(), false});
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), !notify.waitFor("READY=1", 15).empty());
    auto started = Clock::now();
    ::kill(pid, SIGINT);
    CPPUNIT_ASSERT_EQUAL(0, waitExit(pid, 10));
    auto elapsed = Clock::now() - started;
    CPPUNIT_ASSERT_MESSAGE(std::to_string(std::chrono::duration<double>(elapsed).count()) + "\n" + dir.read("err"), elapsed >= std::chrono::milliseconds(250));
    CPPUNIT_ASSERT(contains(dir.read("err"), "service drained"));
  }

  void stopIsBounded()
  {
    TempDir dir;
    NotifySocket notify(dir);
    writeConfig(dir, "", "test = { never_drain = true; };\n");
    daemon::DaemonSpec spec = testSpec(dir, 0.5);
    pid_t pid = spawn(spec, dir, {}, Env{notify.path(), false});
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), !notify.waitFor("READY=1", 15).empty());
    auto started = Clock::now();
    ::kill(pid, SIGTERM);
    CPPUNIT_ASSERT_EQUAL(0, waitExit(pid, 10));
    auto elapsed = Clock::now() - started;
    CPPUNIT_ASSERT(elapsed >= std::chrono::milliseconds(400));
    CPPUNIT_ASSERT(elapsed < std::chrono::seconds(5));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), "stop did not finish in time"));
  }

  void startupFailuresGiveExitCodes()
  {
    TempDir dir;
    NotifySocket notify(dir);
    daemon::DaemonSpec spec = testSpec(dir);
    writeConfig(dir, "", "test = { port = \"x\"; };\n");
    CPPUNIT_ASSERT_EQUAL(78, waitExit(spawn(spec, dir, {}, Env{notify.path(), false}), 20));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), "configuration error: " + dir.path() + "/test.cfg:1: test.port: expected an integer"));

    writeConfig(dir, "", "test = { fail_start = true; };\n");
    CPPUNIT_ASSERT_EQUAL(1, waitExit(spawn(spec, dir, {}, Env{notify.path(), false}), 20));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), "startup failed: refusing to start"));

    writeConfig(dir, "", "test = { config_error_at_start = true; };\n");
    CPPUNIT_ASSERT_EQUAL(78, waitExit(spawn(spec, dir, {}, Env{notify.path(), false}), 20));

    // The metrics port is taken: a startup failure, not a config error.
    UniqueFd busy(::socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in sin
    {
    };
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CPPUNIT_ASSERT(::bind(busy.get(), reinterpret_cast<struct sockaddr*>(&sin), sizeof(sin)) == 0);
    socklen_t len = sizeof(sin);
    ::getsockname(busy.get(), reinterpret_cast<struct sockaddr*>(&sin), &len);
    ::listen(busy.get(), 1);
    writeConfig(dir, "", "metrics = { listen = \"127.0.0.1:" + std::to_string(ntohs(sin.sin_port)) + "\"; };\n");
    CPPUNIT_ASSERT_EQUAL(1, waitExit(spawn(spec, dir, {}, Env{notify.path(), false}), 20));
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), contains(dir.read("err"), "Address already in use"));

    // None of these ever reported readiness.
    CPPUNIT_ASSERT_MESSAGE(notify.all(), notify.waitFor("READY=1", 0.2).empty());
  }

  void watchdogPings()
  {
    TempDir dir;
    NotifySocket notify(dir);
    writeConfig(dir, "", "");
    daemon::DaemonSpec spec = testSpec(dir);
    pid_t pid = spawn(spec, dir, {}, Env{notify.path(), true});
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), !notify.waitFor("READY=1", 15).empty());
    // WATCHDOG_USEC=200000: a ping every 0.1 s.
    CPPUNIT_ASSERT(!notify.waitFor("WATCHDOG=1", 5).empty());
    CPPUNIT_ASSERT(!notify.waitFor("WATCHDOG=1", 5).empty());
    ::kill(pid, SIGTERM);
    CPPUNIT_ASSERT_EQUAL(0, waitExit(pid, 10));
  }

  void journalFormatUnderSystemd()
  {
    TempDir dir;
    NotifySocket notify(dir);
    writeConfig(dir, "", "");
    daemon::DaemonSpec spec = testSpec(dir);
    pid_t pid = spawn(spec, dir, {}, Env{notify.path(), false, true});
    CPPUNIT_ASSERT_MESSAGE(dir.read("err"), !notify.waitFor("READY=1", 15).empty());
    ::kill(pid, SIGTERM);
    CPPUNIT_ASSERT_EQUAL(0, waitExit(pid, 10));
    std::string err = dir.read("err");
    // <5> = notice, no time stamp (journald adds its own).
    CPPUNIT_ASSERT_MESSAGE(err, err.rfind("<5>daemon: started daemon=talk-test version=9.9", 0) == 0);
    CPPUNIT_ASSERT_MESSAGE(err, contains(err, "\n<5>daemon: stopping signal=15\n"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DaemonTest);
