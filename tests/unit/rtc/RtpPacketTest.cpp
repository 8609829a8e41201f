#include "rtc/rtp/RtpPacket.hpp"

#include "RtcTestData.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <array>
#include <cstring>

using namespace talk::rtc;
using namespace talk::rtc::test;

namespace {

bool parses(Bytes b)
{
  return RtpPacket::parse(b).has_value();
}

// A packet with two one-byte extensions (id 1: 1 byte, id 3: 3 bytes), 2 CSRCs and 4 bytes of
// payload.
Bytes oneBytePacket()
{
  return hex("92 e0 1234 00000064 11223344"  // V=2 X=1 CC=2, M=1 PT=96, seq, ts, ssrc
             "aaaaaaaa bbbbbbbb"              // CSRCs
             "bede 0002 10 ff 32 010203 0000"  // profile, 2 words: id1 len1, id3 len3, pad
             "deadbeef");
}

}

class RtpPacketTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(RtpPacketTest);
  CPPUNIT_TEST(parsesEveryCapturedPacket);
  CPPUNIT_TEST(readsHeaderFieldsAndCsrcs);
  CPPUNIT_TEST(readsOneByteExtensions);
  CPPUNIT_TEST(readsTwoByteExtensions);
  CPPUNIT_TEST(rewritesHeaderInPlace);
  CPPUNIT_TEST(renumbersAndErasesExtensions);
  CPPUNIT_TEST(rejectsTruncatedAndMalformed);
  CPPUNIT_TEST(rejectsExtensionOverflow);
  CPPUNIT_TEST(handlesPadding);
  CPPUNIT_TEST(buildsPacketsThatParse);
  CPPUNIT_TEST(builderRejectsWhatDoesNotFit);
  CPPUNIT_TEST(rtxRoundTrip);
  CPPUNIT_TEST(demultiplexesRtpFromRtcp);
  CPPUNIT_TEST_SUITE_END();

public:
  void parsesEveryCapturedPacket()
  {
    for (const char* name : {"vp8.rtp", "vp9.rtp", "h264.rtp", "opus.rtp"}) {
      auto records = readRecords(name);
      uint16_t prevSeq = 0;
      for (size_t i = 0; i < records.size(); ++i) {
        auto p = RtpPacket::parse(records[i]);
        CPPUNIT_ASSERT_MESSAGE(std::string(name) + " packet " + std::to_string(i), p.has_value());
        CPPUNIT_ASSERT(RtpPacket::looksLikeRtp(records[i]));
        CPPUNIT_ASSERT_EQUAL(records[i].size(), p->size());
        CPPUNIT_ASSERT_EQUAL(size_t{12}, p->headerSize()); // ffmpeg sends no CSRC or extension
        CPPUNIT_ASSERT(!p->payload().empty());
        if (i > 0) {
          CPPUNIT_ASSERT_EQUAL(static_cast<uint16_t>(prevSeq + 1), p->sequenceNumber());
        }
        prevSeq = p->sequenceNumber();
      }
    }
    auto opus = readRecords("opus.rtp");
    auto p = RtpPacket::parse(opus[0]);
    CPPUNIT_ASSERT_EQUAL(uint8_t{97}, p->payloadType());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x09002cc6}, p->ssrc());
    auto p2 = RtpPacket::parse(opus[1]);
    CPPUNIT_ASSERT_EQUAL(uint32_t{960}, p2->timestamp() - p->timestamp()); // 20 ms at 48 kHz
  }

  void readsHeaderFieldsAndCsrcs()
  {
    Bytes b = oneBytePacket();
    auto p = RtpPacket::parse(b);
    CPPUNIT_ASSERT(p.has_value());
    CPPUNIT_ASSERT_EQUAL(uint8_t{96}, p->payloadType());
    CPPUNIT_ASSERT(p->marker());
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x1234}, p->sequenceNumber());
    CPPUNIT_ASSERT_EQUAL(uint32_t{100}, p->timestamp());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x11223344}, p->ssrc());
    CPPUNIT_ASSERT_EQUAL(size_t{2}, p->csrcCount());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0xbbbbbbbb}, p->csrc(1));
    CPPUNIT_ASSERT_EQUAL(uint32_t{0}, p->csrc(2));
    CPPUNIT_ASSERT_EQUAL(size_t{12 + 8 + 4 + 8}, p->headerSize());
    CPPUNIT_ASSERT_EQUAL(size_t{4}, p->payload().size());
    CPPUNIT_ASSERT_EQUAL(uint8_t{0xde}, p->payload()[0]);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, p->paddingSize());
  }

  void readsOneByteExtensions()
  {
    Bytes b = oneBytePacket();
    auto p = RtpPacket::parse(b);
    CPPUNIT_ASSERT(p->extensionForm() == RtpPacket::ExtensionForm::OneByte);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0xbede}, p->extensionProfile());
    auto e1 = p->extension(1);
    CPPUNIT_ASSERT(e1.has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, e1->size());
    CPPUNIT_ASSERT_EQUAL(uint8_t{0xff}, (*e1)[0]);
    auto e3 = p->extension(3);
    CPPUNIT_ASSERT_EQUAL(size_t{3}, e3->size());
    CPPUNIT_ASSERT_EQUAL(uint8_t{3}, (*e3)[2]);
    CPPUNIT_ASSERT(!p->extension(2).has_value());
    CPPUNIT_ASSERT(!p->extension(0).has_value());
    int seen = 0;
    p->forEachExtension([&](uint8_t id, std::span<uint8_t> v) {
      CPPUNIT_ASSERT(id == 1 || id == 3);
      CPPUNIT_ASSERT_EQUAL(id == 1 ? size_t{1} : size_t{3}, v.size());
      ++seen;
    });
    CPPUNIT_ASSERT_EQUAL(2, seen);
  }

  void readsTwoByteExtensions()
  {
    // Two-byte form: id 20 with an empty value, id 200 with 2 bytes, padding.
    Bytes b = hex("90 60 0001 00000000 00000001 1000 0002 14 00 c8 02 abcd 0000 ff");
    auto p = RtpPacket::parse(b);
    CPPUNIT_ASSERT(p.has_value());
    CPPUNIT_ASSERT(p->extensionForm() == RtpPacket::ExtensionForm::TwoByte);
    auto e20 = p->extension(20);
    CPPUNIT_ASSERT(e20.has_value());
    CPPUNIT_ASSERT(e20->empty());
    auto e200 = p->extension(200);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, e200->size());
    CPPUNIT_ASSERT_EQUAL(uint8_t{0xcd}, (*e200)[1]);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, p->payload().size());
    // Ids above 14 fit the two-byte form.
    CPPUNIT_ASSERT(p->setExtensionId(200, 100));
    CPPUNIT_ASSERT(p->extension(100).has_value());
    CPPUNIT_ASSERT(!p->extension(200).has_value());
  }

  void rewritesHeaderInPlace()
  {
    Bytes b = oneBytePacket();
    auto p = RtpPacket::parse(b);
    p->setPayloadType(111);
    p->setMarker(false);
    p->setSequenceNumber(0xfffe);
    p->setTimestamp(0x01020304);
    p->setSsrc(0xcafebabe);
    auto again = RtpPacket::parse(b);
    CPPUNIT_ASSERT_EQUAL(uint8_t{111}, again->payloadType());
    CPPUNIT_ASSERT(!again->marker());
    CPPUNIT_ASSERT_EQUAL(uint16_t{0xfffe}, again->sequenceNumber());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x01020304}, again->timestamp());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0xcafebabe}, again->ssrc());
    CPPUNIT_ASSERT_EQUAL(size_t{2}, again->csrcCount()); // untouched
    CPPUNIT_ASSERT_EQUAL(uint8_t{0xde}, again->payload()[0]);
    // Extension values are writable in place.
    (*again->extension(3))[0] = 0x77;
    CPPUNIT_ASSERT_EQUAL(uint8_t{0x77}, (*RtpPacket::parse(b)->extension(3))[0]);
  }

  void renumbersAndErasesExtensions()
  {
    Bytes b = oneBytePacket();
    auto p = RtpPacket::parse(b);
    CPPUNIT_ASSERT(p->setExtensionId(3, 9));
    CPPUNIT_ASSERT(!p->extension(3).has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, p->extension(9)->size());
    CPPUNIT_ASSERT(!p->setExtensionId(9, 15)); // does not fit the one-byte form
    CPPUNIT_ASSERT(!p->setExtensionId(4, 5));  // absent
    CPPUNIT_ASSERT(p->eraseExtension(1));
    CPPUNIT_ASSERT(!p->extension(1).has_value());
    CPPUNIT_ASSERT(!p->eraseExtension(1));
    // The packet still parses and keeps the other element and the payload.
    auto again = RtpPacket::parse(b);
    CPPUNIT_ASSERT(again.has_value());
    CPPUNIT_ASSERT_EQUAL(uint8_t{2}, (*again->extension(9))[1]);
    CPPUNIT_ASSERT_EQUAL(size_t{4}, again->payload().size());
  }

  void rejectsTruncatedAndMalformed()
  {
    Bytes good = oneBytePacket();
    for (size_t n = 0; n < 12 + 8 + 4 + 8; ++n) { // every cut inside the header
      Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      CPPUNIT_ASSERT_MESSAGE("cut at " + std::to_string(n), !RtpPacket::parse(cut).has_value());
    }
    Bytes v1 = good;
    v1[0] = static_cast<uint8_t>((v1[0] & 0x3f) | 0x40); // version 1
    CPPUNIT_ASSERT(!RtpPacket::parse(v1).has_value());
    Bytes manyCsrc = hex("8f 60 0001 00000000 00000001 00000000"); // CC=15, one present
    CPPUNIT_ASSERT(!RtpPacket::parse(manyCsrc).has_value());
  }

  void rejectsExtensionOverflow()
  {
    // Block length (3 words) beyond the packet.
    CPPUNIT_ASSERT(!parses(hex("90 60 0001 00000000 00000001 bede 0003 10ff0000")));
    // Element length (id 1, 4 bytes) runs past a one-word block.
    CPPUNIT_ASSERT(!parses(hex("90 60 0001 00000000 00000001 bede 0001 13 aabbcc 00")));
    // Two-byte element length past the block.
    CPPUNIT_ASSERT(!parses(hex("90 60 0001 00000000 00000001 1000 0001 05 09 aabb 00")));
    // Two-byte element cut after its id.
    CPPUNIT_ASSERT(!parses(hex("90 60 0001 00000000 00000001 1000 0001 0000 0005")));
    // The same id twice (one-byte and two-byte forms).
    CPPUNIT_ASSERT(!parses(hex("90 60 0001 00000000 00000001 bede 0001 10ff 10ee")));
    CPPUNIT_ASSERT(!parses(hex("90 60 0001 00000000 00000001 1000 0002 0501ff 0501ee 0000")));
    // Reserved id 15 in the one-byte form.
    CPPUNIT_ASSERT(!parses(hex("90 60 0001 00000000 00000001 bede 0001 f0 000000 00")));
    // An unknown profile is carried without elements.
    auto other = hex("90 60 0001 00000000 00000001 1234 0001 13aabbcc 99");
    auto p = RtpPacket::parse(other);
    CPPUNIT_ASSERT(p.has_value());
    CPPUNIT_ASSERT(p->extensionForm() == RtpPacket::ExtensionForm::None);
    CPPUNIT_ASSERT(!p->extension(1).has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, p->payload().size());
  }

  void handlesPadding()
  {
    Bytes b = hex("a0 60 0001 00000000 00000001 aabb 000003");
    auto p = RtpPacket::parse(b);
    CPPUNIT_ASSERT(p.has_value());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, p->paddingSize());
    CPPUNIT_ASSERT_EQUAL(size_t{2}, p->payload().size());
    p->removePadding();
    CPPUNIT_ASSERT_EQUAL(size_t{14}, p->size());
    CPPUNIT_ASSERT_EQUAL((uint8_t)0, static_cast<uint8_t>(b[0] & 0x20));
    CPPUNIT_ASSERT(RtpPacket::parse(std::span<uint8_t>(b).first(14)).has_value());

    // Padding-only probe.
    Bytes probe = hex("a0 60 0001 00000000 00000001 00000004");
    auto pp = RtpPacket::parse(probe);
    CPPUNIT_ASSERT(pp->isPaddingOnly());
    // Padding count zero, beyond the payload, or with nothing after the header.
    CPPUNIT_ASSERT(!parses(hex("a0 60 0001 00000000 00000001 aabb 00")));
    CPPUNIT_ASSERT(!parses(hex("a0 60 0001 00000000 00000001 aabb 04")));
    CPPUNIT_ASSERT(!parses(hex("a0 60 0001 00000000 00000001")));
    // Padding may not eat into the extension block.
    CPPUNIT_ASSERT(!parses(hex("b0 60 0001 00000000 00000001 bede 0001 10ff0000 02")));
  }

  void buildsPacketsThatParse()
  {
    std::array<uint8_t, 200> buf{};
    std::array<uint32_t, 1> csrcs{0x01020304};
    RtpHeader h{100, true, 65535, 0xdeadbeef, 0x12345678, csrcs};
    RtpPacketBuilder one(buf, h);
    CPPUNIT_ASSERT(one.addExtension(4, hex("30")));       // mid "0"
    CPPUNIT_ASSERT(one.addExtension(2, hex("aabbcc")));   // abs-send-time
    CPPUNIT_ASSERT(one.setPayload(hex("0102030405")));
    auto p = one.finish(3);
    CPPUNIT_ASSERT(p.has_value());
    CPPUNIT_ASSERT_EQUAL(uint8_t{100}, p->payloadType());
    CPPUNIT_ASSERT(p->marker());
    CPPUNIT_ASSERT_EQUAL(uint16_t{65535}, p->sequenceNumber());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x01020304}, p->csrc(0));
    CPPUNIT_ASSERT_EQUAL(uint8_t{'0'}, (*p->extension(4))[0]);
    CPPUNIT_ASSERT_EQUAL(size_t{3}, p->extension(2)->size());
    CPPUNIT_ASSERT_EQUAL(size_t{5}, p->payload().size());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, p->paddingSize());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, (p->headerSize() - 12 - 4) % 4);

    RtpPacketBuilder two(buf, RtpHeader{96, false, 1, 2, 3, {}}, RtpPacket::ExtensionForm::TwoByte);
    CPPUNIT_ASSERT(two.addExtension(1, {}));               // empty values exist only in this form
    CPPUNIT_ASSERT(two.addExtension(77, hex("0102030405060708090a0b0c0d0e0f1011"))); // 17 bytes
    auto t = two.finish();
    CPPUNIT_ASSERT(t.has_value());
    CPPUNIT_ASSERT(t->extensionForm() == RtpPacket::ExtensionForm::TwoByte);
    CPPUNIT_ASSERT(t->extension(1)->empty());
    CPPUNIT_ASSERT_EQUAL(size_t{17}, t->extension(77)->size());
    CPPUNIT_ASSERT(t->payload().empty());

    RtpPacketBuilder bare(buf, RtpHeader{0, false, 7, 8, 9, {}});
    CPPUNIT_ASSERT(bare.setPayload(hex("ff")));
    auto b = bare.finish();
    CPPUNIT_ASSERT_EQUAL(size_t{13}, b->size());
    CPPUNIT_ASSERT(b->extensionForm() == RtpPacket::ExtensionForm::None);
  }

  void builderRejectsWhatDoesNotFit()
  {
    std::array<uint8_t, 20> small{};
    RtpPacketBuilder b(small, RtpHeader{});
    CPPUNIT_ASSERT(!b.addExtension(15, hex("00"))); // id 15 is not a one-byte id
    RtpPacketBuilder c(small, RtpHeader{});
    CPPUNIT_ASSERT(!c.addExtension(1, {}));         // empty value needs the two-byte form
    RtpPacketBuilder d(small, RtpHeader{});
    CPPUNIT_ASSERT(!d.setPayload(Bytes(9, 0)));      // 12 + 9 > 20
    CPPUNIT_ASSERT(!d.finish().has_value());
    std::array<uint8_t, 8> tiny{};
    RtpPacketBuilder e(tiny, RtpHeader{});
    CPPUNIT_ASSERT(!e.ok());
    std::array<uint8_t, 64> buf{};
    RtpPacketBuilder f(buf, RtpHeader{});
    CPPUNIT_ASSERT(f.setPayload(hex("01")));
    CPPUNIT_ASSERT(!f.addExtension(1, hex("01")));   // extensions after the payload
  }

  void rtxRoundTrip()
  {
    Bytes b = oneBytePacket();
    auto p = RtpPacket::parse(b);
    std::array<uint8_t, 1500> out{};
    auto rtx = p->rtxEncapsulate(out, 97, 0x55667788, 4242);
    CPPUNIT_ASSERT(rtx.has_value());
    CPPUNIT_ASSERT_EQUAL(uint8_t{97}, rtx->payloadType());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x55667788}, rtx->ssrc());
    CPPUNIT_ASSERT_EQUAL(uint16_t{4242}, rtx->sequenceNumber());
    CPPUNIT_ASSERT_EQUAL(p->payload().size() + 2, rtx->payload().size());
    CPPUNIT_ASSERT_EQUAL(uint8_t{0x12}, rtx->payload()[0]); // OSN 0x1234
    CPPUNIT_ASSERT_EQUAL(uint8_t{0x34}, rtx->payload()[1]);
    CPPUNIT_ASSERT(rtx->extension(3).has_value());          // extensions travel along
    auto parsed = RtpPacket::parse(rtx->bytes());
    CPPUNIT_ASSERT(parsed.has_value());
    CPPUNIT_ASSERT(parsed->rtxDecapsulate(96, 0x11223344));
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x1234}, parsed->sequenceNumber());
    CPPUNIT_ASSERT_EQUAL(uint8_t{96}, parsed->payloadType());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x11223344}, parsed->ssrc());
    CPPUNIT_ASSERT_EQUAL(b.size(), parsed->size());
    CPPUNIT_ASSERT(std::equal(b.begin(), b.end(), parsed->bytes().begin()));

    // Padding of the original is not carried; an RTX packet without OSN fails untouched.
    Bytes padded = hex("a0 60 0001 00000000 00000001 aabb 000003");
    auto pp = RtpPacket::parse(padded);
    auto r2 = pp->rtxEncapsulate(out, 97, 1, 1);
    CPPUNIT_ASSERT_EQUAL(size_t{12 + 2 + 2}, r2->size());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, r2->paddingSize());
    Bytes noOsn = hex("80 61 0001 00000000 00000001 aa");
    auto bad = RtpPacket::parse(noOsn);
    CPPUNIT_ASSERT(!bad->rtxDecapsulate(96, 2));
    CPPUNIT_ASSERT_EQUAL(uint8_t{97}, bad->payloadType());
    std::array<uint8_t, 10> tooSmall{};
    CPPUNIT_ASSERT(!p->rtxEncapsulate(tooSmall, 97, 1, 1).has_value());
  }

  void demultiplexesRtpFromRtcp()
  {
    auto rtcp = readRecords("vp8.rtcp");
    CPPUNIT_ASSERT(!RtpPacket::looksLikeRtp(rtcp[0]));
    CPPUNIT_ASSERT(RtpPacket::looksLikeRtp(readRecords("vp8.rtp")[0]));
    CPPUNIT_ASSERT(!RtpPacket::looksLikeRtp(hex("16fefd0000000000000000"))); // DTLS
    CPPUNIT_ASSERT(!RtpPacket::looksLikeRtp(hex("0001000021124a42")));       // STUN
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RtpPacketTest);
