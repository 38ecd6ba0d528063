#include "cli/server.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "api/api_keys.h"
#include "api/auth.h"
#include "api/http_server.h"
#include "api/plan_store.h"
#include "api/routes.h"
#include "cases/callback_runner.h"
#include "cli/commands.h"
#include "cli/platform.h"
#include "dispatch/recommender.h"
#include "engine/position_service.h"
#include "hotspots/incident_csv.h"
#include "ingest/device_sink.h"
#include "ingest/jt808_server.h"
#include "ingest/osmand_server.h"
#include "map/address_search.h"
#include "map/places.h"
#include "map/vector_tiles.h"
#include "registry/registry.h"
#include "roads/graph_file.h"
#include "sms/http_gateway.h"
#include "sms/simulator_gateway.h"
#include "tracks/track_store.h"

namespace pingan::cli {

namespace {

Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return InvalidInput("listen", "expected HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return InvalidInput("listen", "port must be 0-65535");
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

// On a ledger without users, creates `admin` with a random password written to a file only the
// owner can read, so a fresh install can be logged into and nothing is guessable.
void BootstrapAdmin(Platform& platform) {
  bool has_users =
      platform.engine->Read([](const engine::ReadView& v) { return !v.users.empty(); });
  if (has_users) return;
  std::string password = api::NewToken().substr(0, 20);
  auto hash = api::HashPassword(password);
  if (!hash) Fail(hash.error().message);
  User admin{"admin", Role::kAdmin, "系统管理员", "", *hash, {}};
  auto added = platform.engine->Execute(Command{"system", AddUser{admin}});
  if (!added) Fail("cannot create the first admin: " + added.error().message);
  std::string path = platform.data_dir + "/initial-admin-password";
  // Created 0600 from the first byte: never readable by others, not even briefly.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::string line = password + "\n";
  if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    Fail("cannot write " + path);
  }
  ::close(fd);
  std::cout << "First start: created user 'admin' (role admin); its password is in " << path
            << "\n";
}

}  // namespace

void RunServer(const ServeOptions& options, const ServerHooks& hooks) {
  auto listen = ParseListen(options.listen);
  if (!listen) Fail("--listen " + options.listen + ": " + listen.error().message);

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  api::InitCrypto();
  auto platform = OpenPlatform(options.data_dir, {options.sla_config, options.callback_delay});
  if (!platform) Fail(platform.error().message);
  BootstrapAdmin(**platform);
  if (hooks.on_opened) hooks.on_opened(**platform);

  engine::Engine& engine = *(*platform)->engine;

  // Positions: durable tracks under DIR/tracks, the live index rebuilt from them.
  auto track_store = tracks::TrackStore::Open(options.data_dir);
  if (!track_store) Fail(track_store.error().message);
  engine::PositionService positions(**track_store, engine.live_feed(), engine.clock());
  if (Status s = positions.Recover(); !s) Fail(s.error().message);

  // Roads and dispatch: optional until a map is imported.
  std::unique_ptr<dispatch::Recommender> recommender;
  const std::string graph_path = options.data_dir + "/" + std::string(roads::kRoadGraphFile);
  auto rules = dispatch::DefaultDispatchRules();
  if (!options.dispatch_rules.empty()) {
    auto text = ReadFile(options.dispatch_rules);
    if (!text) Fail(text.error().message);
    try {
      auto parsed = dispatch::ParseDispatchRules(nlohmann::json::parse(*text));
      if (!parsed) {
        Fail(fmt::format("{}: {}: {}", options.dispatch_rules, parsed.error().field,
                         parsed.error().message));
      }
      rules = *parsed;
    } catch (const nlohmann::json::parse_error& e) {
      Fail(fmt::format("{}: {}", PositionInFile(options.dispatch_rules, *text, e.byte), e.what()));
    }
  }
  if (!std::filesystem::exists(graph_path)) {
    spdlog::warn("no road network in {}: recommendations answer 503 until `pingan import roads`",
                 options.data_dir);
  } else {
    auto started = std::chrono::steady_clock::now();
    auto graph = roads::GraphFile::Load(graph_path);
    if (!graph) {
      // 110 intake must not wait on a map: serve without recommendations and say why.
      spdlog::error("road network not loaded, recommendations answer 503: {}",
                    graph.error().message);
    } else {
      recommender = std::make_unique<dispatch::Recommender>(
          std::make_shared<const roads::RoadGraph>(std::move(*graph)), rules);
      spdlog::info("road network: {} nodes, {} car edges, loaded in {} ms",
                   recommender->graph().node_count(),
                   recommender->graph().edge_count(TravelMode::kCar),
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count());
    }
  }

  // The base map and address search, from the same road network plus DIR/places.geojson.
  std::unique_ptr<map::VectorTiles> tiles;
  std::unique_ptr<map::AddressIndex> addresses;
  if (recommender) {
    auto places = map::LoadPlaces(options.data_dir + "/" + std::string(map::kPlacesFile));
    if (!places) {
      spdlog::error("places not loaded, the map shows roads only: {}", places.error().message);
      places = std::vector<map::Place>{};
    }
    tiles = std::make_unique<map::VectorTiles>(recommender->graph_ptr(), *places);
    addresses = std::make_unique<map::AddressIndex>(recommender->graph(), *places);
    spdlog::info("base map: {} named places, {} street stretches", places->size(),
                 addresses->street_count());
  }

  // Incidents from before Pingan, for the risk map.
  std::shared_ptr<const hotspots::IncidentSet> history;
  if (std::string path = options.data_dir + "/" + hotspots::kHistoryFile;
      std::filesystem::exists(path)) {
    auto read = hotspots::ReadIncidentHistory(path);
    if (!read) {
      spdlog::error("incident history not loaded, the risk map uses the ledger only: {}",
                    read.error().message);
    } else {
      spdlog::info("incident history: {} incidents from {}", read->incidents.size(), path);
      history = std::make_shared<const hotspots::IncidentSet>(std::move(*read));
    }
  }

  // Patrol plans, one file per version under DIR/plans; unreadable files are logged and
  // skipped. Without the store the plan routes answer 503, and everything else runs.
  std::unique_ptr<api::PlanStore> plans;
  if (auto opened = api::PlanStore::Open(options.data_dir + "/plans"); opened) {
    plans = std::move(*opened);
  } else {
    spdlog::error("plans not available: {}", opened.error().message);
  }

  // The places registry (DIR/registry.db) and hazard photos (DIR/photos); without it the
  // registry routes answer 503, and everything else runs.
  std::unique_ptr<registry::Registry> places_registry;
  if (auto opened = registry::OpenRegistry(options.data_dir); opened) {
    places_registry = std::move(*opened);
  } else {
    spdlog::error("places registry not available: {}", opened.error().message);
  }

  api::ApiServices services;
  services.plans = plans.get();
  services.registry = places_registry.get();
  services.incident_history = history;
  services.tiles = tiles.get();
  services.addresses = addresses.get();
  if (!options.map_attribution.empty()) services.map_attribution = options.map_attribution;
  services.recommender = recommender.get();
  services.dispatch_rules = rules;
  services.latest_position = [&positions](UnitId id) { return positions.Latest(id); };
  services.read_tracks = [&store = **track_store](
                             const tracks::TrackQuery& query,
                             const std::function<void(const tracks::TrackPoint&)>& fn) {
    return store.Read(query, fn);
  };
  services.report_position = [&positions](UnitId id, Position p, std::function<void(Status)> done) {
    tracks::TrackPoint point;
    point.unit_id = id;
    point.time = p.time;
    point.lon_e7 = tracks::ToE7(p.at.lon);
    point.lat_e7 = tracks::ToE7(p.at.lat);
    point.source = tracks::TrackSource::kApi;
    positions.Report({point}, std::move(done));
  };
  // SMS to citizens: a provider's HTTP API when configured, else the simulator's outbox.
  std::unique_ptr<sms::SimulatorGateway> sms_simulator;
  std::unique_ptr<sms::SmsGateway> sms_gateway;
  if (!options.sms_gateway_config.empty()) {
    auto text = ReadFile(options.sms_gateway_config);
    if (!text) Fail(text.error().message);
    auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) Fail(options.sms_gateway_config + ": not JSON");
    auto config = sms::ParseHttpGatewayConfig(doc);
    if (!config) {
      Fail(fmt::format("{}: {}: {}", options.sms_gateway_config, config.error().field,
                       config.error().message));
    }
    sms_gateway = std::make_unique<sms::HttpGateway>(std::move(*config), engine.clock());
  } else {
    sms_simulator = std::make_unique<sms::SimulatorGateway>(engine.clock());
  }
  sms::SmsGateway& sms = sms_gateway ? *sms_gateway : *sms_simulator;
  services.sms = &sms;
  services.sms_outbox = sms_simulator.get();

  // Open311 API keys: `pingan apikey add` writes DIR/apikeys.json, read again as keys change.
  api::ApiKeyStore api_keys(options.data_dir);
  services.api_keys = &api_keys;

  api::ApiOptions api_options;
  api_options.sms_inbound_token = options.sms_inbound_token;
  api_options.web_root = options.web_root.empty() ? std::string(PINGAN_WEB_ROOT) : options.web_root;
  if (!std::filesystem::exists(api_options.web_root + "/index.html")) {
    spdlog::warn("no console in {} (run `make`, or give --web-root): / shows a plain page",
                 api_options.web_root);
  }
  api::Api api(engine, api_options, services);
  api::HttpServerOptions http_options;
  http_options.host = listen->first;
  http_options.port = listen->second;
  http_options.threads = options.threads;
  http_options.body_limit_bytes = 8 << 20;  // jurisdiction imports carry polygons
  api::HttpServer server(http_options, api.http_handler(), &api.live_handler());
  auto port = server.Start();
  if (!port) Fail(port.error().message);

  // GPS terminals, each protocol on its own port.
  ingest::DeviceSink sink(engine, positions);
  std::unique_ptr<ingest::Jt808Server> jt808;
  std::unique_ptr<ingest::OsmAndServer> osmand;
  std::string gps_banner;
  if (!options.jt808_listen.empty()) {
    auto at = ParseListen(options.jt808_listen);
    if (!at) Fail("--jt808-listen " + options.jt808_listen + ": " + at.error().message);
    jt808 = std::make_unique<ingest::Jt808Server>(ingest::Jt808ServerOptions{}, sink);
    auto bound = jt808->Start(at->first, at->second);
    if (!bound) Fail("--jt808-listen: " + bound.error().message);
    gps_banner += fmt::format("; JT/T 808 on {}:{}", at->first, *bound);
  }
  if (!options.osmand_listen.empty()) {
    auto at = ParseListen(options.osmand_listen);
    if (!at) Fail("--osmand-listen " + options.osmand_listen + ": " + at.error().message);
    osmand =
        std::make_unique<ingest::OsmAndServer>(ingest::OsmAndServerOptions{}, sink, engine.clock());
    auto bound = osmand->Start(at->first, at->second);
    if (!bound) Fail("--osmand-listen: " + bound.error().message);
    gps_banner += fmt::format("; OsmAnd on http://{}:{}", at->first, *bound);
  }

  // Callbacks: the survey SMS after each closed incident, reminders, phone tasks.
  cases::CallbackRunnerOptions callback_options;
  callback_options.link_base = options.public_url.empty()
                                   ? fmt::format("http://{}:{}", listen->first, *port)
                                   : options.public_url;
  cases::CallbackRunner callbacks(engine, sms, callback_options);
  callbacks.Start();

  std::cout << fmt::format("Pingan 平安 listening on http://{}:{} (data in {}){}", listen->first,
                           *port, options.data_dir, gps_banner)
            << std::endl;
  RunningServer running{**platform, positions, recommender.get(), sms,
                        fmt::format("http://{}:{}", listen->first, *port)};
  if (!hooks.banner.empty()) {
    std::string banner = hooks.banner;
    if (size_t at = banner.find("{url}"); at != std::string::npos)
      banner.replace(at, 5, running.url);
    std::cout << banner << std::endl;
  }
  if (hooks.on_started) hooks.on_started(running);

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: shutting down", signal);
  if (hooks.on_stopping) hooks.on_stopping();
  if (jt808) jt808->Stop();
  if (osmand) osmand->Stop();
  callbacks.Stop();
  server.Stop();
  positions.Stop();
  (**track_store).Stop();
  engine.Stop();
  // Replies still queued for the API's workers run now, while the HTTP server object (and its
  // io_context) still exists.
  api.Stop();
}

}  // namespace pingan::cli
