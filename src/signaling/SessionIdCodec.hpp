#pragma once
// Public and private (resume) session ids (spec Appendix C). An id carries the session's
// number, its creation time and its backend, encrypted with AES-256-CTR under a random IV
// and authenticated with a truncated HMAC-SHA256 that names the id's kind, so a public id
// never validates as a resume id and no id can be forged or altered without the keys.
// Public ids are byte-reversed before base64url encoding, which puts MAC bytes first:
// they sort randomly (Talk's P2P mode compares them). Keys come from configuration or
// are random per process.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talk::signaling {

struct SessionIdData
{
  uint64_t sid{0};
  int64_t createdMicros{0};
  std::string backendId;
};

class SessionIdCodec
{
public:
  enum class Kind
  {
    Public,
    Private,
  };

  // Empty keys = random ones.
  SessionIdCodec(std::string_view hashKey, std::string_view blockKey);

  std::string encode(Kind kind, const SessionIdData& data) const;
  // nullopt when the text is not an id of that kind made with these keys.
  std::optional<SessionIdData> decode(Kind kind, std::string_view id) const;

private:
  std::vector<uint8_t> crypt(const uint8_t* iv, const std::vector<uint8_t>& in) const;

  // State
  std::vector<uint8_t> d_macKey;
  std::vector<uint8_t> d_cipherKey; // 32 bytes
};

}
