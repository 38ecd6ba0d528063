// pingan visibility: 见警率 of a district day from a data directory's GPS tracks — the share of
// the day's top-risk cell-hours, school posts and key areas that had police present — as a
// table per station and, with --json, the document GET /api/visibility returns
// (patrol/visibility.h, docs/patrol.md).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/risk_layer.h"
#include "cli/commands.h"
#include "cli/platform.h"
#include "hotspots/incident_csv.h"
#include "map/places.h"
#include "roads/graph_file.h"
#include "tracks/track_store.h"

namespace pingan::cli {
namespace {

struct VisibilityOptions {
  std::string data_dir = "var";
  std::string date;
  double top_percent = 5;
  double radius_m = 150;
  double min_minutes = 5;
  std::string json_out;
};

std::string Cell(const patrol::VisibilityRow* row) {
  if (!row) return "-";
  return fmt::format("{}/{} {:5.1f} %", row->covered, row->targets, 100 * row->share);
}

void Run(const VisibilityOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  auto date = api::ParseDate(o.date);
  if (!date) Fail(fmt::format("--date {}: expected a date such as 2026-11-23", o.date));

  // The tracks are the server's while it runs: one process per data directory.
  auto platform = OpenPlatform(o.data_dir);
  if (!platform) {
    const Error& e = platform.error();
    if (e.code == ErrorCode::kUnavailable && e.field == "data-dir") {
      Fail(fmt::format("{}; a running server answers GET /api/visibility?date={}", e.message,
                       o.date));
    }
    Fail(e.message);
  }
  engine::Engine& engine = *(*platform)->engine;
  auto store = tracks::TrackStore::Open(o.data_dir);
  if (!store) Fail(store.error().message);

  // The same district grid as the server's risk map: the road network's bounds.
  std::optional<BoundingBox> district;
  if (std::string path = o.data_dir + "/" + std::string(roads::kRoadGraphFile);
      std::filesystem::exists(path)) {
    auto graph = roads::GraphFile::Load(path);
    if (!graph) Fail(graph.error().message);
    district = graph->bounds();
  }
  auto places = map::LoadPlaces(o.data_dir + "/" + std::string(map::kPlacesFile));
  if (!places) Fail(places.error().message);
  std::vector<patrol::KeyPlace> key_places;
  for (const map::Place& p : *places) key_places.push_back({p.name, p.kind, p.at});
  std::shared_ptr<const hotspots::IncidentSet> history;
  if (std::string path = o.data_dir + "/" + hotspots::kHistoryFile; std::filesystem::exists(path)) {
    auto read = hotspots::ReadIncidentHistory(path);
    if (!read) Fail(read.error().message);
    history = std::make_shared<const hotspots::IncidentSet>(std::move(*read));
  }

  api::VisibilityLayer layer(
      engine, district, history, std::move(key_places),
      [&store = **store](const tracks::TrackQuery& query,
                         const std::function<void(const tracks::TrackPoint&)>& fn) {
        return store.Read(query, fn);
      });
  api::VisibilityQuery query;
  query.date = *date;
  query.targets.top_percent = o.top_percent;
  query.targets.radius_m = o.radius_m;
  query.targets.min_presence_s = o.min_minutes * 60;
  auto report = layer.Query(query);
  (*store)->Stop();
  engine.Stop();
  if (!report) Fail(report.error().message);

  std::cout << fmt::format(
      "Visibility (见警率) {} 00:00–24:00 China Standard Time: {} units, {} fixes, {} targets{}; "
      "{:.0f} ms ({:.0f} ms with loading)\n",
      o.date, report->units, report->fixes, report->targets,
      report->has_risk_map ? "" : " (no risk map: no road network and no incidents)",
      report->elapsed_ms,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
          .count());
  std::cout << fmt::format(
      "risk cells: the top {} % each hour, present within {} m for {} min; school posts and key "
      "areas: see docs/patrol.md\n\n",
      o.top_percent, o.radius_m, o.min_minutes);

  // One line per station, the district first.
  std::map<std::string, std::map<std::string, const patrol::VisibilityRow*>> by_station;
  for (const patrol::VisibilityRow& row : report->rows) by_station[row.station_id][row.kind] = &row;
  for (const auto& [id, name] : report->station_names) by_station.try_emplace(id);
  auto find = [](const std::map<std::string, const patrol::VisibilityRow*>& kinds,
                 const char* kind) -> const patrol::VisibilityRow* {
    auto it = kinds.find(kind);
    return it == kinds.end() ? nullptr : it->second;
  };
  std::cout << fmt::format("{:<16} {:>20} {:>20} {:>20}  {}\n", "station", "risk cell-hours",
                           "school posts", "key areas", "name");
  for (const auto& [id, kinds] : by_station) {
    std::string name = id.empty() ? "全区 district" : "";
    if (auto it = report->station_names.find(id); it != report->station_names.end())
      name = it->second;
    std::cout << fmt::format("{:<16} {:>20} {:>20} {:>20}  {}\n", id.empty() ? "(district)" : id,
                             Cell(find(kinds, "risk_cell")), Cell(find(kinds, "school_post")),
                             Cell(find(kinds, "key_area")), name);
  }

  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    out << api::VisibilityJson(*report).dump(2) << "\n";
    if (!out) Fail("cannot write " + o.json_out);
  }
}

}  // namespace

void RegisterVisibilityCommand(CLI::App& app) {
  auto o = std::make_shared<VisibilityOptions>();
  CLI::App* cmd = app.add_subcommand(
      "visibility",
      "Visibility (见警率) of a district day from the GPS tracks: the share of the top-risk "
      "cell-hours, school posts (护学岗) and key areas that had police present, per station");
  cmd->add_option("--data-dir", o->data_dir, "data directory (not while a server runs on it)")
      ->capture_default_str();
  cmd->add_option("--date", o->date, "the district day, YYYY-MM-DD (China Standard Time)")
      ->required();
  cmd->add_option("--top-percent", o->top_percent,
                  "risk cells: the hottest share of the district's cells, each hour")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 100.0));
  cmd->add_option("--radius", o->radius_m,
                  "risk cells: present within this many metres (at least the cell's "
                  "half-diagonal, 106 m)")
      ->capture_default_str()
      ->check(CLI::Range(10.0, 5000.0));
  cmd->add_option("--min-minutes", o->min_minutes,
                  "risk cells: covered when present at least this long in the hour")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--json", o->json_out, "write the result here as JSON (as GET /api/visibility)");
  cmd->callback([o] { Run(*o); });
}

}  // namespace pingan::cli
