#include "rtc/rtp/HeaderExtensions.hpp"

#include "RtcTestData.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <array>

using namespace talk::rtc;
using namespace talk::rtc::test;

namespace {

// Chrome-like audio packet: one-byte extensions audio-level (1), abs-send-time (2),
// transport-cc (3), mid (4) = "0".
Bytes chromeAudio()
{
  std::array<uint8_t, 200> buf{};
  RtpPacketBuilder b(buf, RtpHeader{111, true, 10, 960, 0xabc, {}});
  CPPUNIT_ASSERT(b.addExtension(1, hex("8a")));       // voice, -10 dBov
  CPPUNIT_ASSERT(b.addExtension(2, hex("123456")));
  CPPUNIT_ASSERT(b.addExtension(3, hex("0102")));
  CPPUNIT_ASSERT(b.addExtension(4, hex("30")));
  CPPUNIT_ASSERT(b.setPayload(hex("fcff")));
  auto p = b.finish();
  CPPUNIT_ASSERT(p.has_value());
  return Bytes(p->bytes().begin(), p->bytes().end());
}

HeaderExtensionMap chromeMap()
{
  HeaderExtensionMap m;
  CPPUNIT_ASSERT(m.set("urn:ietf:params:rtp-hdrext:ssrc-audio-level", 1));
  CPPUNIT_ASSERT(m.set("http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", 2));
  CPPUNIT_ASSERT(m.set("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", 3));
  CPPUNIT_ASSERT(m.set("urn:ietf:params:rtp-hdrext:sdes:mid", 4));
  return m;
}

}

class HeaderExtensionsTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(HeaderExtensionsTest);
  CPPUNIT_TEST(mapTranslatesBothWays);
  CPPUNIT_TEST(readsTypedValuesThroughMap);
  CPPUNIT_TEST(writesValuesInPlace);
  CPPUNIT_TEST(identifiersAreValidated);
  CPPUNIT_TEST(remapsToSubscriberIds);
  CPPUNIT_TEST(absSendTimeConversion);
  CPPUNIT_TEST(videoOrientation);
  CPPUNIT_TEST_SUITE_END();

public:
  void mapTranslatesBothWays()
  {
    HeaderExtensionMap m = chromeMap();
    CPPUNIT_ASSERT_EQUAL(uint8_t{3}, m.id(RtpExtension::TransportWideCc));
    CPPUNIT_ASSERT(m.extension(4) == RtpExtension::Mid);
    CPPUNIT_ASSERT(!m.extension(5).has_value());
    CPPUNIT_ASSERT(!m.set("urn:example:unknown", 5));
    CPPUNIT_ASSERT(!m.has(RtpExtension::Rid));
    // Re-assigning an id moves it; the old meaning loses it.
    CPPUNIT_ASSERT(m.set(RtpExtension::Rid, 4));
    CPPUNIT_ASSERT(m.extension(4) == RtpExtension::Rid);
    CPPUNIT_ASSERT_EQUAL(uint8_t{0}, m.id(RtpExtension::Mid));
    CPPUNIT_ASSERT(m.set(RtpExtension::Rid, 0));
    CPPUNIT_ASSERT(!m.extension(4).has_value());
    for (size_t i = 0; i < static_cast<size_t>(RtpExtension::Count); ++i) {
      auto e = static_cast<RtpExtension>(i);
      CPPUNIT_ASSERT(rtpExtensionFromUri(rtpExtensionUri(e)) == e);
    }
    m.clear();
    CPPUNIT_ASSERT(!m.has(RtpExtension::AudioLevel));
  }

  void readsTypedValuesThroughMap()
  {
    Bytes b = chromeAudio();
    auto p = RtpPacket::parse(b);
    HeaderExtensionMap m = chromeMap();
    auto level = ext::audioLevel(*p, m);
    CPPUNIT_ASSERT(level.has_value());
    CPPUNIT_ASSERT(level->voiceActivity);
    CPPUNIT_ASSERT_EQUAL(uint8_t{10}, level->level);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x123456}, *ext::absSendTime(*p, m));
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x0102}, *ext::transportSequence(*p, m));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), std::string(*ext::mid(*p, m)));
    CPPUNIT_ASSERT(!ext::rid(*p, m).has_value()); // not negotiated
    HeaderExtensionMap wrong;
    wrong.set(RtpExtension::AbsSendTime, 3); // id 3 holds 2 bytes: not an abs-send-time
    CPPUNIT_ASSERT(!ext::absSendTime(*p, wrong).has_value());
  }

  void writesValuesInPlace()
  {
    Bytes b = chromeAudio();
    auto p = RtpPacket::parse(b);
    HeaderExtensionMap m = chromeMap();
    CPPUNIT_ASSERT(ext::writeTransportSequence(*p->extension(3), 0xbeef));
    CPPUNIT_ASSERT(ext::writeAbsSendTime(*p->extension(2), 0xabcdef));
    CPPUNIT_ASSERT(ext::writeAudioLevel(*p->extension(1), ext::AudioLevel{false, 127}));
    CPPUNIT_ASSERT(!ext::writeAudioLevel(*p->extension(1), ext::AudioLevel{false, 128}));
    CPPUNIT_ASSERT(!ext::writeTransportSequence(*p->extension(2), 1)); // wrong size
    auto again = RtpPacket::parse(b);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0xbeef}, *ext::transportSequence(*again, m));
    CPPUNIT_ASSERT_EQUAL(uint32_t{0xabcdef}, *ext::absSendTime(*again, m));
    CPPUNIT_ASSERT(!ext::audioLevel(*again, m)->voiceActivity);
    CPPUNIT_ASSERT_EQUAL(uint8_t{127}, ext::audioLevel(*again, m)->level);
  }

  void identifiersAreValidated()
  {
    CPPUNIT_ASSERT_EQUAL(std::string("h"), std::string(*ext::readIdentifier(hex("68"))));
    CPPUNIT_ASSERT_EQUAL(std::string("mid_1.a-b"), std::string(*ext::readIdentifier(hex("6d69645f312e612d62"))));
    CPPUNIT_ASSERT_EQUAL(std::string("l"), std::string(*ext::readIdentifier(hex("6c0000")))); // NUL padded
    CPPUNIT_ASSERT(!ext::readIdentifier(hex("")).has_value());
    CPPUNIT_ASSERT(!ext::readIdentifier(hex("00")).has_value());
    CPPUNIT_ASSERT(!ext::readIdentifier(hex("6820")).has_value());   // space
    CPPUNIT_ASSERT(!ext::readIdentifier(hex("680068")).has_value()); // data after NUL
    CPPUNIT_ASSERT(!ext::readAudioLevel(hex("")).has_value());
    CPPUNIT_ASSERT(!ext::readTransportSequence(hex("01")).has_value());
  }

  void remapsToSubscriberIds()
  {
    Bytes b = chromeAudio();
    auto p = RtpPacket::parse(b);
    HeaderExtensionMap from = chromeMap();
    // Subscriber: mid on 3, transport-cc on 4 (a renumbering chain 3->... and 4->3), audio level
    // on 1, no abs-send-time.
    HeaderExtensionMap to;
    to.set(RtpExtension::Mid, 3);
    to.set(RtpExtension::TransportWideCc, 4);
    to.set(RtpExtension::AudioLevel, 1);
    CPPUNIT_ASSERT(ext::remapExtensions(*p, from, to));
    auto again = RtpPacket::parse(b);
    CPPUNIT_ASSERT(again.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("0"), std::string(*ext::mid(*again, to)));
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x0102}, *ext::transportSequence(*again, to));
    CPPUNIT_ASSERT_EQUAL(uint8_t{10}, ext::audioLevel(*again, to)->level);
    CPPUNIT_ASSERT(!again->extension(2).has_value()); // erased
    CPPUNIT_ASSERT_EQUAL(size_t{2}, again->payload().size());
    // A subscriber id that does not fit the one-byte form.
    Bytes c = chromeAudio();
    auto q = RtpPacket::parse(c);
    HeaderExtensionMap big;
    big.set(RtpExtension::Mid, 20);
    CPPUNIT_ASSERT(!ext::remapExtensions(*q, from, big));
  }

  void absSendTimeConversion()
  {
    CPPUNIT_ASSERT_EQUAL(uint32_t{0}, ext::absSendTimeFromMicros(0));
    CPPUNIT_ASSERT_EQUAL(uint32_t{1u << 18}, ext::absSendTimeFromMicros(1'000'000)); // 1 s
    CPPUNIT_ASSERT_EQUAL(uint32_t{1u << 17}, ext::absSendTimeFromMicros(500'000));
    CPPUNIT_ASSERT_EQUAL(uint32_t{0}, ext::absSendTimeFromMicros(64'000'000)); // wraps every 64 s
  }

  void videoOrientation()
  {
    auto o = ext::readVideoOrientation(hex("0b"));
    CPPUNIT_ASSERT(o->cameraBack);
    CPPUNIT_ASSERT(!o->flip);
    CPPUNIT_ASSERT_EQUAL(uint16_t{270}, o->rotationDegrees);
    Bytes v = hex("00");
    CPPUNIT_ASSERT(ext::writeVideoOrientation(v, ext::VideoOrientation{false, true, 90}));
    CPPUNIT_ASSERT_EQUAL(uint8_t{0x05}, v[0]);
    CPPUNIT_ASSERT(!ext::writeVideoOrientation(v, ext::VideoOrientation{false, false, 45}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HeaderExtensionsTest);
