#include "signaling/backend/TurnCredentialsApi.hpp"

#include "common/crypto/Crypto.hpp"
#include "signaling/backend/Checksum.hpp"

#include <curl/curl.h>

#include <map>

namespace talk::signaling::backend {

namespace {

// application/x-www-form-urlencoded value: '+' is a space, then percent-decoding (libcurl).
std::string formDecode(std::string_view text)
{
  std::string plus(text);
  for (char& c : plus) {
    if (c == '+') {
      c = ' ';
    }
  }
  int length = 0;
  char* decoded = curl_easy_unescape(nullptr, plus.data(), static_cast<int>(plus.size()), &length);
  if (decoded == nullptr) {
    return {};
  }
  std::string out(decoded, static_cast<size_t>(length));
  curl_free(decoded);
  return out;
}

// First value of each key, as Go's url.Values.Get returns.
std::map<std::string, std::string> parseQuery(std::string_view query)
{
  std::map<std::string, std::string> values;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    size_t eq = pair.find('=');
    std::string key = formDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : formDecode(pair.substr(eq + 1));
    values.emplace(std::move(key), std::move(value));
  }
  return values;
}

HttpResponse text(int status, std::string message)
{
  message.push_back('\n');
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(message), 0};
}

}

HttpResponse turnCredentialsResponse(std::string_view query, const TurnCredentialsConfig& config, int64_t nowUnix)
{
  if (query.size() > 8192) {
    return text(400, "Query too long");
  }
  std::map<std::string, std::string> values = parseQuery(query);
  auto get = [&](const char* key) {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  if (get("service") != "turn") {
    return text(400, "Invalid service");
  }
  std::string key = get("key");
  if (key.empty()) {
    key = get("api");
  }
  if (key.empty()) {
    return text(400, "Invalid key");
  }
  if (config.apiKey.empty() || !crypto::constantTimeEquals(key, config.apiKey)) {
    return text(403, "Not allowed");
  }
  if (config.uris.empty() || config.secret.empty()) {
    return text(404, "No TURN servers available");
  }
  std::string user = get("username");
  if (user.empty()) {
    user = crypto::randomToken(32);
  }
  TurnCredentials credentials = makeTurnCredentials(config.secret, user, nowUnix);
  nlohmann::json body = {{"username", credentials.username},
                         {"password", credentials.password},
                         {"ttl", credentials.ttl},
                         {"uris", config.uris}};
  return HttpResponse{200, "application/json; charset=utf-8",
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 0};
}

}
