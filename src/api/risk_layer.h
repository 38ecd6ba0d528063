// GET /api/risk behind the route: the incidents of the ledger turned into a risk map of the
// coming hours (hotspots::BuildRiskMap), kept for a minute per category and model so that a
// console stepping through the hours does not refit for every step. And what stands on the
// risk map: GET /api/visibility and `pingan visibility` (见警率, patrol/visibility.h), the
// share of a day's top-risk cell-hours, key areas and school posts that had police present.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/geo.h"
#include "core/result.h"
#include "engine/engine.h"
#include "hotspots/incident_csv.h"
#include "hotspots/risk_map.h"
#include "patrol/visibility.h"
#include "tracks/track_store.h"

namespace pingan::api {

// A risk map and the grid it is drawn on.
struct RiskSurface {
  hotspots::LocalProjection projection{LonLat{}};
  hotspots::Grid grid;
  hotspots::RiskMap map;    // 24 hourly slots: hour h at index h, at its next start ≥ as_of
  std::vector<int> region;  // the study area: every cell of the grid
};

// The risk map as it stood at `as_of`: the incidents of the year before it (the ledger's, less
// cancelled calls, plus those of `history` older than the ledger's first incident; of
// `category` unless empty) fitted by `model` (which may carry state from an earlier fit, to
// start from) over 150 m cells. The grid covers `district` (the road network's bounds) or,
// without it, the incidents. Blocks for the fit (well under a second for a district's year).
// Errors: kUnavailable when there is neither a district nor an incident.
Result<RiskSurface> BuildRiskSurface(const engine::Engine& engine,
                                     const std::optional<BoundingBox>& district,
                                     const hotspots::IncidentSet* history,
                                     const std::string& category, hotspots::Model& model,
                                     TimePoint as_of);

struct RiskQuery {
  std::string category;             // empty: every category
  std::string model = "grid_etas";  // any of hotspots' standard models
  hotspots::Slot slot;
  bool grid_format = false;  // a compact grid instead of GeoJSON cells
  double top_percent = 10;   // GeoJSON: the cells in the top share of the area
};

class RiskLayer {
 public:
  // `district`: the area to cover (the road network's bounds); without it, the incidents'.
  // `history`: incidents from before Pingan (DIR/history/incidents.csv, local times); those
  // older than the ledger's first incident are added to the ledger's.
  RiskLayer(engine::Engine& engine, std::optional<BoundingBox> district,
            std::shared_ptr<const hotspots::IncidentSet> history = nullptr,
            std::chrono::seconds max_age = std::chrono::seconds(60));

  // Blocks while a map is fitted (well under a second for a district's year): call it off the
  // I/O threads.
  Result<nlohmann::json> Query(const RiskQuery& query);

 private:
  struct Built;
  Result<std::shared_ptr<const Built>> Get(const std::string& category, const std::string& model);

  engine::Engine& engine_;
  std::optional<BoundingBox> district_;
  std::shared_ptr<const hotspots::IncidentSet> history_;
  std::chrono::seconds max_age_;
  std::mutex mutex_;  // one fit at a time; guards cache_
  std::map<std::string, std::shared_ptr<const Built>> cache_;
};

// "2026-11-23" as a day; nullopt for anything else, including dates that do not exist.
std::optional<std::chrono::sys_days> ParseDate(std::string_view text);
// The inverse: "2026-11-23".
std::string FormatDate(std::chrono::sys_days date);
// The instant the district day `date` begins: its 00:00 China Standard Time.
TimePoint DistrictDayStart(std::chrono::sys_days date);

// Visibility (见警率) of one district day.
struct VisibilityQuery {
  std::chrono::sys_days date;  // the district day, 00:00–24:00 China Standard Time
  patrol::DayTargetOptions targets;
  patrol::PresenceOptions presence;
};

struct VisibilityReport {
  VisibilityQuery query;
  // patrol::Summarise of the day's targets.
  std::vector<patrol::VisibilityRow> rows;
  // Every station of the jurisdictions: id → name.
  std::map<std::string, std::string> station_names;
  std::size_t units = 0;         // units with a fix that day
  std::size_t fixes = 0;         // their fixes read (the day, and max_gap_s either side)
  std::size_t targets = 0;       // of every kind
  bool has_risk_map = false;     // false: no road network and no incidents, so no risk cells
  std::size_t risk_history = 0;  // incidents the day's risk map was fitted on
  double elapsed_ms = 0;         // to compute it (the risk fit, reading tracks, presence)
};

// {date, station_id, rows: [{station_id, kind, targets, covered, share}], stations, inputs,
// options} (docs/patrol.md). With `station_id`, only that station's rows.
nlohmann::json VisibilityJson(const VisibilityReport& report, const std::string& station_id = "");

// Calls `fn` for each stored GPS fix matching a query (TrackStore::Read).
using TrackReader = std::function<Status(const tracks::TrackQuery&,
                                         const std::function<void(const tracks::TrackPoint&)>&)>;

class VisibilityLayer {
 public:
  // `places`: the named places (DIR/places.geojson) whose kinds carry duties; the risk map is
  // built as BuildRiskSurface does, with grid ETAS over every category. The engine must
  // outlive the layer.
  VisibilityLayer(const engine::Engine& engine, std::optional<BoundingBox> district,
                  std::shared_ptr<const hotspots::IncidentSet> history,
                  std::vector<patrol::KeyPlace> places, TrackReader read_tracks);

  // The targets of `query.date` — each hour's top cells of the risk map as it stood at the
  // day's start, the places' duties — with stations from the jurisdictions, against every
  // unit's track of the day. The day's risk map is kept for ten minutes, so a console asking
  // again does not refit. Blocks (about a second for the fit, then in proportion to the day's
  // fixes): call it off the I/O threads. Thread-safe. Errors: those of the track reader.
  Result<VisibilityReport> Query(const VisibilityQuery& query);

  static constexpr const char* kRiskModel = "grid_etas";

  // The risk map of a district day as it stood at the day's 00:00: grid ETAS over every
  // category, each hour's cells of that day. Kept for ten minutes. Patrol plans stand on the
  // same map (api/plan_routes.h), so a plan sends units to the cells visibility counts. Blocks
  // for the fit (about a second); thread-safe.
  struct DayMap {
    std::shared_ptr<const patrol::DayRisk> risk;  // null: no risk map could be built
    std::size_t history = 0;                      // incidents it was fitted on
    std::chrono::steady_clock::time_point fitted;
  };
  DayMap RiskOf(std::chrono::sys_days date);

 private:
  const engine::Engine& engine_;
  std::optional<BoundingBox> district_;
  std::shared_ptr<const hotspots::IncidentSet> history_;
  std::vector<patrol::KeyPlace> places_;
  TrackReader read_tracks_;
  std::mutex mutex_;  // one fit at a time; guards days_
  std::map<std::chrono::sys_days, DayMap> days_;
};

}  // namespace pingan::api
