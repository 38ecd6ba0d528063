// The living demo district: 110 calls arrive with the day's rhythm and cluster where people
// gather, a simulated dispatcher assigns them with the production recommender, and units drive
// the road graph, report 到场 / 处置 / 结案 and go back on patrol. Time runs `speed` times
// faster than the clock on the wall for call rates, driving and handling. Everything goes
// through the same engine commands and position service as real users and terminals, so the
// console cannot tell the difference — except that units assigned by a person are driven too,
// which is what makes the demo answer a dispatcher's click.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dispatch/recommender.h"
#include "engine/engine.h"
#include "engine/position_service.h"
#include "map/places.h"
#include "roads/travel_times.h"

namespace pingan::demo {

struct SimulationOptions {
  double speed = 10;  // simulated seconds per real second
  uint64_t seed = 1;
  double calls_per_day = 260;  // a busy urban district; the seeds report 200-400
  double tick_s = 1.0;         // real seconds between steps (positions are reported each step)
  std::string dispatcher = "模拟调度台";  // the actor of the simulated dispatcher's commands
};

struct SimulationStats {
  uint64_t calls = 0;
  uint64_t dispatched = 0;
  uint64_t arrived = 0;
  uint64_t closed = 0;
  uint64_t cancelled = 0;
  uint64_t positions = 0;
  uint64_t command_errors = 0;
};

// A call of the district's past, for the hotspot models to learn from.
struct PastCall {
  TimePoint at;
  LonLat where;
  std::string category;
};
// The `days` days before `end`: calls drawn with the live calls' rhythm, places and
// near-repeats, so that the risk map of a new demo has a history to stand on. Deterministic for
// a seed.
std::vector<PastCall> GeneratePastCalls(const roads::RoadGraph& graph,
                                        const std::vector<map::Place>& places, double calls_per_day,
                                        int days, TimePoint end, uint64_t seed);

class Simulation {
 public:
  // All references must outlive the simulation.
  Simulation(engine::Engine& engine, engine::PositionService& positions,
             dispatch::Recommender& recommender, std::vector<map::Place> places,
             SimulationOptions options);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs Step every tick on a thread of its own until Stop.
  void Start();
  void Stop();

  // Advances the district by `real_seconds` (× speed in district time). Public for tests.
  void Step(double real_seconds);

  SimulationStats stats() const;

 private:
  enum class Phase { kPatrol, kDwell, kToScene, kOnScene };
  struct Mover {
    UnitId id = 0;
    std::string callsign;
    std::string station_id;
    TravelMode mode = TravelMode::kCar;
    bool district_wide = false;
    LonLat at;
    Phase phase = Phase::kPatrol;
    std::vector<LonLat> path;
    std::vector<double> cumulative_m;  // along path
    double path_s = 0;                 // district seconds to drive it
    double progress_s = 0;
    double dwell_until = 0;
    IncidentId incident = 0;
    double handle_at = 0, close_at = 0;
    bool handled = false;
  };
  struct Pending {
    double dispatch_at = 0;
    bool cancel = false;  // a duplicate or false alarm: cancelled instead of dispatched
  };
  struct RecentCall {
    double at = 0;
    LonLat where;
    std::string category, subtype, address;
  };

  void Run();
  void SpawnCalls(double district_dt);
  void CreateCall();
  // What one step needs of the district, copied out of the engine's read view (commands may
  // not be issued while it is held).
  struct Snapshot {
    std::vector<std::shared_ptr<const Unit>> units;
    std::map<IncidentId, std::shared_ptr<const Incident>> incidents;  // pending and active ones
  };
  Snapshot TakeSnapshot();
  void DispatchPending(const Snapshot& snap);
  void DriveUnits(const Snapshot& snap, double district_dt);
  void PlanRoute(Mover& m, LonLat target, double pace);
  void PlanPatrol(Mover& m);
  bool Exec(Command command);
  double HourOfDay() const;
  std::string AddressNear(LonLat p, const map::Place* place);
  const std::vector<roads::NodeIndex>& PatrolNodes(const Mover& m);

  engine::Engine& engine_;
  engine::PositionService& positions_;
  dispatch::Recommender& recommender_;
  const roads::RoadGraph& graph_;
  std::vector<map::Place> places_;
  SimulationOptions options_;

  std::mt19937_64 rng_;
  double district_time_ = 0;  // seconds since the epoch, district time
  bool warmed_up_ = false;
  std::map<UnitId, Mover> movers_;
  std::map<IncidentId, Pending> pending_;
  std::deque<RecentCall> recent_;
  std::array<std::unique_ptr<roads::TravelTimes>, roads::kModeCount> searches_;
  // Road nodes usable by each mode, per station ("" = the whole district).
  std::map<std::pair<std::string, int>, std::vector<roads::NodeIndex>> patrol_nodes_;

  mutable std::mutex stats_mu_;
  SimulationStats stats_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pingan::demo
