// Hotspot models against event count, on simulated district histories (uniform background,
// θ 0.35, ω 0.2/day, σ 120 m), with the growth exponent fitted by Google Benchmark (BigO): the
// ETAS fits, every model's fit-and-predict, and the risk map of 12 slots. A year of a
// district's 警情 is about 40,000 events.
#include <numeric>
#include <random>

#include <benchmark/benchmark.h>

#include "hotspots/models.h"
#include "hotspots/risk_map.h"

namespace pingan::hotspots {
namespace {

constexpr double kDay = 86400;

// About `n` events over `days` days, on `km` × `km` (cells of 150 m).
EventData Simulate(size_t n, double days, uint64_t seed, double km = 6) {
  const double theta = 0.35;
  const double mu = double(n) * (1 - theta) / days;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> where(0, km * 1000), when(0, days);
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
  const int side = int(km * 1000 / 150);
  Grid grid({0, 0}, side, side, 150);
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

// Fit and predict of every standard model from cold (a new model each time, so that neither
// the static KDE's frozen map nor a warm start is measured): the events of a year before `now`
// on 9 km × 9 km (3,600 cells), the surface for the next day.
void BM_Predict(benchmark::State& state, const std::string& name) {
  EventData e = Simulate(size_t(state.range(0)) * 400 / 365, 400, 3, 9);
  Grid grid({0, 0}, 60, 60, 150);
  std::vector<int> region(grid.size());
  std::iota(region.begin(), region.end(), 0);
  const double now = 400 * kDay;
  for (auto _ : state) {
    auto model = MakeModel(name, 150);
    model->SetStudyRegion(region);
    benchmark::DoNotOptimize(model->Predict(e, grid, now));
  }
  state.SetComplexityN(int64_t(e.IndexAt(now) - e.IndexAt(now - 365 * kDay)));
}
void RegisterPredictBenchmarks() {
  for (const char* name : {"counting_grid", "static_kde", "retro_kde", "prospective", "stkde",
                           "grid_etas", "etas", "combined"}) {
    auto* b = benchmark::RegisterBenchmark((std::string("BM_Predict/") + name).c_str(), BM_Predict,
                                           std::string(name));
    // The combiner fits its members on each of 28 days before: kept small.
    if (std::string(name) == "combined")
      b->Arg(2500)->Arg(5000)->Arg(10000)->Iterations(1);
    else
      b->Arg(10000)->Arg(20000)->Arg(40000);
    b->Unit(benchmark::kMillisecond)->Complexity();
  }
}

// The risk map a station plans from: 3,600 cells × 12 two-hour slots from a year of history
// (40,000 events), with the spatial surface from the space-time KDE or grid ETAS.
void BM_RiskMap(benchmark::State& state, const std::string& name) {
  EventData e = Simulate(40000, 365, 4, 9);
  Grid grid({0, 0}, 60, 60, 150);
  std::vector<int> region(grid.size());
  std::iota(region.begin(), region.end(), 0);
  for (auto _ : state) {
    // A fresh model each time: grid ETAS would otherwise start from its last fit.
    auto model = MakeModel(name, 150);
    RiskMap map = BuildRiskMap(e, grid, region, 365 * kDay, DaySlots(12), *model);
    benchmark::DoNotOptimize(map.risk.data());
  }
  state.counters["cells"] = double(grid.size());
  state.counters["slots"] = 12;
}
BENCHMARK_CAPTURE(BM_RiskMap, stkde, std::string("stkde"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RiskMap, grid_etas, std::string("grid_etas"))->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pingan::hotspots

int main(int argc, char** argv) {
  pingan::hotspots::RegisterPredictBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
