#include "sfu/control/JanusRequest.hpp"

#include "sfu/control/JanusErrors.hpp"

namespace talk::sfu::control {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits a frame into top-level values without parsing them: returns the end offset of
// the value starting at `begin` (an object or array is closed by its matching bracket;
// anything else runs to the end of the frame). Sets tooDeep when nesting exceeds the
// limit. Strings are skipped with their escapes, so brackets inside SDP do not count.
size_t valueEnd(std::string_view text, size_t begin, bool& tooDeep)
{
  if (text[begin] != '{' && text[begin] != '[') {
    return text.size();
  }
  size_t depth = 0;
  bool inString = false;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      }
      else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    }
    else if (c == '{' || c == '[') {
      if (++depth > MaxJsonDepth) {
        tooDeep = true;
        return text.size();
      }
    }
    else if (c == '}' || c == ']') {
      if (depth == 0) {
        return i + 1; // unbalanced: let the parser report it
      }
      if (--depth == 0) {
        return i + 1;
      }
    }
  }
  return text.size(); // unterminated: the parser reports it
}

ParsedRequest parseOne(std::string_view text)
{
  nlohmann::json message = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (message.is_discarded()) {
    return RequestError{CoreError::InvalidJson, "JSON error: not valid JSON (or not UTF-8)", std::nullopt, 0};
  }
  if (!message.is_object()) {
    return RequestError{CoreError::InvalidJsonObject, "JSON error: not an object", std::nullopt, 0};
  }
  RequestError error;
  auto transaction = message.find("transaction");
  if (transaction != message.end() && transaction->is_string()) {
    error.transaction = transaction->get<std::string>();
  }
  if (auto session = readId(message, "session_id")) {
    error.sessionId = *session;
  }
  if (transaction == message.end()) {
    error.code = CoreError::MissingMandatoryElement;
    error.reason = "Missing mandatory element (transaction)";
    return error;
  }
  if (!transaction->is_string()) {
    error.code = CoreError::InvalidElementType;
    error.reason = "Invalid element type (transaction should be a string)";
    return error;
  }
  auto verb = message.find("janus");
  if (verb == message.end()) {
    error.code = CoreError::MissingMandatoryElement;
    error.reason = "Missing mandatory element (janus)";
    return error;
  }
  if (!verb->is_string()) {
    error.code = CoreError::InvalidElementType;
    error.reason = "Invalid element type (janus should be a string)";
    return error;
  }
  auto sessionId = readId(message, "session_id");
  if (!sessionId) {
    error.code = CoreError::InvalidElementType;
    error.reason = "Invalid element type (session_id should be a positive integer)";
    return error;
  }
  auto handleId = readId(message, "handle_id");
  if (!handleId) {
    error.code = CoreError::InvalidElementType;
    error.reason = "Invalid element type (handle_id should be a positive integer)";
    return error;
  }
  JanusRequest request;
  request.verb = verb->get<std::string>();
  request.transaction = transaction->get<std::string>();
  request.sessionId = *sessionId;
  request.handleId = *handleId;
  request.message = std::move(message);
  return request;
}

}

std::optional<uint64_t> readId(const nlohmann::json& object, const char* key)
{
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return uint64_t{0};
  }
  if (it->is_number_unsigned()) {
    return it->get<uint64_t>();
  }
  if (it->is_number_integer()) {
    const int64_t value = it->get<int64_t>();
    if (value >= 0) {
      return static_cast<uint64_t>(value);
    }
  }
  return std::nullopt;
}

std::vector<ParsedRequest> parseFrame(std::string_view frame)
{
  std::vector<ParsedRequest> out;
  size_t pos = 0;
  while (true) {
    while (pos < frame.size() && isSpace(frame[pos])) {
      ++pos;
    }
    if (pos >= frame.size()) {
      break;
    }
    bool tooDeep = false;
    const size_t end = valueEnd(frame, pos, tooDeep);
    if (tooDeep) {
      out.emplace_back(RequestError{CoreError::InvalidJson, "JSON error: nested too deeply", std::nullopt, 0});
      break;
    }
    out.push_back(parseOne(frame.substr(pos, end - pos)));
    if (std::holds_alternative<RequestError>(out.back()) &&
        std::get<RequestError>(out.back()).code == CoreError::InvalidJson) {
      break; // nothing after garbage can be trusted to start a new value
    }
    pos = end;
  }
  if (out.empty()) {
    out.emplace_back(RequestError{CoreError::MissingRequest, "Empty request", std::nullopt, 0});
  }
  return out;
}

}
