#pragma once
// Error codes of the Janus API subset (janus-api.md §6.4 core, §6.5 VideoRoom plugin).
namespace talk::sfu::control {

namespace CoreError {
constexpr int Unauthorized = 403;
constexpr int TransportSpecific = 450;
constexpr int MissingRequest = 452;
constexpr int UnknownRequest = 453;
constexpr int InvalidJson = 454;
constexpr int InvalidJsonObject = 455;
constexpr int MissingMandatoryElement = 456;
constexpr int InvalidRequestPath = 457;
constexpr int SessionNotFound = 458;
constexpr int HandleNotFound = 459;
constexpr int PluginNotFound = 460;
constexpr int PluginAttach = 461;
constexpr int PluginMessage = 462;
constexpr int PluginDetach = 463;
constexpr int JsepUnknownType = 464;
constexpr int JsepInvalidSdp = 465;
constexpr int TrickleInvalidStream = 466;
constexpr int InvalidElementType = 467;
constexpr int SessionConflict = 468;
constexpr int UnexpectedAnswer = 469;
constexpr int TokenNotFound = 470;
constexpr int WebrtcState = 471;
constexpr int NotAcceptingSessions = 472;
constexpr int Unknown = 490;
}

namespace RoomError {
constexpr int Unknown = 499;
constexpr int NoMessage = 421;
constexpr int InvalidJson = 422;
constexpr int InvalidRequest = 423;
constexpr int JoinFirst = 424;
constexpr int AlreadyJoined = 425;
constexpr int NoSuchRoom = 426;
constexpr int RoomExists = 427;
constexpr int NoSuchFeed = 428;
constexpr int MissingElement = 429;
constexpr int InvalidElement = 430;
constexpr int InvalidSdpType = 431;
constexpr int PublishersFull = 432;
constexpr int Unauthorized = 433;
constexpr int AlreadyPublished = 434;
constexpr int NotPublished = 435;
constexpr int IdExists = 436;
constexpr int InvalidSdp = 437;
}

}
