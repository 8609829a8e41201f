// libFuzzer target for the Janus API request path: the frame parser alone, then the whole
// control plane (core verbs + VideoRoom state machine over a fake media engine). Frames are
// separated by NUL bytes so one input can walk through a session; ids are drawn from a
// counter starting at 1000, so the fuzzer can learn to address the sessions it creates.
#include "FakeMediaEngine.hpp"
#include "sfu/control/JanusApi.hpp"

#define TLOG_COMPONENT "fuzz"
#include "common/log/Logger.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

class NullConnection final : public talk::sfu::control::ClientConnection
{
public:
  void sendText(std::string text) override { bytes += text.size(); }
  size_t bytes{0};
};

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static const bool quiet = (talk::log::setLevel(talk::log::Level::Error), true);
  (void)quiet;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)talk::sfu::control::parseFrame(input);

  talk::sfu::testing::FakeMediaEngine engine;
  uint64_t nextId = 1000;
  int64_t now = 0;
  talk::sfu::control::JanusApi api({}, engine, {}, [&now] { return now; }, [&nextId] { return nextId++; });
  NullConnection connection;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\0', start);
    if (end == std::string_view::npos) {
      end = input.size();
    }
    api.onFrame(connection, input.substr(start, end - start));
    // Let media events happen between frames: every live publisher comes up.
    for (auto& [feed, publisher] : engine.publishers) {
      publisher->listener.onWebrtcUp();
    }
    now += 20000;
    api.expireSessions();
    start = end + 1;
  }
  api.onConnectionClosed(connection);
  return 0;
}
