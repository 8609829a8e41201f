#pragma once
// One direction of SRTP/SRTCP (libsrtp2): a sender protects, a receiver unprotects, both in
// place in the caller's buffer. Any SSRC is accepted (ssrc_any_inbound / ssrc_any_outbound),
// so one session serves every stream of a BUNDLEd transport. libsrtp2 must be initialised
// (TransportLibraryScope) before the first session is created.
//
// Per-packet calls are noexcept, allocate nothing on the steady path (libsrtp clones its
// template stream once per new SSRC) and return false on any failure: authentication or
// replay check failed, packet too short, no room for the trailer.
#include "common/util/CHandle.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

typedef struct srtp_ctx_t_ srtp_ctx_t;

namespace talk::rtc {

// The DTLS-SRTP protection profiles we negotiate (RFC 5764, RFC 7714), best first.
enum class SrtpProfile : uint8_t
{
  AeadAes128Gcm,       // SRTP_AEAD_AES_128_GCM (0x0007): 16 key + 12 salt bytes, 16-byte tag
  AesCm128HmacSha1_80, // SRTP_AES128_CM_SHA1_80 (0x0001): 16 key + 14 salt bytes, 10-byte tag
};

const char* srtpProfileName(SrtpProfile profile) noexcept;
// Master key + master salt length of a profile (what DTLS exports per direction).
size_t srtpKeyLength(SrtpProfile profile) noexcept;
size_t srtpSaltLength(SrtpProfile profile) noexcept;

class SrtpSession
{
public:
  enum class Direction : uint8_t
  {
    Inbound,  // unprotect what the peer sent
    Outbound, // protect what we send
  };

  // Bytes a caller must leave free after the packet for protect*(): libsrtp documents that
  // it may write SRTP_MAX_TRAILER_LEN (tag + MKI) bytes, plus 4 for the SRTCP index. Our
  // profiles actually append 10–20 bytes.
  static constexpr size_t MaxOverhead = 148;

  // keyAndSalt = master key followed by master salt (srtpKeyLength + srtpSaltLength bytes).
  // Throws talk::Error if libsrtp refuses the key or the policy.
  SrtpSession(Direction direction, SrtpProfile profile, std::span<const uint8_t> keyAndSalt);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // Outbound only. buffer holds the plain packet in its first `length` bytes and has room
  // for MaxOverhead more; on success `length` is the protected length.
  bool protectRtp(std::span<uint8_t> buffer, size_t& length) noexcept;
  bool protectRtcp(std::span<uint8_t> buffer, size_t& length) noexcept;

  // Inbound only. On success `length` shrinks to the plain packet's length.
  bool unprotectRtp(uint8_t* packet, size_t& length) noexcept;
  bool unprotectRtcp(uint8_t* packet, size_t& length) noexcept;

  Direction direction() const { return d_direction; }
  SrtpProfile profile() const { return d_profile; }

private:
  static void freeContext(srtp_ctx_t* ctx) noexcept;

  // State
  Direction d_direction;
  SrtpProfile d_profile;
  // Owned
  CHandle<srtp_ctx_t, &SrtpSession::freeContext> d_srtp;
};

}
