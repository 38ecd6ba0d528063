// Repeat incidents over a simulated district year: ~50 km², 100,000 incidents, 2,000 addresses
// that call often, one address with a burst of 5,000 calls in a month, repeat callers. The
// baseline is the all-pairs reference of the tests on the first 5,000 incidents of the same data.
// The counters give the largest group of each reason. When links of all reasons formed one set
// of groups, a repeat caller moving between busy places joined their groups, and this year
// ended with 51,634 of its 100,000 incidents in one group; with one reason per group the
// largest place group is the burst address (its month of calls is one place, as it should
// be), the second is the busiest ordinary address's year, and the largest phone and party
// groups are a few calls.
#include <algorithm>
#include <map>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "cases/repeats.h"
#include "cases/repeats_reference.h"
#include "cases/simulated_year.h"

namespace pingan::cases {
namespace {

using bench::SimulateYear;

const std::vector<RepeatSubject>& Year() {
  static const std::vector<RepeatSubject> year = SimulateYear(100000, 1);
  return year;
}

void BM_FindRepeats(benchmark::State& state) {
  const std::span<const RepeatSubject> s(Year().data(), std::size_t(state.range(0)));
  std::size_t groups = 0;
  std::map<RepeatReason, std::size_t> largest = {
      {RepeatReason::kPlace, 0}, {RepeatReason::kPhone, 0}, {RepeatReason::kParty, 0}};
  for (auto _ : state) {
    RepeatResult r = FindRepeats(s);
    groups = r.groups.size();
    for (const RepeatGroup& g : r.groups) largest[g.reason] = std::max(largest[g.reason], g.count);
    benchmark::DoNotOptimize(r);
  }
  state.counters["groups"] = double(groups);
  for (const auto& [reason, count] : largest)
    state.counters["largest_" + std::string(ToString(reason))] = double(count);
  // Groups come largest first: the first place group is the burst address, the next shows
  // what the busiest ordinary places gather.
  std::size_t places_seen = 0;
  for (const RepeatGroup& g : FindRepeats(s).groups) {
    if (g.reason == RepeatReason::kPlace && ++places_seen == 2) {
      state.counters["second_place"] = double(g.count);
      break;
    }
  }
  state.counters["incidents_per_s"] =
      benchmark::Counter(double(s.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FindRepeats)->Arg(5000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_AllPairsReference(benchmark::State& state) {
  const std::span<const RepeatSubject> s(Year().data(), std::size_t(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(test::ReferenceRepeats(s, RepeatOptions{}));
  state.counters["incidents_per_s"] =
      benchmark::Counter(double(s.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_AllPairsReference)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pingan::cases

BENCHMARK_MAIN();
