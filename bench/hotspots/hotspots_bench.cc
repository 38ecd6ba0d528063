// Fitting the ETAS models against event count, on simulated district histories (uniform
// background over 6 km × 6 km, θ 0.35, ω 0.2/day, σ 120 m), with the growth exponent fitted by
// Google Benchmark (BigO). A year of a district's 警情 is about 40,000 events.
#include <random>

#include <benchmark/benchmark.h>

#include "hotspots/models.h"

namespace pingan::hotspots {
namespace {

constexpr double kDay = 86400;

// About `n` events over `days` days.
EventData Simulate(size_t n, double days, uint64_t seed) {
  const double theta = 0.35;
  const double mu = double(n) * (1 - theta) / days;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> where(0, 6000), when(0, days);
  std::normal_distribution<double> offset(0, 120);
  std::exponential_distribution<double> lag(0.2);
  std::poisson_distribution<int> children(theta), background(mu * days);
  std::vector<std::pair<double, XY>> all, generation;
  for (int k = background(rng); k > 0; --k)
    generation.push_back({when(rng), {where(rng), where(rng)}});
  while (!generation.empty()) {
    std::vector<std::pair<double, XY>> next;
    for (const auto& ev : generation) {
      all.push_back(ev);
      for (int k = children(rng); k > 0; --k) {
        double t = ev.first + lag(rng);
        if (t < days) next.push_back({t, {ev.second.x + offset(rng), ev.second.y + offset(rng)}});
      }
    }
    generation = std::move(next);
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  EventData e;
  Grid grid({0, 0}, 40, 40, 150);
  for (const auto& [t, at] : all) {
    e.t.push_back(t * kDay);
    e.at.push_back(at);
    e.cell.push_back(grid.CellOf(at));
  }
  return e;
}

void BM_FitEtas(benchmark::State& state) {
  EventData e = Simulate(size_t(state.range(0)), 365, 1);
  EtasOptions options;
  options.max_iterations = 10;  // as the reference implementation's figure
  for (auto _ : state) benchmark::DoNotOptimize(FitEtas(e, 0, 365 * kDay, options));
  state.SetComplexityN(int64_t(e.t.size()));
  state.counters["events"] = double(e.t.size());
}
BENCHMARK(BM_FitEtas)
    ->Arg(3603)
    ->Arg(10000)
    ->Arg(40000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();

void BM_FitGridEtas(benchmark::State& state) {
  EventData e = Simulate(size_t(state.range(0)), 365, 2);
  Grid grid({0, 0}, 40, 40, 150);
  for (auto _ : state) benchmark::DoNotOptimize(FitGridEtas(e, grid, 0, 365 * kDay, 50));
  state.SetComplexityN(int64_t(e.t.size()));
  state.counters["events"] = double(e.t.size());
}
BENCHMARK(BM_FitGridEtas)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->Complexity();

}  // namespace
}  // namespace pingan::hotspots

BENCHMARK_MAIN();
