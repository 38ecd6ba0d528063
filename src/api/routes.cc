#include "api/routes.h"

#include <charconv>
#include <mutex>
#include <set>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/case_routes.h"
#include "api/citizen_requests.h"
#include "api/json_codec.h"
#include "api/plan_routes.h"
#include "api/registry_routes.h"
#include "api/repeat_routes.h"
#include "api/risk_layer.h"
#include "api/route_support.h"
#include "api/static_files.h"
#include "core/district_time.h"
#include "core/incident_workflow.h"
#include "core/json_support.h"
#include "core/time_format.h"
#include "map/address_search.h"
#include "map/vector_tiles.h"

namespace pingan::api {

using nlohmann::json;

namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr size_t kNarrativeMaxBytes = 8192;

// Failed logins per username, to slow down password guessing.
class LoginThrottle {
 public:
  LoginThrottle(int max_failures, std::chrono::seconds pause)
      : max_failures_(max_failures), pause_(pause) {}

  bool IsPaused(const std::string& username, TimePoint now) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(username);
    return it != entries_.end() && it->second.paused_until > now;
  }
  void Failed(const std::string& username, TimePoint now) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) {
      // Guessing many names must not grow memory: forget every name not paused right now.
      std::erase_if(entries_, [&](const auto& entry) { return entry.second.paused_until <= now; });
    }
    Entry& e = entries_[username];
    if (++e.failures >= max_failures_) {
      e.paused_until = now + pause_;
      e.failures = 0;
    }
  }
  void Succeeded(const std::string& username) {
    std::lock_guard lock(mu_);
    entries_.erase(username);
  }

 private:
  struct Entry {
    int failures = 0;
    TimePoint paused_until;
  };
  static constexpr size_t kMaxEntries = 10000;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  int max_failures_;
  std::chrono::seconds pause_;
};

// The base map's places, for the duties of key areas and school posts.
std::vector<patrol::KeyPlace> KeyPlaces(const map::VectorTiles* tiles) {
  std::vector<patrol::KeyPlace> out;
  if (!tiles) return out;
  for (const map::Place& p : tiles->places()) out.push_back({p.name, p.kind, p.at});
  return out;
}

const char* kLandingPage = R"html(<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>平安 Pingan</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:3rem;color:#1f2d3d}
code{background:#f2f4f7;padding:2px 4px}</style></head>
<body><h1>平安 Pingan</h1>
<p>区县公安分局情指行一体化平台 — 服务正在运行。District police operations platform — the server is running.</p>
<ul><li>API 说明 / API description: <code>GET /api/openapi.json</code> (需登录 / needs a token from <code>POST /api/session</code>)</li>
<li>实时推送 / live feed: <code>/api/live</code> (WebSocket)</li>
<li>健康检查 / health: <a href="/healthz">/healthz</a></li></ul>
<p>控制台尚未构建：在源码目录运行 <code>make</code>，或用 <code>--web-root</code> 指向 web/dist。
The console is not built: run <code>make</code> in the source tree, or point <code>--web-root</code> at web/dist.</p>
</body></html>)html";

}  // namespace

// Pushes every committed change to the console's WebSockets. Personal data never goes out on
// the feed: the console fetches an incident's detail (audited) when it needs it.
class LiveHub final : public WebSocketHandler {
 public:
  LiveHub(engine::Engine& engine, Router::SessionLookup lookup, boost::asio::thread_pool& workers,
          std::function<std::optional<Position>(UnitId)> latest_position)
      : engine_(engine),
        lookup_(std::move(lookup)),
        strand_(boost::asio::make_strand(workers)),
        latest_position_(std::move(latest_position)) {
    // The writer thread only hands the delta over; encoding happens on a strand, which keeps
    // deltas in commit order.
    subscription_ = engine_.live_feed().Subscribe([this](const engine::LiveDelta& d) {
      boost::asio::post(strand_, [this, d] { OnDelta(d); });
    });
  }
  ~LiveHub() override { engine_.live_feed().Unsubscribe(subscription_); }
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  Status Authorize(const HttpRequest& request) override {
    std::string token = BearerToken(request);
    if (token.empty()) {
      return Error{ErrorCode::kUnauthenticated, "pass ?access_token=TOKEN to subscribe", {}};
    }
    auto user = lookup_(token);
    if (!user) return user.error();
    return {};
  }

  void OnOpen(const std::shared_ptr<WebSocketSink>& sink, const HttpRequest&) override {
    // Subscribe and greet under one lock: a delta encoded meanwhile is either before the
    // subscription (and covered by the hello's seq) or queued after the hello.
    std::lock_guard lock(mu_);
    sinks_.insert(sink);
    json hello = {{"type", "hello"}, {"seq", engine_.stats().durable_seq}};
    sink->Send(std::make_shared<const std::string>(hello.dump()));
  }

  void OnClose(const WebSocketSink* sink) override {
    std::lock_guard lock(mu_);
    std::erase_if(sinks_, [sink](const auto& s) { return s.get() == sink; });
  }

 private:
  void OnDelta(const engine::LiveDelta& delta) {
    std::vector<std::shared_ptr<WebSocketSink>> targets;
    {
      std::lock_guard lock(mu_);
      targets.assign(sinks_.begin(), sinks_.end());
    }
    if (targets.empty()) return;
    TimePoint now = engine_.clock().Now();
    json incidents = json::array();
    for (const auto& incident : delta.incidents) {
      incidents.push_back(IncidentView(*incident, engine_.incident_workflow(), now,
                                       {.reveal_personal_data = false, .with_timeline = false}));
    }
    json units = json::array();
    for (const auto& unit : delta.units) {
      units.push_back(
          UnitView(*unit, latest_position_ ? latest_position_(unit->id) : std::nullopt));
    }
    json positions = json::array();
    for (const auto& [unit_id, p] : delta.positions) {
      positions.push_back({{"unit_id", unit_id},
                           {"lon", p.at.lon},
                           {"lat", p.at.lat},
                           {"time", FormatIso8601(p.time)}});
    }
    json notices = json::array();
    for (const Event& e : delta.notices) {
      notices.push_back(
          {{"seq", e.seq}, {"type", e.type}, {"at", FormatIso8601(e.time)}, {"data", e.data}});
    }
    // Position ticks come from the live index, not the ledger: they carry no sequence number.
    const bool positions_only =
        delta.seq == 0 && delta.incidents.empty() && delta.units.empty() && delta.notices.empty();
    auto message = std::make_shared<const std::string>(json{
        {"type", positions_only ? "positions" : "delta"},
        {"seq", delta.seq},
        {"incidents", std::move(incidents)},
        {"units", std::move(units)},
        {"notices", std::move(notices)},
        {"positions", std::move(positions)}}.dump());
    for (const auto& sink : targets) sink->Send(message);
  }

  engine::Engine& engine_;
  Router::SessionLookup lookup_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  std::function<std::optional<Position>(UnitId)> latest_position_;
  int subscription_ = 0;
  std::mutex mu_;
  std::set<std::shared_ptr<WebSocketSink>> sinks_;
};

struct Api::Impl {
  engine::Engine& engine;
  ApiOptions options;
  ApiServices services;
  boost::asio::thread_pool workers;
  LoginThrottle throttle;
  Router router;
  LiveHub live;
  RiskLayer risk;
  VisibilityLayer visibility;

  Impl(engine::Engine& e, ApiOptions o, ApiServices s)
      : engine(e),
        options(o),
        services(std::move(s)),
        workers(static_cast<size_t>(std::max(1, o.worker_threads))),
        throttle(o.max_failed_logins, o.failed_login_pause),
        router([this](std::string_view token) { return LookupSession(token); }),
        live(
            e, [this](std::string_view token) { return LookupSession(token); }, workers,
            services.latest_position),
        risk(e, services.tiles ? std::optional(services.tiles->graph().bounds()) : std::nullopt,
             services.incident_history),
        visibility(e,
                   services.tiles ? std::optional(services.tiles->graph().bounds()) : std::nullopt,
                   services.incident_history, KeyPlaces(services.tiles), services.read_tracks) {
    AddSessionRoutes();
    AddJurisdictionRoutes();
    AddUnitRoutes();
    AddIncidentRoutes();
    AddDispatchRoutes();
    AddDeviceRoutes();
    AddMapRoutes();
    AddRiskRoutes();
    AddVisibilityRoutes();
    AddPlanRoutes(router, std::make_shared<const PlanRoutesContext>(PlanRoutesContext{
                              engine, workers,
                              services.recommender ? &services.recommender->graph() : nullptr,
                              KeyPlaces(services.tiles), visibility, services.plans}));
    AddCaseRoutes(router, std::make_shared<const CaseRoutesContext>(
                              CaseRoutesContext{engine, workers, services.sms, services.sms_outbox,
                                                options.sms_inbound_token}));
    AddCitizenRequestRoutes(router, {engine, workers, services.sms, services.api_keys,
                                     options.web_root, PublicLimits{}});
    AddCaseWorkRoutes(router, std::make_shared<CaseWorkRoutesContext>(
                                  engine, workers, services.addresses, cases::RepeatOptions{}));
    AddRegistryRoutes(router, {engine, workers, services.registry});
    AddMetaRoutes();
    router.SetFallback([root = options.web_root](const HttpRequest& req, Responder respond) {
      if (auto file = ServeStaticFile(root, req.path)) return respond(std::move(*file));
      HttpResponse response;
      if (req.path == "/" || req.path == "/index.html") {
        response.content_type = "text/html; charset=utf-8";
        response.body = kLandingPage;
      } else {
        response = ErrorResponse(NotFound("no page " + req.path));
      }
      respond(std::move(response));
    });
  }

  ~Impl() { workers.join(); }

  Result<std::shared_ptr<const User>> LookupSession(std::string_view token) {
    std::string hash = HashToken(token);
    TimePoint now = engine.clock().Now();
    return engine.Read([&](const engine::ReadView& view) -> Result<std::shared_ptr<const User>> {
      auto session = view.sessions.find(hash);
      if (session == view.sessions.end() || session->second->expires_at <= now) {
        return Error{
            ErrorCode::kUnauthenticated, "the token is unknown or expired; log in again", {}};
      }
      auto user = view.users.find(session->second->username);
      if (user == view.users.end()) {
        return Error{ErrorCode::kUnauthenticated, "the token's user no longer exists", {}};
      }
      return user->second;
    });
  }

  // Runs `command` as the caller; `on_done` runs on a worker thread, off the writer thread.
  void Submit(const Call& call, CommandBody body,
              std::function<void(const Call&, CommandOutcome)> on_done) {
    SubmitAsCaller(engine, workers, call, std::move(body), std::move(on_done));
  }

  json IncidentJson(const Incident& incident, bool reveal, bool with_timeline = true) {
    return IncidentView(incident, engine.incident_workflow(), engine.clock().Now(),
                        {.reveal_personal_data = reveal, .with_timeline = with_timeline});
  }

  // `reveal_what_was_sent`: the reply to creating an incident echoes the caller details the
  // dispatcher just typed, which discloses nothing new. Every other reply masks them; the
  // unmasked detail is GET /api/incidents/{id}, which is audited.
  void ReplyIncident(const Call& call, IncidentId id, int status, bool reveal_what_was_sent) {
    auto incident = engine.FindIncident(id);
    if (!incident) {
      call.Fail(NotFound(fmt::format("no incident {}", id)));
      return;
    }
    call.Reply(status, IncidentJson(*incident, reveal_what_was_sent));
  }

  void ReplyUnit(const Call& call, UnitId id, int status) {
    auto unit = engine.FindUnit(id);
    if (!unit) {
      call.Fail(NotFound(fmt::format("no unit {}", id)));
      return;
    }
    call.Reply(status, UnitJson(*unit));
  }

  // A unit with the newest position known: GPS reports reach the live index, not the ledger.
  json UnitJson(const Unit& unit) const {
    std::optional<Position> latest;
    if (services.latest_position) latest = services.latest_position(unit.id);
    return UnitView(unit, latest);
  }

  // -------------------------------------------------------------------------------------------
  void AddDispatchRoutes() {
    router.Add(
        {"GET", "/api/incidents/{id}/recommendations",
         "Units ranked by road travel time to the incident, with route, ETA and the reason each "
         "was chosen or passed over; shortfall when fewer suitable units exist than needed",
         "dispatch", false, Permission::kReadIncidents, nullptr,
         json::array({QueryParam("k", "how many to recommend (1-50, default 5)", IntegerSchema())}),
         "200 {recommendations: [...], passed_over: [...], shortfall}", [this](Call& call) {
           auto id = call.IdParam("id");
           if (!id) return call.Fail(id.error());
           long k = 5;
           if (std::string text = QueryString(call.request, "k"); !text.empty()) {
             char* end = nullptr;
             k = std::strtol(text.c_str(), &end, 10);
             if (*end != '\0' || k < 1 || k > 50) {
               return call.Fail(InvalidInput("k", "k is a whole number from 1 to 50"));
             }
           }
           if (services.recommender == nullptr) {
             return call.Fail(Error{ErrorCode::kUnavailable,
                                    "no road network loaded: run `pingan import roads FILE "
                                    "--data-dir DIR` and restart",
                                    {}});
           }
           auto incident = engine.FindIncident(*id);
           if (!incident) return call.Fail(NotFound(fmt::format("no incident {}", *id)));
           if (!incident->location) {
             return call.Fail(Conflict("the incident has no location to route to", "location"));
           }
           dispatch::Scene scene{*incident->location,
                                 incident->category,
                                 incident->priority,
                                 incident->station_id,
                                 {}};
           for (const Assignment& a : incident->assignments) {
             if (a.is_active()) scene.already_assigned.push_back(a.unit_id);
           }
           std::vector<dispatch::Candidate> candidates;
           engine.Read([&](const engine::ReadView& view) {
             candidates.reserve(view.units.size());
             for (const auto& [uid, unit] : view.units)
               candidates.push_back({unit, unit->position});
           });
           for (auto& c : candidates) {
             if (!services.latest_position) break;
             auto latest = services.latest_position(c.unit->id);
             if (latest && (!c.position || latest->time >= c.position->time)) c.position = latest;
           }
           auto result =
               services.recommender->Recommend(scene, candidates, size_t(k), engine.clock().Now());
           call.Reply(200, RecommendationsJson(result));
         }});
    router.Add({"GET", "/api/dispatch/rules", "The dispatch rules in force", "dispatch", false,
                Permission::kReadIncidents, nullptr, nullptr, "200 the rules", [this](Call& call) {
                  call.Reply(200, dispatch::DispatchRulesToJson(services.dispatch_rules));
                }});
    router.Add({"GET", "/api/roads", "The road network loaded: size and bounds", "dispatch", false,
                std::nullopt, nullptr, nullptr, "200 {loaded, nodes, segments, edges, bounds}",
                [this](Call& call) {
                  if (services.recommender == nullptr) return call.Reply(200, {{"loaded", false}});
                  const roads::RoadGraph& g = services.recommender->graph();
                  json edges = json::object();
                  for (TravelMode m : {TravelMode::kCar, TravelMode::kMotorcycle, TravelMode::kFoot,
                                       TravelMode::kBicycle}) {
                    edges[ToString(m)] = g.edge_count(m);
                  }
                  BoundingBox b = g.bounds();
                  call.Reply(200, {{"loaded", true},
                                   {"nodes", g.node_count()},
                                   {"segments", g.segment_count()},
                                   {"edges", edges},
                                   {"bounds", {b.min_lon, b.min_lat, b.max_lon, b.max_lat}}});
                }});
  }

  // The base map (vector tiles from the road network), address search and the heat layer.
  void AddMapRoutes() {
    router.Add(
        {"GET", "/api/map", "The base map: bounds, centre and the vector-tile URL", "map", false,
         std::nullopt, nullptr, nullptr,
         "200 {loaded, bounds, center, tiles, minzoom, maxzoom, places, streets, attribution}",
         [this](Call& call) {
           if (services.tiles == nullptr) return call.Reply(200, {{"loaded", false}});
           BoundingBox b = services.tiles->graph().bounds();
           call.Reply(200,
                      {{"loaded", true},
                       {"bounds", {b.min_lon, b.min_lat, b.max_lon, b.max_lat}},
                       {"center", {(b.min_lon + b.max_lon) / 2, (b.min_lat + b.max_lat) / 2}},
                       {"tiles", "/api/map/tiles/{z}/{x}/{y}.mvt"},
                       {"minzoom", map::VectorTiles::kMinZoom},
                       {"maxzoom", map::VectorTiles::kMaxZoom},
                       {"places", services.tiles->places().size()},
                       {"attribution", services.map_attribution},
                       {"streets", services.addresses ? services.addresses->street_count() : 0}});
         }});
    // Public: the road map is no secret, and MapLibre's worker fetches tiles without the token.
    router.Add({"GET", "/api/map/tiles/{z}/{x}/{y}",
                "One Mapbox Vector Tile (layers roads and places); {y} may end in .mvt", "map",
                true, std::nullopt, nullptr, nullptr,
                "200 application/vnd.mapbox-vector-tile (empty where there is nothing)",
                [this](Call& call) {
                  if (services.tiles == nullptr) {
                    return call.Fail(Error{ErrorCode::kUnavailable,
                                           "no road network: run `pingan import roads` first", ""});
                  }
                  std::string y_text = call.params["y"];
                  for (std::string_view ext : {".mvt", ".pbf"}) {
                    if (y_text.ends_with(ext)) y_text.resize(y_text.size() - ext.size());
                  }
                  auto number = [](const std::string& text, const char* field) -> Result<uint32_t> {
                    uint32_t v = 0;
                    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
                    if (ec != std::errc() || end != text.data() + text.size())
                      return InvalidInput(field, std::string(field) + " must be a whole number");
                    return v;
                  };
                  auto z = number(call.params["z"], "z");
                  if (!z) return call.Fail(z.error());
                  auto x = number(call.params["x"], "x");
                  if (!x) return call.Fail(x.error());
                  auto y = number(y_text, "y");
                  if (!y) return call.Fail(y.error());
                  if (*z > 22) return call.Fail(InvalidInput("z", "zoom is 0 to 22"));
                  if (*x >= (1u << *z) || *y >= (1u << *z))
                    return call.Fail(InvalidInput(*x >= (1u << *z) ? "x" : "y",
                                                  "outside the zoom level's tiles"));
                  auto tile = services.tiles->Tile(int(*z), *x, *y);
                  HttpResponse response;
                  response.content_type = "application/vnd.mapbox-vector-tile";
                  response.body = *tile;
                  response.headers.emplace_back("Cache-Control", "public, max-age=300");
                  call.respond(std::move(response));
                }});
    router.Add({"GET", "/api/map/search",
                "Find a street, a crossing (\"人民路与文化路\") or a named place", "map", false,
                std::nullopt, nullptr,
                json::array({QueryParam("q", "what the caller said, at least one character"),
                             QueryParam("limit", "at most 50, default 10", IntegerSchema())}),
                "200 {results: [{name, kind, lon, lat, station_id}]}", [this](Call& call) {
                  if (services.addresses == nullptr) {
                    return call.Fail(Error{ErrorCode::kUnavailable,
                                           "no road network: run `pingan import roads` first", ""});
                  }
                  std::string q = QueryString(call.request, "q");
                  if (q.empty() || q.size() > 200)
                    return call.Fail(InvalidInput("q", "q is 1 to 200 bytes"));
                  auto limit = QueryInteger(call.request, "limit");
                  if (!limit) return call.Fail(limit.error());
                  int64_t n = limit->value_or(10);
                  if (n < 1 || n > 50) return call.Fail(InvalidInput("limit", "limit is 1 to 50"));
                  auto hits = services.addresses->Search(q, size_t(n));
                  json results = json::array();
                  engine.Read([&](const engine::ReadView& view) {
                    for (const auto& h : hits) {
                      json station = nullptr;
                      if (view.jurisdictions) {
                        std::string id = view.jurisdictions->Locate(h.at).station_id;
                        if (!id.empty()) station = id;
                      }
                      results.push_back({{"name", h.name},
                                         {"kind", h.kind},
                                         {"lon", h.at.lon},
                                         {"lat", h.at.lat},
                                         {"station_id", station}});
                    }
                  });
                  call.Reply(200, {{"results", std::move(results)}});
                }});
    router.Add(
        {"GET", "/api/incidents/heat",
         "Incident locations over a time window, weighted by urgency, for the heat layer",
         "incidents", false, Permission::kReadIncidents, nullptr,
         json::array({QueryParam("from", "received at or after (ISO 8601), default 24 h ago"),
                      QueryParam("to", "received before (ISO 8601), default now"),
                      QueryParam("category", "e.g. criminal"),
                      QueryParam("station_id", "owning station")}),
         "200 {count, points: [[lon, lat, weight]]}", [this](Call& call) {
           auto from = QueryTime(call.request, "from");
           if (!from) return call.Fail(from.error());
           auto to = QueryTime(call.request, "to");
           if (!to) return call.Fail(to.error());
           TimePoint end = to->value_or(engine.clock().Now() + std::chrono::minutes(1));
           TimePoint begin = from->value_or(end - std::chrono::hours(24));
           if (begin >= end) return call.Fail(InvalidInput("from", "from must be before to"));
           std::string category = QueryString(call.request, "category");
           std::string station = QueryString(call.request, "station_id");
           json points = json::array();
           engine.Read([&](const engine::ReadView& view) {
             // Newest first; ids follow receipt, so the walk stops a day past the window's start
             // (the day allows for incidents entered late).
             for (auto it = view.incidents.rbegin(); it != view.incidents.rend(); ++it) {
               const Incident& i = *it->second;
               if (i.received_at < begin - std::chrono::hours(24)) break;
               if (i.received_at < begin || i.received_at >= end || !i.location) continue;
               if (!category.empty() && i.category != category) continue;
               if (!station.empty() && i.station_id != station) continue;
               // Priority 1 counts 1.0, priority 4 counts 0.4.
               double weight = (10 - 2 * std::clamp(i.priority - 1, 0, 3)) / 10.0;
               points.push_back({i.location->lon, i.location->lat, weight});
             }
           });
           size_t count = points.size();
           call.Reply(200, {{"count", count}, {"points", std::move(points)}});
         }});
  }

  // The risk map of the coming hours, from the ledger's incidents (hotspots::BuildRiskMap).
  void AddRiskRoutes() {
    router.Add(
        {"GET", "/api/risk",
         "Expected incidents per 150 m cell in a time slot of the coming day: GeoJSON cells (the "
         "hottest first) or a compact grid",
         "hotspots", false, Permission::kReadIncidents, nullptr,
         json::array(
             {QueryParam("slot",
                         "hours of the day: \"8\" or \"8-10\" or \"22-2\"; default the "
                         "current hour"),
              QueryParam("category", "e.g. criminal; default every category"),
              QueryParam("model", "grid_etas (default), stkde, retro_kde, counting_grid, …"),
              QueryParam("format", "geojson (default) or grid"),
              QueryParam("top", "geojson: percent of the area to return, 0.1 to 100, default 10",
                         NumberSchema())}),
         "200 {slot, expected_incidents, hours[24], history, type: FeatureCollection, features: "
         "[{properties: {risk, rank, top_percent}}]} or {format: grid, grid, values}",
         [this](Call& call) {
           RiskQuery q;
           std::string slot = QueryString(call.request, "slot");
           if (slot.empty()) {
             int hour = hotspots::DayOfWeekAndHour(DistrictSeconds(engine.clock().Now())).second;
             q.slot = {hour, hour + 1};
           } else if (auto parsed = hotspots::ParseSlot(slot)) {
             q.slot = *parsed;
           } else {
             return call.Fail(InvalidInput(
                 "slot", fmt::format("'{}' is not an hour (0-23) or a range such as 8-10", slot)));
           }
           q.category = QueryString(call.request, "category");
           if (std::string m = QueryString(call.request, "model"); !m.empty()) q.model = m;
           std::string format = QueryString(call.request, "format");
           if (format == "grid") {
             q.grid_format = true;
           } else if (!format.empty() && format != "geojson") {
             return call.Fail(InvalidInput("format", "format is geojson or grid"));
           }
           if (std::string top = QueryString(call.request, "top"); !top.empty()) {
             char* end = nullptr;
             q.top_percent = std::strtod(top.c_str(), &end);
             if (end != top.c_str() + top.size() || !(q.top_percent >= 0.1) || q.top_percent > 100)
               return call.Fail(InvalidInput("top", "top is a percent from 0.1 to 100"));
           }
           // Fitting takes up to a second: off the I/O thread.
           boost::asio::post(workers, [this, call, q] {
             auto result = risk.Query(q);
             if (!result) return call.Fail(result.error());
             call.Reply(200, std::move(*result));
           });
         }});
  }

  // Visibility (见警率): was police present where and when the risk map, key areas and school
  // posts wanted it (patrol/visibility.h, docs/patrol.md).
  void AddVisibilityRoutes() {
    router.Add(
        {"GET", "/api/visibility",
         "Visibility (见警率) of a district day: the share of top-risk cell-hours, key areas and "
         "school posts that had police present, per station and for the district",
         "patrol", false, Permission::kReadIncidents, nullptr,
         json::array({QueryParam("date",
                                 "the district day, YYYY-MM-DD (China Standard Time); "
                                 "default today"),
                      QueryParam("station_id", "only this station's rows")}),
         "200 {date, station_id, rows: [{station_id, kind, targets, covered, share}], stations, "
         "inputs, options}",
         [this](Call& call) {
           if (!services.read_tracks) {
             return call.Fail(Error{ErrorCode::kUnavailable,
                                    "no track store: visibility needs the GPS tracks", ""});
           }
           VisibilityQuery q;
           if (std::string date = QueryString(call.request, "date"); date.empty()) {
             q.date = std::chrono::floor<std::chrono::days>(
                 engine.clock().Now() + std::chrono::seconds(kDistrictUtcOffsetSeconds));
           } else if (auto parsed = ParseDate(date)) {
             q.date = *parsed;
           } else {
             return call.Fail(
                 InvalidInput("date", fmt::format("'{}' is not a date such as 2026-11-23", date)));
           }
           std::string station = QueryString(call.request, "station_id");
           if (!station.empty()) {
             auto index = engine.jurisdictions();
             const Jurisdiction* j = index ? index->Find(station) : nullptr;
             if (!j || j->level != JurisdictionLevel::kStation)
               return call.Fail(NotFound(fmt::format("no station {}", station), "station_id"));
           }
           // Fitting the day's risk map and reading its tracks take a second or so: off the
           // I/O thread.
           boost::asio::post(workers, [this, call, q, station] {
             auto report = visibility.Query(q);
             if (!report) return call.Fail(report.error());
             call.Reply(200, VisibilityJson(*report, station));
           });
         }});
  }

  void AddDeviceRoutes() {
    router.Add({"POST", "/api/devices",
                "Bind a GPS terminal to a unit: a JT/T 808 terminal by its phone number, an OsmAnd "
                "(Traccar Client) app by its device id",
                "units", false, Permission::kManageUnits,
                ObjectSchema({{"protocol", {{"enum", {"jt808", "osmand"}}}},
                              {"identifier", StringSchema()},
                              {"unit_id", IntegerSchema()},
                              {"coordinates", {{"enum", {"wgs84", "gcj02"}}}}},
                             {"protocol", "identifier", "unit_id"}),
                nullptr, "201 the binding", [this](Call& call) {
                  auto body = call.JsonBody();
                  if (!body) return call.Fail(body.error());
                  BindDevice cmd;
                  auto protocol = RequiredString(*body, "protocol", 16);
                  if (!protocol) return call.Fail(protocol.error());
                  cmd.protocol = *protocol;
                  auto identifier = RequiredString(*body, "identifier", 64);
                  if (!identifier) return call.Fail(identifier.error());
                  cmd.identifier = *identifier;
                  if (cmd.protocol == "jt808") {
                    // Terminals send their phone number as BCD, zero-padded; compare without the
                    // pad.
                    size_t first = cmd.identifier.find_first_not_of('0');
                    cmd.identifier =
                        first == std::string::npos ? "0" : cmd.identifier.substr(first);
                  }
                  auto unit_id = RequiredInteger(*body, "unit_id");
                  if (!unit_id) return call.Fail(unit_id.error());
                  cmd.unit_id = *unit_id;
                  auto coordinates = OptionalString(*body, "coordinates", 16);
                  if (!coordinates) return call.Fail(coordinates.error());
                  if (*coordinates) cmd.coordinates = **coordinates;
                  Submit(call, cmd, [cmd](const Call& c, CommandOutcome) {
                    c.Reply(201, {{"protocol", cmd.protocol},
                                  {"identifier", cmd.identifier},
                                  {"unit_id", cmd.unit_id},
                                  {"coordinates", cmd.coordinates}});
                  });
                }});
    // An OsmAnd id is the phone's only credential: only those who bind devices may list them.
    router.Add({"GET", "/api/devices", "Every GPS terminal binding", "units", false,
                Permission::kManageUnits, nullptr, nullptr, "200 {devices: [...]}",
                [this](Call& call) {
                  json list = json::array();
                  engine.Read([&](const engine::ReadView& view) {
                    for (const auto& [id, unit] : view.units) {
                      for (const DeviceBinding& d : unit->devices) {
                        list.push_back({{"protocol", d.protocol},
                                        {"identifier", d.identifier},
                                        {"unit_id", id},
                                        {"coordinates", d.coordinates}});
                      }
                    }
                  });
                  call.Reply(200, {{"devices", std::move(list)}});
                }});
  }

  // -------------------------------------------------------------------------------------------
  void AddSessionRoutes() {
    router.Add({"POST", "/api/session", "Log in: exchange a username and password for a token",
                "session", /*is_public=*/true, std::nullopt,
                ObjectSchema({{"username", StringSchema()}, {"password", StringSchema()}},
                             {"username", "password"}),
                nullptr, "201 {token, username, role, expires_at}",
                [this](Call& call) { Login(call); }});
    router.Add({"GET", "/api/session", "Who am I: the logged-in user and role", "session", false,
                std::nullopt, nullptr, nullptr, "200 {username, role, display_name, station_id}",
                [](Call& call) {
                  call.Reply(200, {{"username", call.user->username},
                                   {"role", call.user->role},
                                   {"display_name", call.user->display_name},
                                   {"station_id", call.user->station_id}});
                }});
    router.Add({"DELETE", "/api/session", "Log out: the token stops working", "session", false,
                std::nullopt, nullptr, nullptr, "200 {}", [this](Call& call) {
                  Submit(call, CloseSession{HashToken(BearerToken(call.request))},
                         [](const Call& c, CommandOutcome) { c.Reply(200, json::object()); });
                }});
  }

  void Login(Call& call) {
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    auto username = RequiredString(*body, "username", 64);
    if (!username) return call.Fail(username.error());
    auto password = RequiredString(*body, "password", 1024);
    if (!password) return call.Fail(password.error());
    TimePoint now = engine.clock().Now();
    if (throttle.IsPaused(*username, now)) {
      return call.Fail(Error{ErrorCode::kRateLimited,
                             "too many failed logins for this user; wait a minute", "username"});
    }
    // argon2id verification is slow on purpose: keep it off the network threads.
    boost::asio::post(workers, [this, call, username = *username, password = *password, now] {
      auto user = engine.Read([&](const engine::ReadView& view) -> std::shared_ptr<const User> {
        auto it = view.users.find(username);
        return it == view.users.end() ? nullptr : it->second;
      });
      bool ok = false;
      if (user) {
        ok = VerifyPassword(user->password_hash, password);
      } else {
        BurnPasswordVerification(password);
      }
      if (!ok) {
        throttle.Failed(username, now);
        call.Fail(Error{ErrorCode::kUnauthenticated, "wrong username or password", {}});
        return;
      }
      throttle.Succeeded(username);
      std::string token = NewToken();
      TimePoint expires = now + options.session_lifetime;
      Call as_user = call;  // the session is opened by the user who logged in
      as_user.user = user;
      Submit(as_user, OpenSession{HashToken(token), username, expires},
             [token, user, expires](const Call& c, CommandOutcome) {
               c.Reply(201, {{"token", token},
                             {"username", user->username},
                             {"role", user->role},
                             {"display_name", user->display_name},
                             {"station_id", user->station_id},
                             {"expires_at", FormatIso8601(expires)}});
             });
    });
  }

  // -------------------------------------------------------------------------------------------
  void AddJurisdictionRoutes() {
    router.Add(
        {"GET", "/api/jurisdictions/locate", "The bureau, station, post and grid a point lies in",
         "jurisdictions", false, std::nullopt, nullptr,
         json::array({QueryParam("lon", "WGS84 longitude", NumberSchema()),
                      QueryParam("lat", "WGS84 latitude", NumberSchema())}),
         "200 {bureau_id, station_id, post_id, grid_id}", [this](Call& call) {
           json point = json::object();
           for (const char* name : {"lon", "lat"}) {
             std::string text = QueryString(call.request, name);
             char* end = nullptr;
             double v = std::strtod(text.c_str(), &end);
             if (text.empty() || end != text.c_str() + text.size()) {
               return call.Fail(InvalidInput(name, fmt::format("'{}' must be a number", name)));
             }
             point[name] = v;
           }
           auto p = OptionalLonLat(point);
           if (!p) return call.Fail(p.error());
           JurisdictionPath path = engine.jurisdictions()->Locate(**p);
           auto name_of = [&](const std::string& id) -> json {
             const Jurisdiction* j = engine.jurisdictions()->Find(id);
             return j ? json(j->name) : json(nullptr);
           };
           auto id_or_null = [](const std::string& id) {
             return id.empty() ? json(nullptr) : json(id);
           };
           call.Reply(200, {{"bureau_id", id_or_null(path.bureau_id)},
                            {"station_id", id_or_null(path.station_id)},
                            {"post_id", id_or_null(path.post_id)},
                            {"grid_id", id_or_null(path.grid_id)},
                            {"station_name", name_of(path.station_id)},
                            {"grid_name", name_of(path.grid_id)}});
         }});
    router.Add(
        {"GET", "/api/jurisdictions", "Jurisdictions as a GeoJSON FeatureCollection",
         "jurisdictions", false, std::nullopt, nullptr,
         json::array({QueryParam("level", "bureau, station, post or grid"),
                      QueryParam("parent_id", "only the children of this jurisdiction"),
                      QueryParam("geometry", "false to leave out polygons")}),
         "200 GeoJSON FeatureCollection", [this](Call& call) {
           std::string level_text = QueryString(call.request, "level");
           std::optional<JurisdictionLevel> level;
           if (!level_text.empty()) {
             level = ParseJurisdictionLevel(level_text);
             if (!level) return call.Fail(InvalidInput("level", "bureau, station, post or grid"));
           }
           std::string parent = QueryString(call.request, "parent_id");
           bool geometry = QueryString(call.request, "geometry") != "false";
           json features = json::array();
           for (const Jurisdiction& j : engine.jurisdictions()->all()) {
             if (level && j.level != *level) continue;
             if (!parent.empty() && j.parent_id != parent) continue;
             features.push_back(JurisdictionToGeoJson(j, geometry));
           }
           call.Reply(200, {{"type", "FeatureCollection"}, {"features", std::move(features)}});
         }});
    router.Add({"GET", "/api/jurisdictions/{id}", "One jurisdiction as a GeoJSON Feature",
                "jurisdictions", false, std::nullopt, nullptr, nullptr, "200 GeoJSON Feature",
                [this](Call& call) {
                  auto index = engine.jurisdictions();
                  const Jurisdiction* j = index->Find(call.params.at("id"));
                  if (j == nullptr)
                    return call.Fail(NotFound("no jurisdiction " + call.params.at("id")));
                  json feature = JurisdictionToGeoJson(*j, true);
                  json children = json::array();
                  for (const Jurisdiction& c : index->all()) {
                    if (c.parent_id == j->id) children.push_back(c.id);
                  }
                  feature["properties"]["children"] = std::move(children);
                  call.Reply(200, feature);
                }});
    router.Add({"POST",
                "/api/jurisdictions",
                "Import jurisdictions from a GeoJSON FeatureCollection (properties id, "
                "parent_id, name, level)",
                "jurisdictions",
                false,
                Permission::kManageJurisdictions,
                {{"type", "object"}, {"description", "GeoJSON FeatureCollection"}},
                nullptr,
                "200 {imported}",
                [this](Call& call) {
                  auto body = call.JsonBody();
                  if (!body) return call.Fail(body.error());
                  auto parsed = ParseJurisdictionGeoJson(*body);
                  if (!parsed) return call.Fail(parsed.error());
                  Submit(call, DefineJurisdictions{std::move(*parsed)},
                         [](const Call& c, CommandOutcome o) {
                           c.Reply(200, {{"imported", o.id}});
                         });
                }});
  }

  // -------------------------------------------------------------------------------------------
  void AddUnitRoutes() {
    router.Add(
        {"POST", "/api/units", "Create a unit (警力)", "units", false, Permission::kManageUnits,
         ObjectSchema({{"callsign", StringSchema()},
                       {"force", {{"enum", {"patrol", "station", "hq", "guard", "volunteer"}}}},
                       {"mode", {{"enum", {"car", "motorcycle", "foot", "bicycle"}}}},
                       {"station_id", StringSchema()},
                       {"members", {{"type", "array"}, {"items", StringSchema()}}},
                       {"status", {{"enum", {"available", "off_duty"}}}}},
                      {"callsign", "force", "mode"}),
         nullptr, "201 the unit", [this](Call& call) { CreateUnitRoute(call); }});
    router.Add(
        {"GET", "/api/units", "List units", "units", false, std::nullopt, nullptr,
         json::array({QueryParam("station_id", "only this station's units"),
                      QueryParam("status", "e.g. available"), QueryParam("force", "e.g. patrol")}),
         "200 {units: [...]}", [this](Call& call) {
           std::string station = QueryString(call.request, "station_id");
           std::string status = QueryString(call.request, "status");
           std::string force = QueryString(call.request, "force");
           auto units = engine.Read([](const engine::ReadView& v) { return v.units; });
           json list = json::array();
           for (const auto& [id, unit] : units) {
             if (!station.empty() && unit->station_id != station) continue;
             if (!status.empty() && ToString(unit->status) != status) continue;
             if (!force.empty() && ToString(unit->force) != force) continue;
             list.push_back(UnitJson(*unit));
           }
           call.Reply(200, {{"units", std::move(list)}});
         }});
    router.Add({"GET", "/api/units/{id}", "One unit with its status and last position", "units",
                false, std::nullopt, nullptr, nullptr, "200 the unit", [this](Call& call) {
                  auto id = call.IdParam("id");
                  if (!id) return call.Fail(id.error());
                  ReplyUnit(call, *id, 200);
                }});
    router.Add(
        {"POST", "/api/units/{id}/status",
         "Report a unit's status; en_route/on_scene/available with an active assignment "
         "advance or clear it",
         "units", false, Permission::kReportUnitStatus,
         ObjectSchema(
             {{"status", {{"enum", {"off_duty", "available", "en_route", "on_scene", "busy"}}}}},
             {"status"}),
         nullptr, "200 the unit", [this](Call& call) {
           auto id = call.IdParam("id");
           if (!id) return call.Fail(id.error());
           auto body = call.JsonBody();
           if (!body) return call.Fail(body.error());
           auto text = RequiredString(*body, "status");
           if (!text) return call.Fail(text.error());
           auto status = ParseUnitStatus(*text);
           if (!status) {
             return call.Fail(InvalidInput("status", fmt::format("unknown status '{}'", *text)));
           }
           Submit(call, SetUnitStatus{*id, *status},
                  [this, id = *id](const Call& c, CommandOutcome) { ReplyUnit(c, id, 200); });
         }});
    router.Add(
        {"POST", "/api/units/{id}/position", "Report a unit's position (WGS84)", "units", false,
         Permission::kReportUnitStatus,
         ObjectSchema({{"lon", NumberSchema()}, {"lat", NumberSchema()}, {"time", StringSchema()}},
                      {"lon", "lat"}),
         nullptr, "200 the unit", [this](Call& call) {
           auto id = call.IdParam("id");
           if (!id) return call.Fail(id.error());
           auto body = call.JsonBody();
           if (!body) return call.Fail(body.error());
           auto at = OptionalLonLat(*body);
           if (!at) return call.Fail(at.error());
           if (!*at) return call.Fail(InvalidInput("lon", "'lon' and 'lat' are required"));
           auto time_text = OptionalString(*body, "time", 64);
           if (!time_text) return call.Fail(time_text.error());
           TimePoint time = engine.clock().Now();
           if (*time_text) {
             auto parsed = ParseTime(**time_text);
             if (!parsed) return call.Fail(InvalidInput("time", "not an ISO 8601 time"));
             time = *parsed;
           }
           if (!services.report_position) {
             return Submit(
                 call, ReportPosition{*id, Position{**at, time}},
                 [this, id = *id](const Call& c, CommandOutcome) { ReplyUnit(c, id, 200); });
           }
           // Positions go to the track store and the live index, like GPS terminals' fixes.
           if (!engine.FindUnit(*id)) return call.Fail(NotFound(fmt::format("no unit {}", *id)));
           services.report_position(*id, Position{**at, time}, [this, call, id = *id](Status s) {
             boost::asio::post(workers, [this, call, id, s = std::move(s)] {
               if (!s) {
                 Error e = s.error();
                 if (e.field.starts_with("points[0].")) e.field = e.field.substr(10);  // one point
                 return call.Fail(e);
               }
               ReplyUnit(call, id, 200);
             });
           });
         }});
  }

  void CreateUnitRoute(Call& call) {
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    CreateUnit cmd;
    auto callsign = RequiredString(*body, "callsign", 64);
    if (!callsign) return call.Fail(callsign.error());
    cmd.callsign = *callsign;
    auto force = RequiredString(*body, "force");
    if (!force) return call.Fail(force.error());
    auto parsed_force = ParseForce(*force);
    if (!parsed_force) {
      return call.Fail(InvalidInput("force", "one of patrol, station, hq, guard, volunteer"));
    }
    cmd.force = *parsed_force;
    auto mode = RequiredString(*body, "mode");
    if (!mode) return call.Fail(mode.error());
    auto parsed_mode = ParseTravelMode(*mode);
    if (!parsed_mode)
      return call.Fail(InvalidInput("mode", "one of car, motorcycle, foot, bicycle"));
    cmd.mode = *parsed_mode;
    auto station = OptionalString(*body, "station_id", 64);
    if (!station) return call.Fail(station.error());
    cmd.station_id = station->value_or("");
    if (body->contains("members")) {
      const json& members = (*body)["members"];
      if (!members.is_array()) return call.Fail(InvalidInput("members", "a list of names"));
      for (size_t i = 0; i < members.size(); ++i) {
        if (!members[i].is_string()) {
          return call.Fail(InvalidInput(fmt::format("members[{}]", i), "a name is a string"));
        }
        cmd.members.push_back(members[i].get<std::string>());
      }
    }
    auto status = OptionalString(*body, "status");
    if (!status) return call.Fail(status.error());
    if (*status) {
      auto parsed = ParseUnitStatus(**status);
      if (!parsed) return call.Fail(InvalidInput("status", "available or off_duty"));
      cmd.status = *parsed;
    }
    Submit(call, std::move(cmd),
           [this](const Call& c, CommandOutcome o) { ReplyUnit(c, o.id, 201); });
  }

  // -------------------------------------------------------------------------------------------
  void AddIncidentRoutes() {
    router.Add({"POST", "/api/incidents", "Receive a call: create an incident (接警)", "incidents",
                false, Permission::kCreateIncident,
                ObjectSchema({{"category", StringSchema()},
                              {"subtype", StringSchema()},
                              {"priority", {{"type", "integer"}, {"minimum", 1}, {"maximum", 4}}},
                              {"channel", StringSchema()},
                              {"lon", NumberSchema()},
                              {"lat", NumberSchema()},
                              {"address", StringSchema()},
                              {"caller_name", StringSchema()},
                              {"caller_phone", StringSchema()},
                              {"narrative", StringSchema()},
                              {"station_id", StringSchema()}},
                             {"category", "priority"}),
                nullptr, "201 the incident, status received",
                [this](Call& call) { CreateIncidentRoute(call); }});
    router.Add(
        {"GET", "/api/incidents", "List incidents, newest first", "incidents", false,
         Permission::kReadIncidents, nullptr,
         json::array({QueryParam("status", "e.g. received"),
                      QueryParam("station_id", "owning station"),
                      QueryParam("category", "e.g. criminal"),
                      QueryParam("priority", "1-4", IntegerSchema()),
                      QueryParam("from", "received at or after (ISO 8601)"),
                      QueryParam("to", "received before (ISO 8601)"),
                      QueryParam("open", "true: only incidents not closed or cancelled"),
                      QueryParam("limit", "page size, at most 500", IntegerSchema()),
                      QueryParam("cursor", "next_cursor of the previous page", IntegerSchema())}),
         "200 {incidents: [...], next_cursor}", [this](Call& call) { ListIncidents(call); }});
    router.Add({"GET", "/api/incidents/{id}",
                "One incident with assignments, SLAs and the ordered timeline", "incidents", false,
                Permission::kReadIncidents, nullptr, nullptr, "200 the incident",
                [this](Call& call) { GetIncident(call); }});
    router.Add({"GET", "/api/incidents/{id}/timeline", "The incident's timeline alone", "incidents",
                false, Permission::kReadIncidents, nullptr, nullptr, "200 {timeline: [...]}",
                [this](Call& call) {
                  auto id = call.IdParam("id");
                  if (!id) return call.Fail(id.error());
                  auto incident = engine.FindIncident(*id);
                  if (!incident) return call.Fail(NotFound(fmt::format("no incident {}", *id)));
                  json view = IncidentJson(*incident, false);
                  call.Reply(200, {{"id", *id}, {"timeline", view["timeline"]}});
                }});
    std::vector<std::string> actions = engine.incident_workflow().Actions();
    router.Add({"POST", "/api/incidents/{id}/actions",
                "Advance an incident: dispatch, en_route, arrive, clear, handle, close, cancel, "
                "reopen, transfer, note",
                "incidents", false, Permission::kReadIncidents,
                ObjectSchema({{"action", {{"enum", actions}}},
                              {"unit_id", IntegerSchema()},
                              {"note", StringSchema()},
                              {"disposition", StringSchema()},
                              {"station_id", StringSchema()}},
                             {"action"}),
                nullptr, "200 the updated incident; 409 when not allowed now",
                [this](Call& call) { IncidentActionRoute(call); }});
  }

  void CreateIncidentRoute(Call& call) {
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    CreateIncident cmd;
    auto category = RequiredString(*body, "category", 32);
    if (!category) return call.Fail(category.error());
    cmd.category = *category;
    auto priority = RequiredInteger(*body, "priority");
    if (!priority) return call.Fail(priority.error());
    if (*priority < 1 || *priority > 4)
      return call.Fail(InvalidInput("priority", "priority is 1 to 4"));
    cmd.priority = static_cast<int>(*priority);
    auto location = OptionalLonLat(*body);
    if (!location) return call.Fail(location.error());
    cmd.location = *location;
    struct TextField {
      const char* name;
      std::string* target;
      size_t max_bytes;
    };
    for (const TextField& f :
         {TextField{"subtype", &cmd.subtype, 32}, TextField{"channel", &cmd.channel, 32},
          TextField{"address", &cmd.address, 512}, TextField{"caller_name", &cmd.caller_name, 128},
          TextField{"caller_phone", &cmd.caller_phone, 32},
          TextField{"narrative", &cmd.narrative, kNarrativeMaxBytes},
          TextField{"station_id", &cmd.station_id, 64}}) {
      auto value = OptionalString(*body, f.name, f.max_bytes);
      if (!value) return call.Fail(value.error());
      if (*value) *f.target = **value;
    }
    if (!cmd.caller_phone.empty() &&
        cmd.caller_phone.find_first_not_of("+0123456789- ") != std::string::npos) {
      return call.Fail(
          InvalidInput("caller_phone", "a phone number has digits, '+', '-' or spaces"));
    }
    Submit(call, std::move(cmd),
           [this](const Call& c, CommandOutcome o) { ReplyIncident(c, o.id, 201, true); });
  }

  void ListIncidents(Call& call) {
    const HttpRequest& req = call.request;
    auto limit = QueryInteger(req, "limit");
    if (!limit) return call.Fail(limit.error());
    auto cursor = QueryInteger(req, "cursor");
    if (!cursor) return call.Fail(cursor.error());
    auto priority = QueryInteger(req, "priority");
    if (!priority) return call.Fail(priority.error());
    auto from = QueryTime(req, "from");
    if (!from) return call.Fail(from.error());
    auto to = QueryTime(req, "to");
    if (!to) return call.Fail(to.error());
    std::string status = QueryString(req, "status");
    if (!status.empty() && engine.incident_workflow().FindState(status) == nullptr) {
      return call.Fail(InvalidInput("status", fmt::format("no incident status '{}'", status)));
    }
    std::string station = QueryString(req, "station_id");
    std::string category = QueryString(req, "category");
    bool only_open = QueryString(req, "open") == "true";
    int page = static_cast<int>(limit->value_or(kDefaultPageSize));
    if (page < 1 || page > kMaxPageSize) {
      return call.Fail(InvalidInput("limit", fmt::format("limit is 1 to {}", kMaxPageSize)));
    }
    const WorkflowDefinition& workflow = engine.incident_workflow();
    std::vector<std::shared_ptr<const Incident>> found;
    bool has_more = false;
    engine.Read([&](const engine::ReadView& view) {
      auto it = cursor->has_value() ? view.incidents.lower_bound(**cursor) : view.incidents.end();
      while (it != view.incidents.begin()) {
        --it;
        const Incident& i = *it->second;
        if (!status.empty() && i.status != status) continue;
        if (!station.empty() && i.station_id != station) continue;
        if (!category.empty() && i.category != category) continue;
        if (*priority && i.priority != **priority) continue;
        if (*from && i.received_at < **from) continue;
        if (*to && i.received_at >= **to) continue;
        if (only_open && workflow.IsTerminal(i.status)) continue;
        if (static_cast<int>(found.size()) == page) {
          has_more = true;
          break;
        }
        found.push_back(it->second);
      }
    });
    json list = json::array();
    for (const auto& incident : found) list.push_back(IncidentJson(*incident, false, false));
    json next = has_more ? json(found.back()->id) : json(nullptr);
    call.Reply(200, {{"incidents", std::move(list)}, {"next_cursor", next}});
  }

  void GetIncident(Call& call) {
    auto id = call.IdParam("id");
    if (!id) return call.Fail(id.error());
    auto incident = engine.FindIncident(*id);
    if (!incident) return call.Fail(NotFound(fmt::format("no incident {}", *id)));
    if (!HasPermission(call.user->role, Permission::kSeePersonalData) ||
        (incident->caller_name.empty() && incident->caller_phone.empty())) {
      return call.Reply(200, IncidentJson(*incident, false));
    }
    // Personal data is shown only once the read is on the audit trail.
    Submit(call,
           RecordPersonalDataRead{"incident", {*id}, fmt::format("GET /api/incidents/{}", *id)},
           [this, incident](const Call& c, CommandOutcome) {
             c.Reply(200, IncidentJson(*incident, true));
           });
  }

  void IncidentActionRoute(Call& call) {
    auto id = call.IdParam("id");
    if (!id) return call.Fail(id.error());
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    IncidentAction cmd;
    cmd.incident_id = *id;
    auto action = RequiredString(*body, "action", 32);
    if (!action) return call.Fail(action.error());
    cmd.action = *action;
    if (!MayPerformIncidentAction(call.user->role, cmd.action)) {
      return call.Fail(
          Error{ErrorCode::kForbidden,
                fmt::format("a {} may not {} an incident", ToString(call.user->role), cmd.action),
                "action"});
    }
    auto unit = OptionalInteger(*body, "unit_id");
    if (!unit) return call.Fail(unit.error());
    cmd.unit_id = *unit;
    for (auto [name, target, max] : {std::tuple{"note", &cmd.note, kNarrativeMaxBytes},
                                     std::tuple{"disposition", &cmd.disposition, size_t{512}},
                                     std::tuple{"station_id", &cmd.station_id, size_t{64}}}) {
      auto value = OptionalString(*body, name, max);
      if (!value) return call.Fail(value.error());
      if (*value) *target = **value;
    }
    Submit(call, std::move(cmd),
           [this](const Call& c, CommandOutcome o) { ReplyIncident(c, o.id, 200, false); });
  }

  // -------------------------------------------------------------------------------------------
  void AddMetaRoutes() {
    router.Add(
        {"GET", "/api/categories", "The incident category taxonomy with sub-types", "meta", false,
         std::nullopt, nullptr, nullptr, "200 {categories, channels}", [](Call& call) {
           json categories = json::array();
           for (const auto& c : IncidentCategories()) {
             json subtypes = json::array();
             for (const auto& s : c.subtypes) {
               subtypes.push_back({{"code", s.code}, {"label", s.label}});
             }
             categories.push_back({{"code", c.code}, {"label", c.label}, {"subtypes", subtypes}});
           }
           call.Reply(200, {{"categories", categories}, {"channels", IncidentChannels()}});
         }});
    router.Add({"GET", "/api/workflows", "The declared case workflows: states, transitions, SLAs",
                "meta", false, std::nullopt, nullptr, nullptr, "200 {workflows: [...]}",
                [this](Call& call) {
                  json workflows = json::array({WorkflowToJson(engine.incident_workflow())});
                  for (const CaseKind& kind : engine.case_catalog().kinds) {
                    json w = WorkflowToJson(kind.workflow);
                    w["label"] = kind.label;
                    workflows.push_back(std::move(w));
                  }
                  call.Reply(200, {{"workflows", workflows}});
                }});
    router.Add({"GET", "/api/openapi.json", "This document", "meta", false, std::nullopt, nullptr,
                nullptr, "200 OpenAPI 3 document",
                [this](Call& call) { call.Reply(200, router.OpenApi()); }});
    router.Add({"GET", "/healthz", "Liveness and ledger position (no token needed)", "meta", true,
                std::nullopt, nullptr, nullptr, "200 {status, durable_seq}; 503 when failed",
                [this](Call& call) {
                  engine::EngineStats s = engine.stats();
                  call.Reply(s.is_failed ? 503 : 200, {{"status", s.is_failed ? "failed" : "ok"},
                                                       {"durable_seq", s.durable_seq},
                                                       {"commands", s.commands},
                                                       {"batches", s.batches},
                                                       {"events", s.events}});
                }});
  }
};

Api::Api(engine::Engine& engine, ApiOptions options, ApiServices services)
    : impl_(std::make_unique<Impl>(engine, options, std::move(services))) {}
Api::~Api() = default;
void Api::Stop() {
  impl_->workers.join();
}
HttpHandler& Api::http_handler() {
  return impl_->router;
}
WebSocketHandler& Api::live_handler() {
  return impl_->live;
}
const Router& Api::router() const {
  return impl_->router;
}

}  // namespace pingan::api
