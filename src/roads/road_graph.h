// The road network as a compact graph per travel mode, built from OpenStreetMap.
//
// Nodes are the OSM nodes that routable ways pass through; a segment is the straight piece of
// a way between two consecutive nodes. Each travel mode has its own directed graph over the
// same nodes, stored twice in CSR form: outgoing edges (a search from a place outwards) and
// incoming edges (a search from a scene backwards, which reaches every unit in one run).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/geo.h"

namespace pingan::roads {

using NodeIndex = uint32_t;
using SegmentIndex = uint32_t;
inline constexpr uint32_t kNone = UINT32_MAX;
inline constexpr int kModeCount = 4;  // TravelMode::kCar .. kBicycle

inline int ModeSlot(TravelMode mode) {
  return static_cast<int>(mode);
}

// One straight piece of road between two nodes, shared by all modes.
struct Segment {
  NodeIndex from = 0;
  NodeIndex to = 0;
  float length_m = 0;
  uint32_t name = 0;       // index into RoadGraph::names(); 0 is the empty name
  uint8_t road_class = 0;  // RoadClass
  uint8_t mode_mask = 0;   // bit ModeSlot(m) set when mode m may use it in some direction
};

// A directed edge in a mode's graph. For outgoing lists `node` is the head, for incoming
// lists it is the tail; `segment` says which segment and `forward` in which direction.
struct Edge {
  NodeIndex node = 0;
  uint32_t time_ms = 0;  // travel time along the whole segment in this mode
  SegmentIndex segment = 0;
  bool forward = true;  // traversed from Segment::from to Segment::to
};

// A directed graph in compressed sparse row form: edges of node n are
// edges[first[n] .. first[n + 1]).
struct Csr {
  std::vector<uint32_t> first;
  std::vector<Edge> edges;
  std::span<const Edge> Of(NodeIndex n) const {
    return {edges.data() + first[n], edges.data() + first[n + 1]};
  }
};

// OSM highway=* classes we route on, coarse enough to share speeds.
enum class RoadClass : uint8_t {
  kMotorway,
  kTrunk,
  kPrimary,
  kSecondary,
  kTertiary,
  kUnclassified,
  kResidential,
  kLivingStreet,
  kService,
  kTrack,
  kPedestrian,
  kFootway,
  kCycleway,
  kPath,
  kSteps,
};
std::string_view ToString(RoadClass c);

struct ModeGraph {
  Csr outgoing;
  Csr incoming;
};

class RoadGraph {
 public:
  RoadGraph() = default;
  // Builds the per-mode CSR graphs from nodes, segments and the per-direction travel times
  // (`times_ms[mode][segment]` = {forward, backward}, 0 = not allowed).
  RoadGraph(std::vector<LonLat> nodes, std::vector<Segment> segments,
            std::vector<std::string> names,
            std::array<std::vector<std::array<uint32_t, 2>>, kModeCount> times_ms);

  size_t node_count() const { return nodes_.size(); }
  size_t segment_count() const { return segments_.size(); }
  // Directed edges of one mode.
  size_t edge_count(TravelMode mode) const { return modes_[ModeSlot(mode)].outgoing.edges.size(); }
  LonLat node(NodeIndex n) const { return nodes_[n]; }
  const Segment& segment(SegmentIndex s) const { return segments_[s]; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<LonLat>& nodes() const { return nodes_; }
  const std::vector<std::string>& names() const { return names_; }
  std::string_view name(uint32_t i) const { return names_[i]; }
  const ModeGraph& mode(TravelMode m) const { return modes_[ModeSlot(m)]; }
  // Travel time of `s` in `m`, {forward, backward}; 0 means not allowed that way.
  std::array<uint32_t, 2> time_ms(TravelMode m, SegmentIndex s) const {
    return times_ms_[ModeSlot(m)][s];
  }
  BoundingBox bounds() const { return bounds_; }

  // Bytes held by the arrays (for the import report).
  size_t MemoryBytes() const;

 private:
  friend class GraphFile;
  void BuildCsr();

  std::vector<LonLat> nodes_;
  std::vector<Segment> segments_;
  std::vector<std::string> names_;
  std::array<std::vector<std::array<uint32_t, 2>>, kModeCount> times_ms_;
  std::array<ModeGraph, kModeCount> modes_;
  BoundingBox bounds_;
};

}  // namespace pingan::roads
