#pragma once
// SimulcastLayerSelector: per subscriber and video stream, decides which publisher layer
// (spatial: simulcast substream 0 = lowest .. 2 = highest, janus-api.md §9.7; temporal: 0..2)
// each packet belongs to and whether to forward it.
//
// - setTarget() records the `substream`/`temporal` the subscriber asked for.
// - The effective spatial target is the requested one if that layer is active, otherwise the
//   highest active layer below it, otherwise the lowest active above it (fallback when a
//   layer stops: no packets for InactiveAfterMs).
// - A spatial switch happens only at a keyframe (start of frame) of the target layer; until
//   then the old layer keeps flowing. The selector asks for a keyframe of the target layer
//   when a switch starts (and again every KeyframeRetryMs while it waits).
// - Temporal: switching down happens at any frame start; switching up at a frame start that
//   is a layer-sync point or a base-layer frame.
// The caller rewrites forwarded packets (SeqManager, TimestampRewriter, Vp8Rewriter) and must
// sync() them when decision.switched is true, and SeqManager::drop() packets not forwarded.
#include "rtc/codec/PayloadInspector.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace talk::rtc {

class SimulcastLayerSelector
{
public:
  static constexpr int MaxSpatial = 3;
  static constexpr int MaxTemporal = 3;
  static constexpr int64_t InactiveAfterMs = 1500;
  static constexpr int64_t KeyframeRetryMs = 1000;

  struct Decision
  {
    bool forward = false;
    bool switched = false; // first packet of a new spatial layer: sync rewriters
  };

  SimulcastLayerSelector(int spatialLayers, int temporalLayers) noexcept;

  // Values outside the layer counts are clamped; nullopt leaves that dimension unchanged.
  void setTarget(std::optional<int> spatial, std::optional<int> temporal) noexcept;

  // One packet of spatial layer `spatial` with its payload info, arriving at nowMs.
  Decision onPacket(int spatial, const PayloadInfo& info, int64_t nowMs) noexcept;

  // The spatial layer to send a PLI for, once per request (nullopt when none is needed).
  std::optional<int> takeKeyframeRequest(int64_t nowMs) noexcept;

  // Current forwarding state (-1 before the first keyframe was forwarded).
  int currentSpatial() const noexcept { return d_current; }
  int currentTemporal() const noexcept { return d_currentTemporal; }
  int targetSpatial() const noexcept { return d_targetSpatial; }
  int targetTemporal() const noexcept { return d_targetTemporal; }
  // The layer the selector is heading for at nowMs (requested, adjusted for inactive layers).
  int effectiveTarget(int64_t nowMs) const noexcept;

private:
  bool active(int layer, int64_t nowMs) const noexcept;
  void wantKeyframe(int layer) noexcept;

  int d_spatialLayers;
  int d_temporalLayers;
  int d_targetSpatial;
  int d_targetTemporal;
  int d_current = -1;
  int d_currentTemporal = 0;
  std::array<int64_t, MaxSpatial> d_lastSeenMs{};
  std::array<bool, MaxSpatial> d_seen{};
  std::optional<int> d_keyframeWanted;
  int64_t d_lastKeyframeRequestMs = 0;
  bool d_keyframeRequested = false;
  int d_requestedFor = -1;
};

}
