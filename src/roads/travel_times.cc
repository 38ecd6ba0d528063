#include "roads/travel_times.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace pingan::roads {

TravelTimes::TravelTimes(const RoadGraph& graph, TravelMode mode)
    : graph_(graph),
      mode_(mode),
      incoming_(graph.mode(mode).incoming),
      stamp_(graph.node_count(), 0),
      time_(graph.node_count(), 0),
      next_node_(graph.node_count(), kNone),
      next_segment_(graph.node_count(), kNone),
      attach_head_(graph.node_count(), kNone),
      attach_stamp_(graph.node_count(), 0) {}

void TravelTimes::Reset() {
  if (++generation_ == 0) {  // wrapped: clear the stamps once every 4 billion searches
    std::fill(stamp_.begin(), stamp_.end(), 0);
    std::fill(attach_stamp_.begin(), attach_stamp_.end(), 0);
    generation_ = 1;
  }
  attachments_.clear();
  heap_.clear();
  last_settled_ = 0;
}

// Marks `n` seen in this search; false if it already was.
bool TravelTimes::Touch(NodeIndex n) {
  if (stamp_[n] == generation_) return false;
  stamp_[n] = generation_;
  time_[n] = UINT32_MAX;
  next_node_[n] = kNone;
  next_segment_[n] = kNone;
  return true;
}

namespace {
uint32_t Part(double fraction, uint32_t whole_ms) {
  return uint32_t(std::lround(fraction * whole_ms));
}
}  // namespace

std::vector<Arrival> TravelTimes::NearestSources(const Snap& target,
                                                 std::span<const Source> sources,
                                                 size_t max_results, uint32_t max_time_ms,
                                                 bool with_routes) {
  Reset();
  std::vector<Arrival> result;
  if (max_results == 0) return result;
  const uint32_t n = uint32_t(graph_.node_count());
  auto greater = std::greater<>();
  auto push = [&](uint32_t t, uint32_t id) {
    heap_.emplace_back(t, id);
    std::push_heap(heap_.begin(), heap_.end(), greater);
  };
  auto relax = [&](NodeIndex node, uint32_t t, NodeIndex next, SegmentIndex segment) {
    Touch(node);
    if (t < time_[node]) {
      time_[node] = t;
      next_node_[node] = next;
      next_segment_[node] = segment;
      push(t, node);
    }
  };

  // The target lies on a segment: its ends reach it along the part of the segment that the
  // mode may drive in that direction.
  const Segment& ts = graph_.segment(target.segment);
  const auto target_times = graph_.time_ms(mode_, target.segment);
  // A target at an end of its segment is at that node, whatever the segment's direction.
  if (target_times[0] != 0 || target.fraction == 0) {
    relax(ts.from, Part(target.fraction, target_times[0]), kNone, kNone);
  }
  if (target_times[1] != 0 || target.fraction == 1) {
    relax(ts.to, Part(1 - target.fraction, target_times[1]), kNone, kNone);
  }

  // Sources leave their segment at whichever end the direction allows.
  for (uint32_t i = 0; i < sources.size(); ++i) {
    const Snap& s = sources[i].snap;
    const Segment& seg = graph_.segment(s.segment);
    const auto times = graph_.time_ms(mode_, s.segment);
    auto attach = [&](NodeIndex node, uint32_t offset) {
      if (attach_stamp_[node] != generation_) {
        attach_stamp_[node] = generation_;
        attach_head_[node] = kNone;
      }
      attachments_.push_back({i, offset, node, attach_head_[node]});
      attach_head_[node] = uint32_t(attachments_.size() - 1);
    };
    if (times[0] != 0 || s.fraction == 1) attach(seg.to, Part(1 - s.fraction, times[0]));
    if (times[1] != 0 || s.fraction == 0) attach(seg.from, Part(s.fraction, times[1]));
    if (s.segment == target.segment) {  // on the same piece of road: maybe straight there
      if (times[0] != 0 && s.fraction <= target.fraction) {
        attachments_.push_back({i, Part(target.fraction - s.fraction, times[0]), kNone, kNone});
        push(attachments_.back().offset_ms, n + uint32_t(attachments_.size() - 1));
      }
      if (times[1] != 0 && s.fraction >= target.fraction) {
        attachments_.push_back({i, Part(s.fraction - target.fraction, times[1]), kNone, kNone});
        push(attachments_.back().offset_ms, n + uint32_t(attachments_.size() - 1));
      }
    }
  }

  std::vector<bool> done(sources.size(), false);
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), greater);
    auto [t, id] = heap_.back();
    heap_.pop_back();
    if (t > max_time_ms) break;
    if (id >= n) {  // a source arrives: its first pop is its best time
      const Attachment& a = attachments_[id - n];
      if (done[a.source]) continue;
      done[a.source] = true;
      result.push_back(Describe(sources[a.source], a, target, t, with_routes));
      if (result.size() >= max_results) break;
      continue;
    }
    if (t != time_[id]) continue;  // stale heap entry
    ++last_settled_;
    if (attach_stamp_[id] == generation_) {
      for (uint32_t k = attach_head_[id]; k != kNone; k = attachments_[k].next) {
        if (!done[attachments_[k].source]) push(t + attachments_[k].offset_ms, n + k);
      }
    }
    for (const Edge& e : incoming_.Of(id)) relax(e.node, t + e.time_ms, id, e.segment);
  }
  return result;
}

Arrival TravelTimes::Describe(const Source& source, const Attachment& a, const Snap& target,
                              uint32_t time_ms, bool with_route) const {
  Arrival out{source.id, time_ms, 0, {}};
  const Segment& ss = graph_.segment(source.snap.segment);
  const Segment& ts = graph_.segment(target.segment);
  if (with_route) out.route.push_back(source.snap.point);
  if (a.node == kNone) {  // along the shared segment
    out.distance_m = std::abs(target.fraction - source.snap.fraction) * ss.length_m;
    if (with_route) out.route.push_back(target.point);
    return out;
  }
  out.distance_m =
      (a.node == ss.to ? 1 - source.snap.fraction : source.snap.fraction) * ss.length_m;
  NodeIndex node = a.node;
  while (true) {
    if (with_route) out.route.push_back(graph_.node(node));
    NodeIndex next = next_node_[node];
    if (next == kNone) break;
    out.distance_m += graph_.segment(next_segment_[node]).length_m;
    node = next;
  }
  out.distance_m += (node == ts.from ? target.fraction : 1 - target.fraction) * ts.length_m;
  if (with_route) out.route.push_back(target.point);
  return out;
}

std::optional<Arrival> TravelTimes::Between(const Snap& from, const Snap& to, bool with_route) {
  Source source{0, from};
  auto arrivals = NearestSources(to, {&source, 1}, 1, UINT32_MAX, with_route);
  if (arrivals.empty()) return std::nullopt;
  return arrivals.front();
}

}  // namespace pingan::roads
