#include "signaling/protocol/MessageCodec.hpp"

namespace talk::signaling::protocol {

const char* recipientTypeName(RecipientType type)
{
  switch (type) {
  case RecipientType::Session:
    return "session";
  case RecipientType::User:
    return "user";
  case RecipientType::Room:
    return "room";
  case RecipientType::Call:
    return "call";
  }
  return "session";
}

namespace {

// Depth of the deepest array/object, counted without parsing (strings skipped), so a
// hostile document is refused before the recursive parts of nlohmann (dump, compare) see it.
bool withinDepth(std::string_view text, int maxDepth)
{
  int depth = 0;
  bool inString = false;
  bool escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) {
        return false;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

int hexValue(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The code unit of a "\uXXXX" escape starting at text[i] (the backslash), or -1.
int escapeAt(std::string_view text, size_t i)
{
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') {
    return -1;
  }
  int value = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    int digit = hexValue(text[k]);
    if (digit < 0) {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

// JSON text may escape lone UTF-16 surrogates ("\ud800"), which are no Unicode: Go
// (upstream) decodes them as U+FFFD, nlohmann refuses the whole document. Rewrite them to
// \ufffd so such a message gets the answer it would get upstream (with its id).
std::optional<std::string> replaceLoneSurrogates(std::string_view text)
{
  std::string out;
  size_t copied = 0; // text[0, copied) is in out
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!inString) {
      inString = c == '"';
      continue;
    }
    if (c == '"') {
      inString = false;
      continue;
    }
    if (c != '\\') {
      continue;
    }
    const int unit = escapeAt(text, i);
    if (unit < 0) {
      ++i; // an escape like \" or \n: skip the escaped character
      continue;
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const int next = escapeAt(text, i + 6);
      if (next >= 0xDC00 && next <= 0xDFFF) {
        i += 11; // a valid pair
        continue;
      }
    } else if (unit < 0xDC00 || unit > 0xDFFF) {
      i += 5; // an ordinary escape
      continue;
    }
    out.append(text.substr(copied, i - copied));
    out.append("\\ufffd");
    copied = i + 6;
    i += 5;
  }
  if (copied == 0) {
    return std::nullopt;
  }
  out.append(text.substr(copied));
  return out;
}

struct Invalid
{
  ProtocolError error;
};

[[noreturn]] void invalid(std::string message, std::string code = "invalid_format")
{
  throw Invalid{ProtocolError{std::move(code), std::move(message), nullptr}};
}

const Json& member(const Json& object, const char* key)
{
  static const Json null;
  if (!object.is_object()) {
    return null;
  }
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

std::string optString(const Json& object, const char* key, const char* what)
{
  const Json& value = member(object, key);
  if (value.is_null()) {
    return {};
  }
  if (!value.is_string()) {
    invalid(std::string(what) + "." + key + " must be a string");
  }
  return value.get<std::string>();
}

std::optional<int64_t> optInteger(const Json& object, const char* key, const char* what)
{
  const Json& value = member(object, key);
  if (value.is_null()) {
    return std::nullopt;
  }
  auto number = toInteger(value);
  if (!number) {
    invalid(std::string(what) + "." + key + " must be an integer");
  }
  return number;
}

const Json& requireObject(const Json& message, const char* key)
{
  const Json& value = member(message, key);
  if (!value.is_object()) {
    invalid(std::string("missing ") + key + " object");
  }
  return value;
}

HelloRequest decodeHello(const Json& hello)
{
  HelloRequest request;
  request.version = optString(hello, "version", "hello");
  if (request.version != "1.0" && request.version != "2.0") {
    invalid("unsupported hello version", "invalid_hello_version");
  }
  const Json& features = member(hello, "features");
  if (features.is_array()) {
    for (const Json& feature : features) {
      if (feature.is_string()) {
        request.features.push_back(feature.get<std::string>());
      }
    }
  } else if (!features.is_null()) {
    invalid("hello.features must be a list");
  }
  request.resumeId = optString(hello, "resumeid", "hello");
  if (!request.resumeId.empty()) {
    return request;
  }
  const Json& auth = member(hello, "auth");
  if (!auth.is_object()) {
    invalid("missing hello.auth");
  }
  std::string type = optString(auth, "type", "hello.auth");
  if (type.empty() || type == "client") {
    request.authType = AuthType::Client;
  } else if (type == "internal") {
    request.authType = AuthType::Internal;
  } else if (type == "federation") {
    request.authType = AuthType::Federation;
  } else {
    invalid("unsupported auth type", "invalid_client_type");
  }
  request.url = optString(auth, "url", "hello.auth");
  request.params = member(auth, "params");
  if (!request.params.is_object()) {
    invalid("missing hello.auth.params");
  }
  if (request.authType != AuthType::Internal && request.url.empty()) {
    invalid("missing hello.auth.url");
  }
  if (request.authType != AuthType::Internal && request.version == "2.0" && !member(request.params, "token").is_string()) {
    invalid("missing hello.auth.params.token");
  }
  return request;
}

RoomRequest decodeRoom(const Json& room)
{
  RoomRequest request;
  request.roomId = optString(room, "roomid", "room");
  request.sessionId = optString(room, "sessionid", "room");
  request.federation = member(room, "federation");
  if (!request.federation.is_null() && !request.federation.is_object()) {
    invalid("room.federation must be an object");
  }
  return request;
}

MessageRequest decodeMessage(const Json& message, bool control)
{
  const char* what = control ? "control" : "message";
  MessageRequest request;
  request.control = control;
  const Json& recipient = member(message, "recipient");
  if (!recipient.is_object()) {
    invalid(std::string("missing ") + what + ".recipient");
  }
  std::string type = optString(recipient, "type", "recipient");
  if (type == "session") {
    request.recipient.type = RecipientType::Session;
    request.recipient.sessionId = optString(recipient, "sessionid", "recipient");
    if (request.recipient.sessionId.empty()) {
      invalid("missing recipient.sessionid");
    }
  } else if (type == "user") {
    request.recipient.type = RecipientType::User;
    request.recipient.userId = optString(recipient, "userid", "recipient");
    if (request.recipient.userId.empty()) {
      invalid("missing recipient.userid");
    }
  } else if (type == "room") {
    request.recipient.type = RecipientType::Room;
  } else if (type == "call") {
    request.recipient.type = RecipientType::Call;
  } else {
    invalid("unsupported recipient type");
  }
  request.data = member(message, "data");
  if (request.data.is_null() || (request.data.is_object() && request.data.empty())) {
    invalid(std::string("missing ") + what + ".data");
  }
  return request;
}

InternalRequest decodeInternal(const Json& internal)
{
  std::string type = optString(internal, "type", "internal");
  if (type == "addsession") {
    const Json& add = requireObject(internal, "addsession");
    AddSession body;
    body.sessionId = optString(add, "sessionid", "addsession");
    body.roomId = optString(add, "roomid", "addsession");
    body.userId = optString(add, "userid", "addsession");
    body.user = member(add, "user");
    body.flags = optInteger(add, "flags", "addsession");
    body.inCall = optInteger(add, "incall", "addsession");
    body.options = member(add, "options");
    if (body.sessionId.empty() || body.roomId.empty()) {
      invalid("addsession needs sessionid and roomid");
    }
    return {body};
  }
  if (type == "updatesession") {
    const Json& update = requireObject(internal, "updatesession");
    UpdateSession body;
    body.sessionId = optString(update, "sessionid", "updatesession");
    body.roomId = optString(update, "roomid", "updatesession");
    body.flags = optInteger(update, "flags", "updatesession");
    body.inCall = optInteger(update, "incall", "updatesession");
    if (body.sessionId.empty()) {
      invalid("updatesession needs sessionid");
    }
    return {body};
  }
  if (type == "removesession") {
    const Json& remove = requireObject(internal, "removesession");
    RemoveSession body;
    body.sessionId = optString(remove, "sessionid", "removesession");
    body.roomId = optString(remove, "roomid", "removesession");
    body.userId = optString(remove, "userid", "removesession");
    if (body.sessionId.empty()) {
      invalid("removesession needs sessionid");
    }
    return {body};
  }
  if (type == "incall") {
    const Json& incall = requireObject(internal, "incall");
    auto value = optInteger(incall, "incall", "incall");
    if (!value) {
      invalid("incall needs incall");
    }
    return {InternalInCall{*value}};
  }
  if (type == "dialout") {
    const Json& dialout = requireObject(internal, "dialout");
    DialoutReport body;
    body.type = optString(dialout, "type", "dialout");
    body.roomId = optString(dialout, "roomid", "dialout");
    body.status = member(dialout, "status");
    body.error = member(dialout, "error");
    body.raw = dialout;
    return {body};
  }
  invalid("unsupported internal type");
}

TransientRequest decodeTransient(const Json& transient)
{
  TransientRequest request;
  std::string type = optString(transient, "type", "transient");
  if (type == "set") {
    request.type = TransientType::Set;
  } else if (type == "remove") {
    request.type = TransientType::Remove;
  } else {
    invalid("unsupported transient type", "ignored");
  }
  request.key = optString(transient, "key", "transient");
  if (request.key.empty()) {
    invalid("missing transient.key");
  }
  request.value = member(transient, "value");
  request.ttlNanos = optInteger(transient, "ttl", "transient");
  if (request.ttlNanos && *request.ttlNanos < 0) {
    invalid("transient.ttl must not be negative");
  }
  return request;
}

}

std::optional<int64_t> toInteger(const Json& value)
{
  if (value.is_boolean()) {
    return value.get<bool>() ? 1 : 0;
  }
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return value.get<int64_t>();
  }
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    // Integral floats (1e3) are accepted; fractions and out-of-range values are not.
    if (d >= -9.2e18 && d <= 9.2e18 && static_cast<double>(static_cast<int64_t>(d)) == d) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<Json> MessageCodec::parse(std::string_view text) noexcept
{
  if (!withinDepth(text, MaxDepth)) {
    return std::nullopt;
  }
  try {
    std::optional<std::string> repaired;
    if (text.find("\\u") != std::string_view::npos) {
      repaired = replaceLoneSurrogates(text);
    }
    Json value = repaired ? Json::parse(*repaired, nullptr, false) : Json::parse(text, nullptr, false);
    if (value.is_discarded()) {
      return std::nullopt;
    }
    return value;
  } catch (...) {
    return std::nullopt;
  }
}

DecodeResult MessageCodec::decode(std::string_view text) noexcept
{
  std::optional<Json> parsed = parse(text);
  if (!parsed || !parsed->is_object()) {
    return DecodeFailure{{}, {"invalid_format", "Could not decode message", nullptr}};
  }
  const Json& message = *parsed;
  std::string id;
  const Json& idValue = member(message, "id");
  if (idValue.is_string()) {
    id = idValue.get<std::string>();
  } else if (idValue.is_number_integer()) {
    id = idValue.dump();
  }
  try {
    if (!member(message, "type").is_string()) {
      invalid("missing type");
    }
    const std::string type = message["type"].get<std::string>();
    ClientMessage result;
    result.id = id;
    if (type == "hello") {
      result.body = decodeHello(requireObject(message, "hello"));
    } else if (type == "bye") {
      result.body = ByeRequest{};
    } else if (type == "room") {
      result.body = decodeRoom(requireObject(message, "room"));
    } else if (type == "message") {
      result.body = decodeMessage(requireObject(message, "message"), false);
    } else if (type == "control") {
      result.body = decodeMessage(requireObject(message, "control"), true);
    } else if (type == "internal") {
      result.body = decodeInternal(requireObject(message, "internal"));
    } else if (type == "transient") {
      result.body = decodeTransient(requireObject(message, "transient"));
    } else {
      return Ignored{};
    }
    return result;
  } catch (const Invalid& failure) {
    return DecodeFailure{id, failure.error};
  } catch (const std::exception& e) {
    return DecodeFailure{id, {"invalid_format", e.what(), nullptr}};
  } catch (...) {
    return DecodeFailure{id, {"invalid_format", "Could not decode message", nullptr}};
  }
}

std::string MessageCodec::encode(const Json& message) noexcept
{
  try {
    return message.dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (...) {
    return R"({"type":"error","error":{"code":"internal_error","message":"could not encode message"}})";
  }
}

Json MessageCodec::error(std::string_view id, const ProtocolError& error)
{
  Json message = {{"type", "error"}};
  if (!id.empty()) {
    message["id"] = id;
  }
  Json body = {{"code", error.code}, {"message", error.message}};
  if (!error.details.is_null()) {
    body["details"] = error.details;
  }
  message["error"] = std::move(body);
  return message;
}

Json MessageCodec::bye(std::string_view id, std::string_view reason)
{
  Json message = {{"type", "bye"}};
  if (!id.empty()) {
    message["id"] = id;
  }
  if (!reason.empty()) {
    message["bye"] = {{"reason", reason}};
  }
  return message;
}

Json MessageCodec::welcome(std::string_view version, const std::vector<std::string>& features)
{
  return {{"type", "welcome"}, {"welcome", {{"version", version}, {"features", features}}}};
}

}
