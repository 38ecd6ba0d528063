#include "roads/road_snapper.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

namespace pingan::roads {
namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {
constexpr double kEarthRadiusM = 6371008.8;
using PlanePoint = bg::model::point<double, 2, bg::cs::cartesian>;
using PlaneBox = bg::model::box<PlanePoint>;
using Entry = std::pair<PlaneBox, SegmentIndex>;
}  // namespace

struct RoadSnapper::Index {
  double lon0 = 0, lat0 = 0, kx = 1, ky = 1;  // metres per degree
  bgi::rtree<Entry, bgi::rstar<16>> tree;

  PlanePoint Project(LonLat p) const {
    return PlanePoint((p.lon - lon0) * kx, (p.lat - lat0) * ky);
  }
};

RoadSnapper::RoadSnapper(const RoadGraph& graph)
    : graph_(graph), index_(std::make_unique<Index>()) {
  BoundingBox b = graph.bounds();
  index_->lon0 = (b.min_lon + b.max_lon) / 2;
  index_->lat0 = (b.min_lat + b.max_lat) / 2;
  const double rad = std::numbers::pi / 180;
  index_->ky = rad * kEarthRadiusM;
  index_->kx = index_->ky * std::cos(index_->lat0 * rad);
  std::vector<Entry> entries;
  entries.reserve(graph.segment_count());
  for (SegmentIndex s = 0; s < graph.segment_count(); ++s) {
    const Segment& seg = graph.segment(s);
    if (seg.mode_mask == 0) continue;
    PlanePoint a = index_->Project(graph.node(seg.from));
    PlanePoint c = index_->Project(graph.node(seg.to));
    PlaneBox box(PlanePoint(std::min(a.get<0>(), c.get<0>()), std::min(a.get<1>(), c.get<1>())),
                 PlanePoint(std::max(a.get<0>(), c.get<0>()), std::max(a.get<1>(), c.get<1>())));
    entries.emplace_back(box, s);
  }
  // The range constructor packs the tree (STR), much faster than inserting one by one.
  index_->tree = bgi::rtree<Entry, bgi::rstar<16>>(entries);
}

RoadSnapper::~RoadSnapper() = default;

std::optional<Snap> RoadSnapper::Nearest(LonLat position, TravelMode mode) const {
  const Index& ix = *index_;
  const uint8_t bit = uint8_t(1u << ModeSlot(mode));
  PlanePoint p = ix.Project(position);
  const double px = p.get<0>(), py = p.get<1>();
  std::optional<Snap> best;
  double best_d2 = INFINITY;
  auto usable = [&](const Entry& e) { return (graph_.segment(e.second).mode_mask & bit) != 0; };
  // The k nearest boxes (a box's distance is a lower bound of its segment's): if the farthest
  // of them is already farther than the best segment found, no other box can hold a nearer
  // one. Otherwise ask for twice as many. (An incremental query with k = all is much slower
  // in Boost 1.74: it keeps and sorts a candidate list of size k.)
  std::vector<Entry> found;
  for (unsigned k = 8;; k *= 2) {
    found.clear();
    ix.tree.query(bgi::nearest(p, k) && bgi::satisfies(usable), std::back_inserter(found));
    double farthest_box = 0;
    for (const Entry& e : found) {
      farthest_box = std::max(farthest_box, bg::comparable_distance(p, e.first));
      const Segment& seg = graph_.segment(e.second);
      PlanePoint a = ix.Project(graph_.node(seg.from));
      PlanePoint c = ix.Project(graph_.node(seg.to));
      const double ax = a.get<0>(), ay = a.get<1>();
      const double dx = c.get<0>() - ax, dy = c.get<1>() - ay;
      const double len2 = dx * dx + dy * dy;
      double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = std::clamp(t, 0.0, 1.0);
      const double qx = ax + t * dx, qy = ay + t * dy;
      const double d2 = (px - qx) * (px - qx) + (py - qy) * (py - qy);
      if (d2 < best_d2) {
        best_d2 = d2;
        best = Snap{e.second, t, LonLat{qx / ix.kx + ix.lon0, qy / ix.ky + ix.lat0}, std::sqrt(d2)};
      }
    }
    if (found.size() < k || farthest_box >= best_d2) break;
  }
  // The plane is good for choosing; the reported distance is the great-circle one.
  if (best) best->distance_m = DistanceM(position, best->point);
  return best;
}

}  // namespace pingan::roads
