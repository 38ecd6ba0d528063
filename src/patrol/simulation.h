// The what-if simulator: historical incidents replayed against a patrol plan. Units stand and
// drive where the plan says; each incident is given, after a dispatcher's delay, to the unit the
// production recommender ranks first (road travel time from where the unit is at that moment);
// the unit drives there, handles it for a sampled time and drives back to its plan. With no unit
// free the incident waits for the first one to clear. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dispatch/recommender.h"
#include "patrol/plans.h"
#include "patrol/visibility.h"

namespace pingan::patrol {

struct SimIncident {
  double t = 0;  // local seconds
  LonLat at;
  std::string category;
};

struct SimOptions {
  double dispatch_delay_s = 60;      // call taken → unit dispatched
  double handle_median_s = 25 * 60;  // on scene, lognormal
  double handle_sigma = 0.5;
  uint64_t seed = 1;
  double track_step_s = 30;  // positions sampled for visibility
};

struct SimResult {
  std::string plan;
  size_t incidents = 0;            // responded to
  size_t unreachable = 0;          // no unit could reach the scene by road
  std::vector<double> response_s;  // dispatch delay + waiting for a free unit + driving
  double median_response_s = 0, p90_response_s = 0;
  double within_300s = 0, within_600s = 0;  // shares
  double utilisation = 0;                   // busy unit-time over on-duty unit-time
  double visibility = 0;  // share of visibility targets with a unit present long enough
  double wall_s = 0;
};

// `targets` are the visibility targets (e.g. the top-risk cell-hours of the period).
SimResult Simulate(dispatch::Recommender& recommender, const Plan& plan,
                   const std::vector<SimIncident>& incidents, const std::vector<Target>& targets,
                   double from, double to, const SimOptions& options);

}  // namespace pingan::patrol
