#pragma once
// Opaque JSON values the server carries without interpreting them (room properties, user
// data, message payloads). Parsing and serialising happen only in MessageCodec, which
// rejects invalid UTF-8, excessive nesting and wrong types before anything reaches here.
#include <nlohmann/json.hpp>

namespace talk::signaling {

using Json = nlohmann::json;

}
