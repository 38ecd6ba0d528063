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
#include "patrol/visibility.h"
#include "roads/road_graph.h"

namespace pingan::patrol {

// One unit of the forces on duty.
struct PlanUnit {
  uint32_t id = 0;
  std::string callsign;
  TravelMode mode = TravelMode::kCar;
  int shift_begin_hour = 0;  // district hours of duty each day, [begin, end); end may pass 24
  int shift_end_hour = 24;
  // The allowed area: the jurisdiction of this station (派出所); empty: the whole district.
  std::string station_id;
  bool OnDuty(double local_seconds) const;
};

// A stay at a post: the unit is at `at` from `from` to `to` (local seconds).
struct Stop {
  double from = 0, to = 0;
  LonLat at;
  std::string duty;  // the fixed duty held here (FixedDuty::id); empty: patrol
  int cell = -1;     // the risk cell visited (an index into the planner's cells); -1: none
};

// A fixed duty (a hard constraint of the risk plan): `units` units present at `at` every day
// during [from_minute, to_minute) local time, e.g. a school post (护学岗) at the morning bell, a
// night market in its crowd, a night operation. `to_minute` may pass 1440.
struct FixedDuty {
  std::string id;    // "school_post:实验小学@07:30"
  std::string kind;  // "school_post", "key_area", "operation"
  LonLat at;
  int from_minute = 0, to_minute = 0;
  int units = 1;
  std::vector<TravelMode> modes;  // who may hold it; empty: any mode
};

// One fixed duty of `places` per place and PlaceDuty of its kind (the same duties visibility
// measures, so the plan staffs what 见警率 counts). Only cars, motorcycles and foot patrols hold
// school posts and key areas by default (`modes` empty: any).
std::vector<FixedDuty> DutiesAtPlaces(const std::vector<KeyPlace>& places,
                                      const std::vector<PlaceDuty>& duties);

// Who held one day's instance of a fixed duty.
struct DutyCover {
  std::string duty;  // FixedDuty::id
  std::string kind;
  double from = 0, to = 0;  // the instance's window, local seconds
  int slot = 0;             // 0 … units-1
  int unit = -1;            // index into Plan::units; -1: nobody could (see PlanStats)
};

struct Plan {
  std::string name;
  std::vector<PlanUnit> units;
  std::vector<std::vector<Stop>> stops;  // per unit, in time order; between stops it drives
  std::vector<DutyCover> duties;         // the fixed duties of the period and who held them
  // Where unit u is meant to be at `t`: at a stop, or on the straight line between two.
  LonLat Where(size_t u, double t) const;
};

struct PlanOptions {
  double dwell_min_s = 600, dwell_max_s = 960;  // per stop
  int stops_per_hour = 3;                       // at most; fewer when driving eats the hour
  // Between stops, as the crow flies × 1.4, by mode: a car or motorcycle on patrol (not on
  // a call), a bicycle, walking.
  double patrol_speed_m_s = 7, bicycle_speed_m_s = 4, foot_speed_m_s = 1.3;
  // A post covers the cells it reaches in this time. Four minutes rather than five spreads the
  // posts: on Portland it keeps the uniform plan's 90th percentile (docs/patrol.md).
  double cover_s = 240;
  double candidates = 900;  // candidate posts per hour at most
  // A foot or bicycle patrol's next post is at most this far from where it is.
  double move_s = 900;
  // The revisit rule: each hour's hottest cells, `revisit_cells_per_unit` per unit on patrol,
  // are each visited at least every `revisit_s` while they stay among the hottest.
  // A cell counts as hot only if its risk is at least `revisit_min_ratio` × the hour's mean.
  double revisit_cells_per_unit = 2;
  double revisit_s = 7200;
  double revisit_min_ratio = 2;
  // A hot cell is due for a visit in an hour if its deadline falls before the hour's end plus
  // this margin (visiting a little early keeps deadlines in the next hour from crowding).
  double revisit_margin_s = 1800;
  uint64_t seed = 1;

  double SpeedOf(TravelMode mode) const;
  // The planning drive between two points: straight line × 1.4 at the mode's patrol speed.
  double DriveS(LonLat a, LonLat b, TravelMode mode) const;
};

// The area on duty: road nodes the units' mode can use.
std::vector<LonLat> DrivableNodes(const roads::RoadGraph& graph, TravelMode mode);

// What a plan stands on. Both planners staff the fixed duties and keep units in their areas
// the same way; only the risk plan reads the risk map.
struct PlanInput {
  std::vector<LonLat> cells;  // centres of the risk map's cells
  // Expected incidents of each cell in the hour starting at `hour_start` (local seconds).
  std::function<std::vector<double>(double hour_start)> risk_at;
  std::vector<FixedDuty> duties;
  // The station a point belongs to, for units with an allowed area; empty: no areas.
  StationOf station_of;
};

struct PlanStats {
  size_t units = 0;
  size_t cells = 0, candidates = 0, hours = 0;
  double covered_share = 0;  // mean over hours of the risk within reach of a post
  double solve_ms = 0;       // optimiser time, all hours
  double coverage_ms = 0;    // road searches for the cover lists
  double total_ms = 0;       // the whole plan
  // Fixed duties: day instances × units wanted, and those held from start to end.
  size_t duty_slots = 0, duty_slots_held = 0;
  // The revisit rule, checked on the finished plan: hot spells (a cell among an hour's
  // hottest for consecutive hours), visits in them, and gaps longer than revisit_s.
  size_t hot_spells = 0, hot_visits = 0, revisit_misses = 0;
  double longest_gap_s = 0;
};

// Beats: k-means over the nodes each unit's mode can use within its area, one beat per unit of
// the same mode and area (a bureau's even split of its ground), and each unit's random walk
// within its own beat, around its fixed duties.
Plan UniformPlan(const roads::RoadGraph& graph, std::vector<PlanUnit> units, double from, double to,
                 const PlanInput& input, const PlanOptions& options, PlanStats* stats = nullptr);

// Per hour, the covering optimiser picks one post per unit on patrol so that the most expected
// risk lies within `cover_s` by road in the unit's mode, each unit's post inside its allowed
// area; a unit holding a fixed duty is at the duty's place for its window (a forced option: the
// optimiser counts what the duty post covers). Each unit then loops between its post, the
// hottest cells it covers and the hot cells due for a revisit, in a random order that still
// meets every revisit deadline it can. Candidate posts are the hottest cells of the first day
// (within reach of each mode by road) and the duties' places; their cover lists are worked out
// once per mode by backward road searches.
Plan RiskPlan(const roads::RoadGraph& graph, std::vector<PlanUnit> units, double from, double to,
              const PlanInput& input, const PlanOptions& options, PlanStats* stats = nullptr);

}  // namespace pingan::patrol
