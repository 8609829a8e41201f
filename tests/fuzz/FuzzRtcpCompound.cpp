// libFuzzer target: RTCP compound packets — the compound reader, every typed parser (SR, RR,
// SDES, BYE, NACK, PLI, FIR, REMB, transport-cc) and, for each parsed packet, a re-serialisation
// through CompoundWriter / TransportCcBuilder that must parse back to the same values.
#include "rtc/rtcp/Rtcp.hpp"
#include "rtc/rtcp/RtcpWriter.hpp"
#include "rtc/rtcp/TransportCc.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace talk::rtc::rtcp;

namespace {

void check(bool condition)
{
  if (!condition) {
    std::abort();
  }
}

std::optional<PacketView> only(std::span<const uint8_t> bytes)
{
  CompoundReader r(bytes);
  auto p = r.next();
  check(p.has_value());
  return p;
}

void reserialize(const PacketView& p)
{
  static std::array<uint8_t, 300000> s_buf;
  CompoundWriter w(s_buf);
  if (auto sr = SenderReport::parse(p)) {
    std::vector<ReportBlock> blocks;
    for (size_t i = 0; i < sr->reportCount(); ++i) {
      blocks.push_back(sr->report(i));
    }
    check(w.addSenderReport(sr->info(), blocks));
    auto again = SenderReport::parse(*only(w.bytes()));
    check(again && again->info().ssrc == sr->info().ssrc && again->reportCount() == sr->reportCount());
    for (size_t i = 0; i < blocks.size(); ++i) {
      check(again->report(i).cumulativeLost == blocks[i].cumulativeLost);
    }
  } else if (auto rr = ReceiverReport::parse(p)) {
    std::vector<ReportBlock> blocks;
    for (size_t i = 0; i < rr->reportCount(); ++i) {
      blocks.push_back(rr->report(i));
    }
    check(w.addReceiverReport(rr->ssrc(), blocks));
    check(ReceiverReport::parse(*only(w.bytes()))->reportCount() == blocks.size());
  } else if (auto sdes = SourceDescription::parse(p)) {
    sdes->forEachItem([&](uint32_t ssrc, uint8_t type, std::string_view text) {
      if (type == SourceDescription::ItemCname) {
        CompoundWriter one(s_buf);
        check(one.addSdesCname(ssrc, text));
        check(SourceDescription::parse(*only(one.bytes()))->cname(ssrc) == text);
      }
    });
  } else if (auto bye = Bye::parse(p)) {
    std::vector<uint32_t> ssrcs;
    for (size_t i = 0; i < bye->ssrcCount(); ++i) {
      ssrcs.push_back(bye->ssrc(i));
    }
    check(w.addBye(ssrcs, bye->reason()));
    auto again = Bye::parse(*only(w.bytes()));
    check(again && again->reason() == bye->reason() && again->ssrcCount() == ssrcs.size());
  } else if (auto nack = GenericNack::parse(p)) {
    std::vector<uint16_t> lost;
    nack->forEachLost([&](uint16_t s) { lost.push_back(s); });
    if (lost.size() <= 256) {
      check(w.addNack(nack->header().senderSsrc, nack->header().mediaSsrc, lost));
      auto again = GenericNack::parse(*only(w.bytes()));
      check(again.has_value());
      size_t n = 0;
      again->forEachLost([&](uint16_t s) {
        check(std::find(lost.begin(), lost.end(), s) != lost.end());
        ++n;
      });
      check(n <= lost.size());
    }
  } else if (auto pli = Pli::parse(p)) {
    check(w.addPli(pli->header().senderSsrc, pli->header().mediaSsrc));
    check(Pli::parse(*only(w.bytes()))->header().mediaSsrc == pli->header().mediaSsrc);
  } else if (auto fir = Fir::parse(p)) {
    std::vector<FirEntry> entries;
    for (size_t i = 0; i < fir->entryCount(); ++i) {
      entries.push_back(fir->entry(i));
    }
    check(w.addFir(fir->header().senderSsrc, entries));
    check(Fir::parse(*only(w.bytes()))->entryCount() == entries.size());
  } else if (auto remb = Remb::parse(p)) {
    std::vector<uint32_t> ssrcs;
    for (size_t i = 0; i < remb->ssrcCount(); ++i) {
      ssrcs.push_back(remb->ssrc(i));
    }
    check(w.addRemb(remb->header().senderSsrc, remb->bitrate(), ssrcs));
    auto again = Remb::parse(*only(w.bytes()));
    check(again && again->bitrate() <= remb->bitrate() && again->ssrcCount() == ssrcs.size());
  } else if (auto tcc = TransportCcFeedback::parse(p)) {
    // Feed the reported arrivals into a builder; whatever it accepts must serialise and parse.
    static TransportCcBuilder s_builder;
    s_builder.reset(tcc->header().senderSsrc, tcc->header().mediaSsrc, tcc->feedbackCount());
    int64_t base = static_cast<int64_t>(tcc->referenceTime()) * TransportCcReferenceTickUs;
    size_t count = 0;
    tcc->forEachPacket([&](uint16_t seq, bool received, int64_t us) {
      ++count;
      if (received) {
        (void)s_builder.addReceived(seq, base + us);
      }
    });
    check(count == tcc->packetStatusCount());
    if (!s_builder.empty()) {
      check(w.addTransportCc(s_builder));
      auto again = TransportCcFeedback::parse(*only(w.bytes()));
      check(again.has_value() && again->packetStatusCount() == s_builder.packetCount());
    }
  }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::span<const uint8_t> input(data, size);
  (void)looksLikeRtcp(input);
  (void)CompoundReader::validate(input);
  CompoundReader reader(input);
  while (auto p = reader.next()) {
    check(p->body.size() + 4 <= p->packet.size());
    reserialize(*p);
  }
  return 0;
}
