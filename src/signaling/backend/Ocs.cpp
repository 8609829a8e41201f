#include "signaling/backend/Ocs.hpp"

#include <string>

namespace talk::signaling::backend {

Result<nlohmann::json> parseOcsResponse(long httpStatus, std::string_view contentType, std::string_view body)
{
  if (httpStatus == 429) {
    return makeError(codes::TooManyRequests, "Nextcloud throttled the request (HTTP 429).");
  }
  if (!contentType.starts_with("application/json")) {
    return makeError(codes::InternalError, "unsupported_content_type: Nextcloud answered HTTP " +
                                               std::to_string(httpStatus) + " with \"" +
                                               std::string(contentType.substr(0, 100)) + "\", expected application/json");
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    return makeError(codes::InternalError, "Nextcloud sent invalid JSON (HTTP " + std::to_string(httpStatus) + ")");
  }
  if (!doc.is_object()) {
    return makeError(codes::InternalError, "Nextcloud's response is not an OCS object");
  }
  auto ocs = doc.find("ocs");
  if (ocs == doc.end() || !ocs->is_object()) {
    return makeError(codes::InternalError, "Nextcloud's response has no \"ocs\" envelope");
  }
  if (auto meta = ocs->find("meta"); meta != ocs->end() && meta->is_object()) {
    auto code = meta->find("statuscode");
    if (code != meta->end() && code->is_number_integer() && code->get<int64_t>() == 429) {
      return makeError(codes::TooManyRequests, "Nextcloud throttled the request.");
    }
  }
  auto data = ocs->find("data");
  if (data == ocs->end() || data->is_null()) {
    return makeError(codes::InternalError, "incomplete OCS response (HTTP " + std::to_string(httpStatus) + ")");
  }
  return std::move(*data);
}

}
