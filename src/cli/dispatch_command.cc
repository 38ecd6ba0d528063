// pingan dispatch recommend: rank units for an incident or a place, from a data directory.
// pingan bench dispatch: import/load/recommendation figures on a map (and, with --incidents,
// how often road ranking disagrees with the straight line, and what it saves).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_codec.h"
#include "cli/commands.h"
#include "cli/platform.h"
#include "dispatch/recommender.h"
#include "roads/graph_file.h"
#include "roads/osm_import.h"
#include "tracks/track_store.h"

namespace pingan::cli {
namespace {

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

Result<dispatch::DispatchRules> LoadRules(const std::string& path) {
  if (path.empty()) return dispatch::DefaultDispatchRules();
  auto text = ReadFile(path);
  if (!text) return text.error();
  try {
    auto parsed = dispatch::ParseDispatchRules(nlohmann::json::parse(*text));
    if (!parsed)
      return Error{ErrorCode::kInvalidInput,
                   fmt::format("{}: {}: {}", path, parsed.error().field, parsed.error().message),
                   parsed.error().field};
    return parsed;
  } catch (const nlohmann::json::parse_error& e) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("{}: {}", PositionInFile(path, *text, e.byte), e.what()),
                 {}};
  }
}

struct RecommendOptions {
  std::string data_dir = "var";
  int64_t incident = 0;
  double lon = NAN, lat = NAN;
  std::string category = "other";
  int priority = 3;
  int k = 5;
  std::string rules;
};

void Recommend(const RecommendOptions& o) {
  auto rules = LoadRules(o.rules);
  if (!rules) Fail(rules.error().message);
  auto platform = OpenPlatform(o.data_dir);
  if (!platform) Fail(platform.error().message);
  auto graph = roads::GraphFile::Load(o.data_dir + "/" + std::string(roads::kRoadGraphFile));
  if (!graph)
    Fail(graph.error().message + " (run `pingan import roads FILE --data-dir DIR` first)");
  dispatch::Recommender recommender(std::make_shared<const roads::RoadGraph>(std::move(*graph)),
                                    *rules);
  engine::Engine& engine = *(*platform)->engine;
  dispatch::Scene scene;
  if (o.incident != 0) {
    auto incident = engine.FindIncident(o.incident);
    if (!incident) Fail(fmt::format("no incident {} in {}", o.incident, o.data_dir));
    if (!incident->location) Fail(fmt::format("incident {} has no location", o.incident));
    scene = {*incident->location, incident->category, incident->priority, incident->station_id, {}};
    for (const Assignment& a : incident->assignments) {
      if (a.is_active()) scene.already_assigned.push_back(a.unit_id);
    }
  } else {
    if (std::isnan(o.lon) || std::isnan(o.lat)) Fail("give --incident ID, or --lon and --lat");
    scene = {{o.lon, o.lat}, o.category, o.priority, "", {}};
  }
  // Positions live in the track files (as the server's live index rebuilds them at start).
  auto store = tracks::TrackStore::Open(o.data_dir);
  if (!store) Fail(store.error().message);
  const TimePoint now = engine.clock().Now();
  auto latest = (*store)->LatestPerUnit(now - std::chrono::hours(24));
  if (!latest) Fail(latest.error().message);
  (*store)->Stop();
  std::unordered_map<UnitId, Position> positions;
  for (const auto& p : *latest) positions[p.unit_id] = Position{p.lon_lat(), p.time};
  std::vector<dispatch::Candidate> candidates;
  engine.Read([&](const engine::ReadView& view) {
    for (const auto& [id, unit] : view.units) {
      std::optional<Position> position = unit->position;
      if (auto it = positions.find(id);
          it != positions.end() && (!position || it->second.time >= position->time)) {
        position = it->second;
      }
      candidates.push_back({unit, position});
    }
  });
  auto result = recommender.Recommend(scene, candidates, size_t(o.k), now);
  engine.Stop();
  std::cout << api::RecommendationsJson(result).dump(2) << std::endl;
}

struct BenchOptions {
  std::string map;
  int units = 2000;
  int queries = 1000;
  int k = 5;
  uint32_t seed = 1;
  std::string incidents;  // CSV with lon,lat columns
};

// Reads lon/lat columns (by header name) from a CSV; rows without both are skipped.
std::vector<LonLat> ReadIncidentLocations(const std::string& path) {
  std::ifstream in(path);
  if (!in) Fail(path + ": cannot open");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) header.push_back(cell);
  }
  auto col = [&](const char* name) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) Fail(fmt::format("{}:1: no column '{}'", path, name));
    return size_t(it - header.begin());
  };
  size_t lon_col = col("lon"), lat_col = col("lat");
  std::vector<LonLat> out;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (cells.size() <= std::max(lon_col, lat_col)) continue;
    try {
      LonLat p{std::stod(cells[lon_col]), std::stod(cells[lat_col])};
      if (IsValid(p)) out.push_back(p);
    } catch (const std::exception&) {
    }
  }
  return out;
}

void BenchDispatch(const BenchOptions& o) {
  nlohmann::json report = {{"map", o.map}};
  std::string graph_path = o.map;
  std::unique_ptr<char, void (*)(char*)> tmp_dir(nullptr, [](char* p) {
    std::filesystem::remove_all(p);
    std::free(p);
  });
  if (!o.map.ends_with(".graph")) {
    auto started = Clock::now();
    auto imported = roads::ImportOsm(o.map);
    if (!imported) Fail(imported.error().message);
    report["import_ms"] = std::round(MsSince(started));
    report["import_peak_rss_mib"] = std::round(PeakRssMib());
    char pattern[] = "/tmp/pingan-bench-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) Fail("cannot create a temporary directory under /tmp");
    tmp_dir.reset(strdup(pattern));
    graph_path = std::string(tmp_dir.get()) + "/roads.graph";
    if (Status s = roads::GraphFile::Save(*imported, graph_path); !s) Fail(s.error().message);
  }
  auto started = Clock::now();
  auto loaded = roads::GraphFile::Load(graph_path);
  if (!loaded) Fail(loaded.error().message);
  auto graph = std::make_shared<const roads::RoadGraph>(std::move(*loaded));
  report["load_ms"] = std::round(MsSince(started) * 10) / 10;
  started = Clock::now();
  dispatch::Recommender recommender(graph, dispatch::DefaultDispatchRules());
  report["snap_index_ms"] = std::round(MsSince(started) * 10) / 10;
  report["nodes"] = graph->node_count();
  report["segments"] = graph->segment_count();
  report["edges"] = graph->edge_count(TravelMode::kCar);
  report["graph_mib"] = std::round(graph->MemoryBytes() / 1048576.0 * 10) / 10;

  // Units and scenes at random points on the car network (random segments, random spot).
  std::mt19937 rng(o.seed);
  std::vector<roads::SegmentIndex> car_segments;
  for (roads::SegmentIndex s = 0; s < graph->segment_count(); ++s) {
    if (graph->segment(s).mode_mask & (1u << roads::ModeSlot(TravelMode::kCar)))
      car_segments.push_back(s);
  }
  if (car_segments.empty()) Fail(o.map + ": no roads for cars");
  std::uniform_int_distribution<size_t> pick(0, car_segments.size() - 1);
  std::uniform_real_distribution<double> unit_interval(0, 1);
  auto random_road_point = [&] {
    const roads::Segment& s = graph->segment(car_segments[pick(rng)]);
    LonLat a = graph->node(s.from), b = graph->node(s.to);
    double t = unit_interval(rng);
    return LonLat{a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat)};
  };
  const TimePoint now = SystemClock().Now();
  std::vector<dispatch::Candidate> units;
  for (int i = 0; i < o.units; ++i) {
    auto u = std::make_shared<Unit>();
    u->id = UnitId(i + 1);
    u->callsign = fmt::format("U{}", i + 1);
    units.push_back({u, Position{random_road_point(), now}});
  }
  // First pass snaps every unit once (as a server does when positions arrive); not timed.
  recommender.Recommend({random_road_point(), "help", 2, "", {}}, units, size_t(o.k), now);
  std::vector<double> latencies;
  int without_unit = 0;  // scenes on islands of road the units cannot reach (car parks, ferries)
  for (int q = 0; q < o.queries; ++q) {
    dispatch::Scene scene{random_road_point(), "help", 2, "", {}};
    auto t = Clock::now();
    auto r = recommender.Recommend(scene, units, size_t(o.k), now);
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    without_unit += r.recommendations.empty() ? 1 : 0;
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return std::round(latencies[size_t(p * (latencies.size() - 1))]); };
  report["units"] = o.units;
  report["queries"] = o.queries;
  report["k"] = o.k;
  report["queries_without_unit"] = without_unit;
  report["p50_us"] = pct(0.5);
  report["p90_us"] = pct(0.9);
  report["p99_us"] = pct(0.99);
  report["max_us"] = pct(1.0);

  if (!o.incidents.empty()) {
    // How often is the unit nearest in a straight line not the fastest by road, and what does
    // ranking by road save? Incidents outside the map or far from a road are left out.
    auto locations = ReadIncidentLocations(o.incidents);
    roads::TravelTimes between(*graph, TravelMode::kCar);
    int used = 0, differs = 0, straight_unreachable = 0;
    double saved_total = 0, saved_when_differs = 0;
    for (LonLat p : locations) {
      if (!graph->bounds().Contains(p)) continue;
      auto scene_snap = recommender.snapper().Nearest(p, TravelMode::kCar);
      if (!scene_snap || scene_snap->distance_m > 200) continue;
      auto r = recommender.Recommend({p, "help", 2, "", {}}, units, 1, now);
      if (r.recommendations.empty()) continue;
      const dispatch::Candidate* straight = nullptr;
      double best = INFINITY;
      for (const auto& c : units) {
        double d = DistanceM(c.position->at, p);
        if (d < best) {
          best = d;
          straight = &c;
        }
      }
      auto from = recommender.snapper().Nearest(straight->position->at, TravelMode::kCar);
      auto straight_eta = between.Between(*from, *scene_snap, false);
      ++used;
      double road_eta = r.recommendations.front().eta_s;
      if (!straight_eta) {  // the straight-line pick cannot get there at all
        ++differs;
        ++straight_unreachable;
        continue;
      }
      double straight_s = straight_eta->time_ms / 1000.0;
      if (r.recommendations.front().unit_id != straight->unit->id) {
        ++differs;
        saved_when_differs += straight_s - road_eta;
      }
      saved_total += straight_s - road_eta;
    }
    report["quality"] = {
        {"incidents_file", o.incidents},
        {"incidents_used", used},
        {"straight_line_not_fastest_share", used ? std::round(1000.0 * differs / used) / 1000 : 0},
        {"straight_line_pick_unreachable", straight_unreachable},
        {"mean_seconds_saved_per_incident",
         used > straight_unreachable
             ? std::round(10 * saved_total / (used - straight_unreachable)) / 10
             : 0},
        {"mean_seconds_saved_when_different",
         differs > straight_unreachable
             ? std::round(10 * saved_when_differs / (differs - straight_unreachable)) / 10
             : 0}};
  }
  report["peak_rss_mib"] = std::round(PeakRssMib());
  std::cout << report.dump() << std::endl;
}

}  // namespace

void RegisterDispatchCommand(CLI::App& app) {
  CLI::App* dispatch = app.add_subcommand("dispatch", "Dispatch tools");
  dispatch->require_subcommand(1);
  auto o = std::make_shared<RecommendOptions>();
  CLI::App* rec = dispatch->add_subcommand(
      "recommend",
      "Rank units by road travel time for an incident (--incident ID) or a place (--lon/--lat "
      "with --category/--priority). Prints the same JSON as GET "
      "/api/incidents/{id}/recommendations. Needs the data directory (stop the server first).");
  rec->add_option("--data-dir", o->data_dir, "Data directory")->capture_default_str();
  rec->add_option("--incident", o->incident, "Incident id");
  rec->add_option("--lon", o->lon, "Longitude (WGS84) of a place instead of an incident");
  rec->add_option("--lat", o->lat, "Latitude (WGS84)");
  rec->add_option("--category", o->category, "Incident category for the rules")
      ->capture_default_str();
  rec->add_option("--priority", o->priority, "Priority 1-4")
      ->capture_default_str()
      ->check(CLI::Range(1, 4));
  rec->add_option("-k,--k", o->k, "How many units to recommend")
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  rec->add_option("--rules", o->rules, "Dispatch rules JSON (default: built-in)")
      ->check(CLI::ExistingFile);
  rec->callback([o] { Recommend(*o); });
}

void RegisterBenchCommand(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks that print one JSON object");
  bench->require_subcommand(1);
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = bench->add_subcommand(
      "dispatch",
      "Import (or load a .graph) a map, scatter --units available cars on its roads and time "
      "--queries recommendations from random scenes on one thread. With --incidents CSV "
      "(columns lon,lat): share of incidents where the straight-line nearest unit is not the "
      "fastest by road, and seconds saved.");
  cmd->add_option("--map", o->map, "OSM file or roads.graph")->required()->check(CLI::ExistingFile);
  cmd->add_option("--units", o->units, "Available units")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--queries", o->queries, "Recommendations to time")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("-k,--k", o->k, "Units per recommendation")
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--incidents", o->incidents, "CSV of incidents with lon,lat columns")
      ->check(CLI::ExistingFile);
  cmd->callback([o] { BenchDispatch(*o); });
}

}  // namespace pingan::cli
