// Snapping: the nearest point on a road a given mode may use, found through an R-tree of
// segments (never a scan). Coordinates are projected to a local plane in metres around the
// graph's centre: across a city its error is below 0.1 % of a distance, so the segment chosen
// may differ from the exact nearest only where two roads are within that margin.
#pragma once

#include <memory>
#include <optional>

#include "roads/road_graph.h"

namespace pingan::roads {

// A position placed on the road network.
struct Snap {
  SegmentIndex segment = 0;
  double fraction = 0;    // 0 at Segment::from, 1 at Segment::to
  LonLat point;           // the snapped point on the segment
  double distance_m = 0;  // from the original position to `point`
};

class RoadSnapper {
 public:
  // Builds the index; `graph` must outlive the snapper.
  explicit RoadSnapper(const RoadGraph& graph);
  ~RoadSnapper();
  RoadSnapper(const RoadSnapper&) = delete;
  RoadSnapper& operator=(const RoadSnapper&) = delete;

  // The nearest point on a segment `mode` may use (in either direction). nullopt only when
  // the mode has no road at all. The caller decides what distance is too far; see
  // kMaxSnapDistanceM for the default the platform uses.
  std::optional<Snap> Nearest(LonLat position, TravelMode mode) const;

 private:
  struct Index;
  const RoadGraph& graph_;
  std::unique_ptr<Index> index_;
};

// Positions farther than this from any usable road are reported as off the network.
inline constexpr double kMaxSnapDistanceM = 500;

}  // namespace pingan::roads
