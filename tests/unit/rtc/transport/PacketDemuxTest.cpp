// RFC 7983 demultiplexing table.
#include "rtc/transport/PacketDemux.hpp"

#include <array>
#include <cppunit/extensions/HelperMacros.h>

using namespace talk::rtc;

class PacketDemuxTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(PacketDemuxTest);
  CPPUNIT_TEST(everyFirstByte);
  CPPUNIT_TEST(rtcpByPacketType);
  CPPUNIT_TEST(shortPackets);
  CPPUNIT_TEST_SUITE_END();

public:
  void everyFirstByte()
  {
    for (int b = 0; b < 256; ++b) {
      const std::array<uint8_t, 2> packet{static_cast<uint8_t>(b), 96};
      PacketKind expected = PacketKind::Unknown;
      if (b <= 3) {
        expected = PacketKind::Stun;
      }
      else if (b >= 20 && b <= 63) {
        expected = PacketKind::Dtls;
      }
      else if (b >= 128 && b <= 191) {
        expected = PacketKind::Rtp;
      }
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(b), static_cast<int>(expected),
                                   static_cast<int>(classifyPacket(packet)));
    }
  }

  void rtcpByPacketType()
  {
    for (int pt = 0; pt < 256; ++pt) {
      const std::array<uint8_t, 4> packet{0x80, static_cast<uint8_t>(pt), 0, 1};
      const PacketKind expected = pt >= 192 && pt <= 223 ? PacketKind::Rtcp : PacketKind::Rtp;
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(pt), static_cast<int>(expected),
                                   static_cast<int>(classifyPacket(packet)));
    }
    // Sender report, receiver report, PLI (payload-specific feedback), with the marker
    // bit set on an RTP packet of PT 96 (0x80 | 96 = 224: still RTP).
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 2>{0x80, 200}) == PacketKind::Rtcp);
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 2>{0x81, 201}) == PacketKind::Rtcp);
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 2>{0x81, 206}) == PacketKind::Rtcp);
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 2>{0x90, 224}) == PacketKind::Rtp);
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 2>{0x90, 111}) == PacketKind::Rtp);
  }

  void shortPackets()
  {
    CPPUNIT_ASSERT(classifyPacket({}) == PacketKind::Unknown);
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 1>{0x80}) == PacketKind::Unknown);
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 1>{0x00}) == PacketKind::Stun);
    CPPUNIT_ASSERT(classifyPacket(std::array<uint8_t, 1>{22}) == PacketKind::Dtls);
    CPPUNIT_ASSERT(std::string(packetKindName(PacketKind::Rtcp)) == "rtcp");
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PacketDemuxTest);
