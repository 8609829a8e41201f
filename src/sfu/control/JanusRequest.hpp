#pragma once
// Parsing of Janus API frames (protocol layer, no I/O): one WebSocket text frame holds
// one JSON object or several concatenated ones (janus-api.md §1.2). Each becomes either a
// JanusRequest with a validated envelope (§2.1) or a RequestError to send back.
// Never throws; fuzzed by tests/fuzz/FuzzJanusRequest.cpp.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace talk::sfu::control {

struct JanusRequest
{
  nlohmann::json message; // the whole object (verb-specific members are read from here)
  std::string verb;
  std::string transaction;
  uint64_t sessionId{0}; // 0 = absent
  uint64_t handleId{0};  // 0 = absent
};

struct RequestError
{
  int code{0};
  std::string reason;
  std::optional<std::string> transaction; // echoed when it could be read
  uint64_t sessionId{0};
};

using ParsedRequest = std::variant<JanusRequest, RequestError>;

// Nesting deeper than this is refused before the JSON parser sees it (its recursion is
// bounded by the input otherwise).
constexpr size_t MaxJsonDepth = 64;

std::vector<ParsedRequest> parseFrame(std::string_view frame);

// Reads an optional id member: absent/null → 0; positive integer → value;
// anything else (string, float, negative, zero) → nullopt.
std::optional<uint64_t> readId(const nlohmann::json& object, const char* key);

}
