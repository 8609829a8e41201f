#define TLOG_COMPONENT "talk-nats"
#include "nats/cli/NatsCli.hpp"

#include "common/ev/EventLoop.hpp"
#include "common/ev/Watchers.hpp"
#include "common/log/Logger.hpp"
#include "nats/BusError.hpp"
#include "nats/BusFactory.hpp"
#include "nats/cli/Bench.hpp"

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <getopt.h>
#include <memory>
#include <string>
#include <string_view>

namespace talk::nats::cli {

namespace {

constexpr const char* DefaultServer = "nats://127.0.0.1:4222";

class UsageError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

void printUsage(FILE* out)
{
  std::fprintf(out,
    "Usage: talk-nats [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  pub SUBJECT MSG      publish MSG (--count N times); MSG \"-\" reads stdin\n"
    "  sub SUBJECT          print \"SUBJECT PAYLOAD\" per message (wildcards * and >);\n"
    "                       stops after --count N messages or --timeout S seconds\n"
    "  request SUBJECT MSG  send a request and print the reply (--timeout S, default 5)\n"
    "  reply SUBJECT MSG    answer every request on SUBJECT with MSG (--count N)\n"
    "  bench                throughput and request latency (--msgs N --size B\n"
    "                       --requests N --pub-only)\n"
    "\n"
    "Options:\n"
    "  -s, --server URL     server URL(s), comma-separated (default $NATS_URL, else %s)\n"
    "      --token T        authenticate with a token\n"
    "      --user U --password P   authenticate with user and password\n"
    "      --creds FILE     authenticate with a NATS .creds file (JWT + NKey seed)\n"
    "      --tls-ca FILE    use TLS and trust the CA certificates in FILE\n"
    "      --name NAME      connection name shown by the server\n"
    "      --connect-timeout S   bound on connecting (default 2 seconds)\n"
    "  -c, --count N        number of messages (pub, sub, reply)\n"
    "  -t, --timeout S      seconds to wait (sub, request, reply)\n"
    "  -q, --queue GROUP    subscribe as a member of a queue group (sub, reply)\n"
    "      --msgs N         bench: messages for the throughput test (default 100000)\n"
    "      --size B         bench: payload size in bytes (default 128)\n"
    "      --requests N     bench: requests for the latency test (default 2000, 0 = none)\n"
    "      --pub-only       bench: publish without a subscriber\n"
    "  -v, --verbose        log connection events and debug output\n"
    "  -V, --version        print the version\n"
    "  -h, --help           print this help\n"
    "\n"
    "Exit status: 0 success, 1 failure (connection, authentication, timeout, no\n"
    "responders), 2 usage error.\n",
    DefaultServer);
}

int64_t parseCount(const char* name, const char* text, int64_t min)
{
  std::string_view view(text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size() || value < min) {
    throw UsageError(std::string("invalid ") + name + " '" + text + "': expected an integer >= " + std::to_string(min));
  }
  return value;
}

double parseSeconds(const char* name, const char* text)
{
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value > 0.0) || value > 86400.0 * 365) {
    throw UsageError(std::string("invalid ") + name + " '" + text + "': expected a positive number of seconds");
  }
  return value;
}

CliOptions parse(int argc, char** argv, bool& exitNow)
{
  enum
  {
    OptToken = 1000,
    OptUser,
    OptPassword,
    OptCreds,
    OptTlsCa,
    OptName,
    OptConnectTimeout,
    OptMsgs,
    OptSize,
    OptRequests,
    OptPubOnly,
  };
  static const option longOptions[] = {
    {"server", required_argument, nullptr, 's'},
    {"token", required_argument, nullptr, OptToken},
    {"user", required_argument, nullptr, OptUser},
    {"password", required_argument, nullptr, OptPassword},
    {"creds", required_argument, nullptr, OptCreds},
    {"tls-ca", required_argument, nullptr, OptTlsCa},
    {"name", required_argument, nullptr, OptName},
    {"connect-timeout", required_argument, nullptr, OptConnectTimeout},
    {"count", required_argument, nullptr, 'c'},
    {"timeout", required_argument, nullptr, 't'},
    {"queue", required_argument, nullptr, 'q'},
    {"msgs", required_argument, nullptr, OptMsgs},
    {"size", required_argument, nullptr, OptSize},
    {"requests", required_argument, nullptr, OptRequests},
    {"pub-only", no_argument, nullptr, OptPubOnly},
    {"verbose", no_argument, nullptr, 'v'},
    {"version", no_argument, nullptr, 'V'},
    {"help", no_argument, nullptr, 'h'},
    {nullptr, 0, nullptr, 0},
  };

  CliOptions options;
  const char* env = std::getenv("NATS_URL");
  options.bus.url = env != nullptr && *env != '\0' ? env : DefaultServer;
  options.bus.name = "talk-nats";
  // Tools should give up on a dead server quickly and retry briskly after an outage.
  options.bus.reconnectWait = std::chrono::milliseconds(250);
  options.bus.reconnectJitter = std::chrono::milliseconds(100);

  opterr = 0;
  optind = 1;
  int c = 0;
  while ((c = getopt_long(argc, argv, ":s:c:t:q:vVh", longOptions, nullptr)) != -1) {
    switch (c) {
    case 's':
      options.bus.url = optarg;
      break;
    case OptToken:
      options.bus.token = optarg;
      break;
    case OptUser:
      options.bus.user = optarg;
      break;
    case OptPassword:
      options.bus.password = optarg;
      break;
    case OptCreds:
      options.bus.credentialsFile = optarg;
      break;
    case OptTlsCa:
      options.bus.tlsCa = optarg;
      break;
    case OptName:
      options.bus.name = optarg;
      break;
    case OptConnectTimeout:
      options.bus.connectTimeout =
        std::chrono::milliseconds(static_cast<int64_t>(parseSeconds("--connect-timeout", optarg) * 1000.0 + 0.5));
      break;
    case 'c':
      options.count = parseCount("--count", optarg, 1);
      break;
    case 't':
      options.timeoutSeconds = parseSeconds("--timeout", optarg);
      break;
    case 'q':
      options.queueGroup = optarg;
      break;
    case OptMsgs:
      options.benchMessages = parseCount("--msgs", optarg, 1);
      break;
    case OptSize:
      options.benchSize = parseCount("--size", optarg, 0);
      break;
    case OptRequests:
      options.benchRequests = parseCount("--requests", optarg, 0);
      break;
    case OptPubOnly:
      options.benchPubOnly = true;
      break;
    case 'v':
      options.verbose = true;
      break;
    case 'V':
      std::printf("talk-nats %s\n", PACKAGE_VERSION);
      exitNow = true;
      return options;
    case 'h':
      printUsage(stdout);
      exitNow = true;
      return options;
    case ':':
      throw UsageError(std::string("option '") + argv[optind - 1] + "' needs a value");
    default:
      throw UsageError(std::string("unknown option '") + argv[optind - 1] + "'");
    }
  }
  if (optind >= argc) {
    throw UsageError("no command given (pub, sub, request, reply, bench)");
  }
  options.command = argv[optind++];
  for (int i = optind; i < argc; ++i) {
    options.args.emplace_back(argv[i]);
  }

  size_t wanted = 0;
  if (options.command == "pub" || options.command == "request" || options.command == "reply") {
    wanted = 2;
  }
  else if (options.command == "sub") {
    wanted = 1;
  }
  else if (options.command == "bench") {
    wanted = 0;
  }
  else {
    throw UsageError("unknown command '" + options.command + "'");
  }
  if (options.args.size() != wanted) {
    throw UsageError("'" + options.command + "' takes " + std::to_string(wanted) + " argument(s), got " +
      std::to_string(options.args.size()));
  }
  if (wanted == 2 && options.args[1] == "-") {
    // MSG "-" reads the payload from stdin (payloads can be larger than an argument).
    std::string payload;
    char buffer[65536];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) {
      payload.append(buffer, n);
      if (payload.size() > 64u * 1024 * 1024) {
        throw UsageError("payload on stdin is larger than 64 MiB");
      }
    }
    options.args[1] = std::move(payload);
  }
  return options;
}

// One command's run: loop, bus, signals, an optional deadline, and the exit code.
class Session : private ev::SignalWatcher::Listener, private ev::Timer::Listener, private Bus::Listener
{
public:
  explicit Session(const CliOptions& options) :
    d_options(options),
    d_int(d_loop, this, SIGINT),
    d_term(d_loop, this, SIGTERM),
    d_deadline(d_loop, this)
  {
    d_bus = makeBus(d_loop, options.bus);
    d_bus->setListener(this);
  }

  Bus& bus() { return *d_bus; }
  ev::EventLoop& loop() { return d_loop; }

  // Runs until finish(); the deadline (if any) calls onDeadline.
  int run(double deadlineSeconds, std::function<int()> onDeadline)
  {
    d_onDeadline = std::move(onDeadline);
    if (deadlineSeconds > 0) {
      d_deadline.start(deadlineSeconds);
    }
    d_loop.run();
    return d_exitCode;
  }

  void finish(int code)
  {
    if (!d_finished) {
      d_finished = true;
      d_exitCode = code;
    }
    d_loop.stop();
  }

  void fail(const std::string& message)
  {
    std::fprintf(stderr, "talk-nats: %s\n", message.c_str());
    finish(NatsCli::ExitFailure);
  }

  // Interrupting a listener (sub/reply) is its normal end.
  int interruptCode{NatsCli::ExitFailure};

private:
  void onSignal(ev::SignalWatcher& /*watcher*/, int /*signal*/) override { finish(interruptCode); }
  void onTimer(ev::Timer& /*timer*/) override { finish(d_onDeadline ? d_onDeadline() : NatsCli::ExitFailure); }
  void onBusState(ConnectionState state, const std::string& detail) override
  {
    if (state == ConnectionState::Disconnected) {
      std::fprintf(stderr, "talk-nats: disconnected from %s%s%s, reconnecting\n", d_options.bus.url.c_str(),
        detail.empty() ? "" : ": ", detail.c_str());
    }
    else if (state == ConnectionState::Reconnected) {
      std::fprintf(stderr, "talk-nats: reconnected\n");
    }
    else if (state == ConnectionState::Closed) {
      fail("connection closed" + (detail.empty() ? std::string() : ": " + detail));
    }
  }

  const CliOptions& d_options;
  ev::EventLoop d_loop;
  ev::SignalWatcher d_int;
  ev::SignalWatcher d_term;
  ev::Timer d_deadline;
  std::unique_ptr<Bus> d_bus;
  std::function<int()> d_onDeadline;
  int d_exitCode{NatsCli::ExitOk};
  bool d_finished{false};
};

std::chrono::milliseconds toMs(double seconds)
{
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0 + 0.5));
}

// Publishes in slices so the loop can write (and read) between them.
class Publisher : private ev::Timer::Listener
{
public:
  Publisher(Session& session, std::string subject, std::string payload, int64_t count) :
    d_session(session), d_subject(std::move(subject)), d_payload(std::move(payload)), d_left(count),
    d_timer(session.loop(), this)
  {
    d_timer.start(0.0);
  }

private:
  void onTimer(ev::Timer& /*timer*/) override
  {
    constexpr int Slice = 1000;
    try {
      for (int i = 0; i < Slice && d_left > 0; ++i, --d_left) {
        d_session.bus().publish(d_subject, d_payload);
      }
    }
    catch (const std::exception& e) {
      d_session.fail(e.what());
      return;
    }
    if (d_left > 0) {
      d_timer.start(0.0);
      return;
    }
    d_session.bus().flush(std::chrono::seconds(10), [this](bool ok) {
      if (ok) {
        d_session.finish(NatsCli::ExitOk);
      }
      else {
        d_session.fail("server did not confirm the published messages within 10 s");
      }
    });
  }

  Session& d_session;
  std::string d_subject;
  std::string d_payload;
  int64_t d_left;
  ev::Timer d_timer;
};

int commandPub(const CliOptions& options)
{
  Session session(options);
  Publisher publisher(session, options.args[0], options.args[1], options.count > 0 ? options.count : 1);
  return session.run(-1, nullptr);
}

int commandSub(const CliOptions& options, bool reply)
{
  Session session(options);
  session.interruptCode = NatsCli::ExitOk;
  int64_t received = 0;
  const std::string& subject = options.args[0];
  Subscription sub = session.bus().subscribe(subject, options.queueGroup, [&](const Message& m) {
    std::printf("%s %.*s\n", m.subject.c_str(), static_cast<int>(m.payload.size()), m.payload.data());
    std::fflush(stdout);
    if (reply) {
      if (m.reply.empty()) {
        std::fprintf(stderr, "talk-nats: message on %s has no reply subject, not answering\n", m.subject.c_str());
      }
      else {
        session.bus().publish(m.reply, options.args[1]);
      }
    }
    ++received;
    if (options.count > 0 && received >= options.count) {
      // Let the last reply reach the server before leaving.
      session.bus().flush(std::chrono::seconds(5), [&](bool /*ok*/) { session.finish(NatsCli::ExitOk); });
    }
  });
  session.bus().flush(toMs(options.bus.connectTimeout.count() / 1000.0 + 5.0), [&](bool ok) {
    if (ok) {
      // Scripts wait for this line: from here on, nothing published is missed.
      std::fprintf(stderr, "talk-nats: listening on %s\n", subject.c_str());
    }
    else {
      session.fail("server did not confirm the subscription");
    }
  });
  return session.run(options.timeoutSeconds, [&] {
    if (options.count > 0 && received < options.count) {
      std::fprintf(stderr, "talk-nats: timeout after %g s: received %lld of %lld messages\n", options.timeoutSeconds,
        static_cast<long long>(received), static_cast<long long>(options.count));
      return NatsCli::ExitFailure;
    }
    return NatsCli::ExitOk;
  });
}

int commandRequest(const CliOptions& options)
{
  Session session(options);
  double timeout = options.timeoutSeconds > 0 ? options.timeoutSeconds : 5.0;
  const std::string& subject = options.args[0];
  session.bus().request(subject, options.args[1], toMs(timeout), [&](RequestResult&& result) {
    switch (result.status) {
    case RequestStatus::Ok:
      std::printf("%.*s\n", static_cast<int>(result.reply.payload.size()), result.reply.payload.data());
      std::fflush(stdout);
      session.finish(NatsCli::ExitOk);
      return;
    case RequestStatus::NoResponders:
      session.fail("no responders on " + subject);
      return;
    case RequestStatus::Timeout:
      session.fail("no reply on " + subject + " within " + std::to_string(timeout) + " s");
      return;
    }
  });
  return session.run(-1, nullptr);
}

}

int NatsCli::run(int argc, char** argv)
{
  CliOptions options;
  try {
    bool exitNow = false;
    options = parse(argc, argv, exitNow);
    if (exitNow) {
      return ExitOk;
    }
  }
  catch (const UsageError& e) {
    std::fprintf(stderr, "talk-nats: %s\nTry 'talk-nats --help'.\n", e.what());
    return ExitUsage;
  }

  log::detectSink();
  log::setLevel(options.verbose ? log::Level::Debug : log::Level::Error);
  if (options.verbose) {
    log::setDebugCategories("nats");
  }
  // A reader that went away (talk-nats sub | head) ends us quietly, not by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);

  try {
    if (options.command == "pub") {
      return commandPub(options);
    }
    if (options.command == "sub") {
      return commandSub(options, false);
    }
    if (options.command == "reply") {
      return commandSub(options, true);
    }
    if (options.command == "request") {
      return commandRequest(options);
    }
    return Bench::run(options);
  }
  catch (const std::exception& e) {
    std::fprintf(stderr, "talk-nats: %s\n", e.what());
    return ExitFailure;
  }
}

}
