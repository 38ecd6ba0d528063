// Recommending units for an incident by road travel time (MISSION C2).
//
// For each travel mode among the suitable units, one search runs backwards from the scene
// over that mode's road graph (roads::TravelTimes) and meets the units in order of arrival.
// Every unit that is not recommended is listed with the reason it was passed over.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "dispatch/dispatch_rules.h"
#include "roads/road_graph.h"
#include "roads/road_snapper.h"
#include "roads/travel_times.h"

namespace pingan::dispatch {

// What the recommendation is for: an incident, or a place typed on the command line.
struct Scene {
  LonLat location;
  std::string category;
  int priority = 3;
  std::string station_id;                // the incident's station, for the outside-station rule
  std::vector<UnitId> already_assigned;  // units with an active assignment on this incident
};

// A unit as dispatch sees it: its record and its latest known position (from GPS or the API).
struct Candidate {
  std::shared_ptr<const Unit> unit;
  std::optional<Position> position;
};

struct RecommendedUnit {
  UnitId unit_id = 0;
  std::string callsign;
  Force force = Force::kPatrol;
  TravelMode mode = TravelMode::kCar;
  double eta_s = 0;
  double distance_m = 0;       // along the road
  double straight_line_m = 0;  // as the crow flies, for comparison
  // "fastest_by_road", or "police_required" for a police unit placed in the top k because the
  // faster ones were all guards or volunteers, who may not go alone.
  std::string reason;
  std::string detail;         // one sentence a dispatcher can read
  std::vector<LonLat> route;  // from the unit to the scene
};

struct PassedOverUnit {
  UnitId unit_id = 0;
  std::string callsign;
  // off_duty, busy, already_assigned, wrong_force, wrong_mode, outside_station, no_position,
  // stale_position, off_road, unreachable, auxiliary_alone, displaced_by_police,
  // slower (reached, ranked below k)
  std::string reason;
  std::string detail;
};

struct Recommendations {
  std::vector<RecommendedUnit> recommendations;  // fastest first
  std::vector<PassedOverUnit> passed_over;
  int units_needed = 1;  // by the rules for this category and priority
  // Suitable units the search met; it stops after max(k, units_needed) per mode (plus
  // auxiliaries), so this is below units_needed only when there is a real shortfall.
  int units_available = 0;
  int shortfall = 0;  // units_needed - units_available when positive
  // Suitable units not reached before the k fastest were found: slower, so counted here
  // rather than listed one by one in passed_over.
  int units_not_ranked = 0;
  double scene_snap_distance_m = 0;  // from the scene to the nearest road (car network)
  bool scene_off_road = false;       // beyond max_snap_distance_m of any car road
};

class Recommender {
 public:
  Recommender(std::shared_ptr<const roads::RoadGraph> graph, DispatchRules rules);

  // Ranks `candidates` for `scene` and returns the `k` best. Thread-safe; searches borrow a
  // per-mode work area from a pool, and unit snaps are cached until their position changes.
  Recommendations Recommend(const Scene& scene, std::span<const Candidate> candidates, size_t k,
                            TimePoint now);

  const roads::RoadGraph& graph() const { return *graph_; }
  std::shared_ptr<const roads::RoadGraph> graph_ptr() const { return graph_; }
  const roads::RoadSnapper& snapper() const { return snapper_; }
  const DispatchRules& rules() const { return rules_; }

 private:
  struct CachedSnap {
    LonLat at;
    TravelMode mode;
    std::optional<roads::Snap> snap;
  };
  std::optional<roads::Snap> SnapUnit(UnitId unit, LonLat at, TravelMode mode);
  std::unique_ptr<roads::TravelTimes> Borrow(TravelMode mode);
  void Return(std::unique_ptr<roads::TravelTimes> search);

  std::shared_ptr<const roads::RoadGraph> graph_;
  roads::RoadSnapper snapper_;
  DispatchRules rules_;
  std::mutex mu_;
  std::unordered_map<UnitId, CachedSnap> snaps_;
  std::array<std::vector<std::unique_ptr<roads::TravelTimes>>, roads::kModeCount> pool_;
};

}  // namespace pingan::dispatch
