#include "rtc/transport/SrtpSession.hpp"

#include "common/util/Error.hpp"

#include <climits>
#include <srtp2/srtp.h>
#include <string>

namespace talk::rtc {

static_assert(SrtpSession::MaxOverhead >= SRTP_MAX_TRAILER_LEN + 4);

const char* srtpProfileName(SrtpProfile profile) noexcept
{
  switch (profile) {
  case SrtpProfile::AeadAes128Gcm:
    return "SRTP_AEAD_AES_128_GCM";
  case SrtpProfile::AesCm128HmacSha1_80:
    return "SRTP_AES128_CM_SHA1_80";
  }
  return "?";
}

size_t srtpKeyLength(SrtpProfile /*profile*/) noexcept
{
  return 16;
}

size_t srtpSaltLength(SrtpProfile profile) noexcept
{
  return profile == SrtpProfile::AeadAes128Gcm ? 12 : 14;
}

void SrtpSession::freeContext(srtp_ctx_t* ctx) noexcept
{
  srtp_dealloc(ctx);
}

SrtpSession::SrtpSession(Direction direction, SrtpProfile profile, std::span<const uint8_t> keyAndSalt) :
  d_direction(direction), d_profile(profile)
{
  if (keyAndSalt.size() != srtpKeyLength(profile) + srtpSaltLength(profile)) {
    throw Error("SRTP key of " + std::to_string(keyAndSalt.size()) + " bytes for " + srtpProfileName(profile));
  }
  srtp_policy_t policy{};
  switch (profile) {
  case SrtpProfile::AeadAes128Gcm:
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    break;
  case SrtpProfile::AesCm128HmacSha1_80:
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    break;
  }
  policy.ssrc.type = direction == Direction::Inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.ssrc.value = 0;
  // libsrtp reads the key through a non-const pointer but does not modify it.
  policy.key = const_cast<unsigned char*>(keyAndSalt.data());
  // Video with NACK/RTX arrives reordered by far more than the default 128 packets.
  policy.window_size = 1024;
  // We resend cached packets for NACKs: same index, same payload (allowed by RFC 3711).
  policy.allow_repeat_tx = direction == Direction::Outbound ? 1 : 0;
  policy.next = nullptr;

  srtp_t session = nullptr;
  const srtp_err_status_t status = srtp_create(&session, &policy);
  if (status != srtp_err_status_ok) {
    throw Error("srtp_create failed (status " + std::to_string(static_cast<int>(status)) + ", profile " +
                srtpProfileName(profile) + ")");
  }
  d_srtp.reset(session);
}

SrtpSession::~SrtpSession() = default;

namespace {

bool fitsInt(size_t value)
{
  return value <= static_cast<size_t>(INT_MAX);
}

}

bool SrtpSession::protectRtp(std::span<uint8_t> buffer, size_t& length) noexcept
{
  if (d_direction != Direction::Outbound || length < 12 || length > buffer.size() ||
      buffer.size() - length < MaxOverhead || !fitsInt(buffer.size())) {
    return false;
  }
  int len = static_cast<int>(length);
  if (srtp_protect(d_srtp.get(), buffer.data(), &len) != srtp_err_status_ok) {
    return false;
  }
  length = static_cast<size_t>(len);
  return true;
}

bool SrtpSession::protectRtcp(std::span<uint8_t> buffer, size_t& length) noexcept
{
  if (d_direction != Direction::Outbound || length < 8 || length > buffer.size() ||
      buffer.size() - length < MaxOverhead || !fitsInt(buffer.size())) {
    return false;
  }
  int len = static_cast<int>(length);
  if (srtp_protect_rtcp(d_srtp.get(), buffer.data(), &len) != srtp_err_status_ok) {
    return false;
  }
  length = static_cast<size_t>(len);
  return true;
}

bool SrtpSession::unprotectRtp(uint8_t* packet, size_t& length) noexcept
{
  if (d_direction != Direction::Inbound || packet == nullptr || length < 12 || !fitsInt(length)) {
    return false;
  }
  int len = static_cast<int>(length);
  if (srtp_unprotect(d_srtp.get(), packet, &len) != srtp_err_status_ok) {
    return false;
  }
  length = static_cast<size_t>(len);
  return true;
}

bool SrtpSession::unprotectRtcp(uint8_t* packet, size_t& length) noexcept
{
  if (d_direction != Direction::Inbound || packet == nullptr || length < 8 || !fitsInt(length)) {
    return false;
  }
  int len = static_cast<int>(length);
  if (srtp_unprotect_rtcp(d_srtp.get(), packet, &len) != srtp_err_status_ok) {
    return false;
  }
  length = static_cast<size_t>(len);
  return true;
}

}
