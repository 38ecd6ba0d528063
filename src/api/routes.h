// The Pingan HTTP API: every /api route, the live feed on /api/live, and the landing page.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "api/http_server.h"
#include "api/router.h"
#include "dispatch/recommender.h"
#include "engine/engine.h"
#include "tracks/track_store.h"

namespace pingan::hotspots {
struct IncidentSet;
}  // namespace pingan::hotspots

namespace pingan::sms {
class SmsGateway;
class SimulatorGateway;
}  // namespace pingan::sms

namespace pingan::registry {
struct Registry;
}  // namespace pingan::registry

namespace pingan::map {
class VectorTiles;
class AddressIndex;
}  // namespace pingan::map

namespace pingan::api {

class PlanStore;
class ApiKeyStore;

struct ApiOptions {
  std::chrono::hours session_lifetime{12};
  int max_failed_logins = 5;  // per username, then a pause
  std::chrono::seconds failed_login_pause{60};
  int worker_threads = 2;  // password hashing and response encoding
  // The built console (web/dist); paths outside /api/ are served from it. Empty: a plain
  // landing page instead.
  std::string web_root;
  // When set, POST /api/sms/inbound needs it in the header X-Pingan-Sms-Token.
  std::string sms_inbound_token;
};

// Services beside the engine. Each may be missing; its routes then answer 503 and say why.
struct ApiServices {
  // Ranks units by road travel time; null until `pingan import roads` has been run.
  dispatch::Recommender* recommender = nullptr;
  // The dispatch rules in force (also when no road graph is loaded yet).
  dispatch::DispatchRules dispatch_rules = dispatch::DefaultDispatchRules();
  // The latest position of a unit (from the live index of GPS and API reports).
  std::function<std::optional<Position>(UnitId)> latest_position;
  // Stores a position report durably (tracks) and updates the live index; `done` is called
  // once, from any thread.
  std::function<void(UnitId, Position, std::function<void(Status)> done)> report_position;
  // The base map's vector tiles and the address search over its streets and places; null
  // without a road network.
  const map::VectorTiles* tiles = nullptr;
  const map::AddressIndex* addresses = nullptr;
  // Incidents from before Pingan, for the risk map (DIR/history/incidents.csv); may be null.
  std::shared_ptr<const hotspots::IncidentSet> incident_history;
  // Calls `fn` for each stored GPS fix matching the query (TrackStore::Read), from any
  // thread; for visibility (见警率). Missing: /api/visibility answers 503.
  std::function<Status(const tracks::TrackQuery&,
                       const std::function<void(const tracks::TrackPoint&)>& fn)>
      read_tracks;
  // Patrol plans, stored and published (DIR/plans); null: the plan routes answer 503.
  PlanStore* plans = nullptr;
  // Sends text messages to citizens (callback SMS, verification codes); null: the routes that
  // need it answer 503.
  sms::SmsGateway* sms = nullptr;
  // The simulator behind `sms`, when it is one: GET /api/sms/outbox lists what it sent.
  const sms::SimulatorGateway* sms_outbox = nullptr;
  // Open311 API keys (DIR/apikeys.json); null: every Open311 POST is refused (403).
  ApiKeyStore* api_keys = nullptr;
  // Places, campaigns, inspections, photos, outreach (DIR/registry.db, DIR/photos); null: the
  // registry routes answer 503.
  registry::Registry* registry = nullptr;
  // Where the base map comes from, shown in the map's corner.
  std::string map_attribution = "路网 © OpenStreetMap 贡献者 (ODbL)";
};

// Owns the router and the live hub; both talk to `engine`, which must outlive the Api.
class Api {
 public:
  Api(engine::Engine& engine, ApiOptions options = {}, ApiServices services = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Waits for the replies still queued on the worker threads. Call after the engine and the
  // position service have stopped, before the HTTP server is destroyed.
  void Stop();

  HttpHandler& http_handler();
  WebSocketHandler& live_handler();
  const Router& router() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pingan::api
