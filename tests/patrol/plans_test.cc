// Patrol plans and the what-if simulator on the generated demo town: the constraints a plan must
// keep (one place at a time, driving time between stops, dwell of 10–16 minutes, duty hours),
// risk posts on the hot cells, and a deterministic replay.
#include "patrol/plans.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "demo/district_generator.h"
#include "dispatch/recommender.h"
#include "patrol/simulation.h"
#include "roads/osm_import.h"
#include "support/temp_dir.h"

namespace pingan::patrol {
namespace {

std::shared_ptr<const roads::RoadGraph> Town() {
  static std::shared_ptr<const roads::RoadGraph> graph = [] {
    test::TempDir dir;
    std::ofstream(dir.File("town.osm")) << demo::GenerateDistrictOsm(1);
    auto g = roads::ImportOsm(dir.File("town.osm"));
    EXPECT_TRUE(g) << g.error().message;
    return std::make_shared<const roads::RoadGraph>(std::move(*g));
  }();
  return graph;
}

std::vector<PlanUnit> Cars(int n, int begin = 0, int end = 24) {
  std::vector<PlanUnit> units;
  for (int k = 0; k < n; ++k)
    units.push_back({uint32_t(k + 1), "C" + std::to_string(k), TravelMode::kCar, begin, end});
  return units;
}

void ExpectKeepsTheRules(const Plan& plan, const PlanOptions& o, double from, double to) {
  for (size_t u = 0; u < plan.units.size(); ++u) {
    const auto& stops = plan.stops[u];
    EXPECT_FALSE(stops.empty()) << plan.name << " unit " << u;
    for (size_t k = 0; k < stops.size(); ++k) {
      const Stop& s = stops[k];
      EXPECT_LE(s.from, s.to);
      EXPECT_GE(s.from, from);
      EXPECT_LE(s.to, to + 3600);
      // A full stay is 10–16 minutes; only the hour's end cuts one short (and the next hour's
      // first stop at the same post continues it).
      EXPECT_LE(s.to - s.from, 2 * o.dwell_max_s + 1);
      EXPECT_TRUE(plan.units[u].OnDuty(s.from)) << s.from;
      if (k > 0) {
        // One place at a time, with the drive between.
        const Stop& before = stops[k - 1];
        double drive = DistanceM(before.at, s.at) * 1.4 / o.patrol_speed_m_s;
        EXPECT_GE(s.from - before.to, drive - 1e-6) << plan.name << " unit " << u << " stop " << k;
      }
    }
  }
}

TEST(PatrolPlans, UniformAndRiskPlansKeepTheRules) {
  auto graph = Town();
  const double from = 20000 * 86400.0, to = from + 6 * 3600;
  PlanOptions o;
  Plan uniform = UniformPlan(*graph, Cars(6), from, to, o);
  ExpectKeepsTheRules(uniform, o, from, to);

  // Risk on two cells only, swapping at the third hour.
  BoundingBox b = graph->bounds();
  std::vector<LonLat> cells;
  for (int i = 0; i < 20; ++i)
    for (int j = 0; j < 20; ++j)
      cells.push_back({b.min_lon + (i + 0.5) * (b.max_lon - b.min_lon) / 20,
                       b.min_lat + (j + 0.5) * (b.max_lat - b.min_lat) / 20});
  const size_t hot_a = 5 * 20 + 5, hot_b = 15 * 20 + 14;
  auto risk_at = [&](double hour) {
    std::vector<double> r(cells.size(), 0.001);
    r[hour < from + 3 * 3600 ? hot_a : hot_b] = 5;
    return r;
  };
  RiskPlanStats stats;
  Plan risk = RiskPlan(*graph, Cars(2), from, to, cells, risk_at, o, &stats);
  ExpectKeepsTheRules(risk, o, from, to);
  EXPECT_EQ(stats.hours, 6u);
  EXPECT_GT(stats.covered_share, 0.9);
  // Someone is near the hot cell in its hours.
  auto nearest = [&](double t, size_t cell) {
    double best = 1e9;
    for (size_t u = 0; u < risk.units.size(); ++u)
      best = std::min(best, DistanceM(risk.Where(u, t), cells[cell]));
    return best;
  };
  EXPECT_LT(nearest(from + 1.5 * 3600, hot_a), 1500);
  EXPECT_LT(nearest(from + 4.5 * 3600, hot_b), 1500);
}

TEST(PatrolPlans, UnitsArePlannedOnlyInTheirShift) {
  auto graph = Town();
  const double day = 20000 * 86400.0;
  PlanOptions o;
  Plan plan = UniformPlan(*graph, Cars(3, 20, 32), day, day + 86400, o);  // 20:00–08:00
  for (const auto& stops : plan.stops)
    for (const Stop& s : stops) {
      double hour = std::fmod(s.from, 86400) / 3600;
      EXPECT_TRUE(hour >= 20 || hour < 8) << hour;
    }
}

TEST(Simulator, RepliesEveryIncidentAndIsDeterministic) {
  auto graph = Town();
  dispatch::Recommender recommender(graph, dispatch::DefaultDispatchRules());
  const double from = 20000 * 86400.0, to = from + 12 * 3600;
  PlanOptions o;
  Plan plan = UniformPlan(*graph, Cars(5), from, to, o);
  std::vector<SimIncident> incidents;
  std::mt19937_64 rng(3);
  BoundingBox b = graph->bounds();
  std::uniform_real_distribution<double> lon(b.min_lon, b.max_lon), lat(b.min_lat, b.max_lat);
  for (int k = 0; k < 40; ++k)
    incidents.push_back({from + k * 900.0, {lon(rng), lat(rng)}, "criminal"});
  SimOptions so;
  SimResult a = Simulate(recommender, plan, incidents, {}, from, to, so);
  SimResult again = Simulate(recommender, plan, incidents, {}, from, to, so);
  EXPECT_EQ(a.incidents + a.unreachable, 40u);
  EXPECT_GT(a.incidents, 35u);
  EXPECT_EQ(a.response_s, again.response_s);
  // Nobody answers faster than the dispatcher's minute; the town is a few km across.
  for (double r : a.response_s) {
    EXPECT_GE(r, so.dispatch_delay_s);
    EXPECT_LT(r, 3600);
  }
  EXPECT_LE(a.median_response_s, a.p90_response_s);
  EXPECT_GT(a.utilisation, 0);
  EXPECT_LT(a.utilisation, 1);

  // One unit and calls every minute: they wait for it, so responses grow.
  Plan lonely = UniformPlan(*graph, Cars(1), from, to, o);
  std::vector<SimIncident> rush;
  for (int k = 0; k < 6; ++k)
    rush.push_back({from + 3600 + k * 60.0, incidents[size_t(k)].at, "criminal"});
  SimResult queued = Simulate(recommender, lonely, rush, {}, from, to, so);
  ASSERT_EQ(queued.response_s.size(), 6u);
  EXPECT_GT(queued.response_s.back(), 3 * so.handle_median_s / 2);
}

}  // namespace
}  // namespace pingan::patrol
