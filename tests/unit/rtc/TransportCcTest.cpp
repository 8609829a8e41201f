#include "rtc/rtcp/TransportCc.hpp"

#include "RtcTestData.hpp"
#include "rtc/rtcp/RtcpWriter.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <array>
#include <vector>

using namespace talk::rtc;
using namespace talk::rtc::rtcp;
using namespace talk::rtc::test;

namespace {

struct Result
{
  uint16_t seq;
  bool received;
  int64_t arrivalUs;
};

std::vector<Result> results(const TransportCcFeedback& fb)
{
  std::vector<Result> out;
  fb.forEachPacket([&](uint16_t seq, bool received, int64_t us) { out.push_back({seq, received, us}); });
  return out;
}

std::optional<TransportCcFeedback> parseOne(std::span<const uint8_t> bytes)
{
  CompoundReader r(bytes);
  auto p = r.next();
  CPPUNIT_ASSERT(p.has_value());
  return TransportCcFeedback::parse(*p);
}

}

class TransportCcTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(TransportCcTest);
  CPPUNIT_TEST(roundTripWithLossAndLargeDeltas);
  CPPUNIT_TEST(longRunsUseRunLengthChunks);
  CPPUNIT_TEST(parsesDraftExample);
  CPPUNIT_TEST(builderRefusesWhatItCannotEncode);
  CPPUNIT_TEST(rejectsMalformedFeedback);
  CPPUNIT_TEST_SUITE_END();

public:
  void roundTripWithLossAndLargeDeltas()
  {
    TransportCcBuilder b;
    b.reset(0x11, 0x22, 7);
    int64_t t0 = 1'000'000'123; // arbitrary monotonic microseconds
    CPPUNIT_ASSERT(b.addReceived(65534, t0));
    CPPUNIT_ASSERT(b.addReceived(65535, t0 + 1000));
    CPPUNIT_ASSERT(b.addReceived(2, t0 + 1500));        // 0 and 1 lost (wrap)
    CPPUNIT_ASSERT(b.addReceived(3, t0 + 1500 + 100000)); // 100 ms: a large delta
    CPPUNIT_ASSERT(b.addReceived(4, t0 + 1500 + 90000));  // arrived earlier: negative delta
    CPPUNIT_ASSERT(!b.addReceived(1, t0 + 200000));       // older than the last one
    CPPUNIT_ASSERT_EQUAL(size_t{7}, b.packetCount());

    std::array<uint8_t, 200> buf{};
    CompoundWriter w(buf);
    CPPUNIT_ASSERT(w.addTransportCc(b));
    CPPUNIT_ASSERT_EQUAL(b.serializedSize(), w.size());
    CPPUNIT_ASSERT(CompoundReader::validate(w.bytes()));
    auto fb = parseOne(w.bytes());
    CPPUNIT_ASSERT(fb.has_value());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x11}, fb->header().senderSsrc);
    CPPUNIT_ASSERT_EQUAL(uint32_t{0x22}, fb->header().mediaSsrc);
    CPPUNIT_ASSERT_EQUAL(uint16_t{65534}, fb->baseSequence());
    CPPUNIT_ASSERT_EQUAL(uint16_t{7}, fb->packetStatusCount());
    CPPUNIT_ASSERT_EQUAL(uint8_t{7}, fb->feedbackCount());
    auto r = results(*fb);
    CPPUNIT_ASSERT_EQUAL(size_t{7}, r.size());
    int64_t ref = static_cast<int64_t>(fb->referenceTime()) * TransportCcReferenceTickUs;
    CPPUNIT_ASSERT(ref <= t0 && t0 - ref < TransportCcReferenceTickUs);
    const int64_t expect[] = {t0, t0 + 1000, 0, 0, t0 + 1500, t0 + 101500, t0 + 91500};
    const bool got[] = {true, true, false, false, true, true, true};
    for (size_t i = 0; i < 7; ++i) {
      CPPUNIT_ASSERT_EQUAL(static_cast<uint16_t>(65534 + i), r[i].seq);
      CPPUNIT_ASSERT_EQUAL(got[i], r[i].received);
      if (got[i]) {
        // Deltas are 250 us ticks: within one tick of the truth, without accumulating drift.
        int64_t err = (ref + r[i].arrivalUs) - expect[i];
        CPPUNIT_ASSERT_MESSAGE("packet " + std::to_string(i), err <= 0 && err > -TransportCcDeltaTickUs);
      }
    }
  }

  void longRunsUseRunLengthChunks()
  {
    TransportCcBuilder b;
    b.reset(1, 2, 0);
    for (uint16_t s = 0; s < 300; ++s) {
      CPPUNIT_ASSERT(b.addReceived(s, 5'000'000 + s * 1000)); // 1 ms apart: small deltas
    }
    CPPUNIT_ASSERT(b.addReceived(700, 5'400'000)); // 400 lost, then one more
    std::array<uint8_t, 1200> buf{};
    size_t n = b.serialize(buf);
    CPPUNIT_ASSERT(n > 0);
    // 2 run-length chunks + one for the last packet, plus 301 one-byte deltas: far smaller than
    // one status bit per packet would be.
    CPPUNIT_ASSERT(n < 20 + 10 + 301 + 4);
    auto fb = parseOne(std::span<const uint8_t>(buf).first(n));
    CPPUNIT_ASSERT(fb.has_value());
    auto r = results(*fb);
    CPPUNIT_ASSERT_EQUAL(size_t{701}, r.size());
    size_t received = 0;
    for (const auto& x : r) {
      received += x.received ? 1 : 0;
    }
    CPPUNIT_ASSERT_EQUAL(size_t{301}, received);
    CPPUNIT_ASSERT(r[700].received);
    CPPUNIT_ASSERT(!r[500].received);
  }

  void parsesDraftExample()
  {
    // Hand-built per the draft: base 10, 4 packets; a 2-bit status vector chunk
    // (small, lost, large, small), deltas 1 (0x04), large 0x0100, 2 (0x08), then padding.
    Bytes p = hex("af cd 0006 00000001 00000002 000a 0004 000010 05"
                  "d2 40" // 11 | 01 00 10 01 | 00 00 00 -> symbols 1,0,2,1
                  "04 0100 08 0002");
    auto fb = parseOne(p);
    CPPUNIT_ASSERT(fb.has_value());
    CPPUNIT_ASSERT_EQUAL(int32_t{16}, fb->referenceTime());
    CPPUNIT_ASSERT_EQUAL(uint8_t{5}, fb->feedbackCount());
    auto r = results(*fb);
    CPPUNIT_ASSERT_EQUAL(size_t{4}, r.size());
    CPPUNIT_ASSERT(r[0].received && !r[1].received && r[2].received && r[3].received);
    CPPUNIT_ASSERT_EQUAL(int64_t{1000}, r[0].arrivalUs);
    CPPUNIT_ASSERT_EQUAL(int64_t{1000 + 256 * 250}, r[2].arrivalUs);
    CPPUNIT_ASSERT_EQUAL(int64_t{1000 + 256 * 250 + 2000}, r[3].arrivalUs);
  }

  void builderRefusesWhatItCannotEncode()
  {
    TransportCcBuilder b;
    b.reset(1, 2, 0);
    CPPUNIT_ASSERT(b.addReceived(0, 0));
    CPPUNIT_ASSERT(!b.addReceived(1, 9'000'000)); // 9 s: beyond a 16-bit delta of 250 us
    CPPUNIT_ASSERT(!b.addReceived(2000, 1000));    // beyond MaxPackets
    CPPUNIT_ASSERT_EQUAL(size_t{1}, b.packetCount());
    std::array<uint8_t, 8> small{};
    CPPUNIT_ASSERT_EQUAL(size_t{0}, b.serialize(small));
    TransportCcBuilder empty;
    std::array<uint8_t, 64> buf{};
    CompoundWriter w(buf);
    CPPUNIT_ASSERT(!w.addTransportCc(empty));
  }

  void rejectsMalformedFeedback()
  {
    // Status count 0.
    CPPUNIT_ASSERT(!parseOne(hex("8fcd 0004 00000001 00000002 000a 0000 000010 05")).has_value());
    // A chunk is missing.
    CPPUNIT_ASSERT(!parseOne(hex("8fcd 0004 00000001 00000002 000a 0004 000010 05")).has_value());
    // Deltas announced but absent: run of 4 small (2 bytes) -> needs 4 delta bytes.
    CPPUNIT_ASSERT(!parseOne(hex("8fcd 0005 00000001 00000002 000a 0004 000010 05 2004 0102")).has_value());
    // Run-length chunk with symbol 3 (reserved).
    CPPUNIT_ASSERT(!parseOne(hex("8fcd 0005 00000001 00000002 000a 0001 000010 05 6001 0000")).has_value());
    // Not transport-cc (FMT 1).
    CPPUNIT_ASSERT(!parseOne(hex("81cd 0005 00000001 00000002 000a 0001 000010 05 2001 0100")).has_value());
    // The same, well formed (FMT 15), parses.
    CPPUNIT_ASSERT(parseOne(hex("8fcd 0005 00000001 00000002 000a 0001 000010 05 2001 0100")).has_value());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TransportCcTest);
