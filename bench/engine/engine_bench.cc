// Durable incident creation through the whole write path (engine + SQLite ledger), beside the
// same commands decided and applied in memory only: the ratio is what durability costs.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include <benchmark/benchmark.h>

#include "core/incident_workflow.h"
#include "engine/engine.h"
#include "ledger/sqlite/sqlite_event_log.h"
#include "support/temp_dir.h"

namespace pingan::engine {
namespace {

CreateIncident Call(int k) {
  CreateIncident c;
  c.category = "public_order";
  c.subtype = "noise";
  c.priority = 2 + k % 3;
  c.location = LonLat{121.40 + (k % 100) * 0.001, 37.50 + (k % 77) * 0.001};
  c.address = "迎春大街 100 号";
  c.caller_name = "王小明";
  c.caller_phone = "13812345678";
  c.narrative = "楼上装修噪音扰民";
  return c;
}

// Keeps `in_flight` commands outstanding, as many HTTP clients would, and counts acknowledged
// (durable) commands per second.
void BM_DurableIncidentCreation(benchmark::State& state) {
  test::TempDir dir;
  auto log = ledger::sqlite::SqliteEventLog::Open(dir.File("ledger.db"));
  SystemClock clock;
  Engine engine(**log, clock, IncidentWorkflow());
  if (!engine.Start()) state.SkipWithError("engine did not start");
  const int in_flight = static_cast<int>(state.range(0));
  constexpr int kPerIteration = 2000;
  std::int64_t total = 0;
  for (auto _ : state) {
    std::mutex mu;
    std::condition_variable cv;
    int outstanding = 0;
    int acked = 0;
    for (int k = 0; k < kPerIteration; ++k) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return outstanding < in_flight; });
        ++outstanding;
      }
      engine.Submit(Command{"li", Call(k)}, [&](Result<CommandOutcome> r) {
        if (!r) std::abort();
        std::lock_guard lock(mu);
        --outstanding;
        ++acked;
        cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return acked == kPerIteration; });
    total += kPerIteration;
  }
  engine.Stop();
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
  state.counters["commits"] = static_cast<double>(engine.stats().batches);
}
BENCHMARK(BM_DurableIncidentCreation)
    ->Arg(1)
    ->Arg(64)
    ->Arg(512)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Baseline: the same commands through DistrictState alone, no ledger, no threads.
void BM_InMemoryIncidentCreation(benchmark::State& state) {
  DistrictState district(IncidentWorkflow());
  TimePoint now = SystemClock().Now();
  std::vector<Event> events;
  std::int64_t total = 0;
  for (auto _ : state) {
    for (int k = 0; k < 2000; ++k) {
      events.clear();
      if (!district.Execute(Command{"li", Call(k)}, now, events)) std::abort();
      (void)district.TakeChanges();
    }
    total += 2000;
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InMemoryIncidentCreation)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pingan::engine

BENCHMARK_MAIN();
