#pragma once
// A MediaEngine for control-plane tests: no packets, but every call is recorded and the
// test fires the media events (webrtcup, hangup, media, slowlink, talking) itself.
// Callbacks run synchronously unless `deferred` is set; then completePending() runs them.
#include "sfu/MediaEngine.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace talk::sfu::testing {

class FakeMediaEngine;

inline std::vector<StreamInfo> streamsOf(const std::string& sdp)
{
  std::vector<StreamInfo> streams;
  int index = 0;
  auto add = [&](const char* line, const char* type, const char* codec) {
    if (sdp.find(line) != std::string::npos) {
      StreamInfo info;
      info.type = type;
      info.mid = std::to_string(index);
      info.mindex = index;
      info.codec = codec;
      streams.push_back(info);
      ++index;
    }
  };
  add("m=audio", "audio", "opus");
  add("m=video", "video", "vp8");
  add("m=application", "data", "");
  return streams;
}

class FakePublisher;
class FakeSubscriber;

class FakeMediaEngine final : public MediaEngine
{
public:
  class Room final : public MediaRoom
  {
  public:
    Room(FakeMediaEngine& engine_, RoomMediaOptions options_) : engine(engine_), options(std::move(options_)) {}
    ~Room() override { ++engine.roomsDestroyed; }
    std::unique_ptr<PublisherEndpoint> createPublisher(uint64_t feedId, EndpointListener& listener) override;
    std::unique_ptr<SubscriberEndpoint> createSubscriber(PublisherEndpoint& publisher, const std::vector<std::string>& mids,
                                                         const SubscriptionSelection& selection,
                                                         EndpointListener& listener) override;
    void setBitrate(uint32_t value) override { options.bitrate = value; }

    FakeMediaEngine& engine;
    RoomMediaOptions options;
  };

  std::unique_ptr<MediaRoom> createRoom(const RoomMediaOptions& options) override
  {
    rooms.push_back(options);
    return std::make_unique<Room>(*this, options);
  }
  bool isParseableSdp(std::string_view sdp) const override { return sdp.substr(0, 3) == "v=0"; }
  MediaCapabilities capabilities() const override
  {
    MediaCapabilities caps;
    caps.localIp = "192.0.2.10";
    caps.dependencies = {{"libnice", "fake"}};
    return caps;
  }

  void completePending()
  {
    while (!pending.empty()) {
      auto work = std::move(pending);
      pending.clear();
      for (auto& [owner, fn] : work) {
        fn();
      }
    }
  }
  void run(const void* owner, std::function<void()> fn)
  {
    if (deferred) {
      pending.emplace_back(owner, std::move(fn));
    }
    else {
      fn();
    }
  }
  void cancel(const void* owner)
  {
    pending.erase(std::remove_if(pending.begin(), pending.end(), [owner](const auto& p) { return p.first == owner; }),
                  pending.end());
  }

  FakePublisher* publisher(uint64_t feed) const
  {
    auto it = publishers.find(feed);
    return it == publishers.end() ? nullptr : it->second;
  }

  // State visible to tests
  bool deferred{false};
  std::vector<RoomMediaOptions> rooms;
  int roomsDestroyed{0};
  std::map<uint64_t, FakePublisher*> publishers; // live, by feed id
  std::vector<FakeSubscriber*> subscribers;      // live
  std::vector<std::pair<const void*, std::function<void()>>> pending;
  int offersMade{0};
};

class FakePublisher final : public PublisherEndpoint
{
public:
  FakePublisher(FakeMediaEngine& engine_, uint64_t feed_, EndpointListener& listener_)
    : engine(engine_), feed(feed_), listener(listener_)
  {
    engine.publishers[feed] = this;
  }
  ~FakePublisher() override
  {
    engine.cancel(this);
    engine.publishers.erase(feed);
  }
  void negotiate(const std::string& offer, std::function<void(PublishResult)> done) override
  {
    offers.push_back(offer);
    engine.run(this, [this, offer, done = std::move(done)] {
      PublishResult result;
      if (offer.find("reject") != std::string::npos) {
        result.error = {437, "Invalid SDP (test)"};
      }
      else {
        result.streams = streamsOf(offer);
        current = result.streams;
        result.answerSdp = "v=0\r\ns=answer-feed-" + std::to_string(feed) + "\r\n";
        for (const StreamInfo& s : result.streams) {
          if (s.type == "audio") {
            result.audioCodec = s.codec;
          }
          if (s.type == "video") {
            result.videoCodec = s.codec;
          }
        }
      }
      done(result);
    });
  }
  void trickle(const IceCandidate& candidate) override { trickled.push_back(candidate); }
  void setBitrate(uint32_t value) override { bitrate = value; }
  std::vector<StreamInfo> streams() const override { return current; }

  FakeMediaEngine& engine;
  uint64_t feed;
  EndpointListener& listener;
  std::vector<std::string> offers;
  std::vector<IceCandidate> trickled;
  std::vector<StreamInfo> current;
  uint32_t bitrate{0};
};

class FakeSubscriber final : public SubscriberEndpoint
{
public:
  FakeSubscriber(FakeMediaEngine& engine_, FakePublisher& source_, std::vector<std::string> mids_,
                 SubscriptionSelection selection_, EndpointListener& listener_)
    : engine(engine_), source(&source_), mids(std::move(mids_)), selection(selection_), listener(listener_)
  {
    engine.subscribers.push_back(this);
  }
  ~FakeSubscriber() override
  {
    engine.cancel(this);
    engine.subscribers.erase(std::find(engine.subscribers.begin(), engine.subscribers.end(), this));
  }
  void createOffer(bool iceRestart, std::function<void(OfferResult)> done) override
  {
    restarts += iceRestart ? 1 : 0;
    engine.run(this, [this, done = std::move(done)] {
      OfferResult result;
      result.offerSdp = "v=0\r\ns=offer-" + std::to_string(++engine.offersMade) + "\r\n";
      for (StreamInfo stream : source->current) {
        stream.feedMid = stream.mid;
        result.streams.push_back(stream);
      }
      done(result);
    });
  }
  void setAnswer(const std::string& answer, std::function<void(MediaError)> done) override
  {
    answers.push_back(answer);
    engine.run(this, [answer, done = std::move(done)] {
      done(answer.find("bad") != std::string::npos ? MediaError{437, "Invalid SDP (test)"} : MediaError{});
    });
  }
  void trickle(const IceCandidate& candidate) override { trickled.push_back(candidate); }
  void select(const SubscriptionSelection& value) override
  {
    if (value.substream) {
      selection.substream = value.substream;
    }
    if (value.temporal) {
      selection.temporal = value.temporal;
    }
    if (value.audio) {
      selection.audio = value.audio;
    }
    if (value.video) {
      selection.video = value.video;
    }
    ++selections;
  }
  void setPaused(bool value) override { paused = value; }
  bool switchTo(PublisherEndpoint& publisher) override
  {
    source = static_cast<FakePublisher*>(&publisher);
    return true;
  }

  FakeMediaEngine& engine;
  FakePublisher* source;
  std::vector<std::string> mids;
  SubscriptionSelection selection;
  EndpointListener& listener;
  std::vector<std::string> answers;
  std::vector<IceCandidate> trickled;
  int selections{0};
  int restarts{0};
  bool paused{true};
};

inline std::unique_ptr<PublisherEndpoint> FakeMediaEngine::Room::createPublisher(uint64_t feedId, EndpointListener& listener)
{
  return std::make_unique<FakePublisher>(engine, feedId, listener);
}

inline std::unique_ptr<SubscriberEndpoint> FakeMediaEngine::Room::createSubscriber(PublisherEndpoint& publisher,
                                                                                  const std::vector<std::string>& mids,
                                                                                  const SubscriptionSelection& selection,
                                                                                  EndpointListener& listener)
{
  return std::make_unique<FakeSubscriber>(engine, static_cast<FakePublisher&>(publisher), mids, selection, listener);
}

}
