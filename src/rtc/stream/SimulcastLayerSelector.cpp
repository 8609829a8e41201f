#include "rtc/stream/SimulcastLayerSelector.hpp"

#include <algorithm>

namespace talk::rtc {

SimulcastLayerSelector::SimulcastLayerSelector(int spatialLayers, int temporalLayers) noexcept :
  d_spatialLayers(std::clamp(spatialLayers, 1, MaxSpatial)),
  d_temporalLayers(std::clamp(temporalLayers, 1, MaxTemporal)),
  d_targetSpatial(d_spatialLayers - 1),
  d_targetTemporal(d_temporalLayers - 1)
{
}

void SimulcastLayerSelector::setTarget(std::optional<int> spatial, std::optional<int> temporal) noexcept
{
  if (spatial) {
    d_targetSpatial = std::clamp(*spatial, 0, d_spatialLayers - 1);
  }
  if (temporal) {
    d_targetTemporal = std::clamp(*temporal, 0, d_temporalLayers - 1);
  }
}

bool SimulcastLayerSelector::active(int layer, int64_t nowMs) const noexcept
{
  auto i = static_cast<size_t>(layer);
  return d_seen[i] && nowMs - d_lastSeenMs[i] <= InactiveAfterMs;
}

int SimulcastLayerSelector::effectiveTarget(int64_t nowMs) const noexcept
{
  for (int l = d_targetSpatial; l >= 0; --l) {
    if (active(l, nowMs)) {
      return l;
    }
  }
  for (int l = d_targetSpatial + 1; l < d_spatialLayers; ++l) {
    if (active(l, nowMs)) {
      return l;
    }
  }
  return d_targetSpatial;
}

void SimulcastLayerSelector::wantKeyframe(int layer) noexcept
{
  if (d_requestedFor != layer) {
    d_requestedFor = layer;
    d_keyframeWanted = layer;
    d_keyframeRequested = false;
  }
}

SimulcastLayerSelector::Decision SimulcastLayerSelector::onPacket(int spatial, const PayloadInfo& info,
                                                                   int64_t nowMs) noexcept
{
  Decision decision;
  if (spatial < 0 || spatial >= d_spatialLayers) {
    return decision;
  }
  d_seen[static_cast<size_t>(spatial)] = true;
  d_lastSeenMs[static_cast<size_t>(spatial)] = nowMs;

  int target = effectiveTarget(nowMs);
  if (d_current != target) {
    if (spatial == target && info.keyframe && info.startOfFrame) {
      d_current = target;
      d_currentTemporal = d_targetTemporal; // a keyframe is a sync point for every temporal layer
      d_requestedFor = -1;
      d_keyframeWanted.reset();
      decision.switched = true;
    } else {
      wantKeyframe(target);
    }
  }
  if (spatial != d_current) {
    return decision;
  }
  // Temporal layer switching at frame starts.
  if (info.startOfFrame && d_currentTemporal != d_targetTemporal) {
    if (d_targetTemporal < d_currentTemporal) {
      d_currentTemporal = d_targetTemporal;
    } else if (info.temporalLayer == 0 || (info.layerSync && info.temporalLayer <= d_targetTemporal)) {
      d_currentTemporal = d_targetTemporal;
    }
  }
  decision.forward = info.temporalLayer <= d_currentTemporal;
  return decision;
}

std::optional<int> SimulcastLayerSelector::takeKeyframeRequest(int64_t nowMs) noexcept
{
  // A layer may have stopped since the last packet: the fallback needs its keyframe too.
  int target = effectiveTarget(nowMs);
  if (d_current != target) {
    wantKeyframe(target);
  }
  if (!d_keyframeWanted) {
    return std::nullopt;
  }
  if (d_keyframeRequested && nowMs - d_lastKeyframeRequestMs < KeyframeRetryMs) {
    return std::nullopt;
  }
  d_keyframeRequested = true;
  d_lastKeyframeRequestMs = nowMs;
  return d_keyframeWanted;
}

}
