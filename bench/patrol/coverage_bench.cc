// coverage_bench: the covering optimiser on a fixed suite of generated districts, against
// CBC's proven optimum (or its best bound where the time limit stops it) and the Lagrangian
// bound, then the heuristic's time on the largest size a slot needs. Prints its figures and the
// command that reproduces them. Exits 1 if any answer is inconsistent: an infeasible choice, a
// reported weight that does not recompute, or a bound below a feasible solution.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "patrol/cbc_solver.h"
#include "patrol/coverage.h"
#include "patrol/coverage_instances.h"

namespace {

using pingan::patrol::CoverageProblem;
using pingan::patrol::InstanceSpec;
using Clock = std::chrono::steady_clock;

struct Options {
  bool quick = false;
  double cbc_seconds = 60;
  bool warm_start = false;
  uint64_t seed = 1;
  int rounds = pingan::patrol::HeuristicOptions{}.max_rounds;
  int timing_runs = 20;
};

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// CPU time of this thread: on a shared machine the wall clock also counts other processes' turns.
double CpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

bool Consistent(const CoverageProblem& p, const pingan::patrol::CoverageSolution& s,
                const char* what, const std::string& name) {
  const double recomputed = pingan::patrol::CoveredWeight(p, s.chosen);
  if (pingan::patrol::IsFeasible(p, s.chosen) &&
      std::abs(recomputed - s.covered_weight) <= 1e-9 * std::max(1.0, recomputed))
    return true;
  std::fprintf(stderr, "coverage_bench: %s on %s is infeasible or misreports its weight\n", what,
               name.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"The covering optimiser against CBC and the Lagrangian bound"};
  app.add_flag("--quick", o.quick, "small instances and short time limits (the ctest smoke run)");
  app.add_option("--cbc-seconds", o.cbc_seconds, "CBC time limit per instance")
      ->capture_default_str();
  app.add_flag("--warm-start", o.warm_start, "give CBC the heuristic's solution to start from");
  app.add_option("--seed", o.seed, "the heuristic's seed")->capture_default_str();
  app.add_option("--rounds", o.rounds, "iterated local search rounds")->capture_default_str();
  app.add_option("--timing-runs", o.timing_runs, "runs of the timed 900 x 3600 x 25 case")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    o.cbc_seconds = std::min(o.cbc_seconds, 5.0);
    o.timing_runs = std::min(o.timing_runs, 3);
  }

  std::string command = "coverage_bench";
  for (int k = 1; k < argc; ++k) command += std::string(" ") + argv[k];
  std::printf("# %s\n", command.c_str());
  std::printf("# heuristic: seed %llu, %d rounds; CBC: %.0f s limit%s\n",
              static_cast<unsigned long long>(o.seed), o.rounds, o.cbc_seconds,
              o.warm_start ? ", warm-started" : "");
  std::printf(
      "# gap_cbc: how far the heuristic covers less than CBC's solution (the optimum where "
      "proven; negative: it covers more)\n# gap_ub: how far it covers less than the best upper "
      "bound, CBC's or the Lagrangian's\n");
  std::printf("%-28s %9s %9s %9s %9s %6s %9s %8s %8s %8s %8s %8s\n", "instance", "heuristic",
              "greedy", "cbc", "cbc_bound", "proven", "lagr_ub", "gap_cbc%", "gap_ub%", "heur_ms",
              "lagr_ms", "cbc_s");
  bool ok = true;
  std::vector<double> gaps_opt, gaps_ub, greedy_gaps_ub;
  int heuristic_ahead = 0;
  for (const InstanceSpec& spec :
       o.quick ? pingan::patrol::SmallSuite() : pingan::patrol::BenchmarkSuite()) {
    const std::string name = pingan::patrol::Describe(spec);
    const CoverageProblem p = pingan::patrol::GenerateInstance(spec);

    pingan::patrol::HeuristicOptions heuristic_options;
    heuristic_options.seed = o.seed;
    heuristic_options.max_rounds = o.rounds;
    Clock::time_point t0 = Clock::now();
    const pingan::patrol::HeuristicResult h =
        pingan::patrol::SolveCoverageHeuristic(p, heuristic_options);
    const double heuristic_ms = Ms(Clock::now() - t0);
    const pingan::patrol::CoverageSolution greedy = pingan::patrol::SolveGreedy(p);

    pingan::patrol::LagrangianOptions lagrangian_options;
    lagrangian_options.lower_bound = h.best.covered_weight;
    t0 = Clock::now();
    const pingan::patrol::LagrangianResult lagrangian =
        pingan::patrol::LagrangianUpperBound(p, lagrangian_options);
    const double lagrangian_ms = Ms(Clock::now() - t0);

    pingan::patrol::CbcOptions cbc_options;
    cbc_options.time_limit = std::chrono::duration<double>(o.cbc_seconds);
    if (o.warm_start) cbc_options.start = h.best.chosen;
    const auto cbc = pingan::patrol::SolveCoverageWithCbc(p, cbc_options);
    if (!cbc) {
      std::fprintf(stderr, "coverage_bench: CBC on %s: %s\n", name.c_str(),
                   cbc.error().message.c_str());
      ok = false;
      continue;
    }
    ok = Consistent(p, h.best, "the heuristic", name) && ok;
    ok = Consistent(p, greedy, "greedy", name) && ok;
    ok = Consistent(p, cbc->solution, "CBC", name) && ok;
    const double best_known = std::max(h.best.covered_weight, cbc->solution.covered_weight);
    const double upper = std::min(cbc->best_bound, lagrangian.upper_bound);
    if (upper < best_known * (1 - 1e-9)) {
      std::fprintf(stderr, "coverage_bench: on %s a bound (%.6f) is below a solution (%.6f)\n",
                   name.c_str(), upper, best_known);
      ok = false;
    }
    // Gaps in percent of the reference: positive means the heuristic covers less.
    const double gap_opt =
        100 * (cbc->solution.covered_weight - h.best.covered_weight) / cbc->solution.covered_weight;
    const double gap_ub = 100 * (upper - h.best.covered_weight) / upper;
    if (cbc->is_proven_optimal) gaps_opt.push_back(gap_opt);
    if (h.best.covered_weight > cbc->solution.covered_weight) ++heuristic_ahead;
    gaps_ub.push_back(gap_ub);
    greedy_gaps_ub.push_back(100 * (upper - greedy.covered_weight) / upper);
    std::printf("%-28s %9.4f %9.4f %9.4f %9.4f %6s %9.4f %8.3f %8.3f %8.1f %8.1f %8.2f\n",
                name.c_str(), h.best.covered_weight, greedy.covered_weight,
                cbc->solution.covered_weight, cbc->best_bound,
                cbc->is_proven_optimal ? "yes" : "no", lagrangian.upper_bound, gap_opt, gap_ub,
                heuristic_ms, lagrangian_ms, cbc->wall_time.count());
    std::fflush(stdout);
  }
  auto summarise = [](const char* what, const std::vector<double>& gaps) {
    if (gaps.empty()) {
      std::printf("%s: none\n", what);
      return;
    }
    double sum = 0;
    for (double g : gaps) sum += g;
    std::printf("%s over %zu instances: mean %.3f %%, worst %.3f %%\n", what, gaps.size(),
                sum / double(gaps.size()), *std::max_element(gaps.begin(), gaps.end()));
  };
  summarise("gap to CBC's proven optimum", gaps_opt);
  summarise("gap to the best upper bound", gaps_ub);
  summarise("greedy alone, gap to the best upper bound", greedy_gaps_ub);
  std::printf("heuristic ahead of CBC's solution on %d instances\n", heuristic_ahead);

  // Time per slot at the largest size planned: 900 candidates, 3,600 cells, 25 cars.
  for (double radius_m : {500.0, 1000.0}) {
    InstanceSpec spec;
    spec.candidates = 900;
    spec.radius_m = radius_m;
    spec.seed = 7;
    const CoverageProblem p = pingan::patrol::GenerateInstance(spec);
    pingan::patrol::HeuristicOptions heuristic_options;
    heuristic_options.seed = o.seed;
    heuristic_options.max_rounds = o.rounds;
    std::vector<double> heuristic_ms, heuristic_cpu_ms, greedy_ms;
    for (int run = 0; run < o.timing_runs; ++run) {
      Clock::time_point t0 = Clock::now();
      const double cpu0 = CpuMs();
      const auto h = pingan::patrol::SolveCoverageHeuristic(p, heuristic_options);
      heuristic_cpu_ms.push_back(CpuMs() - cpu0);
      heuristic_ms.push_back(Ms(Clock::now() - t0));
      t0 = Clock::now();
      const auto g = pingan::patrol::SolveGreedy(p);
      greedy_ms.push_back(Ms(Clock::now() - t0));
      if (h.best.covered_weight < g.covered_weight) ok = false;
    }
    auto median = [](std::vector<double>& v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf(
        "time per slot, %s: heuristic median %.1f ms wall, %.1f ms CPU (%d runs); greedy alone "
        "%.1f ms\n",
        pingan::patrol::Describe(spec).c_str(), median(heuristic_ms), median(heuristic_cpu_ms),
        o.timing_runs, median(greedy_ms));
  }
  return ok ? 0 : 1;
}
