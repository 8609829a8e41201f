// libFuzzer target: RTP packet parsing and everything the SFU does with a parsed packet —
// header extension lookup and typed readers, extension renumbering, RTX encapsulation and back,
// codec payload inspection (VP8/VP9/H.264/AV1), sequence rewriting and NACK bookkeeping. The
// invariants checked: a packet rebuilt from the parsed fields parses to the same fields, and an
// RTX round trip restores the original bytes (minus padding).
#include "rtc/codec/Av1.hpp"
#include "rtc/codec/H264.hpp"
#include "rtc/codec/PayloadInspector.hpp"
#include "rtc/codec/Vp8.hpp"
#include "rtc/codec/Vp9.hpp"
#include "rtc/rtp/HeaderExtensions.hpp"
#include "rtc/rtp/RtpPacket.hpp"
#include "rtc/stream/NackGenerator.hpp"
#include "rtc/stream/SeqManager.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace talk::rtc;

namespace {

HeaderExtensionMap publisherMap()
{
  HeaderExtensionMap m;
  m.set(RtpExtension::AudioLevel, 1);
  m.set(RtpExtension::AbsSendTime, 2);
  m.set(RtpExtension::TransportWideCc, 3);
  m.set(RtpExtension::Mid, 4);
  m.set(RtpExtension::Rid, 10);
  m.set(RtpExtension::RepairedRid, 11);
  m.set(RtpExtension::VideoOrientation, 13);
  return m;
}

HeaderExtensionMap subscriberMap()
{
  HeaderExtensionMap m;
  m.set(RtpExtension::Mid, 1);
  m.set(RtpExtension::TransportWideCc, 4);
  m.set(RtpExtension::AudioLevel, 3);
  return m;
}

void check(bool condition)
{
  if (!condition) {
    std::abort();
  }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  static std::array<uint8_t, 70000> s_packet;
  static std::array<uint8_t, 70000> s_out;
  static std::array<uint8_t, 70000> s_rebuilt;
  if (size > s_packet.size() - 2) {
    return 0;
  }
  std::memcpy(s_packet.data(), data, size);
  std::span<uint8_t> bytes(s_packet.data(), size);
  (void)RtpPacket::looksLikeRtp(bytes);
  auto p = RtpPacket::parse(bytes);
  if (!p) {
    return 0;
  }
  static const HeaderExtensionMap s_from = publisherMap();
  static const HeaderExtensionMap s_to = subscriberMap();

  // Accessors and typed readers.
  for (size_t i = 0; i < p->csrcCount(); ++i) {
    (void)p->csrc(i);
  }
  (void)ext::mid(*p, s_from);
  (void)ext::rid(*p, s_from);
  (void)ext::repairedRid(*p, s_from);
  (void)ext::absSendTime(*p, s_from);
  (void)ext::transportSequence(*p, s_from);
  (void)ext::audioLevel(*p, s_from);
  (void)ext::videoOrientation(*p, s_from);

  // Rebuild from the parsed fields: must parse to the same header, extensions and payload.
  std::vector<uint32_t> csrcs;
  for (size_t i = 0; i < p->csrcCount(); ++i) {
    csrcs.push_back(p->csrc(i));
  }
  RtpHeader h{p->payloadType(), p->marker(), p->sequenceNumber(), p->timestamp(), p->ssrc(), csrcs};
  RtpPacket::ExtensionForm form =
    p->extensionForm() == RtpPacket::ExtensionForm::None ? RtpPacket::ExtensionForm::OneByte : p->extensionForm();
  RtpPacketBuilder builder(s_rebuilt, h, form);
  size_t extensions = 0;
  p->forEachExtension([&](uint8_t id, std::span<uint8_t> value) {
    ++extensions;
    check(builder.addExtension(id, value));
  });
  check(builder.setPayload(p->payload()));
  auto rebuilt = builder.finish(static_cast<uint8_t>(p->paddingSize()));
  check(rebuilt.has_value());
  check(rebuilt->sequenceNumber() == p->sequenceNumber() && rebuilt->ssrc() == p->ssrc() &&
        rebuilt->timestamp() == p->timestamp() && rebuilt->payloadType() == p->payloadType());
  check(rebuilt->payload().size() == p->payload().size());
  check(std::equal(p->payload().begin(), p->payload().end(), rebuilt->payload().begin()));
  size_t rebuiltExtensions = 0;
  rebuilt->forEachExtension([&](uint8_t id, std::span<uint8_t> value) {
    ++rebuiltExtensions;
    auto original = p->extension(id);
    check(original.has_value() && original->size() == value.size());
  });
  check(rebuiltExtensions == extensions);

  // Codec helpers on the payload.
  for (Codec c : {Codec::Vp8, Codec::Vp9, Codec::H264, Codec::Av1, Codec::Opus}) {
    (void)inspectPayload(c, p->payload());
  }
  if (auto d = vp8::parse(p->payload())) {
    check(d->size <= p->payload().size());
    (void)vp8::setPictureId(p->mutablePayload(), 0x1234);
    (void)vp8::setTl0PicIdx(p->mutablePayload(), 7);
    auto again = vp8::parse(p->payload());
    check(again.has_value() && again->size == d->size);
  }

  // RTX round trip on a copy.
  auto copy = p->copyTo(s_out);
  check(copy.has_value());
  auto rtx = copy->rtxEncapsulate(s_rebuilt, 97, 0x12345678, 1);
  if (rtx) {
    auto parsedRtx = RtpPacket::parse(rtx->bytes());
    check(parsedRtx.has_value());
    check(parsedRtx->rtxDecapsulate(p->payloadType(), p->ssrc()));
    check(parsedRtx->sequenceNumber() == p->sequenceNumber());
    check(parsedRtx->payload().size() == p->payload().size());
  }

  // Renumbering for a subscriber, then the packet must still parse.
  (void)ext::remapExtensions(*p, s_from, s_to);
  check(RtpPacket::parse(p->bytes()).has_value());

  // Stream bookkeeping with the fuzzed sequence numbers.
  static RtpSeqManager s_seq;
  static NackGenerator s_nack;
  if ((p->sequenceNumber() & 7) == 0) {
    s_seq.drop(p->sequenceNumber());
  } else {
    (void)s_seq.input(p->sequenceNumber());
  }
  if ((p->ssrc() & 0xff) == 0) {
    s_seq.sync();
  }
  (void)s_nack.onPacket(p->sequenceNumber(), (p->timestamp() & 1) != 0);
  std::array<uint16_t, 32> nacks{};
  (void)s_nack.collect(static_cast<int64_t>(p->timestamp()), 50, nacks);
  return 0;
}
