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
  std::string path;   // percent-decoded, without the query
  std::string query;  // raw, without the '?'
  HeaderList headers; // names lower-case, in arrival order
  std::string body;   // complete (at most ServerOptions::maxBodyBytes)
  SocketAddress peer;

  // The first header of that name (give it lower-case), or nullptr.
  const std::string* header(std::string_view lowerName) const;
  // A query parameter, percent-decoded ('+' is a space), or nullptr if absent.
  std::optional<std::string> queryParameter(std::string_view name) const;
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

// Percent-decodes text ('+' as space only if plusIsSpace); nullopt on a bad escape.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace);

}
