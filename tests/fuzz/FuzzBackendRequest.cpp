// libFuzzer target: incoming Nextcloud requests (POST /api/v1/room/<id>, signaling-protocol.md
// §13). Input: one flag byte, the room id up to the first '\n', then the body. The fuzzer
// signs the body with the backend secret (flag bit 0) so that mutations reach the JSON
// stage; the other bits vary the headers. The parser must never throw or crash, must answer
// with one of the statuses of §13.1/§13.10, and a request it accepts must carry a known type.
// The same input is also fed to the /turn/credentials query parser (§14).
#include "signaling/backend/BackendApi.hpp"
#include "signaling/backend/Checksum.hpp"
#include "signaling/backend/TurnCredentialsApi.hpp"

#include "common/util/Clock.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace talk;
using namespace talk::signaling::backend;

namespace {

constexpr const char* Random = "afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6";

std::shared_ptr<const BackendRegistry> makeRegistry()
{
  Backend backend;
  backend.id = "one";
  backend.urls = {"https://cloud.example.com/"};
  backend.secret = "MySecretValue";
  return std::make_shared<const BackendRegistry>(std::vector<Backend>{backend}, BackendOptions{});
}

bool expectedStatus(int status)
{
  switch (status) {
  case 400:
  case 403:
  case 404:
  case 405:
  case 411:
  case 413:
  case 429:
    return true;
  default:
    return false;
  }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static const std::shared_ptr<const BackendRegistry> registry = makeRegistry();
  static SystemClock clock;
  if (size < 1) {
    return 0;
  }
  uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t newline = rest.find('\n');
  std::string_view room = newline == std::string_view::npos ? std::string_view("abc123xy") : rest.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? rest : rest.substr(newline + 1);

  http::Headers headers = {{"Content-Type", (flags & 4) != 0 ? "text/plain" : "application/json"},
                           {"Content-Length", std::to_string(body.size())},
                           {"Spreed-Signaling-Random", Random}};
  std::string checksum = backendChecksum((flags & 1) != 0 ? "MySecretValue" : "other", Random, body);
  headers.push_back({"Spreed-Signaling-Checksum", checksum});
  if ((flags & 2) != 0) {
    headers.push_back({"Spreed-Signaling-Backend", "https://cloud.example.com"});
  }
  // A fresh throttler per input keeps runs independent of each other.
  Throttler throttler(clock);
  BackendApi api(registry, throttler);
  std::string path = "/api/v1/room/" + std::string(room);
  BackendApiResult result = api.parse((flags & 8) != 0 ? "GET" : "POST", path, headers, body, "192.0.2.1");
  if (result.index() == 1) {
    const HttpResponse& response = std::get<1>(result);
    if (!expectedStatus(response.status)) {
      std::abort();
    }
  }
  else {
    const BackendRoomRequest& request = std::get<0>(result);
    if (request.backend == nullptr || request.raw.is_null() || request.type.empty()) {
      std::abort();
    }
    // What a server does next: dump the request for the cluster and answer.
    (void)request.raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // The body stage alone, as used for requests forwarded between nodes.
  (void)parseBackendRoomBody(room, body);

  static const TurnCredentialsConfig turn{"key", "secret", {"turn:turn.example.com:3478"}};
  HttpResponse credentials = turnCredentialsResponse(rest, turn, 1700000000);
  if (credentials.status != 200 && credentials.status != 400 && credentials.status != 403) {
    std::abort();
  }
  return 0;
}
