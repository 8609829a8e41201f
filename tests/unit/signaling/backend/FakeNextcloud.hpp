#pragma once
// Plays Nextcloud for the outgoing-request tests: serves the capabilities (with ETag and
// Cache-Control, answering 304 to a matching If-None-Match) and the signaling backend
// endpoint (v1 and v3), checks every POST's checksum against the shared secret, and
// answers with whatever the test's responder returns, wrapped in the OCS envelope.
#include "signaling/backend/Checksum.hpp"

#include "TestHttpServer.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace talk::test {

class FakeNextcloud
{
public:
  // The OCS `data` to answer a backend request with (the request body is given).
  using Responder = std::function<nlohmann::json(const nlohmann::json& request)>;

  struct Post
  {
    ServerRequest http;
    nlohmann::json body;
    bool checksumValid{false};
  };

  explicit FakeNextcloud(std::string secret) :
    d_secret(std::move(secret)), d_server([this](const ServerRequest& request) { return handle(request); })
  {
  }

  std::string baseUrl() const { return d_server.url("/"); }
  TestHttpServer& server() { return d_server; }

  void setResponder(Responder responder)
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    d_responder = std::move(responder);
  }
  // Raw answer for backend POSTs (status, content type, body), bypassing the envelope.
  void setRawAnswer(int status, std::string contentType, std::string body)
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    d_raw = ServerResponse{status, {{"Content-Type", std::move(contentType)}}, std::move(body)};
    d_useRaw = true;
  }
  void setCapabilities(nlohmann::json spreed, std::string etag = "\"v1\"", std::string cacheControl = "")
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    d_spreed = std::move(spreed);
    d_etag = std::move(etag);
    d_cacheControl = std::move(cacheControl);
  }

  std::vector<Post> posts() const
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_posts;
  }
  int capabilityRequests() const
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_capabilityRequests;
  }
  int notModifiedAnswers() const
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_notModified;
  }

  static nlohmann::json envelope(const nlohmann::json& data, int statuscode = 200)
  {
    return {{"ocs", {{"meta", {{"status", statuscode == 200 ? "ok" : "failure"}, {"statuscode", statuscode}, {"message", "OK"}}},
                     {"data", data}}}};
  }

private:
  ServerResponse handle(const ServerRequest& request)
  {
    std::lock_guard<std::mutex> lock(d_mutex);
    if (request.method == "GET" && request.target == "/ocs/v2.php/cloud/capabilities") {
      ++d_capabilityRequests;
      ServerResponse response;
      response.headers = {{"Content-Type", "application/json; charset=utf-8"}, {"ETag", d_etag}};
      if (!d_cacheControl.empty()) {
        response.headers.push_back({"Cache-Control", d_cacheControl});
      }
      if (!d_etag.empty() && request.header("if-none-match") == d_etag) {
        ++d_notModified;
        response.status = 304;
        return response;
      }
      nlohmann::json data = {{"version", {{"major", 30}}}, {"capabilities", {{"core", {{"pollinterval", 60}}}}}};
      if (!d_spreed.is_null()) {
        data["capabilities"]["spreed"] = d_spreed;
      }
      response.body = envelope(data).dump();
      return response;
    }
    if (request.method == "POST" && (request.target == "/ocs/v2.php/apps/spreed/api/v1/signaling/backend" ||
                                     request.target == "/ocs/v2.php/apps/spreed/api/v3/signaling/backend")) {
      Post post;
      post.http = request;
      post.body = nlohmann::json::parse(request.body, nullptr, false);
      post.checksumValid = signaling::backend::verifyBackendChecksum(
          d_secret, request.header("spreed-signaling-random"), request.body, request.header("spreed-signaling-checksum"));
      d_posts.push_back(post);
      if (d_useRaw) {
        return d_raw;
      }
      if (!post.checksumValid) {
        return ServerResponse{200, {{"Content-Type", "application/json"}},
                              envelope({{"type", "error"}, {"error", {{"code", "invalid_request"}, {"message", "checksum"}}}}).dump()};
      }
      nlohmann::json data = d_responder ? d_responder(post.body) : nlohmann::json::object();
      return ServerResponse{200, {{"Content-Type", "application/json; charset=utf-8"}}, envelope(data).dump()};
    }
    return ServerResponse{404, {{"Content-Type", "text/plain"}}, "not found"};
  }

  std::string d_secret;
  mutable std::mutex d_mutex;
  Responder d_responder;
  ServerResponse d_raw;
  bool d_useRaw{false};
  nlohmann::json d_spreed;
  std::string d_etag{"\"v1\""};
  std::string d_cacheControl;
  std::vector<Post> d_posts;
  int d_capabilityRequests{0};
  int d_notModified{0};
  TestHttpServer d_server; // last: its threads use the members above
};

}
