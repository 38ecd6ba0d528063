#include "map/vector_tiles.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <optional>

#include <protozero/pbf_writer.hpp>

namespace pingan::map {
namespace {

using roads::RoadClass;
using roads::RoadGraph;
using roads::Segment;

struct Point {
  double x, y;
};
struct IntPoint {
  int32_t x, y;
  bool operator==(const IntPoint&) const = default;
};

// MVT geometry commands (spec 4.3).
constexpr uint32_t Command(uint32_t id, uint32_t count) {
  return (id & 0x7) | (count << 3);
}
constexpr uint32_t ZigZag(int32_t n) {
  return (uint32_t(n) << 1) ^ uint32_t(n >> 31);
}
constexpr uint32_t kMoveTo = 1, kLineTo = 2;

// Liang–Barsky: the part of a→b inside [lo, hi]², as parameters t0 <= t1; false when none.
bool ClipSegment(Point a, Point b, double lo, double hi, double& t0, double& t1) {
  t0 = 0;
  t1 = 1;
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - lo, hi - a.x, a.y - lo, hi - a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    double r = q[i] / p[i];
    if (p[i] < 0) {
      if (r > t1) return false;
      t0 = std::max(t0, r);
    } else {
      if (r < t0) return false;
      t1 = std::min(t1, r);
    }
  }
  return t0 <= t1;
}

// A polyline clipped to the buffered tile, as parts in integer tile units without repeated
// points. Parts of fewer than two points are dropped.
std::vector<std::vector<IntPoint>> ClipPolyline(const std::vector<Point>& line, double lo,
                                                double hi) {
  std::vector<std::vector<IntPoint>> parts;
  std::vector<IntPoint> current;
  auto push = [&](Point p) {
    IntPoint q{int32_t(std::lround(p.x)), int32_t(std::lround(p.y))};
    if (current.empty() || !(current.back() == q)) current.push_back(q);
  };
  auto finish = [&] {
    if (current.size() >= 2) parts.push_back(std::move(current));
    current.clear();
  };
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    double t0, t1;
    Point a = line[i], b = line[i + 1];
    if (!ClipSegment(a, b, lo, hi, t0, t1)) {
      finish();
      continue;
    }
    Point in{a.x + (b.x - a.x) * t0, a.y + (b.y - a.y) * t0};
    Point out{a.x + (b.x - a.x) * t1, a.y + (b.y - a.y) * t1};
    if (t0 > 0) finish();  // entered from outside: a new part
    push(in);
    push(out);
    if (t1 < 1) finish();  // left the tile
  }
  finish();
  return parts;
}

// One layer of a tile: its features, then its keys and values (each stored once) and extent.
class LayerWriter {
 public:
  explicit LayerWriter(const char* name) : layer_(data_) {
    layer_.add_uint32(15, 2);  // MVT version 2
    layer_.add_string(1, name);
  }
  // `type` 1 point, 2 line string; `id` 0 for none.
  void Add(uint64_t id, int type, const std::vector<std::pair<std::string, std::string>>& tags,
           const std::vector<uint32_t>& geometry) {
    std::vector<uint32_t> indices;
    for (const auto& [k, v] : tags) {
      indices.push_back(Intern(keys_, key_ids_, k));
      indices.push_back(Intern(values_, value_ids_, v));
    }
    protozero::pbf_writer feature(layer_, 2);
    if (id != 0) feature.add_uint64(1, id);
    feature.add_packed_uint32(2, indices.begin(), indices.end());
    feature.add_enum(3, type);
    feature.add_packed_uint32(4, geometry.begin(), geometry.end());
    ++features_;
  }
  // Appends the layer to `tile` if it has any feature.
  void Finish(protozero::pbf_writer& tile) {
    for (const std::string& k : keys_) layer_.add_string(3, k);
    for (const std::string& v : values_) {
      protozero::pbf_writer value(layer_, 4);
      value.add_string(1, v);
    }
    layer_.add_uint32(5, VectorTiles::kExtent);
    if (features_ > 0) tile.add_message(3, data_);
  }

 private:
  static uint32_t Intern(std::vector<std::string>& list, std::map<std::string, uint32_t>& ids,
                         const std::string& s) {
    auto [it, inserted] = ids.emplace(s, uint32_t(list.size()));
    if (inserted) list.push_back(s);
    return it->second;
  }
  std::string data_;
  protozero::pbf_writer layer_;
  size_t features_ = 0;
  std::vector<std::string> keys_, values_;
  std::map<std::string, uint32_t> key_ids_, value_ids_;
};

int PlaceMinZoom(const std::string& kind) {
  if (kind == "police" || kind == "transport" || kind == "hospital") return 12;
  if (kind == "school" || kind == "mall" || kind == "night_market") return 13;
  return 14;
}

}  // namespace

WorldXY ToWorld(LonLat p) {
  const double lat = std::clamp(p.lat, -85.05112878, 85.05112878) * std::numbers::pi / 180;
  return {(p.lon + 180) / 360, (1 - std::asinh(std::tan(lat)) / std::numbers::pi) / 2};
}

int VectorTiles::MinZoom(RoadClass c) {
  switch (c) {
    case RoadClass::kMotorway:
    case RoadClass::kTrunk:
    case RoadClass::kPrimary: return 0;
    case RoadClass::kSecondary: return 10;
    case RoadClass::kTertiary: return 11;
    case RoadClass::kUnclassified:
    case RoadClass::kResidential:
    case RoadClass::kLivingStreet: return 13;
    case RoadClass::kService:
    case RoadClass::kTrack:
    case RoadClass::kPedestrian: return 14;
    default: return 15;
  }
}

VectorTiles::VectorTiles(std::shared_ptr<const RoadGraph> graph, std::vector<Place> places,
                         size_t cache_tiles)
    : graph_(std::move(graph)), places_(std::move(places)), cache_capacity_(cache_tiles) {
  const double cells = double(1u << kIndexZoom);
  node_xy_.reserve(graph_->node_count());
  for (const LonLat& n : graph_->nodes()) node_xy_.push_back(ToWorld(n));
  for (uint32_t s = 0; s < graph_->segment_count(); ++s) {
    const Segment& seg = graph_->segment(s);
    WorldXY a = node_xy_[seg.from], b = node_xy_[seg.to];
    auto c0x = uint32_t(std::min(a.x, b.x) * cells), c1x = uint32_t(std::max(a.x, b.x) * cells);
    auto c0y = uint32_t(std::min(a.y, b.y) * cells), c1y = uint32_t(std::max(a.y, b.y) * cells);
    for (uint32_t cx = c0x; cx <= c1x; ++cx)
      for (uint32_t cy = c0y; cy <= c1y; ++cy) segment_cells_[CellKey(cx, cy)].push_back(s);
  }
  for (uint32_t i = 0; i < places_.size(); ++i) {
    WorldXY w = ToWorld(places_[i].at);
    place_xy_.push_back(w);
    place_cells_[CellKey(uint32_t(w.x * cells), uint32_t(w.y * cells))].push_back(i);
  }
}

VectorTiles::~VectorTiles() = default;

std::shared_ptr<const std::string> VectorTiles::Tile(int z, uint32_t x, uint32_t y) const {
  const uint64_t key = (uint64_t(z) << 58) | (uint64_t(x) << 29) | y;
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.at);
      return it->second.tile;
    }
  }
  // Built outside the lock: two threads may build the same tile once each, which is harmless.
  auto tile = std::make_shared<const std::string>(Build(z, x, y));
  std::lock_guard lock(cache_mu_);
  if (cache_.contains(key)) return tile;
  lru_.push_front(key);
  cache_[key] = Cached{tile, lru_.begin()};
  while (cache_.size() > cache_capacity_) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  return tile;
}

std::string VectorTiles::Build(int z, uint32_t x, uint32_t y) const {
  if (z < kMinZoom || z > 22 || x >= (1u << z) || y >= (1u << z)) return {};
  const double scale = double(1u << z);  // tiles per world unit
  const double buffer_world = double(kBuffer) / kExtent / scale;
  const double x0 = x / scale, y0 = y / scale;
  auto to_tile = [&](WorldXY w) {
    return Point{(w.x - x0) * scale * kExtent, (w.y - y0) * scale * kExtent};
  };

  // Cells of the index that the buffered tile touches.
  const double cells = double(1u << kIndexZoom);
  const double wx0 = x0 - buffer_world, wx1 = (x + 1) / scale + buffer_world;
  const double wy0 = y0 - buffer_world, wy1 = (y + 1) / scale + buffer_world;
  auto cell = [&](double w) { return uint32_t(std::clamp(w, 0.0, 1.0 - 1e-12) * cells); };
  const uint32_t cx0 = cell(wx0), cx1 = cell(wx1), cy0 = cell(wy0), cy1 = cell(wy1);

  std::vector<uint32_t> segs;
  std::vector<uint32_t> place_ids;
  for (uint32_t cx = cx0; cx <= cx1; ++cx) {
    for (uint32_t cy = cy0; cy <= cy1; ++cy) {
      if (auto it = segment_cells_.find(CellKey(cx, cy)); it != segment_cells_.end()) {
        for (uint32_t s : it->second) {
          const Segment& seg = graph_->segment(s);
          if (MinZoom(RoadClass(seg.road_class)) > z) continue;
          // An index cell is a z14 tile: at higher zooms most of its segments miss this tile.
          const WorldXY a = node_xy_[seg.from], b = node_xy_[seg.to];
          if (std::max(a.x, b.x) < wx0 || std::min(a.x, b.x) > wx1 || std::max(a.y, b.y) < wy0 ||
              std::min(a.y, b.y) > wy1) {
            continue;
          }
          segs.push_back(s);
        }
      }
      if (auto it = place_cells_.find(CellKey(cx, cy)); it != place_cells_.end()) {
        for (uint32_t p : it->second)
          if (PlaceMinZoom(places_[p].kind) <= z) place_ids.push_back(p);
      }
    }
  }
  std::sort(segs.begin(), segs.end());
  segs.erase(std::unique(segs.begin(), segs.end()), segs.end());

  // Chains of segments of the same name and class, joined at shared nodes.
  std::unordered_map<uint32_t, std::vector<uint32_t>> at_node;  // node → positions in segs
  for (uint32_t i = 0; i < segs.size(); ++i) {
    const Segment& s = graph_->segment(segs[i]);
    at_node[s.from].push_back(i);
    at_node[s.to].push_back(i);
  }
  std::vector<char> used(segs.size(), 0);
  auto same_street = [&](uint32_t a, uint32_t b) {
    const Segment& sa = graph_->segment(segs[a]);
    const Segment& sb = graph_->segment(segs[b]);
    return sa.name == sb.name && sa.road_class == sb.road_class;
  };
  // From `node`, the next unused segment of the same street as segs[i], if any.
  auto next_from = [&](uint32_t node, uint32_t i) -> std::optional<uint32_t> {
    for (uint32_t j : at_node[node])
      if (!used[j] && same_street(i, j)) return j;
    return std::nullopt;
  };

  std::string out;
  protozero::pbf_writer tile(out);
  const double lo = -kBuffer, hi = kExtent + kBuffer;
  {
    LayerWriter roads("roads");
    for (uint32_t start = 0; start < segs.size(); ++start) {
      if (used[start]) continue;
      used[start] = 1;
      const Segment& first = graph_->segment(segs[start]);
      std::vector<uint32_t> nodes = {first.from, first.to};
      // Grow forwards from the last node, then backwards from the first.
      for (int side = 0; side < 2; ++side) {
        std::vector<uint32_t> grown;
        uint32_t end = side == 0 ? nodes.back() : nodes.front();
        while (auto j = next_from(end, start)) {
          used[*j] = 1;
          const Segment& s = graph_->segment(segs[*j]);
          end = s.from == end ? s.to : s.from;
          grown.push_back(end);
        }
        if (side == 0) {
          nodes.insert(nodes.end(), grown.begin(), grown.end());
        } else {
          nodes.insert(nodes.begin(), grown.rbegin(), grown.rend());
        }
      }
      std::vector<Point> line;
      line.reserve(nodes.size());
      for (uint32_t n : nodes) line.push_back(to_tile(node_xy_[n]));
      auto parts = ClipPolyline(line, lo, hi);
      if (parts.empty()) continue;

      std::vector<uint32_t> geometry;
      IntPoint cursor{0, 0};
      for (const auto& part : parts) {
        geometry.push_back(Command(kMoveTo, 1));
        geometry.push_back(ZigZag(part[0].x - cursor.x));
        geometry.push_back(ZigZag(part[0].y - cursor.y));
        cursor = part[0];
        geometry.push_back(Command(kLineTo, uint32_t(part.size() - 1)));
        for (size_t k = 1; k < part.size(); ++k) {
          geometry.push_back(ZigZag(part[k].x - cursor.x));
          geometry.push_back(ZigZag(part[k].y - cursor.y));
          cursor = part[k];
        }
      }
      std::vector<std::pair<std::string, std::string>> tags = {
          {"class", std::string(roads::ToString(RoadClass(first.road_class)))}};
      if (first.name != 0) tags.emplace_back("name", std::string(graph_->name(first.name)));
      roads.Add(0, 2, tags, geometry);  // LINESTRING
    }
    roads.Finish(tile);
  }
  {
    LayerWriter places("places");
    for (uint32_t p : place_ids) {
      Point at = to_tile(place_xy_[p]);
      if (at.x < 0 || at.y < 0 || at.x >= kExtent || at.y >= kExtent) continue;  // one tile only
      std::vector<uint32_t> geometry = {Command(kMoveTo, 1), ZigZag(int32_t(std::lround(at.x))),
                                        ZigZag(int32_t(std::lround(at.y)))};
      places.Add(p + 1, 1, {{"name", places_[p].name}, {"kind", places_[p].kind}},
                 geometry);  // POINT
    }
    places.Finish(tile);
  }
  return out;
}

}  // namespace pingan::map
