// 辖区 jurisdictions: the tree bureau (分局) → station (派出所) → community post (警务室) →
// grid (网格), each with an area. Every incident, place and officer belongs to it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/geo.h"
#include "core/result.h"

namespace pingan {

enum class JurisdictionLevel { kBureau = 0, kStation = 1, kCommunityPost = 2, kGrid = 3 };

std::string_view ToString(JurisdictionLevel level);  // "bureau", "station", "post", "grid"
// Accepts the English names above, "community_post", and 分局 / 派出所 / 警务室 / 网格.
std::optional<JurisdictionLevel> ParseJurisdictionLevel(std::string_view text);

struct Jurisdiction {
  std::string id;         // stable code, e.g. "370613-02"
  std::string parent_id;  // empty for a root
  std::string name;
  JurisdictionLevel level = JurisdictionLevel::kStation;
  Area area;
};

// The ids of the jurisdictions a point lies in, one per level; empty where none.
struct JurisdictionPath {
  std::string bureau_id, station_id, post_id, grid_id;
};

// An immutable, spatially indexed tree. Locate() costs a tree query plus an exact test on the
// few candidates whose bounding box holds the point, never a scan of every polygon.
class JurisdictionIndex {
 public:
  // Validates the tree: unique ids, parents present and of a shallower level, no cycles,
  // non-empty areas. Error.field names the offending jurisdiction ("jurisdictions[3].parent_id").
  static Result<std::shared_ptr<const JurisdictionIndex>> Build(std::vector<Jurisdiction> all);

  ~JurisdictionIndex();
  JurisdictionIndex(const JurisdictionIndex&) = delete;
  JurisdictionIndex& operator=(const JurisdictionIndex&) = delete;

  const std::vector<Jurisdiction>& all() const { return all_; }
  const Jurisdiction* Find(std::string_view id) const;
  // The deepest jurisdiction containing `p`, with its ancestors filled in from the tree.
  JurisdictionPath Locate(LonLat p) const;

 private:
  JurisdictionIndex();
  struct Tree;
  std::vector<Jurisdiction> all_;
  std::unique_ptr<Tree> tree_;
};

// Reads a GeoJSON FeatureCollection of Polygon/MultiPolygon features. Properties are read from
// the names in `fields` (defaults: id, parent_id, name, level); `default_level` applies when a
// feature has no level property, `default_parent` when it has no parent.
struct GeoJsonFields {
  std::string id = "id";
  std::string parent_id = "parent_id";
  std::string name = "name";
  std::string level = "level";
  std::optional<JurisdictionLevel> default_level;
  std::string default_parent;
};
Result<std::vector<Jurisdiction>> ParseJurisdictionGeoJson(const nlohmann::json& doc,
                                                           const GeoJsonFields& fields = {});

// GeoJSON Feature of one jurisdiction (geometry as MultiPolygon or Polygon).
nlohmann::json JurisdictionToGeoJson(const Jurisdiction& j, bool with_geometry);

}  // namespace pingan
