#include "turn/stun/Framing.hpp"

#include "Rfc5769Vectors.hpp"
#include "TestUtil.hpp"
#include "turn/stun/Message.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk;
using namespace talk::turn::stun;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes channelData(uint16_t channel, const Bytes& payload, bool padded)
{
  Bytes out(channelDataSize(payload.size(), padded) + 7, 0xCC);
  size_t n = writeChannelData(out, channel, payload, padded);
  CPPUNIT_ASSERT(n != 0);
  out.resize(n);
  return out;
}

struct Frame
{
  FrameKind kind;
  Bytes bytes;
};

// A TCP reader: appends each chunk to a buffer and takes complete frames off the front.
std::vector<Frame> readStream(const Bytes& stream, size_t chunk, bool* closed)
{
  std::vector<Frame> frames;
  Bytes buffer;
  *closed = false;
  for (size_t pos = 0; pos < stream.size(); pos += chunk) {
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(pos),
                  stream.begin() + static_cast<std::ptrdiff_t>(std::min(stream.size(), pos + chunk)));
    for (;;) {
      StreamFrame f = nextStreamFrame(buffer);
      if (f.status == FrameStatus::Invalid) {
        *closed = true;
        return frames;
      }
      if (f.status == FrameStatus::NeedMore) {
        break;
      }
      frames.push_back({f.kind, Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(f.size))});
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(f.size));
    }
  }
  return frames;
}

}

class FramingTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(FramingTest);
  CPPUNIT_TEST(classifiesDatagramsByFirstByte);
  CPPUNIT_TEST(parsesChannelData);
  CPPUNIT_TEST(writesChannelDataWithAndWithoutPadding);
  CPPUNIT_TEST(streamFrameSizes);
  CPPUNIT_TEST(streamSplitAcrossReads);
  CPPUNIT_TEST(streamGarbageCloses);
  CPPUNIT_TEST_SUITE_END();

public:
  void classifiesDatagramsByFirstByte()
  {
    CPPUNIT_ASSERT(classifyDatagram(Bytes{}) == PacketKind::Other);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x00}) == PacketKind::Stun);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x03}) == PacketKind::Stun);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x04}) == PacketKind::Other);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x13}) == PacketKind::Other);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x14}) == PacketKind::Dtls);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x16}) == PacketKind::Dtls);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x3F}) == PacketKind::Dtls);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x40}) == PacketKind::ChannelData);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x7F}) == PacketKind::ChannelData);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0x80}) == PacketKind::Other);
    CPPUNIT_ASSERT(classifyDatagram(Bytes{0xFF}) == PacketKind::Other);
  }

  void parsesChannelData()
  {
    // The payload is a view into the input: keep the inputs alive.
    const Bytes plain = {0x40, 0x01, 0x00, 0x03, 'a', 'b', 'c'};
    auto cd = parseChannelData(plain);
    CPPUNIT_ASSERT(cd);
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x4001), cd->channel);
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), test::text(cd->payload));
    // Sender padding (or any excess) is ignored.
    const Bytes padded = {0x7F, 0xFF, 0x00, 0x01, 'z', 0, 0, 0, 9, 9};
    cd = parseChannelData(padded);
    CPPUNIT_ASSERT(cd);
    CPPUNIT_ASSERT_EQUAL(uint16_t(0x7FFF), cd->channel);
    CPPUNIT_ASSERT_EQUAL(std::string("z"), test::text(cd->payload));
    const Bytes empty = {0x40, 0x00, 0x00, 0x00};
    cd = parseChannelData(empty);
    CPPUNIT_ASSERT(cd && cd->payload.empty());
    CPPUNIT_ASSERT(!parseChannelData(Bytes{0x40, 0x00, 0x00, 0x04, 'a', 'b', 'c'})); // short
    CPPUNIT_ASSERT(!parseChannelData(Bytes{0x40, 0x00, 0x00}));
    CPPUNIT_ASSERT(!parseChannelData(Bytes{0x3F, 0xFF, 0x00, 0x00}));
    CPPUNIT_ASSERT(!parseChannelData(Bytes{0x80, 0x00, 0x00, 0x00}));
    CPPUNIT_ASSERT(!parseChannelData(Bytes{0x40, 0x00, 0xFF, 0xFF, 1, 2, 3, 4}));
  }

  void writesChannelDataWithAndWithoutPadding()
  {
    CPPUNIT_ASSERT_EQUAL(size_t(9), channelDataSize(5, false));
    CPPUNIT_ASSERT_EQUAL(size_t(12), channelDataSize(5, true));
    CPPUNIT_ASSERT_EQUAL(size_t(8), channelDataSize(4, true));
    CPPUNIT_ASSERT_EQUAL(size_t(4), channelDataSize(0, true));
    Bytes payload = {1, 2, 3, 4, 5};
    Bytes padded = channelData(0x4ABC, payload, true);
    CPPUNIT_ASSERT((padded == Bytes{0x4A, 0xBC, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0}));
    Bytes plain = channelData(0x4ABC, payload, false);
    CPPUNIT_ASSERT((plain == Bytes{0x4A, 0xBC, 0x00, 0x05, 1, 2, 3, 4, 5}));
    std::array<uint8_t, 11> small{};
    CPPUNIT_ASSERT_EQUAL(size_t(0), writeChannelData(small, 0x4000, payload, true));
    CPPUNIT_ASSERT(!writeChannelDataHeader(std::span<uint8_t>(small).first(3), 0x4000, 1));
    Bytes huge(65536);
    Bytes out(70000);
    CPPUNIT_ASSERT_EQUAL(size_t(0), writeChannelData(out, 0x4000, huge, false));
  }

  void streamFrameSizes()
  {
    auto f = nextStreamFrame(test::Rfc5769Request);
    CPPUNIT_ASSERT(f.status == FrameStatus::Complete && f.kind == FrameKind::Stun);
    CPPUNIT_ASSERT_EQUAL(test::Rfc5769Request.size(), f.size);
    f = nextStreamFrame(std::span<const uint8_t>(test::Rfc5769Request).first(4));
    CPPUNIT_ASSERT(f.status == FrameStatus::NeedMore);
    CPPUNIT_ASSERT_EQUAL(size_t(108), f.size); // known from the header: the reader can size its buffer
    f = nextStreamFrame(std::span<const uint8_t>(test::Rfc5769Request).first(3));
    CPPUNIT_ASSERT(f.status == FrameStatus::NeedMore && f.size == 0);
    f = nextStreamFrame(Bytes{0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0});
    CPPUNIT_ASSERT(f.status == FrameStatus::NeedMore && f.kind == FrameKind::ChannelData);
    CPPUNIT_ASSERT_EQUAL(size_t(12), f.size); // padded on TCP
    f = nextStreamFrame(Bytes{0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0});
    CPPUNIT_ASSERT(f.status == FrameStatus::Complete);
    f = nextStreamFrame(Bytes{});
    CPPUNIT_ASSERT(f.status == FrameStatus::NeedMore);
  }

  void streamSplitAcrossReads()
  {
    Bytes stream;
    Bytes cd1 = channelData(0x4000, Bytes{'h', 'i'}, true);
    Bytes cd2 = channelData(0x7FFF, Bytes(1000, 0x55), true);
    Bytes cd3 = channelData(0x4001, Bytes{}, true);
    for (const Bytes* part : std::initializer_list<const Bytes*>{&test::Rfc5769Request, &cd1, &cd2, &test::Rfc5769LongTermRequest, &cd3,
                              &test::Rfc5769ResponseV6}) {
      stream.insert(stream.end(), part->begin(), part->end());
    }
    for (size_t chunk : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(7), size_t(64), size_t(4096)}) {
      bool closed = false;
      auto frames = readStream(stream, chunk, &closed);
      CPPUNIT_ASSERT(!closed);
      CPPUNIT_ASSERT_EQUAL_MESSAGE("chunk " + std::to_string(chunk), size_t(6), frames.size());
      CPPUNIT_ASSERT(frames[0].bytes == test::Rfc5769Request);
      CPPUNIT_ASSERT(Message::parse(frames[0].bytes));
      CPPUNIT_ASSERT(frames[1].kind == FrameKind::ChannelData);
      CPPUNIT_ASSERT_EQUAL(std::string("hi"), test::text(parseChannelData(frames[1].bytes)->payload));
      CPPUNIT_ASSERT_EQUAL(size_t(1000), parseChannelData(frames[2].bytes)->payload.size());
      CPPUNIT_ASSERT(Message::parse(frames[3].bytes));
      CPPUNIT_ASSERT(parseChannelData(frames[4].bytes)->payload.empty());
      CPPUNIT_ASSERT(Message::parse(frames[5].bytes));
    }
  }

  void streamGarbageCloses()
  {
    CPPUNIT_ASSERT(nextStreamFrame(Bytes{0x80}).status == FrameStatus::Invalid);
    CPPUNIT_ASSERT(nextStreamFrame(Bytes{0x16, 0x03, 0x01}).status == FrameStatus::Invalid); // TLS is the listener's job
    // 'G' (0x47) is in the ChannelData range: "GET " reads as channel 0x4745 with 0x5420 bytes, so
    // the framer waits for them (the server then drops an unbound channel).
    auto http = nextStreamFrame(Bytes{'G', 'E', 'T', ' '});
    CPPUNIT_ASSERT(http.status == FrameStatus::NeedMore && http.kind == FrameKind::ChannelData);
    CPPUNIT_ASSERT_EQUAL(size_t(4 + 0x5420), http.size);
    CPPUNIT_ASSERT(nextStreamFrame(Bytes{0x00, 0x01, 0x00, 0x03}).status == FrameStatus::Invalid); // unaligned
    CPPUNIT_ASSERT(nextStreamFrame(Bytes{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4}).status == FrameStatus::NeedMore);
    CPPUNIT_ASSERT(nextStreamFrame(Bytes{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x43}).status == FrameStatus::Invalid);
    // Garbage after good frames: the good ones are delivered, then the connection closes.
    Bytes stream = channelData(0x4000, Bytes{1, 2, 3}, true);
    stream.insert(stream.end(), test::Rfc5769ResponseV4.begin(), test::Rfc5769ResponseV4.end());
    stream.push_back(0xC0);
    stream.push_back(0x00);
    bool closed = false;
    auto frames = readStream(stream, 3, &closed);
    CPPUNIT_ASSERT(closed);
    CPPUNIT_ASSERT_EQUAL(size_t(2), frames.size());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FramingTest);
