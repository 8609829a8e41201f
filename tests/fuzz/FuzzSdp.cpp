// libFuzzer target: SDP parsing, serialisation (parse(toString(d)) must equal d), and the SFU's
// answer/offer building on whatever parses, whose output must parse back identically too.
#include "rtc/sdp/Sdp.hpp"
#include "rtc/sdp/SdpAnswerBuilder.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace talk::rtc::sdp;

namespace {

void check(bool condition)
{
  if (!condition) {
    std::abort();
  }
}

void roundTrips(const SessionDescription& d)
{
  std::string text = d.toString();
  auto again = SessionDescription::parse(text);
  check(again.has_value());
  check(*again == d);
}

const LocalTransport& local()
{
  static const LocalTransport s_local = [] {
    LocalTransport t;
    t.iceUfrag = "fuzz";
    t.icePwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
    t.fingerprint = Fingerprint{"sha-256", "00:11"};
    t.candidates = {*Candidate::parse("candidate:1 1 udp 1 192.0.2.1 9 typ host")};
    return t;
  }();
  return s_local;
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)Candidate::parse(text);
  std::string error;
  auto d = SessionDescription::parse(text, &error);
  if (!d) {
    check(!error.empty());
    return 0;
  }
  roundTrips(*d);
  for (const auto& m : d->media) {
    for (uint8_t pt : m.payloadTypes()) {
      (void)m.rtxPayloadType(pt);
      (void)m.feedbackFor(pt);
    }
  }
  static const SdpAnswerBuilder s_builder(Capabilities::defaults());
  auto answer = s_builder.answerPublisher(*d, local(), &error);
  if (answer) {
    roundTrips(answer->answer);
    check(answer->streams.size() == d->media.size());
    std::vector<uint32_t> ssrcs(answer->streams.size(), 1);
    std::vector<uint32_t> rtx(answer->streams.size(), 2);
    SessionDescription offer = s_builder.offerSubscriber(answer->streams, ssrcs, rtx, true, local(), 1, 1);
    roundTrips(offer);
    (void)SdpAnswerBuilder::readSubscriberAnswer(offer, *d);
  }
  return 0;
}
