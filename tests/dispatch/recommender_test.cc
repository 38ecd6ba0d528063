#include "dispatch/recommender.h"

#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dispatch/dispatch_rules.h"
#include "roads/osm_import.h"

namespace pingan::dispatch {
namespace {

const std::string kPortland =
    std::string(PINGAN_SHARED_DATA) + "/maps/portland-central-2015.osm.pbf";
const TimePoint kNow = TimePoint(std::chrono::milliseconds(1'700'000'000'000));

std::shared_ptr<const roads::RoadGraph> Portland() {
  static std::shared_ptr<const roads::RoadGraph> graph = [] {
    auto g = roads::ImportOsm(kPortland);
    PINGAN_CHECK(g.has_value());
    return std::make_shared<const roads::RoadGraph>(std::move(*g));
  }();
  return graph;
}

Candidate MakeUnit(UnitId id, LonLat at, Force force = Force::kPatrol,
                   TravelMode mode = TravelMode::kCar, UnitStatus status = UnitStatus::kAvailable,
                   TimePoint seen = kNow) {
  auto u = std::make_shared<Unit>();
  u->id = id;
  u->callsign = "P" + std::to_string(id);
  u->force = force;
  u->mode = mode;
  u->status = status;
  u->station_id = "central";
  return Candidate{u, Position{at, seen}};
}

LonLat RoadPointNear(const Recommender& r, LonLat p) {
  return r.snapper().Nearest(p, TravelMode::kCar)->point;
}

// Portland: the Willamette splits downtown from the east side, and downtown is a grid of
// one-way streets. Random scenes with two units, one nearer as the crow flies: the road must
// decide, and its answer must equal an independent point-to-point search.
TEST(Recommender, PicksTheFastestByRoadWhereTheStraightLineIsWrong) {
  Recommender rec(Portland(), DefaultDispatchRules());
  std::mt19937 rng(5);
  BoundingBox b = Portland()->bounds();
  std::uniform_real_distribution<double> lon(b.min_lon, b.max_lon), lat(b.min_lat, b.max_lat);
  roads::TravelTimes check(*Portland(), TravelMode::kCar);
  int disagreements = 0, big_disagreements = 0;
  for (int round = 0; round < 300; ++round) {
    LonLat scene = RoadPointNear(rec, {lon(rng), lat(rng)});
    std::vector<Candidate> units;
    for (UnitId id = 1; id <= 8; ++id) {
      LonLat near{scene.lon + (lon(rng) - (b.min_lon + b.max_lon) / 2) * 0.15,
                  scene.lat + (lat(rng) - (b.min_lat + b.max_lat) / 2) * 0.15};
      units.push_back(MakeUnit(id, RoadPointNear(rec, near)));
    }
    Scene s{scene, "help", 3, "central", {}};
    Recommendations result = rec.Recommend(s, units, 3, kNow);
    if (result.recommendations.empty()) continue;
    const RecommendedUnit& best = result.recommendations.front();
    // Independent check of every unit's time.
    auto scene_snap = rec.snapper().Nearest(scene, TravelMode::kCar);
    double best_time = INFINITY;
    UnitId straight_nearest = 0;
    double straight_best = INFINITY;
    std::map<UnitId, double> road_time;
    for (const auto& c : units) {
      auto from = rec.snapper().Nearest(c.position->at, TravelMode::kCar);
      auto a = check.Between(*from, *scene_snap, false);
      if (!a || a->time_ms > 3'600'000) continue;  // out of reach: not a contender
      best_time = std::min(best_time, a->time_ms / 1000.0);
      road_time[c.unit->id] = a->time_ms / 1000.0;
      double d = DistanceM(c.position->at, scene);
      if (d < straight_best) {
        straight_best = d;
        straight_nearest = c.unit->id;
      }
    }
    EXPECT_DOUBLE_EQ(best.eta_s, best_time) << "round " << round;
    for (size_t i = 1; i < result.recommendations.size(); ++i) {
      EXPECT_LE(result.recommendations[i - 1].eta_s, result.recommendations[i].eta_s);
    }
    if (best.unit_id != straight_nearest) {
      ++disagreements;
      EXPECT_NE(best.detail.find("nearer in a straight line"), std::string::npos) << best.detail;
      if (road_time[straight_nearest] > best.eta_s + 60) ++big_disagreements;
    }
  }
  // The point of ranking by road: on this map the straight line is often wrong.
  EXPECT_GT(disagreements, 30);
  EXPECT_GT(big_disagreements, 5);
}

TEST(Recommender, SaysWhyEachUnitWasPassedOver) {
  Recommender rec(Portland(), DefaultDispatchRules());
  LonLat scene = RoadPointNear(rec, {-122.6765, 45.5200});  // downtown
  LonLat near = RoadPointNear(rec, {-122.6790, 45.5190});
  std::vector<Candidate> units = {
      MakeUnit(1, near, Force::kPatrol, TravelMode::kCar, UnitStatus::kOnScene),
      MakeUnit(2, near, Force::kGuard, TravelMode::kFoot),
      MakeUnit(3, near, Force::kPatrol, TravelMode::kCar, UnitStatus::kAvailable,
               kNow - std::chrono::minutes(20)),
      MakeUnit(4, near, Force::kPatrol, TravelMode::kFoot),
      MakeUnit(5, {-121.0, 44.0}),  // far from any road in the map
      MakeUnit(6, near, Force::kPatrol, TravelMode::kCar, UnitStatus::kOffDuty),
      MakeUnit(7, near),
  };
  auto silent = std::make_shared<Unit>();
  silent->id = 8;
  silent->callsign = "P8";
  units.push_back({silent, std::nullopt});
  // Traffic accident, priority 2: police on wheels only.
  Recommendations r = rec.Recommend({scene, "traffic", 2, "central", {7}}, units, 5, kNow);
  std::map<UnitId, std::string> reasons;
  for (const auto& p : r.passed_over) reasons[p.unit_id] = p.reason;
  EXPECT_EQ(reasons[1], "busy");
  EXPECT_EQ(reasons[2], "wrong_force");
  EXPECT_EQ(reasons[3], "stale_position");
  EXPECT_EQ(reasons[4], "wrong_mode");
  EXPECT_EQ(reasons[5], "off_road");
  EXPECT_EQ(reasons[6], "off_duty");
  EXPECT_EQ(reasons[7], "already_assigned");
  EXPECT_EQ(reasons[8], "no_position");
  EXPECT_TRUE(r.recommendations.empty());
  EXPECT_EQ(r.units_needed, 1);
  EXPECT_EQ(r.shortfall, 1);
}

TEST(Recommender, GuardsAndVolunteersNeverGoAloneToCriminalIncidents) {
  Recommender rec(Portland(), DefaultDispatchRules());
  LonLat scene = RoadPointNear(rec, {-122.6765, 45.5200});
  LonLat near = RoadPointNear(rec, {-122.6770, 45.5195});
  LonLat far = RoadPointNear(rec, {-122.6600, 45.5300});
  std::vector<Candidate> only_aux = {MakeUnit(1, near, Force::kGuard, TravelMode::kCar),
                                     MakeUnit(2, near, Force::kVolunteer, TravelMode::kCar)};
  Recommendations alone = rec.Recommend({scene, "criminal", 2, "", {}}, only_aux, 2, kNow);
  EXPECT_TRUE(alone.recommendations.empty());
  ASSERT_EQ(alone.passed_over.size(), 2u);
  EXPECT_EQ(alone.passed_over[0].reason, "auxiliary_alone");
  EXPECT_EQ(alone.shortfall, 2);

  std::vector<Candidate> mixed = only_aux;
  mixed.push_back(MakeUnit(3, far));
  Recommendations together = rec.Recommend({scene, "criminal", 2, "", {}}, mixed, 2, kNow);
  ASSERT_EQ(together.recommendations.size(), 2u);
  bool has_police = false;
  for (const auto& r : together.recommendations) has_police |= r.unit_id == 3;
  EXPECT_TRUE(has_police) << "the police unit takes a place even though both guards are faster";
  EXPECT_EQ(together.shortfall, 0);
  EXPECT_EQ(together.recommendations[1].reason, "police_required");
  ASSERT_EQ(together.passed_over.size(), 1u);
  EXPECT_EQ(together.passed_over[0].reason, "displaced_by_police");

  // Many guards nearer than the only police unit: one search stops at k, a second finds the
  // police unit; the guards beyond k are counted, not listed.
  std::vector<Candidate> crowd;
  for (UnitId id = 10; id < 60; ++id)
    crowd.push_back(MakeUnit(id, near, Force::kGuard, TravelMode::kCar));
  crowd.push_back(MakeUnit(99, far));
  Recommendations one = rec.Recommend({scene, "criminal", 2, "", {}}, crowd, 1, kNow);
  ASSERT_EQ(one.recommendations.size(), 1u);
  EXPECT_EQ(one.recommendations[0].unit_id, 99u);
  EXPECT_EQ(one.recommendations[0].reason, "police_required");
  EXPECT_EQ(one.recommendations[0].detail.find("nearer in a straight line"), std::string::npos)
      << "the guards were faster: no claim that the police unit beat them";
  EXPECT_GT(one.units_not_ranked, 40);

  // Elsewhere, a guard may go alone.
  Recommendations dispute = rec.Recommend({scene, "dispute", 3, "", {}}, only_aux, 1, kNow);
  ASSERT_EQ(dispute.recommendations.size(), 1u);
}

TEST(Recommender, OutsideStationRuleIsData) {
  DispatchRules rules = DefaultDispatchRules();
  rules.allow_outside_station = false;
  Recommender rec(Portland(), rules);
  LonLat scene = RoadPointNear(rec, {-122.6765, 45.5200});
  std::vector<Candidate> units = {MakeUnit(1, scene)};
  Recommendations r = rec.Recommend({scene, "help", 3, "east", {}}, units, 1, kNow);
  ASSERT_EQ(r.passed_over.size(), 1u);
  EXPECT_EQ(r.passed_over[0].reason, "outside_station");
}

TEST(DispatchRules, RoundTripAndNameTheBadField) {
  nlohmann::json json = DispatchRulesToJson(DefaultDispatchRules());
  auto parsed = ParseDispatchRules(json);
  ASSERT_TRUE(parsed) << parsed.error().field << ": " << parsed.error().message;
  EXPECT_EQ(DispatchRulesToJson(*parsed), json);
  json["categories"][2]["forces"][0] = "cavalry";
  auto bad = ParseDispatchRules(json);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "categories[2].forces[0]");
  json["categories"] = nlohmann::json::array(
      {{{"category", "traffic"}, {"forces", {"patrol"}}, {"modes", {"car"}}}});
  json["categories"][0]["category"] = "crimnal";
  auto typo = ParseDispatchRules(json);
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().field, "categories[0].category");
  json["categories"][0]["category"] = "traffic";
  auto no_default = ParseDispatchRules(json);
  ASSERT_FALSE(no_default);
  EXPECT_EQ(no_default.error().field, "categories");
}

}  // namespace
}  // namespace pingan::dispatch
