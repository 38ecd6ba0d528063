// A full day's patrol plan for a district's forces — 25 cars and 40 other units (motorcycles,
// foot and bicycle patrols) in four stations, school posts and key areas as fixed duties — over
// 24 hourly slots on a real road map, with the road searches for coverage included; and the
// what-if simulator's speed in simulated hours per wall-clock second.
//
// The map is the Portland central extract of ../shared/data (or PINGAN_BENCH_MAP). The risk is
// made up: a 60 × 60 grid of 150 m cells (3,600 cells, as in the covering suite), hot spots
// whose weight follows the hour, over a smooth background.
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "dispatch/recommender.h"
#include "patrol/plans.h"
#include "patrol/simulation.h"
#include "roads/osm_import.h"

namespace pingan::patrol {
namespace {

constexpr double kDay = 20000 * 86400.0;  // a district midnight

struct District {
  std::shared_ptr<const roads::RoadGraph> graph;
  PlanInput input;
  std::vector<PlanUnit> units;
};

const District& TheDistrict() {
  static const District district = [] {
    District d;
    const char* env = std::getenv("PINGAN_BENCH_MAP");
    std::string path =
        env ? env : std::string(PINGAN_SHARED_DATA) + "/maps/portland-central-2015.osm.pbf";
    auto graph = roads::ImportOsm(path);
    if (!graph) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), graph.error().message.c_str());
      std::exit(1);
    }
    d.graph = std::make_shared<const roads::RoadGraph>(std::move(*graph));
    BoundingBox b = d.graph->bounds();
    const LonLat centre{(b.min_lon + b.max_lon) / 2, (b.min_lat + b.max_lat) / 2};
    const double dlat = 150 / 111320.0, dlon = dlat / std::cos(centre.lat * M_PI / 180);
    for (int i = 0; i < 60; ++i)
      for (int j = 0; j < 60; ++j)
        d.input.cells.push_back({centre.lon + (i - 29.5) * dlon, centre.lat + (j - 29.5) * dlat});
    // Twenty hot spots, each with its own peak hour.
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> cell(0, 3599), hour(0, 23);
    std::vector<std::pair<int, int>> spots;
    for (int k = 0; k < 20; ++k) spots.push_back({cell(rng), hour(rng)});
    const auto cells = d.input.cells;
    d.input.risk_at = [cells, spots](double hour_start) {
      int h = int(std::fmod((hour_start - kDay) / 3600, 24));
      std::vector<double> r(cells.size(), 0.002);
      for (const auto& [c, peak] : spots) {
        int dh = std::min(std::abs(h - peak), 24 - std::abs(h - peak));
        double w = 0.3 * std::exp(-dh * dh / 18.0);
        int ci = c / 60, cj = c % 60;
        for (int di = -4; di <= 4; ++di)
          for (int dj = -4; dj <= 4; ++dj) {
            int i = ci + di, j = cj + dj;
            if (i < 0 || j < 0 || i >= 60 || j >= 60) continue;
            r[size_t(i * 60 + j)] += w * std::exp(-(di * di + dj * dj) / 4.0);
          }
      }
      return r;
    };
    // Four stations: the quadrants around the centre.
    d.input.station_of = [centre](LonLat p) {
      return std::string(p.lon < centre.lon ? "W" : "E") + (p.lat < centre.lat ? "S" : "N");
    };
    const char* stations[] = {"WS", "WN", "ES", "EN"};
    uint32_t id = 1;
    auto add = [&](const char* name, TravelMode mode, int begin, int end, std::string station) {
      d.units.push_back({id, fmt::format("{}{}", name, id), mode, begin, end, std::move(station)});
      ++id;
    };
    for (int k = 0; k < 25; ++k) add("car", TravelMode::kCar, 0, 24, k < 20 ? stations[k % 4] : "");
    for (int k = 0; k < 10; ++k) add("moto", TravelMode::kMotorcycle, 7, 19, stations[k % 4]);
    for (int k = 0; k < 20; ++k)
      add("foot", TravelMode::kFoot, k < 10 ? 8 : 18, k < 10 ? 20 : 26, stations[k % 4]);
    for (int k = 0; k < 10; ++k) add("bike", TravelMode::kBicycle, 9, 17, stations[k % 4]);
    // Twelve schools and four night markets at random cells.
    std::vector<KeyPlace> places;
    for (int k = 0; k < 12; ++k)
      places.push_back({fmt::format("school{}", k), "school", cells[size_t(cell(rng))]});
    for (int k = 0; k < 4; ++k)
      places.push_back({fmt::format("market{}", k), "night_market", cells[size_t(cell(rng))]});
    d.input.duties = DutiesAtPlaces(places, DefaultPlaceDuties());
    return d;
  }();
  return district;
}

void PlanDay(benchmark::State& state, bool risk_based) {
  const District& d = TheDistrict();
  PlanOptions o;
  PlanStats stats;
  for (auto _ : state) {
    Plan plan = risk_based ? RiskPlan(*d.graph, d.units, kDay, kDay + 86400, d.input, o, &stats)
                           : UniformPlan(*d.graph, d.units, kDay, kDay + 86400, d.input, o, &stats);
    benchmark::DoNotOptimize(plan);
  }
  state.counters["units"] = double(d.units.size());
  state.counters["cells"] = double(d.input.cells.size());
  state.counters["duty_slots"] = double(stats.duty_slots);
  state.counters["duty_slots_held"] = double(stats.duty_slots_held);
  if (risk_based) {
    state.counters["candidates"] = double(stats.candidates);
    state.counters["coverage_ms"] = stats.coverage_ms;
    state.counters["optimiser_ms_per_slot"] =
        stats.solve_ms / double(std::max<size_t>(1, stats.hours));
    state.counters["covered_share"] = stats.covered_share;
    state.counters["revisit_misses"] = double(stats.revisit_misses);
    state.counters["hot_spells"] = double(stats.hot_spells);
  }
}

void BM_RiskPlanDay(benchmark::State& state) {
  PlanDay(state, true);
}
BENCHMARK(BM_RiskPlanDay)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_UniformPlanDay(benchmark::State& state) {
  PlanDay(state, false);
}
BENCHMARK(BM_UniformPlanDay)->Unit(benchmark::kMillisecond)->Iterations(1);

// One day of calls (a district's 300, placed by the day's risk) against the risk plan.
void BM_SimulateDay(benchmark::State& state) {
  const District& d = TheDistrict();
  Plan plan = RiskPlan(*d.graph, d.units, kDay, kDay + 86400, d.input, PlanOptions{});
  dispatch::Recommender recommender(d.graph, dispatch::DefaultDispatchRules());
  std::mt19937_64 rng(11);
  std::vector<SimIncident> incidents;
  for (int k = 0; k < 300; ++k) {
    double t = kDay + 86400.0 * k / 300;
    std::vector<double> r = d.input.risk_at(std::floor(t / 3600) * 3600);
    std::discrete_distribution<size_t> pick(r.begin(), r.end());
    incidents.push_back({t, d.input.cells[pick(rng)], "criminal"});
  }
  SimResult result;
  for (auto _ : state) {
    result = Simulate(recommender, plan, incidents, {}, kDay, kDay + 86400, SimOptions{});
    benchmark::DoNotOptimize(result);
  }
  state.counters["simulated_hours_per_s"] = 24 / std::max(1e-9, result.wall_s);
  state.counters["incidents"] = double(result.incidents);
  state.counters["median_response_s"] = result.median_response_s;
}
BENCHMARK(BM_SimulateDay)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace pingan::patrol

BENCHMARK_MAIN();
