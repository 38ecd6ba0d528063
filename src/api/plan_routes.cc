#include "api/plan_routes.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/json_codec.h"
#include "api/route_support.h"
#include "core/district_time.h"
#include "core/jurisdiction.h"
#include "core/time_format.h"

namespace pingan::api {

using nlohmann::json;

namespace {

constexpr double kDay = 86400;
constexpr double kHour = 3600;

// Local midnight of the district day `date`, in local seconds.
double DayFrom(std::chrono::sys_days date) {
  return double(date.time_since_epoch().count()) * kDay;
}

std::chrono::sys_days DistrictToday(const engine::Engine& engine) {
  return std::chrono::floor<std::chrono::days>(engine.clock().Now() +
                                               std::chrono::seconds(kDistrictUtcOffsetSeconds));
}

Result<std::chrono::sys_days> DateParam(const std::string& text) {
  auto date = ParseDate(text);
  if (!date)
    return InvalidInput("date", fmt::format("'{}' is not a date such as 2026-11-23", text));
  return *date;
}

// "v3" or "3".
Result<int> VersionParam(const std::string& text) {
  std::string_view digits = text;
  if (digits.starts_with('v')) digits.remove_prefix(1);
  int v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || v < 1)
    return InvalidInput("version", fmt::format("'{}' is not a version such as v1", text));
  return v;
}

// The {date}/{version} of a route's path.
struct VersionRef {
  std::chrono::sys_days date;
  int version = 0;
};
Result<VersionRef> VersionRefParams(const Call& call) {
  auto date = DateParam(call.params.at("date"));
  if (!date) return date.error();
  auto version = VersionParam(call.params.at("version"));
  if (!version) return version.error();
  return VersionRef{*date, *version};
}

Error NoStore() {
  return Error{ErrorCode::kUnavailable, "no plan store: the server could not open DATA_DIR/plans",
               ""};
}

// The engine's units as the forces of the day: every unit, on duty all day (units carry no
// shifts yet), kept to its station's area when that is a station of the jurisdictions.
std::vector<patrol::PlanUnit> PlanUnits(const engine::Engine& engine) {
  std::set<std::string> stations;
  if (auto index = engine.jurisdictions())
    for (const Jurisdiction& j : index->all())
      if (j.level == JurisdictionLevel::kStation) stations.insert(j.id);
  std::vector<patrol::PlanUnit> units;
  engine.Read([&](const engine::ReadView& view) {
    for (const auto& [id, unit] : view.units) {
      patrol::PlanUnit u;
      u.id = uint32_t(id);
      u.callsign = unit->callsign;
      u.mode = unit->mode;
      u.shift_begin_hour = 0;
      u.shift_end_hour = 24;
      u.station_id = stations.contains(unit->station_id) ? unit->station_id : "";
      units.push_back(std::move(u));
    }
  });
  return units;
}

// Builds a district day's plan of `kind`. Blocks for seconds.
Result<StoredPlan> BuildPlan(const PlanRoutesContext& c, std::chrono::sys_days date,
                             const std::string& kind, uint64_t seed) {
  const double from = DayFrom(date);
  patrol::PlanInput input;
  input.duties = patrol::DutiesAtPlaces(c.places, patrol::DefaultPlaceDuties());
  if (std::shared_ptr<const JurisdictionIndex> index = c.engine.jurisdictions())
    input.station_of = [index](LonLat p) { return index->Locate(p).station_id; };
  if (kind == "risk") {
    VisibilityLayer::DayMap day = c.day_risk.RiskOf(date);
    if (!day.risk || day.risk->hourly.empty())
      return Error{ErrorCode::kUnavailable, "no risk map for the day: no incidents to learn from",
                   ""};
    input.cells = day.risk->centre;
    // Hour h of the day is the map's slot h; the planner may look an hour past the day's end,
    // where the day's own 00:00 stands in for the next day's.
    input.risk_at = [risk = day.risk, from](double hour_start) {
      auto h = static_cast<long>(std::floor((hour_start - from) / kHour));
      const long n = long(risk->hourly.size());
      return risk->hourly[size_t(((h % n) + n) % n)];
    };
  }
  patrol::PlanOptions options;
  options.seed = seed;
  patrol::PlanStats stats;
  StoredPlan out;
  std::vector<patrol::PlanUnit> units = PlanUnits(c.engine);
  out.plan = kind == "risk" ? patrol::RiskPlan(*c.graph, std::move(units), from, from + kDay, input,
                                               options, &stats)
                            : patrol::UniformPlan(*c.graph, std::move(units), from, from + kDay,
                                                  input, options, &stats);
  out.summary.date = date;
  out.summary.kind = kind;
  out.summary.seed = seed;
  out.summary.stats = stats;
  for (const patrol::FixedDuty& d : input.duties) out.duty_places[d.id] = d.at;
  return out;
}

json StopJson(const StoredPlan& p, const patrol::Stop& s) {
  json duty = nullptr;
  if (!s.duty.empty()) {
    std::string kind;
    for (const patrol::DutyCover& d : p.plan.duties)
      if (d.duty == s.duty) kind = d.kind;
    duty = {{"id", s.duty}, {"kind", kind}, {"place", DutyPlace(s.duty)}};
  }
  return {{"from", FormatDistrictTime(s.from)},
          {"to", FormatDistrictTime(s.to)},
          {"lon", s.at.lon},
          {"lat", s.at.lat},
          {"cell", s.cell},
          {"duty", std::move(duty)}};
}

// Where the plan wants unit `u` at local time `t`: at a stop, driving to the next one, or
// nowhere (off duty, or its day's stops are over).
json UnitNow(const StoredPlan& p, size_t u, double t) {
  const patrol::PlanUnit& unit = p.plan.units[u];
  const std::vector<patrol::Stop>& stops = p.plan.stops[u];
  // Stops do not overlap, so their ends are in order too: the first ending after t is the
  // current one or, if it has not begun, the next.
  auto it = std::upper_bound(stops.begin(), stops.end(), t,
                             [](double v, const patrol::Stop& s) { return v < s.to; });
  std::string state;
  json position = nullptr;
  if (!unit.OnDuty(t)) {
    state = "off_duty";
  } else if (it == stops.end()) {
    state = stops.empty() ? "unplanned" : "done";
  } else if (it->from <= t) {
    state = "at_stop";
  } else {
    state = it == stops.begin() ? "starting" : "moving";
  }
  if (state == "at_stop" || state == "moving") {
    LonLat at = p.plan.Where(u, t);
    position = {{"lon", at.lon}, {"lat", at.lat}};
  }
  json stop = it == stops.end() ? json(nullptr) : StopJson(p, *it);
  json next = it == stops.end() || std::next(it) == stops.end() ? json(nullptr)
                                                                : StopJson(p, *std::next(it));
  return {{"unit_id", unit.id},
          {"callsign", unit.callsign},
          {"mode", ToString(unit.mode)},
          {"station_id", unit.station_id},
          {"state", state},
          {"position", position},
          {"stop", std::move(stop)},
          {"next", std::move(next)}};
}

}  // namespace

void AddPlanRoutes(Router& router, std::shared_ptr<const PlanRoutesContext> context) {
  const PlanRoutesContext* c = context.get();
  router.Add(
      {"POST",
       "/api/plans",
       "Build a patrol plan of a district day for the units and store it as a new draft version",
       "patrol",
       false,
       Permission::kManageUnits,
       {{"type", "object"},
        {"properties",
         {{"date", {{"type", "string"}, {"description", "YYYY-MM-DD, China Standard Time"}}},
          {"kind", {{"enum", {"risk", "uniform"}}}}}},
        {"required", {"date", "kind"}}},
       nullptr,
       "201 {id, date, version, kind, status: draft, stats, …}",
       [context, c](Call& call) {
         auto body = call.JsonBody();
         if (!body) return call.Fail(body.error());
         auto date_text = RequiredString(*body, "date", 16);
         if (!date_text) return call.Fail(date_text.error());
         auto date = DateParam(*date_text);
         if (!date) return call.Fail(date.error());
         auto kind = RequiredString(*body, "kind", 16);
         if (!kind) return call.Fail(kind.error());
         if (*kind != "risk" && *kind != "uniform")
           return call.Fail(
               InvalidInput("kind", fmt::format("'{}': kind is risk or uniform", *kind)));
         if (c->store == nullptr) return call.Fail(NoStore());
         if (c->graph == nullptr) {
           return call.Fail(Error{ErrorCode::kUnavailable,
                                  "no road network loaded: plans need roads; run `pingan import "
                                  "roads FILE --data-dir DIR` and restart",
                                  ""});
         }
         const std::string user = call.user->username;
         // The seed differs per version, so each new version is a fresh random order.
         const uint64_t seed = uint64_t(date->time_since_epoch().count()) * 1000 +
                               c->store->Versions(*date).size() + 1;
         boost::asio::post(c->workers, [context, c, call, date = *date, kind = *kind, user, seed] {
           auto built = BuildPlan(*c, date, kind, seed);
           if (!built) return call.Fail(built.error());
           built->summary.created_at = c->engine.clock().Now();
           built->summary.created_by = user;
           auto stored = c->store->Add(std::move(*built));
           if (!stored) return call.Fail(stored.error());
           spdlog::info("plans: {} built {} ({} plan, {} units, {:.0f} ms)", user, stored->Id(),
                        kind, stored->stats.units, stored->stats.total_ms);
           call.Reply(201, SummaryJson(*stored));
         });
       }});

  router.Add({"GET", "/api/plans", "The stored versions of a district day's patrol plan", "patrol",
              false, std::nullopt, nullptr,
              json::array({QueryParam("date", "YYYY-MM-DD (China Standard Time); default today")}),
              "200 {date, published, versions: [...], unreadable: [...]}", [c](Call& call) {
                if (c->store == nullptr) return call.Fail(NoStore());
                std::chrono::sys_days date = DistrictToday(c->engine);
                if (std::string text = QueryString(call.request, "date"); !text.empty()) {
                  auto parsed = DateParam(text);
                  if (!parsed) return call.Fail(parsed.error());
                  date = *parsed;
                }
                json versions = json::array();
                json published = nullptr;
                for (const PlanSummary& s : c->store->Versions(date)) {
                  if (s.status == PlanStatus::kPublished) published = s.Id();
                  versions.push_back(SummaryJson(s));
                }
                json unreadable = json::array();
                for (const PlanStore::Problem& p : c->store->problems(date))
                  unreadable.push_back({{"file", p.file}, {"error", p.error}});
                call.Reply(200, {{"date", FormatDate(date)},
                                 {"published", published},
                                 {"versions", std::move(versions)},
                                 {"unreadable", std::move(unreadable)}});
              }});

  router.Add(
      {"GET", "/api/plans/current",
       "Where the published plan wants each unit (or one) at a moment: its stop now or the next, "
       "with the duty it holds; what a unit's terminal polls",
       "patrol", false, std::nullopt, nullptr,
       json::array({QueryParam("at", "ISO 8601 time or \"now\" (default)"),
                    QueryParam("callsign", "only this unit")}),
       "200 {id, date, version, at, local_time, units: [{callsign, state, position, stop, next}]}",
       [c](Call& call) {
         if (c->store == nullptr) return call.Fail(NoStore());
         TimePoint at = c->engine.clock().Now();
         if (std::string text = QueryString(call.request, "at"); !text.empty() && text != "now") {
           auto parsed = ParseTime(text);
           if (!parsed)
             return call.Fail(InvalidInput(
                 "at",
                 fmt::format("'{}' is not an ISO 8601 time, epoch milliseconds or now", text)));
           at = *parsed;
         }
         const double t = DistrictSeconds(at);
         const std::chrono::sys_days date{
             std::chrono::days(static_cast<long>(std::floor(t / kDay)))};
         auto published = c->store->Published(date);
         if (!published)
           return call.Fail(NotFound(fmt::format("no plan is published for {}", FormatDate(date))));
         const std::string callsign = QueryString(call.request, "callsign");
         boost::asio::post(c->workers, [c, call, date, at, t, callsign, published = *published] {
           auto plan = c->store->Get(date, published.version);
           if (!plan) return call.Fail(plan.error());
           json units = json::array();
           for (size_t u = 0; u < (*plan)->plan.units.size(); ++u) {
             if (!callsign.empty() && (*plan)->plan.units[u].callsign != callsign) continue;
             units.push_back(UnitNow(**plan, u, t));
           }
           if (!callsign.empty() && units.empty())
             return call.Fail(NotFound(
                 fmt::format("{} has no part in plan {}", callsign, published.Id()), "callsign"));
           call.Reply(200, {{"id", published.Id()},
                            {"date", FormatDate(date)},
                            {"version", published.version},
                            {"kind", published.kind},
                            {"published_at", FormatIso8601(*published.published_at)},
                            {"at", FormatIso8601(at)},
                            {"local_time", FormatDistrictTime(t)},
                            {"units", std::move(units)}});
         });
       }});

  router.Add({"GET", "/api/plans/{date}/{version}",
              "One version of a day's patrol plan whole: units with their stops, fixed duties and "
              "who holds them",
              "patrol", false, std::nullopt, nullptr, nullptr,
              "200 {id, …, units: [{callsign, stops: [...]}], duties: [...]}", [c](Call& call) {
                if (c->store == nullptr) return call.Fail(NoStore());
                auto ref = VersionRefParams(call);
                if (!ref) return call.Fail(ref.error());
                // A plan not among the few kept in memory is read from its file.
                boost::asio::post(c->workers, [c, call, ref = *ref] {
                  auto plan = c->store->Get(ref.date, ref.version);
                  if (!plan) return call.Fail(plan.error());
                  json out = PlanJson(**plan);
                  out.erase("format");
                  call.Reply(200, out);
                });
              }});

  router.Add(
      {"POST", "/api/plans/{date}/{version}/publish",
       "Publish a version: units are sent it, and the version published before is "
       "superseded",
       "patrol", false, Permission::kManageUnits, nullptr, nullptr,
       "200 {id, status: published, superseded, …}; 409 for a superseded version", [c](Call& call) {
         if (c->store == nullptr) return call.Fail(NoStore());
         auto ref = VersionRefParams(call);
         if (!ref) return call.Fail(ref.error());
         // Two files written and synced: off the I/O thread.
         boost::asio::post(c->workers, [c, call, ref = *ref] {
           int superseded = 0;
           const std::string& by = call.user->username;
           auto published =
               c->store->Publish(ref.date, ref.version, by, c->engine.clock().Now(), &superseded);
           if (!published) return call.Fail(published.error());
           json out = SummaryJson(*published);
           out["superseded"] = superseded > 0
                                   ? json(fmt::format("{}/v{}", FormatDate(ref.date), superseded))
                                   : json(nullptr);
           spdlog::info("plans: {} published {}{}", by, published->Id(),
                        superseded > 0 ? fmt::format(", superseding v{}", superseded) : "");
           call.Reply(200, out);
         });
       }});
}

}  // namespace pingan::api
