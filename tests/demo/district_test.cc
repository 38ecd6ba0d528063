// The generated demo district: a town that imports like any OSM map, whose river makes roads
// differ from straight lines, with valid jurisdictions and a full shift of units.
#include <fstream>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "demo/district_generator.h"
#include "map/places.h"
#include "roads/osm_import.h"
#include "roads/road_snapper.h"
#include "roads/travel_times.h"
#include "support/temp_dir.h"

namespace pingan::demo {
namespace {

class DemoDistrict : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    osm_ = dir_->File("district.osm");
    std::ofstream(osm_) << GenerateDistrictOsm(7);
    auto graph = roads::ImportOsm(osm_);
    ASSERT_TRUE(graph) << graph.error().message;
    graph_ = new roads::RoadGraph(std::move(*graph));
  }
  static void TearDownTestSuite() {
    delete graph_;
    delete dir_;
  }
  static inline test::TempDir* dir_ = nullptr;
  static inline std::string osm_;
  static inline roads::RoadGraph* graph_ = nullptr;
};

TEST_F(DemoDistrict, ImportsAsATownOfNamedStreets) {
  EXPECT_EQ(graph_->node_count(), 33u * 25u);
  EXPECT_GT(graph_->segment_count(), 1300u);
  std::set<std::string> names(graph_->names().begin() + 1, graph_->names().end());
  for (const char* arterial : {"人民路", "中山路", "文化路", "胜利路", "北环路", "西环路"}) {
    EXPECT_TRUE(names.contains(arterial)) << arterial;
  }
  EXPECT_GT(names.size(), 50u);
  // About 7.2 km by 6 km.
  BoundingBox b = graph_->bounds();
  EXPECT_NEAR(DistanceM({b.min_lon, b.min_lat}, {b.max_lon, b.min_lat}), 7200, 150);
  EXPECT_NEAR(DistanceM({b.min_lon, b.min_lat}, {b.min_lon, b.max_lat}), 6000, 150);
  // The same seed gives the same town.
  EXPECT_EQ(GenerateDistrictOsm(7), GenerateDistrictOsm(7));
  EXPECT_NE(GenerateDistrictOsm(7), GenerateDistrictOsm(8));
}

TEST_F(DemoDistrict, PlacesComeFromTheMapLikeAnyOsmFile) {
  auto places = map::ImportOsmPlaces(osm_);
  ASSERT_TRUE(places);
  std::map<std::string, int> kinds;
  for (const auto& p : *places) kinds[p.kind]++;
  EXPECT_GE(kinds["school"], 6);
  EXPECT_GE(kinds["mall"], 3);
  EXPECT_EQ(kinds["night_market"], 3);
  EXPECT_EQ(kinds["police"], 5);
  EXPECT_GE(kinds["hospital"], 2);
}

TEST_F(DemoDistrict, TheRiverMakesTheRoadLongerThanTheCrowFlies) {
  // Random car trips: most are possible, and on average the road is well over the straight
  // line (blocks missing, one-way streets, a river crossed only by the arterials).
  roads::RoadSnapper snapper(*graph_);
  roads::TravelTimes search(*graph_, TravelMode::kCar);
  std::mt19937 rng(3);
  std::uniform_int_distribution<uint32_t> node(0, uint32_t(graph_->node_count() - 1));
  int reachable = 0, trips = 300;
  double ratio_sum = 0;
  for (int i = 0; i < trips; ++i) {
    LonLat a = graph_->node(node(rng)), b = graph_->node(node(rng));
    if (DistanceM(a, b) < 500) continue;
    auto from = snapper.Nearest(a, TravelMode::kCar);
    auto to = snapper.Nearest(b, TravelMode::kCar);
    ASSERT_TRUE(from && to);
    auto arrival = search.Between(*from, *to, false);
    if (!arrival) continue;
    ++reachable;
    ratio_sum += arrival->distance_m / DistanceM(a, b);
  }
  EXPECT_GT(reachable, 250);
  EXPECT_GT(ratio_sum / reachable, 1.2);
}

TEST_F(DemoDistrict, StationsAndGridsCoverEveryStreet) {
  auto jurisdictions = GenerateJurisdictions(*graph_);
  EXPECT_EQ(jurisdictions.size(), 1u + 4u + 16u);
  auto index = JurisdictionIndex::Build(jurisdictions);
  ASSERT_TRUE(index) << index.error().message;
  std::map<std::string, int> per_station;
  for (const LonLat& n : graph_->nodes()) {
    JurisdictionPath path = (*index)->Locate(n);
    ASSERT_FALSE(path.station_id.empty());
    ASSERT_FALSE(path.grid_id.empty());
    EXPECT_EQ(path.grid_id.rfind(path.station_id, 0), 0u);  // the grid is in its station
    per_station[path.station_id]++;
  }
  // Split at the median: no station has much more than a quarter of the streets.
  for (const auto& [station, n] : per_station)
    EXPECT_LT(n, int(graph_->node_count() * 0.35)) << station;

  auto units = GenerateUnits(jurisdictions, 7);
  EXPECT_EQ(units.size(), 4u * 9u + 2u);
  std::set<std::string> callsigns;
  for (const auto& u : units) {
    EXPECT_TRUE(callsigns.insert(u.callsign).second) << u.callsign;
    EXPECT_TRUE((*index)->Find(u.station_id) != nullptr) << u.station_id;
    EXPECT_FALSE(u.members.empty());
  }
}

TEST(DemoPlaces, ARealMapWithoutSchoolsGetsSome) {
  std::vector<LonLat> nodes = {{0, 0}, {0.001, 0}};
  std::vector<roads::Segment> segments = {{0, 1, 100, 0, 0, 0}};
  std::array<std::vector<std::array<uint32_t, 2>>, roads::kModeCount> times;
  for (auto& t : times) t.assign(1, {1000, 1000});
  roads::RoadGraph graph(nodes, segments, {""}, times);
  auto places = AddMissingPlaces(graph, {{"A Mall", "mall", {0, 0}}}, 1);
  int schools = 0, malls = 0;
  for (const auto& p : places) {
    schools += p.kind == "school";
    malls += p.kind == "mall";
  }
  EXPECT_EQ(schools, 3);
  EXPECT_EQ(malls, 1);  // it had one already
}

}  // namespace
}  // namespace pingan::demo
