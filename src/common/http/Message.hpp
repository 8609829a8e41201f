#pragma once
// An HTTP request as handlers see it and the response they give back. Plain values: no
// lws types, so handlers can be unit-tested without a socket.
#include "common/net/SocketAddress.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace talk::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request
{
  std::string method; // "GET", "POST", ... (upper case)
  std::string path;   // percent-decoded and normalised by lws ("//", "/./", "/../"), no query
  // The query without the '?': its name=value arguments joined with '&', each one
  // percent-decoded by lws ('+' is a space). queryArgs holds them separately, which stays
  // unambiguous when a decoded value contains '&'.
  std::string query;
  std::vector<std::string> queryArgs;
  HeaderList headers; // names lower-case (known headers first, then ServerOptions::customHeaders)
  std::string body;   // complete (at most ServerOptions::maxBodyBytes)
  SocketAddress peer;

  // The first header of that name (give it lower-case), or nullptr.
  const std::string* header(std::string_view lowerName) const;
  // The value of the first query argument with that name, or nullopt if absent.
  std::optional<std::string_view> queryParameter(std::string_view name) const;
};

struct Response
{
  int status{200};
  std::string contentType{"application/json"};
  HeaderList headers; // extra headers; Date, Server, Content-Type, Content-Length are added
  std::string body;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body);
};

// "Thu, 03 Dec 2026 12:00:00 GMT" (RFC 9110 IMF-fixdate) for a Unix time.
std::string httpDate(long long unixSeconds);

}
