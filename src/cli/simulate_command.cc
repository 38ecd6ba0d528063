// pingan simulate: replay a period of historical incidents against two patrol plans with the
// same forces — a uniform beat patrol and the risk-based plan — on a real road map, and compare
// response times, visibility and utilisation (docs/patrol.md).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/district_time.h"
#include "dispatch/recommender.h"
#include "hotspots/incident_csv.h"
#include "hotspots/risk_map.h"
#include "patrol/forces.h"
#include "patrol/plans.h"
#include "patrol/simulation.h"
#include "patrol/visibility.h"
#include "roads/osm_import.h"
#include "roads/road_snapper.h"

namespace pingan::cli {
namespace {

constexpr double kDay = 86400;

struct SimulateOptions {
  std::string map, incidents, columns, crs, time_format, forces, compare = "uniform,risk";
  int units = 0;
  int train_days = 14;
  std::string from, to;
  uint64_t seed = 1;
  std::string json_out;
  double cover_minutes = 4;
  double top_percent = 5;
};

patrol::Forces ReadForces(const std::string& path) {
  std::ifstream in(path);
  if (!in) Fail("--forces " + path + ": cannot open");
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded()) Fail("--forces " + path + ": not JSON");
  auto forces = patrol::ParseForces(doc);
  if (!forces)
    Fail(fmt::format("--forces {}: {}: {}", path, forces.error().field, forces.error().message));
  return std::move(*forces);
}

double DayOf(const std::string& date, const char* flag) {
  auto t = hotspots::ParseTime(date, "%Y-%m-%d");
  if (!t) Fail(fmt::format("{} {}: expected YYYY-MM-DD", flag, date));
  return *t;
}

void RunSimulate(const SimulateOptions& o) {
  if ((o.units > 0) == !o.forces.empty()) Fail("give one of --units N and --forces FILE");
  hotspots::ReadReport report;
  hotspots::IncidentSet set =
      ReadIncidentsOrFail(o.incidents, o.columns, o.crs, o.time_format, report);

  auto graph_result = roads::ImportOsm(o.map);
  if (!graph_result) Fail("--map " + o.map + ": " + graph_result.error().message);
  auto graph = std::make_shared<const roads::RoadGraph>(std::move(*graph_result));
  dispatch::Recommender recommender(graph, dispatch::DefaultDispatchRules());
  const BoundingBox box = graph->bounds();

  // Times of day for date-only files, drawn from the call profile (seeded).
  std::mt19937_64 rng(o.seed);
  if (set.date_only) {
    std::discrete_distribution<int> hour(std::begin(kCallHourProfile), std::end(kCallHourProfile));
    std::uniform_real_distribution<double> within(0, 3600);
    for (auto& i : set.incidents)
      i.t = std::floor(i.t / kDay) * kDay + hour(rng) * 3600 + within(rng);
    std::sort(set.incidents.begin(), set.incidents.end(),
              [](const auto& a, const auto& b) { return a.t < b.t; });
  }
  // Only what the map covers, and what lies near a road a car can use.
  size_t outside = 0;
  std::erase_if(set.incidents, [&](const hotspots::Incident& i) {
    bool out = !box.Contains(i.at);
    if (!out) {
      auto snap = recommender.snapper().Nearest(i.at, TravelMode::kCar);
      out = !snap || snap->distance_m > 300;
    }
    outside += out;
    return out;
  });
  if (set.incidents.empty()) Fail(o.incidents + ": no incident lies on the map " + o.map);

  const double first_day = std::floor(set.incidents.front().t / kDay) * kDay;
  const double from = o.from.empty() ? first_day + o.train_days * kDay : DayOf(o.from, "--from");
  const double to = o.to.empty() ? std::floor(set.incidents.back().t / kDay) * kDay + kDay
                                 : DayOf(o.to, "--to") + kDay;
  if (to <= from) Fail("the simulated period is empty: check --from/--to/--train-days");

  // The district's grid and the risk map of each day, fitted on what was known before it.
  hotspots::LocalProjection projection(
      {(box.min_lon + box.max_lon) / 2, (box.min_lat + box.max_lat) / 2});
  const double cell_m = 150;
  hotspots::Grid grid = hotspots::GridOver(projection, box, cell_m);
  hotspots::EventData events;
  for (const auto& i : set.incidents) {
    events.t.push_back(i.t);
    events.at.push_back(projection.To(i.at));
    events.cell.push_back(grid.CellOf(events.at.back()));
  }
  std::vector<int> region;
  std::vector<LonLat> centres;
  for (int c = 0; c < int(grid.size()); ++c) {
    LonLat at = projection.From(grid.Centre(c));
    auto snap = recommender.snapper().Nearest(at, TravelMode::kCar);
    if (snap && snap->distance_m <= 150) {
      region.push_back(c);
      centres.push_back(at);
    }
  }
  auto model = hotspots::MakeModel("grid_etas", cell_m);
  std::map<double, hotspots::RiskMap> days;
  auto risk_at = [&](double hour_start) {
    double day = std::floor(hour_start / kDay) * kDay;
    auto it = days.find(day);
    if (it == days.end())
      it = days.emplace(day, hotspots::BuildRiskMap(events, grid, region, day,
                                                    hotspots::DaySlots(24), *model))
               .first;
    int hour = int((hour_start - day) / 3600);
    std::vector<double> r;
    for (int c : region) r.push_back(it->second.risk[size_t(hour)][size_t(c)]);
    return r;
  };

  patrol::Forces forces;
  if (o.units > 0) {
    for (int k = 0; k < o.units; ++k)
      forces.units.push_back(
          {uint32_t(k + 1), fmt::format("C{:02d}", k + 1), TravelMode::kCar, 0, 24, ""});
  } else {
    forces = ReadForces(o.forces);
  }
  const std::vector<patrol::PlanUnit>& units = forces.units;
  patrol::PlanInput plan_input;
  plan_input.cells = centres;
  plan_input.risk_at = risk_at;
  plan_input.duties = forces.duties;

  // Visibility targets: the top cells of each hour's risk map, as `pingan visibility` counts
  // them.
  std::vector<patrol::Target> targets;
  patrol::DayTargetOptions target_options;
  target_options.top_percent = o.top_percent;
  for (double day = from; day < to; day += kDay) {
    patrol::DayRisk risk;
    risk.cell_m = cell_m;
    risk.centre = centres;
    for (int h = 0; h < 24; ++h) risk.hourly.push_back(risk_at(day + h * 3600.0));
    auto of_day = patrol::RiskCellTargets(day, risk, nullptr, target_options);
    targets.insert(targets.end(), of_day.begin(), of_day.end());
  }

  patrol::PlanOptions plan_options;
  plan_options.seed = o.seed;
  plan_options.cover_s = o.cover_minutes * 60;
  patrol::SimOptions sim_options;
  sim_options.seed = o.seed;
  std::vector<patrol::SimIncident> replay;
  for (const auto& i : set.incidents)
    if (i.t >= from && i.t < to)
      replay.push_back({i.t, i.at, i.category >= 0 ? set.categories[size_t(i.category)] : ""});

  std::cerr << fmt::format(
      "{}: {} incidents on the map ({} off it); {} units; simulating {} days with {} incidents; "
      "{} visibility targets\n",
      o.incidents, set.incidents.size(), outside, units.size(), (to - from) / kDay, replay.size(),
      targets.size());

  nlohmann::json plans = nlohmann::json::array();
  std::cout << fmt::format("{:<10} {:>10} {:>10} {:>8} {:>8} {:>11} {:>12} {:>10}\n", "plan",
                           "median s", "p90 s", "≤300 s", "≤600 s", "visibility", "utilisation",
                           "unreached");
  std::string list = o.compare;
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = list.find(',', at);
    if (comma == std::string::npos) comma = list.size();
    std::string name = list.substr(at, comma - at);
    at = comma + 1;
    if (name.empty()) continue;
    patrol::Plan plan;
    patrol::PlanStats stats;
    auto started = std::chrono::steady_clock::now();
    if (name == "uniform") {
      plan = patrol::UniformPlan(*graph, units, from, to, plan_input, plan_options, &stats);
    } else if (name == "risk") {
      plan = patrol::RiskPlan(*graph, units, from, to, plan_input, plan_options, &stats);
    } else {
      Fail("--compare: plans are uniform and risk, not '" + name + "'");
    }
    double plan_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    patrol::SimResult r =
        patrol::Simulate(recommender, plan, replay, targets, from, to, sim_options);
    std::cout << fmt::format(
        "{:<10} {:>10.0f} {:>10.0f} {:>8.3f} {:>8.3f} {:>11.3f} {:>12.3f} {:>10}\n", name,
        r.median_response_s, r.p90_response_s, r.within_300s, r.within_600s, r.visibility,
        r.utilisation, r.unreachable);
    nlohmann::json entry = {
        {"name", name},
        {"median_response_s", r.median_response_s},
        {"p90_response_s", r.p90_response_s},
        {"within_300s", r.within_300s},
        {"within_600s", r.within_600s},
        {"visibility", r.visibility},
        {"utilisation", r.utilisation},
        {"incidents", r.incidents},
        {"unreachable", r.unreachable},
        {"plan_s", plan_s},
        {"simulate_s", r.wall_s},
        {"simulated_hours_per_s", (to - from) / 3600 / std::max(1e-9, r.wall_s)}};
    entry["duty_slots"] = stats.duty_slots;
    entry["duty_slots_held"] = stats.duty_slots_held;
    if (name == "risk") {
      entry["revisit_hot_spells"] = stats.hot_spells;
      entry["revisit_misses"] = stats.revisit_misses;
      entry["risk_covered_share"] = stats.covered_share;
      entry["optimiser_ms_per_hour"] = stats.hours ? stats.solve_ms / double(stats.hours) : 0;
      entry["candidates"] = stats.candidates;
      entry["cells"] = stats.cells;
    }
    plans.push_back(entry);
  }
  if (!o.json_out.empty()) {
    nlohmann::json doc = {{"plans", plans},
                          {"units", units.size()},
                          {"incidents", replay.size()},
                          {"incidents_off_map", outside},
                          {"date_only", set.date_only},
                          {"seed", o.seed},
                          {"visibility_targets", targets.size()}};
    std::ofstream out(o.json_out);
    out << doc.dump(2) << "\n";
    if (!out) Fail("cannot write " + o.json_out);
  }
}

}  // namespace

void RegisterSimulateCommand(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "What-if: replay historical incidents against patrol plans with the same forces (a uniform "
      "beat patrol and the risk-based plan) on a road map; response times, visibility, "
      "utilisation");
  cmd->add_option("--map", o->map, "OpenStreetMap extract")->required()->check(CLI::ExistingFile);
  cmd->add_option("--incidents", o->incidents, "CSV of incidents")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--columns", o->columns, "time=COL,lon=COL,lat=COL[,x=COL,y=COL][,category=COL]")
      ->required();
  cmd->add_option("--crs", o->crs, "coordinate system of x=/y=");
  cmd->add_option("--time-format", o->time_format, "strptime format of the time column");
  cmd->add_option("--forces", o->forces, "units per shift (docs/patrol.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--units", o->units, "N cars on duty around the clock")
      ->check(CLI::Range(1, 2000));
  cmd->add_option("--compare", o->compare, "plans to compare")->capture_default_str();
  cmd->add_option("--train-days", o->train_days, "days before the simulated period (default)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  cmd->add_option("--from", o->from, "first simulated day, YYYY-MM-DD");
  cmd->add_option("--to", o->to, "last simulated day, YYYY-MM-DD");
  cmd->add_option("--seed", o->seed, "random seed")->capture_default_str();
  cmd->add_option("--cover-minutes", o->cover_minutes, "a post covers what it reaches in this time")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 60.0));
  cmd->add_option("--json", o->json_out, "write the results here");
  cmd->callback([o] { RunSimulate(*o); });
}

}  // namespace pingan::cli
