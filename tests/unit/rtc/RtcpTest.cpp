#include "rtc/rtcp/Rtcp.hpp"

#include "RtcTestData.hpp"
#include "rtc/rtcp/RtcpWriter.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <array>
#include <vector>

using namespace talk::rtc;
using namespace talk::rtc::rtcp;
using namespace talk::rtc::test;

namespace {

std::vector<PacketView> packets(std::span<const uint8_t> data)
{
  std::vector<PacketView> out;
  CompoundReader r(data);
  while (auto p = r.next()) {
    out.push_back(*p);
  }
  CPPUNIT_ASSERT(!r.malformed());
  return out;
}

}

class RtcpTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(RtcpTest);
  CPPUNIT_TEST(parsesCapturedSenderReports);
  CPPUNIT_TEST(compoundRoundTripOfEveryKind);
  CPPUNIT_TEST(nackPacksAndUnpacksSequences);
  CPPUNIT_TEST(rembEncodesLargeBitrates);
  CPPUNIT_TEST(rejectsBadLengthsAndPadding);
  CPPUNIT_TEST(typedParsersRejectShortBodies);
  CPPUNIT_TEST(writerStopsWhenFull);
  CPPUNIT_TEST(parsesHandBuiltChromeStyleFeedback);
  CPPUNIT_TEST_SUITE_END();

public:
  void parsesCapturedSenderReports()
  {
    for (const char* name : {"vp8.rtcp", "vp9.rtcp", "h264.rtcp", "opus.rtcp"}) {
      for (const Bytes& rec : readRecords(name)) {
        CPPUNIT_ASSERT(looksLikeRtcp(rec));
        CPPUNIT_ASSERT(CompoundReader::validate(rec));
        auto ps = packets(rec);
        CPPUNIT_ASSERT_EQUAL(size_t{1}, ps.size());
        auto sr = SenderReport::parse(ps[0]);
        CPPUNIT_ASSERT(sr.has_value());
        CPPUNIT_ASSERT_EQUAL(size_t{0}, sr->reportCount());
      }
    }
    // The second opus SR: ssrc of the stream, 250 packets, 0x67a4 octets (from the capture).
    auto rec = readRecords("opus.rtcp")[1];
    auto sr = SenderReport::parse(packets(rec)[0]);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x09002cc6}, sr->info().ssrc);
    CPPUNIT_ASSERT_EQUAL(uint32_t{250}, sr->info().packetCount);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x67a4}, sr->info().octetCount);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0xa1f97d7f}, sr->info().rtpTimestamp);
    CPPUNIT_ASSERT_EQUAL((sr->info().ntpSeconds << 16) | (sr->info().ntpFraction >> 16), sr->compactNtp());
  }

  void compoundRoundTripOfEveryKind()
  {
    std::array<uint8_t, 1500> buf{};
    CompoundWriter w(buf);
    ReportBlock rb{0xabcdef01, 25, -3, 0x00012345, 77, 0x11112222, 0x00010000};
    std::array<ReportBlock, 2> blocks{rb, rb};
    blocks[1].ssrc = 2;
    blocks[1].cumulativeLost = 0x7fffff;
    CPPUNIT_ASSERT(w.addSenderReport(SenderInfo{1, 2, 3, 4, 5, 6}, blocks));
    CPPUNIT_ASSERT(w.addReceiverReport(7, std::span<const ReportBlock>(blocks).first(1)));
    CPPUNIT_ASSERT(w.addSdesCname(1, "talk-sfu-cname"));
    std::array<uint32_t, 2> byes{1, 9};
    CPPUNIT_ASSERT(w.addBye(byes, "gone"));
    std::array<uint16_t, 3> lost{100, 101, 117};
    CPPUNIT_ASSERT(w.addNack(1, 2, lost));
    CPPUNIT_ASSERT(w.addPli(1, 2));
    std::array<FirEntry, 1> fir{FirEntry{2, 9}};
    CPPUNIT_ASSERT(w.addFir(1, fir));
    std::array<uint32_t, 2> rembSsrcs{2, 3};
    CPPUNIT_ASSERT(w.addRemb(1, 1048576, rembSsrcs));
    CPPUNIT_ASSERT(w.ok());
    CPPUNIT_ASSERT(CompoundReader::validate(w.bytes()));

    auto ps = packets(w.bytes());
    CPPUNIT_ASSERT_EQUAL(size_t{8}, ps.size());
    auto sr = SenderReport::parse(ps[0]);
    CPPUNIT_ASSERT(sr.has_value());
    CPPUNIT_ASSERT_EQUAL(uint32_t{6}, sr->info().octetCount);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, sr->reportCount());
    ReportBlock r0 = sr->report(0);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0xabcdef01}, r0.ssrc);
    CPPUNIT_ASSERT_EQUAL(uint8_t{25}, r0.fractionLost);
    CPPUNIT_ASSERT_EQUAL(int32_t{-3}, r0.cumulativeLost);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x00012345}, r0.extendedHighestSeq);
    CPPUNIT_ASSERT_EQUAL(uint32_t{77}, r0.jitter);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x11112222}, r0.lastSr);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x00010000}, r0.delaySinceLastSr);
    CPPUNIT_ASSERT_EQUAL(int32_t{0x7fffff}, sr->report(1).cumulativeLost);
    CPPUNIT_ASSERT(!SenderReport::parse(ps[1]).has_value()); // kinds are checked

    auto rr = ReceiverReport::parse(ps[1]);
    CPPUNIT_ASSERT_EQUAL(uint32_t{7}, rr->ssrc());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, rr->reportCount());
    CPPUNIT_ASSERT_EQUAL(int32_t{-3}, rr->report(0).cumulativeLost);

    auto sdes = SourceDescription::parse(ps[2]);
    CPPUNIT_ASSERT(sdes.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("talk-sfu-cname"), std::string(*sdes->cname(1)));
    CPPUNIT_ASSERT(!sdes->cname(2).has_value());

    auto bye = Bye::parse(ps[3]);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, bye->ssrcCount());
    CPPUNIT_ASSERT_EQUAL(uint32_t{9}, bye->ssrc(1));
    CPPUNIT_ASSERT_EQUAL(std::string("gone"), std::string(bye->reason()));

    auto nack = GenericNack::parse(ps[4]);
    CPPUNIT_ASSERT(nack.has_value());
    CPPUNIT_ASSERT_EQUAL(uint32_t{2}, nack->header().mediaSsrc);
    std::vector<uint16_t> got;
    nack->forEachLost([&](uint16_t s) { got.push_back(s); });
    CPPUNIT_ASSERT((got == std::vector<uint16_t>{100, 101, 117}));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, nack->itemCount()); // 117 is 17 after 100: a second item

    CPPUNIT_ASSERT(Pli::parse(ps[5]).has_value());
    CPPUNIT_ASSERT_EQUAL(uint32_t{2}, Pli::parse(ps[5])->header().mediaSsrc);
    CPPUNIT_ASSERT(!Pli::parse(ps[6]).has_value()); // FIR is not a PLI
    auto f = Fir::parse(ps[6]);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, f->entryCount());
    CPPUNIT_ASSERT_EQUAL(uint32_t{2}, f->entry(0).ssrc);
    CPPUNIT_ASSERT_EQUAL(uint8_t{9}, f->entry(0).seqNr);

    auto remb = Remb::parse(ps[7]);
    CPPUNIT_ASSERT(remb.has_value());
    CPPUNIT_ASSERT_EQUAL(uint64_t{1048576}, remb->bitrate());
    CPPUNIT_ASSERT_EQUAL(size_t{2}, remb->ssrcCount());
    CPPUNIT_ASSERT_EQUAL(uint32_t{3}, remb->ssrc(1));
  }

  void nackPacksAndUnpacksSequences()
  {
    std::array<uint8_t, 256> buf{};
    CompoundWriter w(buf);
    // Unsorted, with a duplicate, across the wrap.
    std::array<uint16_t, 6> lost{2, 65534, 65535, 0, 2, 40};
    CPPUNIT_ASSERT(w.addNack(5, 6, lost));
    auto ps = packets(w.bytes());
    auto nack = GenericNack::parse(ps[0]);
    std::vector<uint16_t> got;
    nack->forEachLost([&](uint16_t s) { got.push_back(s); });
    CPPUNIT_ASSERT((got == std::vector<uint16_t>{65534, 65535, 0, 2, 40}));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, nack->itemCount());
    CompoundWriter empty(buf);
    CPPUNIT_ASSERT(!empty.addNack(1, 2, {}));
  }

  void rembEncodesLargeBitrates()
  {
    std::array<uint8_t, 64> buf{};
    for (uint64_t rate : {uint64_t{0}, uint64_t{300000}, uint64_t{2760000}, uint64_t{1} << 40}) {
      CompoundWriter w(buf);
      std::array<uint32_t, 1> ssrc{1};
      CPPUNIT_ASSERT(w.addRemb(9, rate, ssrc));
      auto remb = Remb::parse(packets(w.bytes())[0]);
      CPPUNIT_ASSERT(remb.has_value());
      // 18-bit mantissa: rounded down by less than one part in 2^17.
      CPPUNIT_ASSERT(remb->bitrate() <= rate);
      CPPUNIT_ASSERT(rate - remb->bitrate() <= rate / (1 << 17));
    }
  }

  void rejectsBadLengthsAndPadding()
  {
    // Length says 3 words, only 2 present.
    CPPUNIT_ASSERT(!CompoundReader::validate(hex("80c9 0003 00000001 00000000")));
    // Version 1.
    CPPUNIT_ASSERT(!CompoundReader::validate(hex("40c9 0001 00000001")));
    // Padding count 0, and larger than the body.
    CPPUNIT_ASSERT(!CompoundReader::validate(hex("a0c9 0001 00000000")));
    CPPUNIT_ASSERT(!CompoundReader::validate(hex("a0c9 0001 00000009")));
    // Trailing garbage after a valid packet.
    CPPUNIT_ASSERT(!CompoundReader::validate(hex("80c9 0001 00000001 ff")));
    CPPUNIT_ASSERT(!CompoundReader::validate({}));
    // Valid padding is removed from the body.
    Bytes padded = hex("a0c9 0002 00000001 00000004");
    auto ps = packets(padded);
    CPPUNIT_ASSERT_EQUAL(size_t{4}, ps[0].body.size());
    CPPUNIT_ASSERT(ReceiverReport::parse(ps[0]).has_value());
    // A reader stops at the bad packet but keeps the good ones before it.
    Bytes two = hex("80c9 0001 00000001 80c9 0005 00000001");
    CompoundReader r(two);
    CPPUNIT_ASSERT(r.next().has_value());
    CPPUNIT_ASSERT(!r.next().has_value());
    CPPUNIT_ASSERT(r.malformed());
  }

  void typedParsersRejectShortBodies()
  {
    // RC=1 but no report block.
    CPPUNIT_ASSERT(!ReceiverReport::parse(packets(hex("81c9 0001 00000001"))[0]).has_value());
    CPPUNIT_ASSERT(!SenderReport::parse(
      packets(hex("81c8 0006 00000001 00000000 00000000 00000000 00000000 00000000"))[0]).has_value());
    // SDES item length past the body; chunk without terminator.
    CPPUNIT_ASSERT(!SourceDescription::parse(packets(hex("81ca 0002 00000001 01 09 6162"))[0]).has_value());
    CPPUNIT_ASSERT(!SourceDescription::parse(packets(hex("81ca 0002 00000001 01 02 6162"))[0]).has_value());
    CPPUNIT_ASSERT(SourceDescription::parse(packets(hex("81ca 0002 00000001 01 01 61 00"))[0]).has_value());
    // BYE reason length past the end; BYE with fewer SSRCs than SC.
    CPPUNIT_ASSERT(!Bye::parse(packets(hex("81cb 0002 00000001 09616263"))[0]).has_value());
    CPPUNIT_ASSERT(!Bye::parse(packets(hex("82cb 0001 00000001"))[0]).has_value());
    // NACK without items, FIR with half an entry, PLI too short, REMB without its magic.
    CPPUNIT_ASSERT(!GenericNack::parse(packets(hex("81cd 0002 00000001 00000002"))[0]).has_value());
    CPPUNIT_ASSERT(!Fir::parse(packets(hex("84ce 0003 00000001 00000000 00000002"))[0]).has_value());
    CPPUNIT_ASSERT(!Pli::parse(packets(hex("81ce 0001 00000001"))[0]).has_value());
    CPPUNIT_ASSERT(!Remb::parse(packets(hex("8fce 0004 00000001 00000000 52454d43 01000001"))[0]).has_value());
    // REMB announcing 2 SSRCs with one present.
    CPPUNIT_ASSERT(!Remb::parse(packets(hex("8fce 0005 00000001 00000000 52454d42 02000001 00000002"))[0]).has_value());
  }

  void writerStopsWhenFull()
  {
    std::array<uint8_t, 20> buf{};
    CompoundWriter w(buf);
    CPPUNIT_ASSERT(w.addPli(1, 2));                 // 12 bytes
    CPPUNIT_ASSERT(!w.addPli(1, 2));                // 24 > 20
    CPPUNIT_ASSERT(!w.ok());
    CPPUNIT_ASSERT_EQUAL(size_t{12}, w.size());     // nothing partial was appended
    CPPUNIT_ASSERT(!w.addPli(1, 2));                // sticky
    std::array<uint8_t, 600> big{};
    CompoundWriter c(big);
    CPPUNIT_ASSERT(!c.addSdesCname(1, std::string(256, 'x')));
  }

  void parsesHandBuiltChromeStyleFeedback()
  {
    // RR + REMB as Chrome sends them in one reduced-size compound (RFC 5506 allows the REMB
    // alone, too): REMB 1.5 Mbit/s for two SSRCs.
    Bytes compound = hex("80c9 0001 00000001"
                         "8fce 0006 00000001 00000000 52454d42 02 0b 7704 aaaaaaaa" // exp 2, mantissa 0x37704
                         "bbbbbbbb");
    CPPUNIT_ASSERT(CompoundReader::validate(compound));
    auto ps = packets(compound);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, ps.size());
    auto remb = Remb::parse(ps[1]);
    CPPUNIT_ASSERT(remb.has_value());
    CPPUNIT_ASSERT_EQUAL(uint64_t{0x37704} << 2, remb->bitrate());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0xbbbbbbbb}, remb->ssrc(1));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RtcpTest);
