// rtc-sdp-tool: drives SdpAnswerBuilder from the command line, so real browsers can be shown
// what talk-sfu would answer and offer (tests/data/rtc/capture/verify-sdp.sh).
//   rtc-sdp-tool answer OFFER            our answer to a publisher's offer
//   rtc-sdp-tool subscriber-offer OFFER  our offer to a subscriber of that publisher
//   rtc-sdp-tool read-answer OFFER ANSWER  the streams a subscriber's answer accepted
// No candidates are written: the browser must not try to reach anything.
#include "rtc/sdp/SdpAnswerBuilder.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

using namespace talk::rtc::sdp;

namespace {

std::optional<SessionDescription> load(const char* path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string error;
  auto d = SessionDescription::parse(s.str(), &error);
  if (!d) {
    std::cerr << path << ": " << error << "\n";
  }
  return d;
}

LocalTransport local()
{
  LocalTransport t;
  t.iceUfrag = "tlkU";
  t.icePwd = "talksfupasswordtalksfupw";
  t.iceLite = true;
  t.iceOptions = {};
  std::string fp;
  for (int i = 0; i < 32; ++i) {
    fp += (i > 0 ? ":" : "") + std::string("5A");
  }
  t.fingerprint = Fingerprint{"sha-256", fp};
  t.setup = Setup::Passive;
  t.endOfCandidates = false;
  t.sessionId = 1234567890;
  return t;
}

}

int main(int argc, char** argv)
{
  if (argc < 3) {
    std::cerr << "usage: rtc-sdp-tool answer|subscriber-offer OFFER | read-answer OFFER ANSWER\n";
    return 2;
  }
  std::string mode = argv[1];
  auto offer = load(argv[2]);
  if (!offer) {
    return 1;
  }
  SdpAnswerBuilder builder(Capabilities::defaults());
  if (mode == "read-answer" && argc == 4) {
    auto answer = load(argv[3]);
    std::string error;
    auto streams = answer ? SdpAnswerBuilder::readSubscriberAnswer(*offer, *answer, &error) : std::nullopt;
    if (!streams) {
      std::cerr << error << "\n";
      return 1;
    }
    for (const auto& s : *streams) {
      std::cout << s.mid << " " << s.kind << " " << (s.accepted ? "accepted" : "rejected") << " "
                << toString(s.direction) << " " << s.codec.encoding << " extmaps=" << s.extmaps.size() << "\n";
    }
    return 0;
  }
  std::string error;
  auto answer = builder.answerPublisher(*offer, local(), &error);
  if (!answer) {
    std::cerr << error << "\n";
    return 1;
  }
  if (mode == "answer") {
    std::cout << answer->answer.toString();
    return 0;
  }
  if (mode == "subscriber-offer") {
    LocalTransport t = local();
    std::vector<uint32_t> ssrcs, rtx;
    for (size_t i = 0; i < answer->streams.size(); ++i) {
      ssrcs.push_back(static_cast<uint32_t>(1000 + i));
      rtx.push_back(static_cast<uint32_t>(2000 + i));
    }
    bool data = answer->streams.back().kind == "application" && answer->streams.back().accepted;
    std::cout << builder.offerSubscriber(answer->streams, ssrcs, rtx, data, t, 987654321, 1).toString();
    return 0;
  }
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
