// Where to put a slot's units so that as much expected risk as possible lies within reach of at
// least one of them: a generalised maximal covering location problem (MCLP), its heuristic
// solver and an upper bound on what any solution can cover.
//
// The solver knows nothing of maps. The caller turns road travel time in each unit's mode into
// cover lists (which demand cells a unit standing at an option reaches in time), so the same code
// plans cars, motorbikes and foot patrols. The exact counterpart, for measuring the heuristic,
// is in patrol/cbc_solver.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"

namespace pingan::patrol {

// The problem. Demand cells i carry weight w_i (expected risk in the slot). An option is a place
// a unit can stand or patrol (巡逻点位), with the cells it covers. Options are partitioned into
// groups: a group is one unit, or a pool of k identical units of one mode and station, and at
// most capacity[g] options of group g are chosen (plain MCLP with p facilities is one group of
// capacity p holding every candidate). Forced options (fixed duties, e.g. a school post at its
// peak) are always chosen and count against their group's capacity. The objective is Σ w_i over
// cells covered by at least one chosen option.
struct CoverageProblem {
  std::vector<double> weight;            // per demand cell: ≥ 0
  std::vector<std::vector<int>> covers;  // per option: the cells it covers, sorted, no repeats
  std::vector<int> group;                // per option: its group, an index into `capacity`
  std::vector<int> capacity;             // per group: how many of its options may be chosen, ≥ 0
  std::vector<int> forced;               // options that must be chosen, no repeats

  size_t cells() const { return weight.size(); }
  size_t options() const { return covers.size(); }
};

// Checks every invariant stated on CoverageProblem, and that each group's forced options fit
// its capacity; the error names the first offending field ("covers[12]", "forced"). The solvers
// below REQUIRE a problem that passes and check it (O(size of the cover lists)): a bad problem
// is a bug in the caller and aborts.
Status ValidateCoverageProblem(const CoverageProblem& problem);

// A set of chosen options (sorted by index) and the weight of the cells they cover.
struct CoverageSolution {
  std::vector<int> chosen;
  double covered_weight = 0;
};

// Σ w_i over the cells covered by at least one of `chosen`, summed from scratch in cell order:
// the reference every solver's own bookkeeping is checked against. Repeats in `chosen` count
// once.
double CoveredWeight(const CoverageProblem& problem, std::span<const int> chosen);

// Whether `chosen` could be a solution: options in range, no repeats, every forced option
// present, no group over its capacity.
bool IsFeasible(const CoverageProblem& problem, std::span<const int> chosen);

// Greedy: the forced options, then repeatedly the option that adds the most uncovered weight
// among groups with room left (lazy evaluation: a priority queue of possibly stale gains, which
// only fall as more is covered, so a popped gain that is still current is the true maximum).
// Ties go to the lower option index. REQUIRES: ValidateCoverageProblem(problem) succeeds.
CoverageSolution SolveGreedy(const CoverageProblem& problem);

struct HeuristicOptions {
  uint64_t seed = 1;  // the only source of randomness: same seed and problem, same answer
  // Independent starts: the first from greedy, the others from randomised greedy.
  int starts = 4;
  // Perturbation rounds of the iterated local search, shared evenly among the starts; 0 leaves
  // each start at its first swap descent.
  int max_rounds = 200;
  // Randomised greedy draws each unit's option among those within this fraction of the best gain.
  double alpha = 0.3;
  // Wall-clock cap, shared evenly among the starts (zero: none). Each start's first descent
  // always completes. A run is deterministic for its seed only when the round cap, not the
  // clock, ends it.
  std::chrono::microseconds time_budget{0};
};

struct HeuristicResult {
  CoverageSolution best;
  double greedy_weight = 0;         // covered by the greedy start
  double first_descent_weight = 0;  // after greedy and one swap descent
  int starts = 0;                   // starts run
  int rounds = 0;                   // perturbation rounds run, over all starts
  int improving_rounds = 0;         // rounds that improved their start's best
  int swaps = 0;                    // improving moves applied, over all descents
};

// Greedy, then local search with swap moves (close one chosen option, open another of the same
// group, plus plain opens while a group has room), then iterated local search: each round
// closes a few chosen options near one another, refills greedily without them, descends again
// and keeps the result if it is no worse. A swap is priced from
// per-cell cover counts without recomputing the objective (fast interchange): closing a loses
// the cells only a covers, opening b gains the uncovered cells of b, and the cells only a
// covers that b covers too are added back. This runs from several starts, and each start's best
// is path-relinked towards the earlier starts' bests. best.covered_weight is recomputed with
// CoveredWeight, so no rounding drift is reported. REQUIRES: ValidateCoverageProblem(problem)
// succeeds.
HeuristicResult SolveCoverageHeuristic(const CoverageProblem& problem,
                                       const HeuristicOptions& options = {});

struct LagrangianOptions {
  int max_iterations = 1000;
  // The best known objective (e.g. the heuristic's): the target of the Polyak step. Below the
  // greedy objective, the greedy objective is used.
  double lower_bound = 0;
  // The step factor starts at 2 and halves after this many iterations without a lower bound.
  int patience = 30;
  // Each direction is the subgradient plus this fraction of the previous direction.
  double deflection = 0.7;
};

struct LagrangianResult {
  double upper_bound = 0;  // no feasible solution covers more weight
  int iterations = 0;
  // The best of the relaxation's own choices of options (each respects capacities and forced
  // options, so each is a feasible solution): a free Lagrangian heuristic.
  CoverageSolution best_relaxed_choice;
};

// An upper bound by Lagrangian relaxation of the coverage constraints y_i ≤ Σ_{o∋i} x_o with
// multipliers λ_i ∈ [0, w_i], minimised by subgradient optimisation. For given λ the relaxed
// problem splits: y_i = [w_i > λ_i], and in each group the forced options plus the others with
// the largest Σ_{i∈o} λ_i up to its capacity. Returns the lowest bound seen, so any iteration
// count gives a valid bound; it can be no better than the LP relaxation's. Deterministic.
// REQUIRES: ValidateCoverageProblem(problem) succeeds.
LagrangianResult LagrangianUpperBound(const CoverageProblem& problem,
                                      const LagrangianOptions& options = {});

}  // namespace pingan::patrol
