#pragma once
// JSON ⇄ typed signaling messages. decode() never throws: malformed JSON, invalid UTF-8,
// nesting deeper than MaxDepth, wrong field types and missing mandatory fields all come
// back as a DecodeFailure carrying the protocol error for the client. encode() never
// throws either: strings that are not valid UTF-8 (they can only come from outside JSON,
// e.g. HTTP headers) are written with U+FFFD instead of aborting the serialisation.
#include "signaling/protocol/Messages.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace talk::signaling::protocol {

class MessageCodec
{
public:
  static constexpr int MaxDepth = 64;

  // A client frame (spec §2).
  static DecodeResult decode(std::string_view text) noexcept;
  // Any JSON document (bus payloads, backend bodies); nullopt when invalid or too deep.
  static std::optional<Json> parse(std::string_view text) noexcept;
  static std::string encode(const Json& message) noexcept;

  // Server messages (spec §2–§8). `id` "" = no id.
  static Json error(std::string_view id, const ProtocolError& error);
  static Json bye(std::string_view id, std::string_view reason);
  static Json welcome(std::string_view version, const std::vector<std::string>& features);
};

// Number helpers for opaque values: Talk sends in-call flags as integers or booleans.
std::optional<int64_t> toInteger(const Json& value);

}
