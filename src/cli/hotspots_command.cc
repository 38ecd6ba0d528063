// pingan hotspots evaluate: rolling-origin back-tests of the hotspot models on a CSV of
// incidents, printed as a table and written as JSON (src/hotspots, docs/hotspots.md).
#include <cmath>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "hotspots/evaluation.h"
#include "map/places.h"

namespace pingan::cli {
namespace {

struct EvaluateOptions {
  std::string incidents;
  std::string columns;
  std::string crs;
  std::string places;
  std::string time_format;
  double cell = 150;
  int train_days = 365;
  int test_days = 60;
  std::string horizon = "day";
  std::string json_out;
  std::string category;
  uint64_t seed = 1;
};

nlohmann::json ScoreJson(const std::map<int, hotspots::Score>& scores, bool with_ci) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [coverage, s] : scores) {
    std::string key = std::to_string(coverage);
    if (with_ci)
      j[key] = {{"mean", s.mean}, {"sd", s.sd}, {"ci95", {s.ci_low, s.ci_high}}};
    else
      j[key] = s.mean;
  }
  return j;
}

void Evaluate(const EvaluateOptions& o) {
  if (o.horizon != "day" && o.horizon != "week") Fail("--horizon: day or week");
  hotspots::ReadReport report;
  hotspots::IncidentSet set =
      ReadIncidentsOrFail(o.incidents, o.columns, o.crs, o.time_format, report);
  size_t skipped = report.rows - report.kept;
  std::cerr << fmt::format("{}: {} rows read, {} kept, {} skipped", o.incidents, report.rows,
                           report.kept, skipped);
  for (const auto& [reason, n] : report.skipped) std::cerr << fmt::format("; {} {}", n, reason);
  std::cerr << (report.errors.size() < skipped ? " (first 50 shown)" : "") << "\n";
  if (!o.category.empty()) {
    auto it = std::find(set.categories.begin(), set.categories.end(), o.category);
    if (it == set.categories.end())
      Fail("--category " + o.category + ": not in the file's category column");
    int id = int(it - set.categories.begin());
    std::erase_if(set.incidents, [&](const hotspots::Incident& i) { return i.category != id; });
  }

  hotspots::EvaluationOptions options;
  options.cell_m = o.cell;
  options.train_days = o.train_days;
  options.test_days = o.test_days;
  options.weekly = o.horizon == "week";
  options.seed = o.seed;
  if (!o.places.empty()) {
    auto places = map::LoadPlaces(o.places);
    if (!places) Fail("--places " + o.places + ": " + places.error().message);
    for (const map::Place& p : *places) options.places.emplace_back(p.kind, p.at);
  }
  auto models = hotspots::StandardModels(o.cell);
  hotspots::Evaluation result = hotspots::Evaluate(set, models, options);
  if (result.periods - result.empty_periods <= 0) {
    Fail(fmt::format("{}: no test period with incidents after {} training days; lower --train-days",
                     o.incidents, o.train_days));
  }

  std::cout << fmt::format(
      "{} incidents{}; {} m cells, study area {} of {} cells ({:.1f} km²); {} test {}s from day "
      "{}, "
      "{} incidents in them{}\n\n",
      set.incidents.size(), set.date_only ? " (dates only)" : "", o.cell, result.region_cells,
      result.grid_cells, double(result.region_cells) * o.cell * o.cell / 1e6,
      result.periods - result.empty_periods, o.horizon, o.train_days, result.test_incidents,
      o.places.empty() ? ""
                       : fmt::format("; {} kinds of place in the combiner", result.place_layers));
  std::cout << fmt::format("{:<15} {:>7} {:>20} {:>20} {:>20} {:>8} {:>8} {:>8}\n", "model",
                           "periods", "hit 1% [95% CI]", "hit 5% [95% CI]", "hit 10% [95% CI]",
                           "PAI 1%", "PAI 5%", "PAI 10%");
  for (const auto& m : result.models) {
    auto cell = [&](int c) {
      const auto& s = m.hit_rate.at(c);
      return fmt::format("{:.3f} [{:.3f},{:.3f}]", s.mean, s.ci_low, s.ci_high);
    };
    std::cout << fmt::format("{:<15} {:>7} {:>20} {:>20} {:>20} {:>8.2f} {:>8.2f} {:>8.2f}\n",
                             m.name, m.periods, cell(1), cell(5), cell(10), m.pai.at(1).mean,
                             m.pai.at(5).mean, m.pai.at(10).mean);
  }

  if (!o.json_out.empty()) {
    nlohmann::json models_json = nlohmann::json::array();
    for (const auto& m : result.models) {
      models_json.push_back({{"name", m.name},
                             {"hit_rate", ScoreJson(m.hit_rate, false)},
                             {"pai", ScoreJson(m.pai, false)},
                             {"periods", m.periods},
                             {"hit_rate_detail", ScoreJson(m.hit_rate, true)},
                             {"pai_detail", ScoreJson(m.pai, true)}});
    }
    nlohmann::json doc = {{"models", models_json},
                          {"incidents", set.incidents.size()},
                          {"date_only", set.date_only},
                          {"cell_m", o.cell},
                          {"horizon", o.horizon},
                          {"train_days", o.train_days},
                          {"test_days", o.test_days},
                          {"study_area_cells", result.region_cells},
                          {"test_incidents", result.test_incidents},
                          {"rows_skipped", skipped}};
    std::ofstream out(o.json_out);
    out << doc.dump(2) << "\n";
    if (!out) Fail("cannot write " + o.json_out);
  }
}

}  // namespace

hotspots::IncidentSet ReadIncidentsOrFail(const std::string& file, const std::string& columns_text,
                                          const std::string& crs, const std::string& time_format,
                                          hotspots::ReadReport& report) {
  auto columns = hotspots::ParseColumnMap(columns_text);
  if (!columns)
    Fail(fmt::format("--columns: {}: {}", columns.error().field, columns.error().message));
  columns->crs = crs;
  auto set = hotspots::ReadIncidentCsv(file, *columns, time_format, &report);
  for (const std::string& e : report.errors) std::cerr << e << "\n";
  if (!set) Fail(set.error().message);
  return std::move(*set);
}

void RegisterHotspotsCommand(CLI::App& app) {
  CLI::App* hotspots =
      app.add_subcommand("hotspots", "Hotspot analytics (情): models and back-tests");
  hotspots->require_subcommand(1);
  auto o = std::make_shared<EvaluateOptions>();
  CLI::App* cmd = hotspots->add_subcommand(
      "evaluate",
      "Rolling-origin back-test of every model on a CSV of incidents: hit rate and PAI at 1, 5 "
      "and 10 % of the study area, mean over test periods with 95 % bootstrap intervals");
  cmd->add_option("--incidents", o->incidents, "CSV file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--columns", o->columns, "time=COL,lon=COL,lat=COL[,x=COL,y=COL][,category=COL]")
      ->required();
  cmd->add_option("--crs", o->crs,
                  "coordinate system of x=/y= (any EPSG code, e.g. EPSG:2913); lon/lat are WGS84");
  cmd->add_option("--places", o->places,
                  "places GeoJSON (DIR/places.geojson of `pingan import roads`) whose kinds become "
                  "layers of the combiner")
      ->check(CLI::ExistingFile);
  cmd->add_option("--time-format", o->time_format, "strptime format, e.g. %Y-%m-%d %H:%M");
  cmd->add_option("--cell", o->cell, "cell size in metres")
      ->capture_default_str()
      ->check(CLI::Range(10.0, 5000.0));
  cmd->add_option("--train-days", o->train_days, "history before the first test period")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--test-days", o->test_days, "days of test periods")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--horizon", o->horizon, "day or week")->capture_default_str();
  cmd->add_option("--category", o->category,
                  "only incidents of this category (the category column)");
  cmd->add_option("--seed", o->seed, "tie-breaking and bootstrap seed")->capture_default_str();
  cmd->add_option("--json", o->json_out, "write the results here as JSON");
  cmd->callback([o] { Evaluate(*o); });
}

}  // namespace pingan::cli
