#pragma once
// Keeps VP8 PictureID (15 bits) and TL0PICIDX (8 bits) continuous for a subscriber across
// simulcast switches (each layer has its own numbering), as Janus and mediasoup do. Temporal
// layer drops leave PictureID gaps, which decoders accept (the TL0PICIDX/TID structure tells
// them the frames were not needed). Browsers send 15-bit PictureIDs; a 7-bit one is rewritten
// into its 7 bits, so a sender mixing both forms would see a jump at the 7-bit wrap.
#include "rtc/codec/Vp8.hpp"
#include "rtc/stream/SeqManager.hpp"

#include <cstdint>
#include <span>

namespace talk::rtc {

class Vp8Rewriter
{
public:
  // The next packet comes from a new source (simulcast layer switch).
  void sync() noexcept
  {
    d_pictureIds.sync();
    d_tl0.sync();
  }

  // Rewrites the descriptor of a packet to forward; `d` is its parsed descriptor. False when
  // the packet belongs before the last switch (drop it).
  bool rewrite(std::span<uint8_t> payload, const vp8::Descriptor& d) noexcept
  {
    if (d.hasPictureId) {
      auto out = d_pictureIds.input(d.pictureId);
      if (!out) {
        return false;
      }
      vp8::setPictureId(payload, *out);
    }
    if (d.hasTl0PicIdx) {
      auto out = d_tl0.input(d.tl0PicIdx);
      if (!out) {
        return false;
      }
      vp8::setTl0PicIdx(payload, static_cast<uint8_t>(*out));
    }
    return true;
  }

private:
  SeqManager<15> d_pictureIds;
  SeqManager<8> d_tl0;
};

}
