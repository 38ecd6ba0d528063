#include "roads/road_graph.h"

#include <algorithm>

namespace pingan::roads {

std::string_view ToString(RoadClass c) {
  switch (c) {
    case RoadClass::kMotorway: return "motorway";
    case RoadClass::kTrunk: return "trunk";
    case RoadClass::kPrimary: return "primary";
    case RoadClass::kSecondary: return "secondary";
    case RoadClass::kTertiary: return "tertiary";
    case RoadClass::kUnclassified: return "unclassified";
    case RoadClass::kResidential: return "residential";
    case RoadClass::kLivingStreet: return "living_street";
    case RoadClass::kService: return "service";
    case RoadClass::kTrack: return "track";
    case RoadClass::kPedestrian: return "pedestrian";
    case RoadClass::kFootway: return "footway";
    case RoadClass::kCycleway: return "cycleway";
    case RoadClass::kPath: return "path";
    case RoadClass::kSteps: return "steps";
  }
  return "unknown";
}

RoadGraph::RoadGraph(std::vector<LonLat> nodes, std::vector<Segment> segments,
                     std::vector<std::string> names,
                     std::array<std::vector<std::array<uint32_t, 2>>, kModeCount> times_ms)
    : nodes_(std::move(nodes)),
      segments_(std::move(segments)),
      names_(std::move(names)),
      times_ms_(std::move(times_ms)) {
  if (names_.empty()) names_.emplace_back();
  for (int m = 0; m < kModeCount; ++m) times_ms_[m].resize(segments_.size(), {0, 0});
  for (size_t s = 0; s < segments_.size(); ++s) {
    uint8_t mask = 0;
    for (int m = 0; m < kModeCount; ++m) {
      if (times_ms_[m][s][0] != 0 || times_ms_[m][s][1] != 0) mask |= uint8_t(1u << m);
    }
    segments_[s].mode_mask = mask;
  }
  if (!nodes_.empty()) {
    bounds_ = {nodes_[0].lon, nodes_[0].lat, nodes_[0].lon, nodes_[0].lat};
    for (LonLat p : nodes_) {
      bounds_.min_lon = std::min(bounds_.min_lon, p.lon);
      bounds_.max_lon = std::max(bounds_.max_lon, p.lon);
      bounds_.min_lat = std::min(bounds_.min_lat, p.lat);
      bounds_.max_lat = std::max(bounds_.max_lat, p.lat);
    }
  }
  BuildCsr();
}

void RoadGraph::BuildCsr() {
  const size_t n = nodes_.size();
  for (int m = 0; m < kModeCount; ++m) {
    const auto& times = times_ms_[m];
    Csr& out = modes_[m].outgoing;
    Csr& in = modes_[m].incoming;
    out.first.assign(n + 1, 0);
    in.first.assign(n + 1, 0);
    // Counting sort by tail (outgoing) and by head (incoming): two passes, no comparisons.
    auto for_each_edge = [&](auto&& visit) {
      for (SegmentIndex s = 0; s < segments_.size(); ++s) {
        const Segment& seg = segments_[s];
        if (times[s][0] != 0) visit(seg.from, seg.to, times[s][0], s, true);
        if (times[s][1] != 0) visit(seg.to, seg.from, times[s][1], s, false);
      }
    };
    for_each_edge([&](NodeIndex tail, NodeIndex head, uint32_t, SegmentIndex, bool) {
      ++out.first[tail + 1];
      ++in.first[head + 1];
    });
    for (size_t i = 0; i < n; ++i) {
      out.first[i + 1] += out.first[i];
      in.first[i + 1] += in.first[i];
    }
    out.edges.resize(out.first[n]);
    in.edges.resize(in.first[n]);
    std::vector<uint32_t> out_fill(out.first.begin(), out.first.end() - 1);
    std::vector<uint32_t> in_fill(in.first.begin(), in.first.end() - 1);
    for_each_edge([&](NodeIndex tail, NodeIndex head, uint32_t t, SegmentIndex s, bool fwd) {
      out.edges[out_fill[tail]++] = Edge{head, t, s, fwd};
      in.edges[in_fill[head]++] = Edge{tail, t, s, fwd};
    });
  }
}

size_t RoadGraph::MemoryBytes() const {
  size_t bytes = nodes_.size() * sizeof(LonLat) + segments_.size() * sizeof(Segment);
  for (const auto& name : names_) bytes += name.size() + sizeof(std::string);
  for (int m = 0; m < kModeCount; ++m) {
    bytes += times_ms_[m].size() * sizeof(times_ms_[m][0]);
    for (const Csr* c : {&modes_[m].outgoing, &modes_[m].incoming}) {
      bytes += c->first.size() * sizeof(uint32_t) + c->edges.size() * sizeof(Edge);
    }
  }
  return bytes;
}

}  // namespace pingan::roads
