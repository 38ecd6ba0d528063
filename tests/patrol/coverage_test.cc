// The covering optimiser on cases small enough to check by hand or by trying every subset, then
// against CBC's proven optimum on the small generated family: the heuristic within 0.5 %, the
// Lagrangian bound above the optimum, greedy alone clearly short of it.
#include "patrol/coverage.h"

#include <algorithm>
#include <chrono>
#include <random>

#include <gtest/gtest.h>

#include "patrol/cbc_solver.h"
#include "patrol/coverage_instances.h"

namespace pingan::patrol {
namespace {

// The best feasible choice by trying every subset of options. REQUIRES: at most ~16 options.
double BruteForceOptimum(const CoverageProblem& p) {
  double best = -1;
  std::vector<int> chosen;
  for (uint32_t mask = 0; mask < (1u << p.options()); ++mask) {
    chosen.clear();
    for (size_t o = 0; o < p.options(); ++o)
      if (mask & (1u << o)) chosen.push_back(int(o));
    if (IsFeasible(p, chosen)) best = std::max(best, CoveredWeight(p, chosen));
  }
  return best;
}

// Random tiny problems: 12 cells, 9 options covering 1–4 cells each, 1–3 groups of capacity
// 1–3, and sometimes a forced option.
CoverageProblem TinyProblem(uint32_t seed) {
  std::mt19937 rng(seed);
  CoverageProblem p;
  for (int i = 0; i < 12; ++i) p.weight.push_back(double(rng() % 100) / 10);
  const int groups = 1 + int(rng() % 3);
  for (int g = 0; g < groups; ++g) p.capacity.push_back(1 + int(rng() % 3));
  for (int o = 0; o < 9; ++o) {
    std::vector<int> cells;
    for (int k = 1 + int(rng() % 4); k > 0; --k) cells.push_back(int(rng() % 12));
    std::sort(cells.begin(), cells.end());
    cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
    p.covers.push_back(cells);
    p.group.push_back(int(rng() % uint32_t(groups)));
  }
  if (rng() % 2 == 0) p.forced.push_back(int(rng() % 9));
  return p;
}

// Cells 0–5 weigh 1 each. A covers the middle four, B and C a half each, and two units may be
// placed: greedy takes A (4), then B or C adds one cell (5); B and C together cover all six.
CoverageProblem MiddleAndHalves() {
  CoverageProblem p;
  p.weight = {1, 1, 1, 1, 1, 1};
  p.covers = {{1, 2, 3, 4}, {0, 1, 2}, {3, 4, 5}};  // A, B, C
  p.group = {0, 0, 0};
  p.capacity = {2};
  return p;
}

CbcResult SolveExactly(const CoverageProblem& p, double seconds = 30) {
  CbcOptions options;
  options.time_limit = std::chrono::duration<double>(seconds);
  Result<CbcResult> result = SolveCoverageWithCbc(p, options);
  EXPECT_TRUE(result.has_value()) << result.error().message;
  return result ? *result : CbcResult{};
}

TEST(Coverage, SwapsRepairWhatGreedyGetsWrong) {
  const CoverageProblem p = MiddleAndHalves();
  ASSERT_TRUE(ValidateCoverageProblem(p).has_value());
  const CoverageSolution greedy = SolveGreedy(p);
  EXPECT_EQ(greedy.chosen, (std::vector<int>{0, 1}));  // A first; B beats C on index
  EXPECT_DOUBLE_EQ(greedy.covered_weight, 5);
  const HeuristicResult h = SolveCoverageHeuristic(p);
  EXPECT_EQ(h.best.chosen, (std::vector<int>{1, 2}));
  EXPECT_DOUBLE_EQ(h.best.covered_weight, 6);
  EXPECT_DOUBLE_EQ(h.greedy_weight, 5);
  EXPECT_DOUBLE_EQ(h.first_descent_weight, 6);  // one swap: close A, open C
  EXPECT_GE(LagrangianUpperBound(p).upper_bound, 6 - 1e-9);
  const CbcResult exact = SolveExactly(p);
  EXPECT_TRUE(exact.is_proven_optimal);
  EXPECT_EQ(exact.solution.chosen, (std::vector<int>{1, 2}));
  EXPECT_DOUBLE_EQ(exact.solution.covered_weight, 6);
}

TEST(Coverage, GroupCapacityKeepsTheSecondUnitOutOfTheBestGroup) {
  // A and B (group 0, one unit) each cover three cells of weight 5; C (group 1, one unit) covers
  // one cell of weight 1. Without groups A + B would cover 30.
  CoverageProblem p;
  p.weight = {5, 5, 5, 5, 5, 5, 1};
  p.covers = {{0, 1, 2}, {3, 4, 5}, {6}};
  p.group = {0, 0, 1};
  p.capacity = {1, 1};
  const double optimum = 16;
  EXPECT_DOUBLE_EQ(BruteForceOptimum(p), optimum);
  const HeuristicResult h = SolveCoverageHeuristic(p);
  EXPECT_TRUE(IsFeasible(p, h.best.chosen));
  EXPECT_DOUBLE_EQ(h.best.covered_weight, optimum);
  EXPECT_EQ(h.best.chosen.size(), 2u);
  EXPECT_EQ(h.best.chosen.back(), 2);
  EXPECT_DOUBLE_EQ(SolveExactly(p).solution.covered_weight, optimum);
  EXPECT_GE(LagrangianUpperBound(p).upper_bound, optimum - 1e-9);
}

TEST(Coverage, ForcedOptionsStayAndUseUpCapacity) {
  // The school post (option 3) covers only cell 6 but is a fixed duty, so of the two units one
  // is left to plan: it takes the heavier of A and B.
  CoverageProblem p;
  p.weight = {5, 5, 5, 4, 4, 4, 1};
  p.covers = {{0, 1, 2}, {3, 4, 5}, {0, 1, 2, 3}, {6}};
  p.group = {0, 0, 0, 0};
  p.capacity = {2};
  p.forced = {3};
  const double optimum = 15 + 4 + 1;  // option 2 and the school post
  EXPECT_DOUBLE_EQ(BruteForceOptimum(p), optimum);
  for (const CoverageSolution& s :
       {SolveGreedy(p), SolveCoverageHeuristic(p).best, SolveExactly(p).solution}) {
    EXPECT_TRUE(IsFeasible(p, s.chosen));
    EXPECT_EQ(s.chosen, (std::vector<int>{2, 3}));
    EXPECT_DOUBLE_EQ(s.covered_weight, optimum);
  }
  EXPECT_GE(LagrangianUpperBound(p).upper_bound, optimum - 1e-9);
}

TEST(Coverage, EveryMethodAgreesWithBruteForceOnTinyProblems) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    CoverageProblem p = TinyProblem(seed);
    if (!ValidateCoverageProblem(p)) p.forced.clear();  // a forced option in a group of none
    ASSERT_TRUE(ValidateCoverageProblem(p).has_value());
    const double optimum = BruteForceOptimum(p);
    const CoverageSolution greedy = SolveGreedy(p);
    EXPECT_TRUE(IsFeasible(p, greedy.chosen));
    EXPECT_LE(greedy.covered_weight, optimum + 1e-9);
    const HeuristicResult h = SolveCoverageHeuristic(p);
    EXPECT_TRUE(IsFeasible(p, h.best.chosen));
    EXPECT_NEAR(h.best.covered_weight, optimum, 1e-9);
    const LagrangianResult bound = LagrangianUpperBound(p);
    EXPECT_GE(bound.upper_bound, optimum - 1e-9);
    EXPECT_TRUE(IsFeasible(p, bound.best_relaxed_choice.chosen));
    const CbcResult exact = SolveExactly(p);
    EXPECT_TRUE(exact.is_proven_optimal);
    EXPECT_TRUE(IsFeasible(p, exact.solution.chosen));
    EXPECT_NEAR(exact.solution.covered_weight, optimum, 1e-9);
  }
}

TEST(Coverage, InvalidProblemsNameTheOffendingField) {
  struct Case {
    const char* what;
    void (*breakIt)(CoverageProblem&);
    const char* field;
  };
  const Case cases[] = {
      {"negative weight", [](CoverageProblem& p) { p.weight[2] = -1; }, "weight[2]"},
      {"unsorted cover",
       [](CoverageProblem& p) {
         p.covers[1] = {2, 0};
       },
       "covers[1]"},
      {"repeated cell",
       [](CoverageProblem& p) {
         p.covers[1] = {0, 0};
       },
       "covers[1]"},
      {"cell out of range",
       [](CoverageProblem& p) {
         p.covers[0] = {1, 6};
       },
       "covers[0]"},
      {"no such group", [](CoverageProblem& p) { p.group[2] = 1; }, "group[2]"},
      {"group list too short", [](CoverageProblem& p) { p.group.pop_back(); }, "group"},
      {"negative capacity", [](CoverageProblem& p) { p.capacity[0] = -1; }, "capacity[0]"},
      {"forced twice",
       [](CoverageProblem& p) {
         p.forced = {1, 1};
       },
       "forced"},
      {"forced over capacity",
       [](CoverageProblem& p) {
         p.forced = {0, 1, 2};
       },
       "forced"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    CoverageProblem p = MiddleAndHalves();
    c.breakIt(p);
    const Status status = ValidateCoverageProblem(p);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(status.error().field, c.field);
    Result<CbcResult> exact = SolveCoverageWithCbc(p);
    ASSERT_FALSE(exact.has_value());
    EXPECT_EQ(exact.error().field, c.field);
  }
}

TEST(Coverage, NothingToCoverLeavesOnlyTheForcedOptions) {
  CoverageProblem p = MiddleAndHalves();
  p.weight.assign(6, 0);
  p.forced = {2};
  EXPECT_EQ(SolveCoverageHeuristic(p).best.chosen, (std::vector<int>{2}));
  EXPECT_DOUBLE_EQ(LagrangianUpperBound(p).upper_bound, 0);
  const CbcResult exact = SolveExactly(p);
  EXPECT_EQ(exact.solution.chosen, (std::vector<int>{2}));
  EXPECT_DOUBLE_EQ(exact.best_bound, 0);
}

// The small generated family against CBC: every figure the heuristic reports recomputes, it is
// within 0.5 % of the proven optimum, the Lagrangian bound is above that optimum, and greedy
// alone falls clearly short somewhere, so the local search is doing the work.
TEST(Coverage, HeuristicIsWithinHalfAPercentOfCbcOnTheSmallFamily) {
  int greedy_clearly_short = 0;
  for (const InstanceSpec& spec : SmallSuite()) {
    SCOPED_TRACE(Describe(spec));
    const CoverageProblem p = GenerateInstance(spec);
    ASSERT_TRUE(ValidateCoverageProblem(p).has_value());
    const CbcResult exact = SolveExactly(p);
    ASSERT_TRUE(exact.is_proven_optimal);
    const double optimum = exact.solution.covered_weight;
    EXPECT_TRUE(IsFeasible(p, exact.solution.chosen));
    EXPECT_GE(exact.best_bound, optimum);

    const HeuristicResult h = SolveCoverageHeuristic(p);
    EXPECT_TRUE(IsFeasible(p, h.best.chosen));
    EXPECT_NEAR(h.best.covered_weight, CoveredWeight(p, h.best.chosen), 1e-9);
    EXPECT_LE(h.best.covered_weight, optimum + 1e-9);
    EXPECT_GE(h.best.covered_weight, optimum * (1 - 0.005));
    EXPECT_GE(h.first_descent_weight, h.greedy_weight - 1e-9);
    EXPECT_GE(h.best.covered_weight, h.first_descent_weight - 1e-9);

    const CoverageSolution greedy = SolveGreedy(p);
    EXPECT_TRUE(IsFeasible(p, greedy.chosen));
    EXPECT_DOUBLE_EQ(greedy.covered_weight, h.greedy_weight);
    if (greedy.covered_weight < optimum * (1 - 0.01)) ++greedy_clearly_short;

    LagrangianOptions options;
    options.lower_bound = h.best.covered_weight;
    const LagrangianResult bound = LagrangianUpperBound(p, options);
    EXPECT_GE(bound.upper_bound, optimum * (1 - 1e-12));
    EXPECT_TRUE(IsFeasible(p, bound.best_relaxed_choice.chosen));
    EXPECT_NEAR(bound.best_relaxed_choice.covered_weight,
                CoveredWeight(p, bound.best_relaxed_choice.chosen), 1e-9);
  }
  EXPECT_GE(greedy_clearly_short, 3);
}

TEST(Coverage, TheSameSeedGivesTheSameAnswer) {
  const CoverageProblem p = GenerateInstance(BenchmarkSuite()[6]);  // 600 candidates, 750 m
  EXPECT_EQ(GenerateInstance(BenchmarkSuite()[6]).covers, p.covers);
  HeuristicOptions options;
  options.seed = 7;
  const HeuristicResult first = SolveCoverageHeuristic(p, options);
  const HeuristicResult second = SolveCoverageHeuristic(p, options);
  EXPECT_EQ(first.best.chosen, second.best.chosen);
  EXPECT_EQ(first.best.covered_weight, second.best.covered_weight);
  EXPECT_EQ(first.rounds, second.rounds);
  EXPECT_EQ(first.swaps, second.swaps);
  EXPECT_EQ(first.best.chosen.size(), 25u);
}

TEST(Coverage, AnExhaustedTimeBudgetStillReturnsTheFirstDescent) {
  const CoverageProblem p = GenerateInstance(SmallSuite()[1]);
  HeuristicOptions options;
  options.time_budget = std::chrono::microseconds(1);
  const HeuristicResult h = SolveCoverageHeuristic(p, options);
  EXPECT_EQ(h.starts, 1);
  EXPECT_EQ(h.rounds, 0);
  EXPECT_TRUE(IsFeasible(p, h.best.chosen));
  EXPECT_DOUBLE_EQ(h.best.covered_weight, h.first_descent_weight);
}

TEST(Cbc, StopsAtItsTimeLimitWithABoundAboveItsSolution) {
  // 600 candidates at 750 m: CBC leaves this open after minutes. Started from greedy, so that
  // it has a solution even if the limit ends it inside the root node.
  const CoverageProblem p = GenerateInstance(BenchmarkSuite()[6]);
  CbcOptions options;
  options.time_limit = std::chrono::seconds(1);
  options.start = SolveGreedy(p).chosen;
  Result<CbcResult> r = SolveCoverageWithCbc(p, options);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_LT(r->wall_time.count(), 15);  // the limit, plus the model, root LP and start check
  EXPECT_FALSE(r->is_proven_optimal);
  EXPECT_TRUE(IsFeasible(p, r->solution.chosen));
  EXPECT_GE(r->solution.covered_weight, CoveredWeight(p, options.start) - 1e-9);
  EXPECT_GT(r->best_bound, r->solution.covered_weight);
}

TEST(Cbc, StartsFromAGivenSolutionAndRefusesAnInfeasibleOne) {
  const CoverageProblem p = GenerateInstance(SmallSuite()[0]);
  CbcOptions options;
  options.start = SolveCoverageHeuristic(p).best.chosen;
  Result<CbcResult> started = SolveCoverageWithCbc(p, options);
  ASSERT_TRUE(started.has_value());
  EXPECT_TRUE(started->is_proven_optimal);
  EXPECT_NEAR(started->solution.covered_weight, SolveExactly(p).solution.covered_weight, 1e-9);

  options.start.push_back(options.start.front());  // a repeat
  Result<CbcResult> refused = SolveCoverageWithCbc(p, options);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "start");
}

}  // namespace
}  // namespace pingan::patrol
