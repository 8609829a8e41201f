#pragma once
// Typed client → server messages of the signaling protocol (spec §2–§9). MessageCodec
// produces them; the domain (Hub) consumes them. Fields the server does not interpret stay
// opaque Json.
#include "signaling/protocol/Json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace talk::signaling::protocol {

// An error sent to a client: {"type":"error","error":{"code","message","details"}}.
struct ProtocolError
{
  std::string code;
  std::string message;
  Json details; // null = none
};

enum class AuthType
{
  Client,
  Internal,
  Federation,
};

struct HelloRequest
{
  std::string version; // "1.0" or "2.0"
  std::vector<std::string> features;
  std::string resumeId;
  AuthType authType{AuthType::Client};
  std::string url;
  Json params; // object; null when resuming
};

struct ByeRequest
{
};

struct RoomRequest
{
  std::string roomId; // "" = leave
  std::string sessionId; // Talk room session id (optional)
  Json federation;       // null unless a federated join
};

enum class RecipientType
{
  Session,
  User,
  Room,
  Call,
};

const char* recipientTypeName(RecipientType type);

struct Recipient
{
  RecipientType type{RecipientType::Session};
  std::string sessionId;
  std::string userId;
};

// "message" and "control" share the shape.
struct MessageRequest
{
  bool control{false};
  Recipient recipient;
  Json data;
};

struct AddSession
{
  std::string sessionId; // chosen by the internal client
  std::string roomId;
  std::string userId;
  Json user;
  std::optional<int64_t> flags;
  std::optional<int64_t> inCall;
  Json options; // object or null
};

struct UpdateSession
{
  std::string sessionId;
  std::string roomId;
  std::optional<int64_t> flags;
  std::optional<int64_t> inCall;
};

struct RemoveSession
{
  std::string sessionId;
  std::string roomId;
  std::string userId;
};

struct InternalInCall
{
  int64_t inCall{0};
};

// A dialout reply or progress report from a SIP bridge.
struct DialoutReport
{
  std::string type; // "status", "error", ...
  std::string roomId;
  Json status; // {"callid","status",...}
  Json error;  // {"code","message"}
  Json raw;    // the whole dialout object (other types are broadcast as-is)
};

struct InternalRequest
{
  std::variant<AddSession, UpdateSession, RemoveSession, InternalInCall, DialoutReport> body;
};

enum class TransientType
{
  Set,
  Remove,
};

struct TransientRequest
{
  TransientType type{TransientType::Set};
  std::string key;
  Json value; // null in set = remove
  std::optional<int64_t> ttlNanos;
};

struct ClientMessage
{
  std::string id;
  std::variant<HelloRequest, ByeRequest, RoomRequest, MessageRequest, InternalRequest, TransientRequest> body;
};

// What decoding a frame yields.
struct Ignored // an unknown type (silently ignored upstream)
{
};

struct DecodeFailure
{
  std::string id; // echoed if it could be read
  ProtocolError error;
};

using DecodeResult = std::variant<ClientMessage, DecodeFailure, Ignored>;

}
