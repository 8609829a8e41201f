// libFuzzer target: signaling client frames through MessageCodec. Decoding must never
// throw or crash, whatever the bytes (invalid UTF-8, lone surrogate escapes, deep nesting,
// huge numbers); every value it hands out must serialise, and what encode() writes must
// parse again.
#include "signaling/protocol/MessageCodec.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace talk::signaling;
using namespace talk::signaling::protocol;

namespace {

void mustRoundTrip(const Json& value)
{
  std::string text = MessageCodec::encode(value);
  if (!MessageCodec::parse(text)) {
    abort();
  }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  DecodeResult result = MessageCodec::decode(text);
  if (auto* failure = std::get_if<DecodeFailure>(&result)) {
    mustRoundTrip(MessageCodec::error(failure->id, failure->error));
    return 0;
  }
  if (auto* message = std::get_if<ClientMessage>(&result)) {
    std::visit(
      [](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, HelloRequest>) {
          mustRoundTrip(body.params);
        } else if constexpr (std::is_same_v<T, MessageRequest>) {
          mustRoundTrip(body.data);
        } else if constexpr (std::is_same_v<T, TransientRequest>) {
          mustRoundTrip(body.value);
        } else if constexpr (std::is_same_v<T, RoomRequest>) {
          mustRoundTrip(body.federation);
        }
      },
      message->body);
    mustRoundTrip(MessageCodec::bye(message->id, "x"));
  }
  return 0;
}
