// Synthetic covering problems of the size a district plans per slot, for tests and the
// benchmark suite: a grid of demand cells weighted by a clustered risk surface, candidate posts
// at random cells, and Euclidean cover lists. Real plans take cover lists from road travel time;
// the solvers cannot tell the difference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "patrol/coverage.h"

namespace pingan::patrol {

struct InstanceSpec {
  int columns = 60, rows = 60;  // demand cells
  double cell_m = 150;
  int candidates = 600;   // candidate posts, at distinct random cells
  double radius_m = 500;  // a post covers the cells whose centres lie within this distance
  int units = 25;
  // Candidates go to the group of the nearest of this many stations (random points), and the
  // units are shared out among the stations as evenly as possible. 1: plain MCLP.
  int stations = 1;
  // Fixed duties: up to this many candidates forced, spread over the stations, each of which
  // keeps at least one unit free to plan.
  int forced = 0;
  int hot_spots = 6;  // Gaussian bumps (σ 150–600 m) over a low background
  uint64_t seed = 1;
};

// A short label such as "60x60 c600 r500 u25 s1 #1".
std::string Describe(const InstanceSpec& spec);

// The same spec and seed give the same problem with every compiler and standard library (the
// generator draws raw 64-bit words and shapes them itself). Weights sum to 100: expected
// incidents in the district during the slot. Passes ValidateCoverageProblem.
// REQUIRES: positive sizes, candidates ≤ columns·rows, forced ≤ min(units, candidates).
CoverageProblem GenerateInstance(const InstanceSpec& spec);

// The suite coverage_bench reports: 60 × 60 cells of 150 m, 25 cars, 400, 600 or 900
// candidates, radii from 300 to 1,000 m; a third of them split the cars among 5 stations with 3
// fixed duties. CBC proves the small radii optimal in seconds and leaves the large ones open
// after minutes.
std::vector<InstanceSpec> BenchmarkSuite();

// Smaller districts (30 × 30 cells with 150 candidates and 8 cars, 36 × 36 with 200 and 10) that
// CBC proves optimal within about a second each, and where greedy alone falls 1–5 % short: the
// unit tests' family and coverage_bench --quick.
std::vector<InstanceSpec> SmallSuite();

}  // namespace pingan::patrol
