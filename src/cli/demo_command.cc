// pingan demo: the platform with a living, generated district beside it (see src/demo/).
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/case_routes.h"
#include "cli/commands.h"
#include "cli/server.h"
#include "core/district_time.h"
#include "demo/demo_places.h"
#include "demo/district_generator.h"
#include "demo/simulation.h"
#include "hotspots/incident_csv.h"
#include "map/places.h"
#include "registry/registry.h"
#include "roads/graph_file.h"

namespace pingan::cli {
namespace {

constexpr const char* kMarkerFile = "demo.json";  // says a data directory holds a demo

struct DemoOptions {
  std::string data_dir = "var/demo";
  std::string listen = "127.0.0.1:8080";
  std::string map;
  double speed = 10;
  uint64_t seed = 1;
  double calls_per_day = 260;
  std::string web_root;
};

// Half a year of made-up calls before today, so the risk map has a past to learn from.
void WritePastCalls(const DemoOptions& options) {
  const std::string dir = options.data_dir;
  auto graph = roads::GraphFile::Load(dir + "/" + std::string(roads::kRoadGraphFile));
  if (!graph) Fail(graph.error().message);
  auto places = map::LoadPlaces(dir + "/" + std::string(map::kPlacesFile));
  if (!places) Fail(places.error().message);
  auto calls = demo::GeneratePastCalls(*graph, *places, options.calls_per_day, 182,
                                       SystemClock().Now(), options.seed);
  hotspots::IncidentSet set;
  std::map<std::string, int> ids;
  for (const demo::PastCall& c : calls) {
    auto [it, added] = ids.emplace(c.category, int(set.categories.size()));
    if (added) set.categories.push_back(c.category);
    set.incidents.push_back({DistrictSeconds(c.at), c.where, it->second});
  }
  if (Status s = hotspots::WriteIncidentHistory(dir + "/" + hotspots::kHistoryFile, set); !s)
    Fail(s.error().message);
}

// Builds the district's map into `dir` unless it is there already.
void PrepareDirectory(const DemoOptions& options) {
  namespace fs = std::filesystem;
  const fs::path dir = options.data_dir;
  const bool has_marker = fs::exists(dir / kMarkerFile);
  if (!has_marker && fs::exists(dir) && !fs::is_empty(dir)) {
    // A demo writes made-up calls: never into a directory that may hold a bureau's ledger.
    Fail(
        fmt::format("{} is not empty and holds no demo district; give an empty or new "
                    "directory",
                    options.data_dir));
  }
  if (has_marker) {
    if (!options.map.empty()) {
      std::cout << "demo: reusing the district in " << options.data_dir << " (--map " << options.map
                << " is used only when the directory is new)" << std::endl;
    }
    // Districts made before the risk map had no past.
    if (!fs::exists(dir / hotspots::kHistoryFile)) WritePastCalls(options);
    return;
  }
  fs::create_directories(dir);
  std::string osm = options.map;
  if (osm.empty()) {
    osm = (dir / "demo-district.osm").string();
    std::ofstream out(osm, std::ios::binary | std::ios::trunc);
    out << demo::GenerateDistrictOsm(options.seed);
    if (!out) Fail("cannot write " + osm);
  }
  ImportRoads(osm, options.data_dir);
  if (!options.map.empty()) {
    // A real map may lack the places the demo's calls gather around.
    const std::string places_path = (dir / std::string(map::kPlacesFile)).string();
    auto places = map::LoadPlaces(places_path);
    if (!places) Fail(places.error().message);
    auto graph = roads::GraphFile::Load((dir / std::string(roads::kRoadGraphFile)).string());
    if (!graph) Fail(graph.error().message);
    auto all = demo::AddMissingPlaces(*graph, std::move(*places), options.seed);
    if (Status s = map::SavePlaces(places_path, all); !s) Fail(s.error().message);
  }
  WritePastCalls(options);
  nlohmann::json marker = {{"seed", options.seed},
                           {"map", options.map.empty() ? "generated" : options.map}};
  std::ofstream out(dir / kMarkerFile);
  out << marker.dump(2) << "\n";
}

bool IsGeneratedDistrict(const std::string& dir) {
  std::ifstream in(dir + "/" + kMarkerFile);
  auto marker = nlohmann::json::parse(in, nullptr, false);
  return marker.is_object() && marker.value("map", "") == "generated";
}

// Stations, grids, units and the demo user, the first time the ledger is opened.
void SeedLedger(Platform& platform, const DemoOptions& options) {
  engine::Engine& engine = *platform.engine;
  bool has_jurisdictions = false, has_units = false, has_demo_user = false;
  engine.Read([&](const engine::ReadView& view) {
    has_jurisdictions = view.jurisdictions && !view.jurisdictions->all().empty();
    has_units = !view.units.empty();
    has_demo_user = view.users.contains("demo");
  });
  std::vector<Jurisdiction> jurisdictions;
  if (!has_jurisdictions || !has_units) {
    auto graph =
        roads::GraphFile::Load(platform.data_dir + "/" + std::string(roads::kRoadGraphFile));
    if (!graph) Fail(graph.error().message);
    jurisdictions = demo::GenerateJurisdictions(*graph);
  }
  if (!has_jurisdictions) {
    auto done = engine.Execute(Command{"demo", DefineJurisdictions{jurisdictions}});
    if (!done) Fail("demo: jurisdictions: " + done.error().message);
  }
  if (!has_units) {
    for (CreateUnit& unit : demo::GenerateUnits(jurisdictions, options.seed)) {
      auto done = engine.Execute(Command{"demo", unit});
      if (!done) Fail("demo: unit " + unit.callsign + ": " + done.error().message);
    }
  }
  if (!has_demo_user) {
    auto hash = api::HashPassword("demo");
    if (!hash) Fail(hash.error().message);
    User demo{"demo", Role::kDispatcher, "演示调度员", "", *hash, {}};
    auto done = engine.Execute(Command{"system", AddUser{demo}});
    if (!done) Fail("demo: user: " + done.error().message);
  }
}

// The places registry, while it is empty (a new district, or one made before the registry):
// places along the streets, a campaign under way, inspections and the hazard cases they opened.
void SeedRegistry(Platform& platform, const DemoOptions& options) {
  auto opened = registry::OpenRegistry(platform.data_dir);
  if (!opened) {
    // The server logs the same when it opens the registry; the rest of the demo runs.
    spdlog::error("demo: places registry not seeded: {}", opened.error().message);
    return;
  }
  registry::RegistryStore& store = *(*opened)->store;
  auto on_file = store.CountPlaces();
  if (!on_file || *on_file > 0) return;
  auto graph = roads::GraphFile::Load(platform.data_dir + "/" + std::string(roads::kRoadGraphFile));
  if (!graph) Fail(graph.error().message);
  auto landmarks = map::LoadPlaces(platform.data_dir + "/" + std::string(map::kPlacesFile));
  auto seeded =
      demo::SeedDemoPlaces(*platform.engine, store, *graph,
                           landmarks ? *landmarks : std::vector<map::Place>{}, options.seed);
  if (!seeded) {
    spdlog::error("demo: places registry seeded in part: {}", seeded.error().message);
    return;
  }
  if (seeded->seeded) {
    std::cout << fmt::format(
                     "demo: {} places on file; campaign 节前安全大检查 with {} inspections, {} "
                     "hazards ({} closed)",
                     seeded->places, seeded->inspections, seeded->hazards, seeded->hazards_closed)
              << std::endl;
  }
}

// The demo's citizens answer their callback texts: most a while after the text, 满意 mostly,
// some 基本满意, a few 不满意 (which opens a rectification order for the console to show),
// and some never, so reminders and phone tasks happen too.
class DemoCitizens {
 public:
  DemoCitizens(engine::Engine& engine, std::uint64_t seed) : engine_(engine), rng_(seed) {
    thread_ = std::thread([this] { Run(); });
  }
  ~DemoCitizens() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(3), [this] { return stopping_; })) {
      lock.unlock();
      AnswerSome();
      lock.lock();
    }
  }

  void AnswerSome() {
    const TimePoint now = engine_.clock().Now();
    std::vector<std::pair<CaseId, std::string>> due;  // callback, caller phone
    engine_.Read([&](const engine::ReadView& v) {
      for (const auto& [id, c] : v.cases) {
        if (c->state != "sms_sent" || decided_.contains(id)) continue;
        if (now - c->timeline.back().at < std::chrono::seconds(10)) continue;
        auto incident = v.incidents.find(c->incident_id);
        if (incident != v.incidents.end()) due.emplace_back(id, incident->second->caller_phone);
      }
    });
    std::discrete_distribution<int> answer({10, 72, 12, 6});  // none, 1, 2, 3
    for (const auto& [id, phone] : due) {
      decided_.insert(id);
      int n = answer(rng_);
      if (n == 0) continue;
      auto done = api::DeliverInboundSms(engine_, phone, std::to_string(n));
      if (!done) spdlog::warn("demo: citizen's answer not delivered: {}", done.error().message);
    }
  }

  engine::Engine& engine_;
  std::mt19937_64 rng_;
  std::set<CaseId> decided_;  // answered, or decided never to
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

void RunDemo(const DemoOptions& options) {
  if (options.speed < 1 || options.speed > 600) Fail("--speed: 1 to 600");
  PrepareDirectory(options);
  ServeOptions serve;
  serve.data_dir = options.data_dir;
  serve.listen = options.listen;
  serve.web_root = options.web_root;
  serve.callback_delay = std::chrono::seconds(15);  // the demo's callbacks within seconds
  if (options.map.empty() && IsGeneratedDistrict(options.data_dir)) {
    serve.map_attribution = "演示路网，程序生成 · generated demo town";
  }
  std::unique_ptr<demo::Simulation> simulation;
  std::unique_ptr<DemoCitizens> citizens;
  ServerHooks hooks;
  hooks.on_opened = [&](Platform& platform) {
    SeedLedger(platform, options);
    SeedRegistry(platform, options);
  };
  hooks.on_started = [&](RunningServer& running) {
    if (running.recommender == nullptr) {
      spdlog::error("demo: no road network, the district stands still");
      return;
    }
    auto places = map::LoadPlaces(options.data_dir + "/" + std::string(map::kPlacesFile));
    demo::SimulationOptions sim;
    sim.speed = options.speed;
    sim.seed = options.seed;
    sim.calls_per_day = options.calls_per_day;
    simulation = std::make_unique<demo::Simulation>(
        *running.platform.engine, running.positions, *running.recommender,
        places ? *places : std::vector<map::Place>{}, sim);
    simulation->Start();
    citizens = std::make_unique<DemoCitizens>(*running.platform.engine, options.seed);
  };
  hooks.on_stopping = [&] {
    citizens.reset();
    if (simulation) simulation->Stop();
  };
  hooks.banner = fmt::format(
      "演示模式 DEMO MODE: 用户 demo 密码 demo（调度员 dispatcher）。"
      "District, calls and units are simulated at {}x speed; nothing here is real.\n"
      "Open the console: {{url}}/",
      options.speed);
  RunServer(serve, hooks);
}

}  // namespace

void RegisterDemoCommand(CLI::App& app) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run the platform with a living demo district: a generated town (or --map) with stations, "
      "grids, places and units on patrol, and 110 calls that are dispatched and closed in "
      "accelerated time. Log in as demo / demo (dispatcher). The district is built into an "
      "empty --data-dir the first time and reused after.");
  cmd->add_option("--data-dir", options->data_dir, "Where the demo district is kept")
      ->capture_default_str();
  cmd->add_option("--listen", options->listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--map", options->map,
                  "Build the district on this OpenStreetMap extract instead of a generated town")
      ->check(CLI::ExistingFile);
  cmd->add_option("--speed", options->speed, "District seconds per real second")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Random seed of the town and its calls")
      ->capture_default_str();
  cmd->add_option("--calls-per-day", options->calls_per_day, "110 calls per district day")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100000.0));
  cmd->add_option("--web-root", options->web_root,
                  "Directory of the built console (default: web/dist of the source tree)");
  cmd->callback([options] { RunDemo(*options); });
}

}  // namespace pingan::cli
