#pragma once
// Nextcloud OCS envelope of backend responses (signaling-protocol.md §12.2):
//   {"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{ … }}}
#include "signaling/backend/Result.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace talk::signaling::backend {

// Checks the content type (must start with "application/json", else
// "unsupported_content_type"), parses the body, and returns `ocs.data`. Errors:
//   too_many_requests  meta.statuscode 429 (or HTTP 429)
//   internal_error     unparsable JSON, no "ocs" object, "incomplete OCS response" (no data)
// Never throws.
Result<nlohmann::json> parseOcsResponse(long httpStatus, std::string_view contentType, std::string_view body);

}
