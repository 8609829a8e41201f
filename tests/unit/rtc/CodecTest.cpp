#include "rtc/codec/Av1.hpp"
#include "rtc/codec/H264.hpp"
#include "rtc/codec/PayloadInspector.hpp"
#include "rtc/codec/Vp8.hpp"
#include "rtc/codec/Vp9.hpp"

#include "RtcTestData.hpp"
#include "rtc/rtp/RtpPacket.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace talk::rtc;
using namespace talk::rtc::test;

class CodecTest : public CppUnit::TestFixture
{
  CPPUNIT_TEST_SUITE(CodecTest);
  CPPUNIT_TEST(vp8CapturedStream);
  CPPUNIT_TEST(vp8DescriptorFields);
  CPPUNIT_TEST(vp8RewritesPictureIdAndTl0);
  CPPUNIT_TEST(vp8Truncated);
  CPPUNIT_TEST(vp9CapturedStream);
  CPPUNIT_TEST(vp9DescriptorFields);
  CPPUNIT_TEST(h264CapturedStream);
  CPPUNIT_TEST(h264Aggregates);
  CPPUNIT_TEST(av1AggregationHeader);
  CPPUNIT_TEST(opusIsPassedThrough);
  CPPUNIT_TEST_SUITE_END();

public:
  void vp8CapturedStream()
  {
    auto records = readRecords("vp8.rtp");
    size_t keyframeStarts = 0;
    size_t frameStarts = 0;
    size_t keyframeFrame = 0;
    for (size_t i = 0; i < records.size(); ++i) {
      auto p = RtpPacket::parse(records[i]);
      auto d = vp8::parse(p->payload());
      CPPUNIT_ASSERT(d.has_value());
      CPPUNIT_ASSERT(d->hasPictureId && d->pictureIdLong); // ffmpeg: 15-bit PictureID
      if (d->keyframe && i > 0) {
        keyframeFrame = frameStarts;
      }
      keyframeStarts += d->keyframe ? 1 : 0;
      frameStarts += d->startOfFrame() ? 1 : 0;
      if (i == 0) {
        CPPUNIT_ASSERT(d->keyframe);
        CPPUNIT_ASSERT_EQUAL(size_t{4}, d->size);
      }
      auto info = inspectPayload(Codec::Vp8, p->payload());
      CPPUNIT_ASSERT_EQUAL(d->keyframe, info->keyframe);
    }
    CPPUNIT_ASSERT_EQUAL(size_t{2}, keyframeStarts); // -g 30: frames 0 and 30
    CPPUNIT_ASSERT_EQUAL(size_t{30}, keyframeFrame);
    CPPUNIT_ASSERT(frameStarts > 30);
  }

  void vp8DescriptorFields()
  {
    // X S PID=0 | I L T K | M PictureID=0x1234 | TL0PICIDX=7 | TID=2 Y KEYIDX=5 | frame tag (key)
    Bytes b = hex("90 f0 9234 07 b5 10");
    auto d = vp8::parse(b);
    CPPUNIT_ASSERT(d.has_value());
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x1234}, d->pictureId);
    CPPUNIT_ASSERT(d->hasTl0PicIdx);
    CPPUNIT_ASSERT_EQUAL(uint8_t{7}, d->tl0PicIdx);
    CPPUNIT_ASSERT_EQUAL(uint8_t{2}, d->tid);
    CPPUNIT_ASSERT(d->layerSync);
    CPPUNIT_ASSERT_EQUAL(uint8_t{21}, d->keyIdx);
    CPPUNIT_ASSERT_EQUAL(size_t{6}, d->size);
    CPPUNIT_ASSERT(d->keyframe);
    // Same with an inter frame tag, and a continuation packet (S=0) never counts as keyframe.
    CPPUNIT_ASSERT(!vp8::parse(hex("90 f0 9234 07 b5 11"))->keyframe);
    CPPUNIT_ASSERT(!vp8::parse(hex("80 f0 9234 07 b5 10"))->keyframe);
    // Short picture id, no extension at all.
    auto s = vp8::parse(hex("90 80 7f 00"));
    CPPUNIT_ASSERT(!s->pictureIdLong);
    CPPUNIT_ASSERT_EQUAL(uint16_t{127}, s->pictureId);
    auto plain = vp8::parse(hex("10 00"));
    CPPUNIT_ASSERT(!plain->hasPictureId);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, plain->size);
    CPPUNIT_ASSERT(plain->keyframe);
    auto info = inspectPayload(Codec::Vp8, hex("90 f0 9234 07 b5 10"));
    CPPUNIT_ASSERT_EQUAL(uint8_t{2}, info->temporalLayer);
    CPPUNIT_ASSERT(info->layerSync);
  }

  void vp8RewritesPictureIdAndTl0()
  {
    Bytes b = hex("90 f0 9234 07 b5 10");
    CPPUNIT_ASSERT(vp8::setPictureId(b, 0x7ffe));
    CPPUNIT_ASSERT(vp8::setTl0PicIdx(b, 200));
    auto d = vp8::parse(b);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x7ffe}, d->pictureId);
    CPPUNIT_ASSERT_EQUAL(uint8_t{200}, d->tl0PicIdx);
    CPPUNIT_ASSERT_EQUAL(uint8_t{2}, d->tid); // untouched
    Bytes shortId = hex("90 c0 05 09 10");
    CPPUNIT_ASSERT(vp8::setPictureId(shortId, 0x1ff)); // 7-bit field keeps 7 bits
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x7f}, vp8::parse(shortId)->pictureId);
    CPPUNIT_ASSERT(vp8::setTl0PicIdx(shortId, 3));
    CPPUNIT_ASSERT_EQUAL(uint8_t{3}, vp8::parse(shortId)->tl0PicIdx);
    Bytes none = hex("10 00");
    CPPUNIT_ASSERT(!vp8::setPictureId(none, 1));
    CPPUNIT_ASSERT(!vp8::setTl0PicIdx(none, 1));
  }

  void vp8Truncated()
  {
    CPPUNIT_ASSERT(!vp8::parse(hex("")).has_value());
    CPPUNIT_ASSERT(!vp8::parse(hex("90")).has_value());
    CPPUNIT_ASSERT(!vp8::parse(hex("90 80")).has_value());
    CPPUNIT_ASSERT(!vp8::parse(hex("90 80 92")).has_value());
    CPPUNIT_ASSERT(!vp8::parse(hex("90 40")).has_value());
    CPPUNIT_ASSERT(!vp8::parse(hex("90 20")).has_value());
    Bytes cut = hex("90 80 92");
    CPPUNIT_ASSERT(!vp8::setPictureId(cut, 1));
  }

  void vp9CapturedStream()
  {
    auto records = readRecords("vp9.rtp");
    size_t keyframes = 0;
    size_t starts = 0;
    for (size_t i = 0; i < records.size(); ++i) {
      auto p = RtpPacket::parse(records[i]);
      auto d = vp9::parse(p->payload());
      CPPUNIT_ASSERT(d.has_value());
      keyframes += d->keyframe ? 1 : 0;
      starts += d->startOfFrame ? 1 : 0;
      if (i == 0) {
        CPPUNIT_ASSERT(d->keyframe);
      }
      // The marker bit closes the frames ffmpeg marks with E.
      if (d->endOfFrame) {
        CPPUNIT_ASSERT(p->marker());
      }
    }
    CPPUNIT_ASSERT_EQUAL(size_t{1}, keyframes);
    CPPUNIT_ASSERT(starts > 10);
  }

  void vp9DescriptorFields()
  {
    // I P L - B E - - | M PictureID | TID=1 U SID=2 D | TL0PICIDX
    Bytes b = hex("ec 8102 35 09");
    auto d = vp9::parse(b);
    CPPUNIT_ASSERT(d.has_value());
    CPPUNIT_ASSERT(d->interPicturePredicted);
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x102}, d->pictureId);
    CPPUNIT_ASSERT_EQUAL(uint8_t{1}, d->temporalId);
    CPPUNIT_ASSERT(d->switchingUp);
    CPPUNIT_ASSERT_EQUAL(uint8_t{2}, d->spatialId);
    CPPUNIT_ASSERT(d->interLayerDependent);
    CPPUNIT_ASSERT_EQUAL(uint8_t{9}, d->tl0PicIdx);
    CPPUNIT_ASSERT_EQUAL(size_t{5}, d->size);
    CPPUNIT_ASSERT(!d->keyframe);
    // Flexible mode with two reference diffs; keyframe with scalability structure (1 layer,
    // resolution present, no group).
    auto f = vp9::parse(hex("d8 01 21 03 04 aa"));
    CPPUNIT_ASSERT(f->flexibleMode);
    CPPUNIT_ASSERT_EQUAL(size_t{5}, f->size);
    auto ss = vp9::parse(hex("8a 05 10 01400f00 80"));
    CPPUNIT_ASSERT(ss.has_value());
    CPPUNIT_ASSERT(ss->keyframe);
    CPPUNIT_ASSERT_EQUAL(size_t{7}, ss->size);
    CPPUNIT_ASSERT(!vp9::parse(hex("8a 05 10 0140")).has_value()); // SS cut short
    // Without P, the frame header decides (ffmpeg never sets P): key frame, inter frame,
    // show-existing-frame.
    CPPUNIT_ASSERT(vp9::parse(hex("08 80"))->keyframe);
    CPPUNIT_ASSERT(!vp9::parse(hex("08 84"))->keyframe);
    CPPUNIT_ASSERT(!vp9::parse(hex("08 88"))->keyframe);
    CPPUNIT_ASSERT(!vp9::parse(hex("d8 01 21 03 05 07")).has_value()); // four P_DIFFs
    CPPUNIT_ASSERT(!vp9::parse(hex("a0")).has_value());
  }

  void h264CapturedStream()
  {
    auto records = readRecords("h264.rtp");
    auto first = h264::parse(RtpPacket::parse(records[0])->payload());
    CPPUNIT_ASSERT_EQUAL(h264::nal::StapA, first->packetType);
    CPPUNIT_ASSERT(first->hasSps && first->hasPps);
    auto idr = h264::parse(RtpPacket::parse(records[1])->payload());
    CPPUNIT_ASSERT(idr->keyframe());
    size_t fuStarts = 0;
    size_t fuContinuations = 0;
    for (auto& rec : records) {
      auto info = h264::parse(RtpPacket::parse(rec)->payload());
      CPPUNIT_ASSERT(info.has_value());
      if (info->packetType == h264::nal::FuA) {
        (info->startOfNal ? fuStarts : fuContinuations)++;
      }
    }
    CPPUNIT_ASSERT(fuStarts > 0);
    CPPUNIT_ASSERT(fuContinuations > 0);
    CPPUNIT_ASSERT(inspectPayload(Codec::H264, RtpPacket::parse(records[0])->payload())->keyframe);
  }

  void h264Aggregates()
  {
    // STAP-A with SPS (2 bytes) and IDR (1 byte).
    auto s = h264::parse(hex("18 0002 6742 0001 65"));
    CPPUNIT_ASSERT(s->hasSps && s->hasIdr && !s->hasPps);
    CPPUNIT_ASSERT(!h264::parse(hex("18 0005 6742")).has_value()); // size past payload
    CPPUNIT_ASSERT(!h264::parse(hex("18 00")).has_value());
    CPPUNIT_ASSERT(!h264::parse(hex("18")).has_value());          // no unit at all
    CPPUNIT_ASSERT(!h264::parse(hex("18 0000")).has_value());     // zero-size unit
    // FU-A start of an IDR, a middle fragment.
    CPPUNIT_ASSERT(h264::parse(hex("7c 85 aa"))->keyframe());
    auto mid = h264::parse(hex("7c 05 aa"));
    CPPUNIT_ASSERT(!mid->startOfNal && !mid->keyframe());
    CPPUNIT_ASSERT(!h264::parse(hex("7c")).has_value());
    CPPUNIT_ASSERT(!h264::parse(hex("e5 00")).has_value()); // F bit
    CPPUNIT_ASSERT(!h264::parse(hex("19 00")).has_value()); // STAP-B unsupported
    CPPUNIT_ASSERT(!h264::parse(hex("")).has_value());
  }

  void av1AggregationHeader()
  {
    // N=1, W=2: element 1 with length 2 holding a sequence header OBU, element 2 to the end.
    auto k = av1::parse(hex("28 02 0a00 3200aa"));
    CPPUNIT_ASSERT(k.has_value());
    CPPUNIT_ASSERT(k->keyframe());
    CPPUNIT_ASSERT(k->hasSequenceHeader);
    CPPUNIT_ASSERT_EQUAL(uint8_t{2}, k->obuCount);
    // Continuation packet (Z=1, W=1): the fragment's bytes are not an OBU header.
    auto c = av1::parse(hex("90 0a0b0c"));
    CPPUNIT_ASSERT(c->continuation);
    CPPUNIT_ASSERT(!c->hasSequenceHeader);
    CPPUNIT_ASSERT(!inspectPayload(Codec::Av1, hex("90 0a0b0c"))->startOfFrame);
    // W=0: every element has a length.
    CPPUNIT_ASSERT(av1::parse(hex("00 01 32 02 3200")).has_value());
    CPPUNIT_ASSERT(!av1::parse(hex("00 05 32")).has_value());     // length past payload
    CPPUNIT_ASSERT(!av1::parse(hex("30 02 0a00")).has_value());    // W=3, only one element
    CPPUNIT_ASSERT(!av1::parse(hex("00 ffffffffffffffffff")).has_value()); // LEB128 too long
    CPPUNIT_ASSERT(!av1::parse(hex("")).has_value());
  }

  void opusIsPassedThrough()
  {
    CPPUNIT_ASSERT(codecFromName("OPUS") == Codec::Opus);
    CPPUNIT_ASSERT(codecFromName("vp8") == Codec::Vp8);
    CPPUNIT_ASSERT(codecFromName("h264") == Codec::H264);
    CPPUNIT_ASSERT(codecFromName("red") == Codec::Other);
    for (auto& rec : readRecords("opus.rtp")) {
      auto info = inspectPayload(Codec::Opus, RtpPacket::parse(rec)->payload());
      CPPUNIT_ASSERT(info.has_value());
      CPPUNIT_ASSERT(!info->keyframe);
      CPPUNIT_ASSERT_EQUAL(uint8_t{0}, info->temporalLayer);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CodecTest);
