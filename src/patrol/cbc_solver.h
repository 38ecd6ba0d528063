// The covering problem of patrol/coverage.h solved exactly by COIN-OR CBC (branch and cut), to
// measure the heuristic against a proven optimum, or against CBC's best bound where the time
// limit stops it first.
#pragma once

#include <chrono>
#include <vector>

#include "core/result.h"
#include "patrol/coverage.h"

namespace pingan::patrol {

struct CbcOptions {
  // Wall clock for CBC's search. Building the model, the root LP and checking a start come on
  // top: about 1 s for 600 candidates at 750 m, 5–10 s for 900 at 1,000 m.
  std::chrono::duration<double> time_limit{60};
  // Stop once (bound − objective) ≤ relative_gap · |objective|; 0 proves optimality outright.
  double relative_gap = 0;
  // A known solution for CBC to start from (e.g. the heuristic's), or empty. It must be feasible.
  std::vector<int> start;
  bool verbose = false;  // CBC's own log on stdout
};

struct CbcResult {
  CoverageSolution solution;  // covered_weight recomputed with CoveredWeight
  double best_bound = 0;      // no solution covers more (CBC's bound, never below the solution)
  bool is_proven_optimal = false;
  std::chrono::duration<double> wall_time{0};
};

// Solves the MILP
//   max Σ w_i y_i  s.t.  y_i ≤ Σ_{o covers i} x_o,  Σ_{o ∈ g} x_o ≤ k_g,  x_o = 1 if forced,
//   x_o ∈ {0, 1},  0 ≤ y_i ≤ 1
// where cells that no option covers, or that weigh nothing, are left out (y_i is integral at an
// optimum, so it stays continuous). Single-threaded and quiet unless `verbose`. Errors:
// kInvalidInput when the problem fails ValidateCoverageProblem or `start` is not feasible;
// kUnavailable when CBC stops without any solution (a time limit too short for its root) and no
// start was given; with a start, that start is the answer (not proven, CBC's bound if any).
Result<CbcResult> SolveCoverageWithCbc(const CoverageProblem& problem,
                                       const CbcOptions& options = {});

}  // namespace pingan::patrol
