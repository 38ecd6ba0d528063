// Patrol plans for a period: for every unit, where to be at every moment — a short loop of
// posts each hour with dwell times of 10–16 minutes at each (the Koper curve: a stop shorter than
// ten minutes deters far less, one longer than sixteen adds little). Two planners with the same
// forces: a uniform plan (each unit walks its own beat at random, as most bureaus patrol today)
// and a risk plan (each hour, the units stand where the most expected risk lies within their
// reach by road, chosen by the covering optimiser).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/geo.h"
#include "roads/road_graph.h"

namespace pingan::patrol {

// One unit of the forces on duty.
struct PlanUnit {
  uint32_t id = 0;
  std::string callsign;
  TravelMode mode = TravelMode::kCar;
  int shift_begin_hour = 0;  // district hours of duty each day, [begin, end); end may pass 24
  int shift_end_hour = 24;
  bool OnDuty(double local_seconds) const;
};

// A stay at a post: the unit is at `at` from `from` to `to` (local seconds).
struct Stop {
  double from = 0, to = 0;
  LonLat at;
};

struct Plan {
  std::string name;
  std::vector<PlanUnit> units;
  std::vector<std::vector<Stop>> stops;  // per unit, in time order; between stops it drives
  // Where unit u is meant to be at `t`: at a stop, or on the straight line between two.
  LonLat Where(size_t u, double t) const;
};

struct PlanOptions {
  double dwell_min_s = 600, dwell_max_s = 960;  // per stop
  int stops_per_hour = 3;                       // at most; fewer when driving eats the hour
  double patrol_speed_m_s = 7;                  // between stops, as the crow flies × 1.4
  double cover_s = 300;                         // a post covers the cells it reaches in this time
  double candidates = 900;                      // candidate posts per hour at most
  uint64_t seed = 1;
};

// The area on duty: road nodes the units' mode can use.
std::vector<LonLat> DrivableNodes(const roads::RoadGraph& graph, TravelMode mode);

// Beats: k-means over the drivable nodes, one beat per unit (a bureau's even split of its
// ground), and each unit's random walk within its own beat.
Plan UniformPlan(const roads::RoadGraph& graph, std::vector<PlanUnit> units, double from, double to,
                 const PlanOptions& options);

// Per hour: `risk_at(hour_start)` gives the expected incidents of each of `cells` (centres) in
// that hour. The covering optimiser picks one post per unit on duty so that the most risk lies
// within `cover_s` by road in the unit's mode; each unit then loops between its post and the
// hottest cells it covers, in a random order. Which cells a post covers is worked out once, by
// road, for the candidate posts (the hottest cells of the first day).
struct RiskPlanStats {
  size_t cells = 0, candidates = 0, hours = 0;
  double covered_share = 0;  // mean over hours of the risk within reach of a post
  double solve_ms = 0;       // optimiser time, all hours
  double coverage_ms = 0;    // road searches for the cover lists
};
Plan RiskPlan(const roads::RoadGraph& graph, std::vector<PlanUnit> units, double from, double to,
              const std::vector<LonLat>& cells,
              const std::function<std::vector<double>(double hour_start)>& risk_at,
              const PlanOptions& options, RiskPlanStats* stats = nullptr);

}  // namespace pingan::patrol
