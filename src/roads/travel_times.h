// Travel times over a mode's road graph (Dijkstra with a binary heap).
//
// The question dispatch asks is "who gets to this scene first?", so the main search runs
// backwards from the scene over incoming edges: one run yields the time from every place to
// the scene, and sources (units) are met in order of arrival. It stops as soon as enough
// sources are reached, so a search in a dense district touches only its neighbourhood.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "roads/road_graph.h"
#include "roads/road_snapper.h"

namespace pingan::roads {

// Something that travels: `id` is the caller's (e.g. an index into its unit list).
struct Source {
  uint32_t id = 0;
  Snap snap;
};

struct Arrival {
  uint32_t id = 0;            // Source::id
  uint32_t time_ms = 0;       // road travel time from the source's snapped point to the target's
  double distance_m = 0;      // along the road
  std::vector<LonLat> route;  // from the source's snapped point to the target's; filled on request
};

// A reusable search over one mode's graph. Holds per-node work arrays (reset in O(1) between
// runs with a generation counter), so keep one per thread; not thread-safe.
class TravelTimes {
 public:
  TravelTimes(const RoadGraph& graph, TravelMode mode);

  // The sources that reach `target` soonest, in order of arrival, at most `max_results`, none
  // later than `max_time_ms`. Sources that cannot reach it within that time are left out.
  std::vector<Arrival> NearestSources(const Snap& target, std::span<const Source> sources,
                                      size_t max_results, uint32_t max_time_ms, bool with_routes);

  // Time from one snapped point to another; nullopt when unreachable.
  std::optional<Arrival> Between(const Snap& from, const Snap& to, bool with_route);

  TravelMode mode() const { return mode_; }
  // Nodes settled by the last search (for benchmarks and tests).
  size_t last_settled() const { return last_settled_; }

 private:
  struct Attachment {
    uint32_t source;  // index into the sources span
    uint32_t offset_ms;
    NodeIndex node;  // kNone for a source on the target's own segment (direct)
    uint32_t next;   // next attachment at the same node, or kNone
  };
  void Reset();
  bool Touch(NodeIndex n);
  Arrival Describe(const Source& source, const Attachment& a, const Snap& target, uint32_t time_ms,
                   bool with_route) const;

  const RoadGraph& graph_;
  TravelMode mode_;
  const Csr& incoming_;
  uint32_t generation_ = 0;
  std::vector<uint32_t> stamp_;
  std::vector<uint32_t> time_;
  std::vector<NodeIndex> next_node_;  // one step towards the target, kNone at the start
  std::vector<SegmentIndex> next_segment_;
  std::vector<uint32_t> attach_head_;
  std::vector<uint32_t> attach_stamp_;
  std::vector<Attachment> attachments_;
  std::vector<std::pair<uint32_t, uint32_t>> heap_;  // (time, node or kVirtual + attachment)
  size_t last_settled_ = 0;
};

}  // namespace pingan::roads
