#include "core/jurisdiction.h"

#include <unordered_map>

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pingan {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BgPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using BgBox = bg::model::box<BgPoint>;
using RtreeValue = std::pair<BgBox, size_t>;

struct JurisdictionIndex::Tree {
  bgi::rtree<RtreeValue, bgi::quadratic<16>> rtree;
  std::unordered_map<std::string_view, size_t> by_id;
};

JurisdictionIndex::JurisdictionIndex() : tree_(std::make_unique<Tree>()) {}
JurisdictionIndex::~JurisdictionIndex() = default;

std::string_view ToString(JurisdictionLevel level) {
  switch (level) {
    case JurisdictionLevel::kBureau: return "bureau";
    case JurisdictionLevel::kStation: return "station";
    case JurisdictionLevel::kCommunityPost: return "post";
    case JurisdictionLevel::kGrid: return "grid";
  }
  return "unknown";
}

std::optional<JurisdictionLevel> ParseJurisdictionLevel(std::string_view t) {
  if (t == "bureau" || t == "分局") return JurisdictionLevel::kBureau;
  if (t == "station" || t == "派出所") return JurisdictionLevel::kStation;
  if (t == "post" || t == "community_post" || t == "警务室") {
    return JurisdictionLevel::kCommunityPost;
  }
  if (t == "grid" || t == "网格") return JurisdictionLevel::kGrid;
  return std::nullopt;
}

Result<std::shared_ptr<const JurisdictionIndex>> JurisdictionIndex::Build(
    std::vector<Jurisdiction> all) {
  std::shared_ptr<JurisdictionIndex> index(new JurisdictionIndex());
  index->all_ = std::move(all);
  auto& by_id = index->tree_->by_id;
  for (size_t i = 0; i < index->all_.size(); ++i) {
    const Jurisdiction& j = index->all_[i];
    std::string where = fmt::format("jurisdictions[{}]", i);
    if (j.id.empty()) return InvalidInput(where + ".id", "jurisdiction without an id");
    if (!by_id.emplace(j.id, i).second) {
      return InvalidInput(where + ".id", fmt::format("duplicate jurisdiction id '{}'", j.id));
    }
    if (j.area.polygons.empty() || j.area.polygons.front().outer.size() < 3) {
      return InvalidInput(where + ".geometry", fmt::format("jurisdiction '{}' has no area", j.id));
    }
  }
  for (size_t i = 0; i < index->all_.size(); ++i) {
    const Jurisdiction& j = index->all_[i];
    if (j.parent_id.empty()) continue;
    std::string where = fmt::format("jurisdictions[{}].parent_id", i);
    auto parent = by_id.find(j.parent_id);
    if (parent == by_id.end()) {
      return InvalidInput(
          where, fmt::format("'{}' names parent '{}', which does not exist", j.id, j.parent_id));
    }
    // A parent is strictly shallower, so the tree cannot contain a cycle.
    if (index->all_[parent->second].level >= j.level) {
      return InvalidInput(
          where, fmt::format("'{}' ({}) cannot sit under '{}' ({})", j.id, ToString(j.level),
                             j.parent_id, ToString(index->all_[parent->second].level)));
    }
  }
  std::vector<RtreeValue> boxes;
  boxes.reserve(index->all_.size());
  for (size_t i = 0; i < index->all_.size(); ++i) {
    BoundingBox b = index->all_[i].area.Bounds();
    boxes.emplace_back(BgBox(BgPoint(b.min_lon, b.min_lat), BgPoint(b.max_lon, b.max_lat)), i);
  }
  index->tree_->rtree = decltype(index->tree_->rtree)(boxes.begin(), boxes.end());
  return std::shared_ptr<const JurisdictionIndex>(std::move(index));
}

const Jurisdiction* JurisdictionIndex::Find(std::string_view id) const {
  auto it = tree_->by_id.find(id);
  return it == tree_->by_id.end() ? nullptr : &all_[it->second];
}

JurisdictionPath JurisdictionIndex::Locate(LonLat p) const {
  // Candidates by bounding box; the deepest level wins, ties go to the smaller id.
  std::vector<RtreeValue> candidates;
  tree_->rtree.query(bgi::intersects(BgPoint(p.lon, p.lat)), std::back_inserter(candidates));
  const Jurisdiction* deepest = nullptr;
  for (const RtreeValue& v : candidates) {
    const Jurisdiction& j = all_[v.second];
    bool better = deepest == nullptr || j.level > deepest->level ||
                  (j.level == deepest->level && j.id < deepest->id);
    if (better && j.area.Contains(p)) deepest = &j;
  }
  JurisdictionPath path;
  for (const Jurisdiction* j = deepest; j != nullptr; j = Find(j->parent_id)) {
    switch (j->level) {
      case JurisdictionLevel::kBureau: path.bureau_id = j->id; break;
      case JurisdictionLevel::kStation: path.station_id = j->id; break;
      case JurisdictionLevel::kCommunityPost: path.post_id = j->id; break;
      case JurisdictionLevel::kGrid: path.grid_id = j->id; break;
    }
    if (j->parent_id.empty()) break;
  }
  return path;
}

namespace {

Result<std::vector<LonLat>> ParseRing(const nlohmann::json& ring, const std::string& where) {
  if (!ring.is_array() || ring.size() < 3) {
    return InvalidInput(where, "a ring needs at least 3 positions");
  }
  std::vector<LonLat> out;
  out.reserve(ring.size());
  for (size_t i = 0; i < ring.size(); ++i) {
    const auto& pos = ring[i];
    if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
      return InvalidInput(fmt::format("{}[{}]", where, i), "a position is [lon, lat]");
    }
    LonLat p{pos[0].get<double>(), pos[1].get<double>()};
    if (!IsValid(p)) {
      return InvalidInput(fmt::format("{}[{}]", where, i), "longitude/latitude out of range");
    }
    out.push_back(p);
  }
  return out;
}

Result<Polygon> ParsePolygon(const nlohmann::json& rings, const std::string& where) {
  if (!rings.is_array() || rings.empty()) return InvalidInput(where, "a polygon needs a ring");
  Polygon poly;
  for (size_t r = 0; r < rings.size(); ++r) {
    auto ring = ParseRing(rings[r], fmt::format("{}[{}]", where, r));
    if (!ring) return ring.error();
    if (r == 0) {
      poly.outer = std::move(*ring);
    } else {
      poly.holes.push_back(std::move(*ring));
    }
  }
  return poly;
}

std::string PropertyText(const nlohmann::json& props, const std::string& key) {
  if (!props.is_object()) return {};
  auto it = props.find(key);
  if (it == props.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

nlohmann::json RingToJson(const std::vector<LonLat>& ring) {
  nlohmann::json out = nlohmann::json::array();
  for (const LonLat& p : ring) out.push_back({p.lon, p.lat});
  return out;
}

}  // namespace

Result<std::vector<Jurisdiction>> ParseJurisdictionGeoJson(const nlohmann::json& doc,
                                                           const GeoJsonFields& fields) {
  if (!doc.is_object() || doc.value("type", "") != "FeatureCollection" ||
      !doc.contains("features") || !doc["features"].is_array()) {
    return InvalidInput("type", "expected a GeoJSON FeatureCollection");
  }
  std::vector<Jurisdiction> out;
  const auto& features = doc["features"];
  for (size_t i = 0; i < features.size(); ++i) {
    const auto& f = features[i];
    std::string where = fmt::format("features[{}]", i);
    if (!f.is_object() || !f.contains("geometry") || !f["geometry"].is_object()) {
      return InvalidInput(where + ".geometry", "feature without a geometry");
    }
    const auto& props = f.contains("properties") ? f["properties"] : nlohmann::json();
    Jurisdiction j;
    j.id = PropertyText(props, fields.id);
    if (j.id.empty() && f.contains("id"))
      j.id = f["id"].is_string() ? f["id"].get<std::string>() : f["id"].dump();
    if (j.id.empty()) {
      return InvalidInput(where + ".properties." + fields.id, "feature without an id");
    }
    j.parent_id = PropertyText(props, fields.parent_id);
    if (j.parent_id.empty()) j.parent_id = fields.default_parent;
    j.name = PropertyText(props, fields.name);
    if (j.name.empty()) j.name = j.id;
    std::string level_text = PropertyText(props, fields.level);
    if (!level_text.empty()) {
      auto level = ParseJurisdictionLevel(level_text);
      if (!level) {
        return InvalidInput(
            where + ".properties." + fields.level,
            fmt::format("unknown level '{}' (bureau, station, post, grid)", level_text));
      }
      j.level = *level;
    } else if (fields.default_level) {
      j.level = *fields.default_level;
    } else {
      return InvalidInput(where + ".properties." + fields.level,
                          "feature without a level (bureau, station, post, grid)");
    }
    const auto& geom = f["geometry"];
    std::string type = geom.value("type", "");
    std::string gwhere = where + ".geometry.coordinates";
    if (!geom.contains("coordinates")) return InvalidInput(gwhere, "geometry without coordinates");
    if (type == "Polygon") {
      auto poly = ParsePolygon(geom["coordinates"], gwhere);
      if (!poly) return poly.error();
      j.area.polygons.push_back(std::move(*poly));
    } else if (type == "MultiPolygon") {
      const auto& polys = geom["coordinates"];
      if (!polys.is_array() || polys.empty()) return InvalidInput(gwhere, "empty MultiPolygon");
      for (size_t p = 0; p < polys.size(); ++p) {
        auto poly = ParsePolygon(polys[p], fmt::format("{}[{}]", gwhere, p));
        if (!poly) return poly.error();
        j.area.polygons.push_back(std::move(*poly));
      }
    } else {
      return InvalidInput(where + ".geometry.type",
                          fmt::format("geometry type '{}' is not Polygon or MultiPolygon", type));
    }
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json JurisdictionToGeoJson(const Jurisdiction& j, bool with_geometry) {
  nlohmann::json feature = {
      {"type", "Feature"},
      {"id", j.id},
      {"properties",
       {{"id", j.id},
        {"parent_id", j.parent_id.empty() ? nlohmann::json() : nlohmann::json(j.parent_id)},
        {"name", j.name},
        {"level", ToString(j.level)},
        {"area_m2", std::round(j.area.AreaM2())}}},
      {"geometry", nullptr},
  };
  if (with_geometry) {
    nlohmann::json polys = nlohmann::json::array();
    for (const Polygon& poly : j.area.polygons) {
      nlohmann::json rings = nlohmann::json::array();
      rings.push_back(RingToJson(poly.outer));
      for (const auto& hole : poly.holes) rings.push_back(RingToJson(hole));
      polys.push_back(std::move(rings));
    }
    feature["geometry"] = {{"type", "MultiPolygon"}, {"coordinates", std::move(polys)}};
  }
  return feature;
}

}  // namespace pingan
