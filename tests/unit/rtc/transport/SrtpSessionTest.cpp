// SrtpSession: round trips for both profiles, RTP and RTCP; tampering, replay and wrong
// keys are refused.
#include "rtc/transport/SrtpSession.hpp"

#include "common/util/Error.hpp"
#include "rtc/transport/TransportLibraryScope.hpp"

#include <array>
#include <cppunit/extensions/HelperMacros.h>
#include <cstring>
#include <vector>

using namespace talk::rtc;

namespace {

std::vector<uint8_t> keyFor(SrtpProfile profile, uint8_t seed)
{
  std::vector<uint8_t> key(srtpKeyLength(profile) + srtpSaltLength(profile));
  for (size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<uint8_t>(seed + i * 7);
  }
  return key;
}

// A minimal RTP packet: V=2, PT 96, given sequence number, SSRC 0x11223344, payload bytes.
size_t makeRtp(std::vector<uint8_t>& buffer, uint16_t seq, size_t payload)
{
  buffer.assign(12 + payload + SrtpSession::MaxOverhead, 0);
  buffer[0] = 0x80;
  buffer[1] = 96;
  buffer[2] = static_cast<uint8_t>(seq >> 8);
  buffer[3] = static_cast<uint8_t>(seq);
  buffer[4] = 0;
  buffer[5] = 0;
  buffer[6] = 0x12;
  buffer[7] = 0x34;
  buffer[8] = 0x11;
  buffer[9] = 0x22;
  buffer[10] = 0x33;
  buffer[11] = 0x44;
  for (size_t i = 0; i < payload; ++i) {
    buffer[12 + i] = static_cast<uint8_t>(i * 3 + seq);
  }
  return 12 + payload;
}

// An RTCP receiver report with one report block (32 bytes).
size_t makeRtcp(std::vector<uint8_t>& buffer)
{
  buffer.assign(32 + SrtpSession::MaxOverhead, 0);
  buffer[0] = 0x81;
  buffer[1] = 201;
  buffer[2] = 0;
  buffer[3] = 7;
  buffer[4] = 0xaa;
  buffer[5] = 0xbb;
  buffer[6] = 0xcc;
  buffer[7] = 0xdd;
  for (size_t i = 8; i < 32; ++i) {
    buffer[i] = static_cast<uint8_t>(i);
  }
  return 32;
}

}

class SrtpSessionTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(SrtpSessionTest);
  CPPUNIT_TEST(rtpRoundTripGcm);
  CPPUNIT_TEST(rtpRoundTripCm);
  CPPUNIT_TEST(rtcpRoundTripGcm);
  CPPUNIT_TEST(rtcpRoundTripCm);
  CPPUNIT_TEST(tamperedPacketRefused);
  CPPUNIT_TEST(replayRefused);
  CPPUNIT_TEST(wrongKeyRefused);
  CPPUNIT_TEST(noRoomForTrailer);
  CPPUNIT_TEST(wrongDirectionAndBadKey);
  CPPUNIT_TEST_SUITE_END();

  TransportLibraryScope d_scope;

public:
  void rtpRoundTrip(SrtpProfile profile, size_t expectedTag)
  {
    const auto key = keyFor(profile, 1);
    SrtpSession out(SrtpSession::Direction::Outbound, profile, key);
    SrtpSession in(SrtpSession::Direction::Inbound, profile, key);
    for (uint16_t seq = 100; seq < 110; ++seq) {
      std::vector<uint8_t> buffer;
      size_t length = makeRtp(buffer, seq, 1000);
      const std::vector<uint8_t> plain(buffer.begin(), buffer.begin() + static_cast<long>(length));
      CPPUNIT_ASSERT(out.protectRtp(buffer, length));
      CPPUNIT_ASSERT_EQUAL(plain.size() + expectedTag, length);
      // Header stays in the clear, payload does not.
      CPPUNIT_ASSERT(std::memcmp(buffer.data(), plain.data(), 12) == 0);
      CPPUNIT_ASSERT(std::memcmp(buffer.data() + 12, plain.data() + 12, 1000) != 0);
      CPPUNIT_ASSERT(in.unprotectRtp(buffer.data(), length));
      CPPUNIT_ASSERT_EQUAL(plain.size(), length);
      CPPUNIT_ASSERT(std::memcmp(buffer.data(), plain.data(), length) == 0);
    }
  }

  void rtpRoundTripGcm() { rtpRoundTrip(SrtpProfile::AeadAes128Gcm, 16); }
  void rtpRoundTripCm() { rtpRoundTrip(SrtpProfile::AesCm128HmacSha1_80, 10); }

  void rtcpRoundTrip(SrtpProfile profile, size_t expectedOverhead)
  {
    const auto key = keyFor(profile, 9);
    SrtpSession out(SrtpSession::Direction::Outbound, profile, key);
    SrtpSession in(SrtpSession::Direction::Inbound, profile, key);
    for (int i = 0; i < 5; ++i) {
      std::vector<uint8_t> buffer;
      size_t length = makeRtcp(buffer);
      const std::vector<uint8_t> plain(buffer.begin(), buffer.begin() + static_cast<long>(length));
      CPPUNIT_ASSERT(out.protectRtcp(buffer, length));
      CPPUNIT_ASSERT_EQUAL(plain.size() + expectedOverhead, length);
      CPPUNIT_ASSERT(in.unprotectRtcp(buffer.data(), length));
      CPPUNIT_ASSERT_EQUAL(plain.size(), length);
      CPPUNIT_ASSERT(std::memcmp(buffer.data(), plain.data(), length) == 0);
    }
  }

  void rtcpRoundTripGcm() { rtcpRoundTrip(SrtpProfile::AeadAes128Gcm, 16 + 4); }
  void rtcpRoundTripCm() { rtcpRoundTrip(SrtpProfile::AesCm128HmacSha1_80, 10 + 4); }

  void tamperedPacketRefused()
  {
    for (SrtpProfile profile : {SrtpProfile::AeadAes128Gcm, SrtpProfile::AesCm128HmacSha1_80}) {
      const auto key = keyFor(profile, 3);
      SrtpSession out(SrtpSession::Direction::Outbound, profile, key);
      SrtpSession in(SrtpSession::Direction::Inbound, profile, key);
      std::vector<uint8_t> buffer;
      size_t length = makeRtp(buffer, 7, 200);
      CPPUNIT_ASSERT(out.protectRtp(buffer, length));
      buffer[40] ^= 0x01;
      size_t tampered = length;
      CPPUNIT_ASSERT(!in.unprotectRtp(buffer.data(), tampered));

      std::vector<uint8_t> rtcp;
      size_t rtcpLength = makeRtcp(rtcp);
      CPPUNIT_ASSERT(out.protectRtcp(rtcp, rtcpLength));
      rtcp[10] ^= 0x80;
      CPPUNIT_ASSERT(!in.unprotectRtcp(rtcp.data(), rtcpLength));
    }
  }

  void replayRefused()
  {
    const auto key = keyFor(SrtpProfile::AeadAes128Gcm, 4);
    SrtpSession out(SrtpSession::Direction::Outbound, SrtpProfile::AeadAes128Gcm, key);
    SrtpSession in(SrtpSession::Direction::Inbound, SrtpProfile::AeadAes128Gcm, key);
    std::vector<uint8_t> buffer;
    size_t length = makeRtp(buffer, 500, 100);
    CPPUNIT_ASSERT(out.protectRtp(buffer, length));
    const std::vector<uint8_t> copy(buffer);
    size_t first = length;
    CPPUNIT_ASSERT(in.unprotectRtp(buffer.data(), first));
    std::vector<uint8_t> again(copy);
    size_t second = length;
    CPPUNIT_ASSERT(!in.unprotectRtp(again.data(), second));
  }

  void wrongKeyRefused()
  {
    const auto key = keyFor(SrtpProfile::AesCm128HmacSha1_80, 5);
    const auto other = keyFor(SrtpProfile::AesCm128HmacSha1_80, 6);
    SrtpSession out(SrtpSession::Direction::Outbound, SrtpProfile::AesCm128HmacSha1_80, key);
    SrtpSession in(SrtpSession::Direction::Inbound, SrtpProfile::AesCm128HmacSha1_80, other);
    std::vector<uint8_t> buffer;
    size_t length = makeRtp(buffer, 1, 100);
    CPPUNIT_ASSERT(out.protectRtp(buffer, length));
    CPPUNIT_ASSERT(!in.unprotectRtp(buffer.data(), length));
  }

  void noRoomForTrailer()
  {
    const auto key = keyFor(SrtpProfile::AeadAes128Gcm, 7);
    SrtpSession out(SrtpSession::Direction::Outbound, SrtpProfile::AeadAes128Gcm, key);
    std::vector<uint8_t> buffer;
    size_t length = makeRtp(buffer, 1, 100);
    std::span<uint8_t> tight(buffer.data(), length + 10);
    size_t l = length;
    CPPUNIT_ASSERT(!out.protectRtp(tight, l));
    CPPUNIT_ASSERT_EQUAL(length, l);
    size_t tooShort = 5;
    CPPUNIT_ASSERT(!out.protectRtp(buffer, tooShort));
  }

  void wrongDirectionAndBadKey()
  {
    const auto key = keyFor(SrtpProfile::AeadAes128Gcm, 8);
    SrtpSession in(SrtpSession::Direction::Inbound, SrtpProfile::AeadAes128Gcm, key);
    std::vector<uint8_t> buffer;
    size_t length = makeRtp(buffer, 1, 100);
    CPPUNIT_ASSERT(!in.protectRtp(buffer, length));
    std::array<uint8_t, 5> shortKey{};
    CPPUNIT_ASSERT_THROW(SrtpSession(SrtpSession::Direction::Outbound, SrtpProfile::AeadAes128Gcm, shortKey),
                         talk::Error);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SrtpSessionTest);
