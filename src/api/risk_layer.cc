#include "api/risk_layer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

#include "core/check.h"
#include "core/district_time.h"
#include "core/jurisdiction.h"
#include "core/time_format.h"

namespace pingan::api {

using nlohmann::json;

namespace {

constexpr double kCellM = 150;
constexpr double kHistoryDays = 365;

// To `unit` (a power of ten below one), as the nearest double of the decimal.
double Round(double v, double unit) {
  return std::round(v / unit) / std::round(1 / unit);
}

std::string MinuteText(int minute) {
  return fmt::format("{:02d}:{:02d}", minute / 60, minute % 60);
}

constexpr auto kDayMapMaxAge = std::chrono::minutes(10);
constexpr std::size_t kDayMapsKept = 8;

}  // namespace

Result<RiskSurface> BuildRiskSurface(const engine::Engine& engine,
                                     const std::optional<BoundingBox>& district,
                                     const hotspots::IncidentSet* history,
                                     const std::string& category, hotspots::Model& model,
                                     TimePoint as_of) {
  // The year before `as_of`, in district time, oldest first; cancelled calls (duplicates,
  // false alarms) are not incidents.
  const TimePoint since = as_of - std::chrono::hours(24 * int(kHistoryDays));
  struct Row {
    double t;
    LonLat at;
  };
  std::vector<Row> rows;
  double ledger_start = DistrictSeconds(as_of);
  engine.Read([&](const engine::ReadView& view) {
    if (!view.incidents.empty())
      ledger_start = DistrictSeconds(view.incidents.begin()->second->received_at);
    for (const auto& [id, incident] : view.incidents) {
      const Incident& i = *incident;
      if (!i.location || i.received_at < since || i.received_at > as_of) continue;
      if (i.status == "cancelled") continue;
      if (!category.empty() && i.category != category) continue;
      rows.push_back({DistrictSeconds(i.received_at), *i.location});
    }
  });
  if (history) {
    const double from = DistrictSeconds(since);
    // Up to the ledger's first incident, and never past `as_of`.
    const double until = std::min(ledger_start, DistrictSeconds(as_of));
    for (const auto& i : history->incidents) {
      if (i.t < from || i.t >= until) continue;
      if (!category.empty() &&
          (i.category < 0 || history->categories[size_t(i.category)] != category))
        continue;
      rows.push_back({i.t, i.at});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.t < b.t; });

  RiskSurface surface;
  if (district) {
    const BoundingBox& b = *district;
    surface.projection =
        hotspots::LocalProjection({(b.min_lon + b.max_lon) / 2, (b.min_lat + b.max_lat) / 2});
    surface.grid = hotspots::GridOver(surface.projection, b, kCellM);
  } else if (!rows.empty()) {
    std::vector<LonLat> positions;
    for (const Row& r : rows) positions.push_back(r.at);
    surface.projection = hotspots::LocalProjection(hotspots::MedianPosition(std::move(positions)));
    std::vector<hotspots::XY> points;
    for (const Row& r : rows) points.push_back(surface.projection.To(r.at));
    surface.grid = hotspots::Grid(points, kCellM);
  } else {
    return Error{ErrorCode::kUnavailable,
                 "no road network and no incidents yet: nothing to draw a risk map over", ""};
  }

  hotspots::EventData events;
  for (const Row& r : rows) {
    events.t.push_back(r.t);
    events.at.push_back(surface.projection.To(r.at));
    events.cell.push_back(surface.grid.CellOf(events.at.back()));
  }
  surface.region.resize(surface.grid.size());
  std::iota(surface.region.begin(), surface.region.end(), 0);
  surface.map = hotspots::BuildRiskMap(events, surface.grid, surface.region, DistrictSeconds(as_of),
                                       hotspots::DaySlots(24), model);
  return surface;
}

struct RiskLayer::Built {
  RiskSurface surface;
  TimePoint built_at;  // engine clock
  std::chrono::steady_clock::time_point fitted;
  // Kept for the next refit, which starts from this fit (grid ETAS: a few EM steps, not fifty).
  std::shared_ptr<hotspots::Model> model;
};

RiskLayer::RiskLayer(engine::Engine& engine, std::optional<BoundingBox> district,
                     std::shared_ptr<const hotspots::IncidentSet> history,
                     std::chrono::seconds max_age)
    : engine_(engine), district_(district), history_(std::move(history)), max_age_(max_age) {}

Result<std::shared_ptr<const RiskLayer::Built>> RiskLayer::Get(const std::string& category,
                                                               const std::string& model_name) {
  std::lock_guard lock(mutex_);
  const std::string key = category + "|" + model_name;
  auto cached = cache_.find(key);
  auto wall = std::chrono::steady_clock::now();
  if (cached != cache_.end() && wall - cached->second->fitted < max_age_) return cached->second;

  std::shared_ptr<hotspots::Model> model;
  if (cached != cache_.end()) {
    model = cached->second->model;
  } else {
    model = hotspots::MakeModel(model_name, kCellM);
    if (!model) return InvalidInput("model", fmt::format("no model '{}'", model_name));
  }

  const TimePoint now = engine_.clock().Now();
  auto surface = BuildRiskSurface(engine_, district_, history_.get(), category, *model, now);
  if (!surface) return surface.error();
  auto built = std::make_shared<Built>();
  built->surface = std::move(*surface);
  built->model = model;
  built->built_at = now;
  built->fitted = wall;
  cache_[key] = built;
  return std::shared_ptr<const Built>(built);
}

Result<json> RiskLayer::Query(const RiskQuery& q) {
  auto got = Get(q.category, q.model);
  if (!got) return got.error();
  const RiskSurface& b = (*got)->surface;
  const auto& grid = b.grid;

  // A slot is the sum of its hours, each at its next occurrence.
  std::vector<double> risk(grid.size(), 0.0);
  double expected = 0;
  double from = 0, to = 0;
  for (int h = q.slot.begin_hour; h < q.slot.end_hour; ++h) {
    size_t s = size_t(h % 24);
    const auto& hourly = b.map.risk[s];
    for (size_t c = 0; c < risk.size(); ++c) risk[c] += hourly[c];
    expected += b.map.slot_total[s];
    double start = b.map.slot_start[s];
    from = h == q.slot.begin_hour ? start : std::min(from, start);
    to = std::max(to, start + 3600);
  }
  json hours = json::array();
  for (double v : b.map.slot_total) hours.push_back(Round(v, 1e-3));

  json out = {
      {"model", q.model},
      {"category", q.category.empty() ? json(nullptr) : json(q.category)},
      {"slot",
       {{"begin_hour", q.slot.begin_hour},
        {"end_hour", q.slot.end_hour},
        {"label", fmt::format("{:02d}:00–{:02d}:00", q.slot.begin_hour, q.slot.end_hour % 24)},
        {"from", FormatIso8601(FromDistrictSeconds(from))},
        {"to", FormatIso8601(FromDistrictSeconds(to))}}},
      {"expected_incidents", Round(expected, 1e-3)},
      {"hours", std::move(hours)},
      {"history", b.map.history},
      {"cell_m", grid.cell_m()},
      {"built_at", FormatIso8601((*got)->built_at)},
  };

  if (q.grid_format) {
    // The local projection is equirectangular, so the cells are a regular lon/lat raster.
    LonLat sw = b.projection.From(
        {grid.Centre(0).x - grid.cell_m() / 2, grid.Centre(0).y - grid.cell_m() / 2});
    LonLat ne = b.projection.From({grid.Centre(int(grid.size()) - 1).x + grid.cell_m() / 2,
                                   grid.Centre(int(grid.size()) - 1).y + grid.cell_m() / 2});
    json values = json::array();
    for (double v : risk) values.push_back(Round(v, 1e-6));
    out["format"] = "grid";
    out["grid"] = {{"west", sw.lon},
                   {"south", sw.lat},
                   {"east", ne.lon},
                   {"north", ne.lat},
                   {"nx", grid.nx()},
                   {"ny", grid.ny()},
                   {"order", "row-major from south-west"}};
    out["values"] = std::move(values);
    return out;
  }

  // GeoJSON: the hottest cells covering `top_percent` of the area, hottest first.
  std::vector<int> order;
  for (int c : b.region)
    if (risk[size_t(c)] > 0) order.push_back(c);
  std::sort(order.begin(), order.end(), [&](int a, int c) {
    return risk[size_t(a)] != risk[size_t(c)] ? risk[size_t(a)] > risk[size_t(c)] : a < c;
  });
  const size_t keep =
      std::min(order.size(), hotspots::CellsInTopPercent(b.region.size(), q.top_percent));
  json features = json::array();
  double captured = 0;
  const double half = grid.cell_m() / 2;
  for (size_t k = 0; k < keep; ++k) {
    int c = order[k];
    hotspots::XY m = grid.Centre(c);
    LonLat sw = b.projection.From({m.x - half, m.y - half});
    LonLat ne = b.projection.From({m.x + half, m.y + half});
    auto ring = json::array({json::array({Round(sw.lon, 1e-7), Round(sw.lat, 1e-7)}),
                             json::array({Round(ne.lon, 1e-7), Round(sw.lat, 1e-7)}),
                             json::array({Round(ne.lon, 1e-7), Round(ne.lat, 1e-7)}),
                             json::array({Round(sw.lon, 1e-7), Round(ne.lat, 1e-7)}),
                             json::array({Round(sw.lon, 1e-7), Round(sw.lat, 1e-7)})});
    captured += risk[size_t(c)];
    features.push_back(
        {{"type", "Feature"},
         {"id", c},
         {"geometry", {{"type", "Polygon"}, {"coordinates", json::array({ring})}}},
         {"properties",
          {{"risk", Round(risk[size_t(c)], 1e-6)},
           {"rank", k + 1},
           // The share of the area at least this hot, in percent.
           {"top_percent", Round(100.0 * double(k + 1) / double(b.region.size()), 1e-3)}}}});
  }
  out["format"] = "geojson";
  out["type"] = "FeatureCollection";
  out["top_percent"] = q.top_percent;
  out["expected_in_features"] = Round(captured, 1e-3);
  out["features"] = std::move(features);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Visibility (见警率)

std::optional<std::chrono::sys_days> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t begins[3] = {0, 5, 8}, ends[3] = {4, 7, 10};
  for (int k = 0; k < 3; ++k) {
    for (size_t i = begins[k]; i < ends[k]; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      parts[k] = parts[k] * 10 + (text[i] - '0');
    }
  }
  std::chrono::year_month_day ymd{std::chrono::year(parts[0]),
                                  std::chrono::month(unsigned(parts[1])),
                                  std::chrono::day(unsigned(parts[2]))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

std::string FormatDate(std::chrono::sys_days date) {
  std::chrono::year_month_day ymd(date);
  return fmt::format("{:04d}-{:02d}-{:02d}", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()));
}

TimePoint DistrictDayStart(std::chrono::sys_days date) {
  return TimePoint(date) - std::chrono::seconds(kDistrictUtcOffsetSeconds);
}

json VisibilityJson(const VisibilityReport& report, const std::string& station_id) {
  json rows = json::array();
  for (const patrol::VisibilityRow& row : report.rows) {
    if (!station_id.empty() && row.station_id != station_id) continue;
    rows.push_back({{"station_id", row.station_id},
                    {"kind", row.kind},
                    {"targets", row.targets},
                    {"covered", row.covered},
                    {"share", Round(row.share, 1e-4)}});
  }
  json stations = json::object();
  for (const auto& [id, name] : report.station_names) stations[id] = name;
  const VisibilityQuery& q = report.query;
  json duties = json::array();
  for (const patrol::PlaceDuty& d : q.targets.duties) {
    duties.push_back({{"place_kind", d.place_kind},
                      {"kind", d.target_kind},
                      {"from", MinuteText(d.from_minute)},
                      {"to", MinuteText(d.to_minute)},
                      {"radius_m", d.radius_m},
                      {"min_minutes", d.min_presence_s / 60}});
  }
  const TimePoint from = DistrictDayStart(q.date);
  return {
      {"date", FormatDate(q.date)},
      {"station_id", station_id.empty() ? json(nullptr) : json(station_id)},
      {"from", FormatIso8601(from)},
      {"to", FormatIso8601(from + std::chrono::hours(24))},
      {"rows", std::move(rows)},
      {"stations", std::move(stations)},
      {"inputs",
       {{"units", report.units},
        {"fixes", report.fixes},
        {"targets", report.targets},
        {"risk_map", report.has_risk_map},
        {"risk_history", report.risk_history},
        {"elapsed_ms", Round(report.elapsed_ms, 0.1)}}},
      {"options",
       {{"top_percent", q.targets.top_percent},
        {"radius_m", q.targets.radius_m},
        {"min_minutes", q.targets.min_presence_s / 60},
        {"max_gap_s", q.presence.max_gap_s},
        {"risk_model", VisibilityLayer::kRiskModel},
        {"duties", std::move(duties)}}},
  };
}

VisibilityLayer::VisibilityLayer(const engine::Engine& engine, std::optional<BoundingBox> district,
                                 std::shared_ptr<const hotspots::IncidentSet> history,
                                 std::vector<patrol::KeyPlace> places, TrackReader read_tracks)
    : engine_(engine),
      district_(district),
      history_(std::move(history)),
      places_(std::move(places)),
      read_tracks_(std::move(read_tracks)) {}

VisibilityLayer::DayMap VisibilityLayer::RiskOf(std::chrono::sys_days date) {
  std::lock_guard lock(mutex_);
  const auto wall = std::chrono::steady_clock::now();
  if (auto it = days_.find(date); it != days_.end() && wall - it->second.fitted < kDayMapMaxAge)
    return it->second;

  // A fresh fit for each day: a model warmed on another day's data would carry that day in.
  std::unique_ptr<hotspots::Model> model = hotspots::MakeModel(kRiskModel, kCellM);
  PINGAN_CHECK(model != nullptr);
  DayMap day;
  day.fitted = wall;
  auto surface =
      BuildRiskSurface(engine_, district_, history_.get(), "", *model, DistrictDayStart(date));
  if (surface) {
    auto risk = std::make_shared<patrol::DayRisk>();
    risk->cell_m = surface->grid.cell_m();
    for (int c : surface->region)
      risk->centre.push_back(surface->projection.From(surface->grid.Centre(c)));
    // As of midnight, the next occurrence of hour h is that day's.
    risk->hourly.resize(surface->map.risk.size());
    for (size_t h = 0; h < surface->map.risk.size(); ++h)
      for (int c : surface->region) risk->hourly[h].push_back(surface->map.risk[h][size_t(c)]);
    day.risk = std::move(risk);
    day.history = surface->map.history;
  }
  std::erase_if(days_,
                [&](const auto& entry) { return wall - entry.second.fitted >= kDayMapMaxAge; });
  if (days_.size() >= kDayMapsKept) days_.erase(days_.begin());
  days_[date] = day;
  return day;
}

Result<VisibilityReport> VisibilityLayer::Query(const VisibilityQuery& query) {
  const auto started = std::chrono::steady_clock::now();
  VisibilityReport report;
  report.query = query;
  const TimePoint day_start = DistrictDayStart(query.date);
  // Tracks and targets in seconds since 1970 UTC.
  const double start_s =
      double(std::chrono::duration_cast<std::chrono::milliseconds>(day_start.time_since_epoch())
                 .count()) /
      1000;

  patrol::StationOf station_of;
  if (std::shared_ptr<const JurisdictionIndex> index = engine_.jurisdictions()) {
    station_of = [index](LonLat p) { return index->Locate(p).station_id; };
    for (const Jurisdiction& j : index->all())
      if (j.level == JurisdictionLevel::kStation) report.station_names[j.id] = j.name;
  }

  std::vector<patrol::Target> targets;
  DayMap day = RiskOf(query.date);
  if (day.risk) {
    targets = patrol::RiskCellTargets(start_s, *day.risk, station_of, query.targets);
    report.has_risk_map = true;
    report.risk_history = day.history;
  }
  std::vector<patrol::Target> at_places =
      patrol::PlaceTargets(start_s, places_, station_of, query.targets);
  targets.insert(targets.end(), std::make_move_iterator(at_places.begin()),
                 std::make_move_iterator(at_places.end()));
  report.targets = targets.size();

  // The day and max_gap_s either side, so that a unit driving through midnight counts.
  std::vector<patrol::Track> tracks;
  if (read_tracks_) {
    const auto margin =
        std::chrono::milliseconds(std::llround(std::max(0.0, query.presence.max_gap_s) * 1000));
    tracks::TrackQuery track_query{std::nullopt, day_start - margin,
                                   day_start + std::chrono::hours(24) + margin};
    std::unordered_map<UnitId, size_t> track_of;
    Status read = read_tracks_(track_query, [&](const tracks::TrackPoint& p) {
      auto [it, is_new] = track_of.try_emplace(p.unit_id, tracks.size());
      if (is_new) tracks.emplace_back();
      tracks[it->second].push_back({double(ToMillis(p.time)) / 1000, p.lon_lat()});
      ++report.fixes;
    });
    if (!read) return read.error();
  }
  // A file holds fixes in arrival order; a terminal that was out of coverage sends late.
  for (patrol::Track& track : tracks) {
    auto by_time = [](const patrol::Fix& a, const patrol::Fix& b) { return a.t < b.t; };
    if (!std::is_sorted(track.begin(), track.end(), by_time))
      std::stable_sort(track.begin(), track.end(), by_time);
  }
  report.units = tracks.size();

  std::vector<double> presence = patrol::PresenceSeconds(tracks, targets, query.presence);
  report.rows = patrol::Summarise(targets, presence);
  report.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace pingan::api
