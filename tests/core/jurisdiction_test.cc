#include "core/jurisdiction.h"

#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/jurisdiction_squares.h"

namespace pingan {
namespace {

using test::Square;

TEST(JurisdictionIndex, LocatesTheDeepestLevelAndFillsAncestors) {
  //  B: [0,4]x[0,2];  S1 left half, S2 right half;  P1 inside S1;  G1 inside P1.
  auto index = JurisdictionIndex::Build({
      Square("B", "", JurisdictionLevel::kBureau, 0, 0, 4, 2),
      Square("S1", "B", JurisdictionLevel::kStation, 0, 0, 2, 2),
      Square("S2", "B", JurisdictionLevel::kStation, 2, 0, 4, 2),
      Square("P1", "S1", JurisdictionLevel::kCommunityPost, 0, 0, 1, 1),
      Square("G1", "P1", JurisdictionLevel::kGrid, 0, 0, 0.5, 0.5),
  });
  ASSERT_TRUE(index.has_value()) << index.error().message;
  JurisdictionPath p = (*index)->Locate({0.25, 0.25});
  EXPECT_EQ(p.bureau_id, "B");
  EXPECT_EQ(p.station_id, "S1");
  EXPECT_EQ(p.post_id, "P1");
  EXPECT_EQ(p.grid_id, "G1");
  p = (*index)->Locate({0.75, 0.75});
  EXPECT_EQ(p.post_id, "P1");
  EXPECT_EQ(p.grid_id, "");
  p = (*index)->Locate({3, 1});
  EXPECT_EQ(p.station_id, "S2");
  EXPECT_EQ(p.post_id, "");
  p = (*index)->Locate({5, 1});
  EXPECT_EQ(p.bureau_id, "");
  EXPECT_EQ(p.station_id, "");
}

TEST(JurisdictionIndex, HolesAreOutside) {
  Jurisdiction ring = Square("S", "", JurisdictionLevel::kStation, 0, 0, 3, 3);
  ring.area.polygons[0].holes.push_back({{1, 1}, {2, 1}, {2, 2}, {1, 2}});
  auto index = JurisdictionIndex::Build({ring});
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ((*index)->Locate({0.5, 0.5}).station_id, "S");
  EXPECT_EQ((*index)->Locate({1.5, 1.5}).station_id, "");
}

TEST(JurisdictionIndex, RefusesBrokenTrees) {
  auto missing =
      JurisdictionIndex::Build({Square("S", "NOPE", JurisdictionLevel::kStation, 0, 0, 1, 1)});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().field, "jurisdictions[0].parent_id");

  auto inverted =
      JurisdictionIndex::Build({Square("G", "", JurisdictionLevel::kGrid, 0, 0, 1, 1),
                                Square("S", "G", JurisdictionLevel::kStation, 0, 0, 1, 1)});
  ASSERT_FALSE(inverted.has_value());
  EXPECT_EQ(inverted.error().message, "'S' (station) cannot sit under 'G' (grid)");

  auto duplicate =
      JurisdictionIndex::Build({Square("S", "", JurisdictionLevel::kStation, 0, 0, 1, 1),
                                Square("S", "", JurisdictionLevel::kStation, 1, 0, 2, 1)});
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().field, "jurisdictions[1].id");
}

TEST(JurisdictionGeoJson, ErrorsNameTheFeatureAndField) {
  auto doc = nlohmann::json::parse(R"({"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"id": "a", "level": "station"},
       "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}},
      {"type": "Feature", "properties": {"id": "b", "level": "district"},
       "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]})");
  auto parsed = ParseJurisdictionGeoJson(doc);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().field, "features[1].properties.level");

  doc["features"][1]["properties"]["level"] = "网格";
  doc["features"][1]["geometry"]["coordinates"][0][2] = {200, 1};
  parsed = ParseJurisdictionGeoJson(doc);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().field, "features[1].geometry.coordinates[0][2]");

  doc["features"][1]["geometry"]["coordinates"][0][2] = {1, 1};
  parsed = ParseJurisdictionGeoJson(doc);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)[1].level, JurisdictionLevel::kGrid);
}

TEST(JurisdictionGeoJson, WritesWhatItReads) {
  Jurisdiction j = Square("S1", "B", JurisdictionLevel::kStation, 0, 0, 1, 1);
  j.name = "莱山派出所";
  j.area.polygons[0].holes.push_back({{0.2, 0.2}, {0.4, 0.2}, {0.4, 0.4}});
  nlohmann::json collection = {{"type", "FeatureCollection"},
                               {"features", {JurisdictionToGeoJson(j, true)}}};
  auto back = ParseJurisdictionGeoJson(collection);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ((*back)[0].name, "莱山派出所");
  EXPECT_EQ((*back)[0].parent_id, "B");
  EXPECT_EQ((*back)[0].area.polygons[0].holes.size(), 1u);
  EXPECT_EQ((*back)[0].area.polygons[0].outer, j.area.polygons[0].outer);
}

// The real Portland police districts (60 polygons, 3 multipolygons): the indexed lookup must
// agree with testing every polygon, for thousands of points across the city.
TEST(JurisdictionIndex, AgreesWithABruteForceScanOnRealDistricts) {
  std::ifstream in(std::string(PINGAN_SHARED_DATA) +
                   "/boundaries/portland_police_districts_2016.geojson");
  ASSERT_TRUE(in.good()) << "shared data missing";
  std::stringstream text;
  text << in.rdbuf();
  GeoJsonFields fields;
  fields.id = "DISTRICT";
  fields.default_level = JurisdictionLevel::kStation;
  auto parsed = ParseJurisdictionGeoJson(nlohmann::json::parse(text.str()), fields);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 60u);
  std::vector<Jurisdiction> all = *parsed;
  auto index = JurisdictionIndex::Build(std::move(*parsed));
  ASSERT_TRUE(index.has_value());

  std::mt19937 rng(42);
  std::uniform_real_distribution<double> lon(-122.84, -122.45), lat(45.43, 45.66);
  int inside = 0;
  for (int k = 0; k < 5000; ++k) {
    LonLat p{lon(rng), lat(rng)};
    std::string expected;
    for (const Jurisdiction& j : all) {
      if (j.area.Contains(p) && (expected.empty() || j.id < expected)) expected = j.id;
    }
    ASSERT_EQ((*index)->Locate(p).station_id, expected) << p.lon << "," << p.lat;
    inside += !expected.empty();
  }
  EXPECT_GT(inside, 2000);  // the sample really exercises the polygons (about half)
}

}  // namespace
}  // namespace pingan
