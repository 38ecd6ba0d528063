// The risk map a station works from: for each time slot of the coming day (an hour, or a shift
// such as 08–10), the expected number of incidents in every grid cell. Where comes from a
// spatial model (grid ETAS by default, the best in the back-tests); when comes from the
// district's hour-of-week profile, tilted cell by cell towards the cell's own hours — a night
// market is hot at night, a school at the afternoon bell — with the district profile as a prior
// so that a cell with few incidents keeps the district's rhythm.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hotspots/grid.h"
#include "hotspots/models.h"

namespace pingan::hotspots {

// Hours of the day [begin, end); end may pass midnight (22–02 is end = 26).
struct Slot {
  int begin_hour = 0;
  int end_hour = 1;
};
// "8" (08:00–09:00), "8-10", "22-2" (past midnight); hours 0–24. nullopt when malformed.
std::optional<Slot> ParseSlot(const std::string& text);
// `count` equal slots covering the day from midnight (24, 12, 8, 6, 4, 3, 2 or 1).
std::vector<Slot> DaySlots(int count);

struct RiskMapOptions {
  double profile_bandwidth_m = 300;  // the kernel that gathers a cell's own hours
  double profile_prior_events = 10;  // the district profile counts as this many events per cell
  double profile_window_days = 365;
  double rate_window_days = 28;  // the district's daily level: the mean over these days
};

struct RiskMap {
  std::vector<Slot> slots;
  std::vector<double> slot_start;  // the slot's next occurrence (local seconds) at or after `now`
  std::vector<double> slot_total;  // expected incidents in the district during it
  std::vector<std::vector<double>> risk;  // [slot][cell]: expected incidents in the cell
  size_t history = 0;                     // events the map was built from
};

// `spatial` is asked once for the surface at `now`; only cells in `region` get risk. Times are
// local seconds, as in EventData.
RiskMap BuildRiskMap(const EventData& events, const Grid& grid, const std::vector<int>& region,
                     double now, const std::vector<Slot>& slots, Model& spatial,
                     const RiskMapOptions& options = {});

// One of the standard models by name (counting_grid, static_kde, …, combined); null if unknown.
std::unique_ptr<Model> MakeModel(const std::string& name, double cell_m);

}  // namespace pingan::hotspots
