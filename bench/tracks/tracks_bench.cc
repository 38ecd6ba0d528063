// LiveIndex::Update for 2,000 units beside a plain std::unordered_map insert loop of the same
// fixes (what any in-memory index pays at least) and beside the other design we considered, one
// std::shared_mutex over one map. TrackStore durable appends beside raw write() + fdatasync()
// of the same bytes on one file: the ratio is what our layer costs over the kernel.
#include <memory>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include "support/temp_dir.h"
#include "tracks/live_index.h"
#include "tracks/track_store.h"

namespace pingan::tracks {
namespace {

constexpr int kUnits = 2000;
const TimePoint kT0 = FromMillis(1'795'392'000'000);  // 2026-11-23T00:00:00Z

// The k-th fix of a stream in which the 2,000 units report in turn, one millisecond apart.
TrackPoint Fix(std::int64_t k) {
  TrackPoint p;
  p.unit_id = 1 + k % kUnits;
  p.time = kT0 + std::chrono::milliseconds(k);
  p.lon_e7 = 1'214'000'000 + static_cast<std::int32_t>(k % 10'000);
  p.lat_e7 = 375'000'000 + static_cast<std::int32_t>(k % 7'777);
  p.speed_cm_s = 1'000;
  p.heading_cdeg = static_cast<std::uint16_t>(k % 36'000);
  p.accuracy_m = 5;
  p.source = TrackSource::kJt808;
  return p;
}

// Fills `batch` with the next fixes of this thread's share of the stream.
void NextBatch(std::vector<TrackPoint>& batch, std::int64_t& k, int stride) {
  for (TrackPoint& p : batch) {
    p = Fix(k);
    k += stride;
  }
}

// range(0): points per Update() call; range(1): lock stripes (1 is a single mutex).
void BM_LiveIndexUpdate(benchmark::State& state) {
  static std::unique_ptr<LiveIndex> index;
  if (state.thread_index() == 0) {
    index = std::make_unique<LiveIndex>(static_cast<std::size_t>(state.range(1)));
  }
  std::vector<TrackPoint> batch(static_cast<std::size_t>(state.range(0)));
  std::int64_t k = state.thread_index();
  std::int64_t points = 0;
  for (auto _ : state) {
    NextBatch(batch, k, state.threads());
    benchmark::DoNotOptimize(index->Update(batch));
    points += static_cast<std::int64_t>(batch.size());
  }
  state.counters["positions_per_s"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) index.reset();
}
BENCHMARK(BM_LiveIndexUpdate)
    ->ArgNames({"batch", "stripes"})
    ->Args({1, 64})
    ->Args({64, 64})
    ->Args({1, 1})
    ->Args({64, 1})
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Baseline: the same fixes into one std::unordered_map, no lock, no time check, no change
// list; one thread.
void BM_UnorderedMapInsertBaseline(benchmark::State& state) {
  std::unordered_map<UnitId, TrackPoint> map;
  std::vector<TrackPoint> batch(static_cast<std::size_t>(state.range(0)));
  std::int64_t k = 0;
  std::int64_t points = 0;
  for (auto _ : state) {
    NextBatch(batch, k, 1);
    for (const TrackPoint& p : batch) map.insert_or_assign(p.unit_id, p);
    benchmark::DoNotOptimize(map.size());
    points += static_cast<std::int64_t>(batch.size());
  }
  state.counters["positions_per_s"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_UnorderedMapInsertBaseline)->ArgName("batch")->Arg(1)->Arg(64)->UseRealTime();

// The alternative design: one std::shared_mutex over one map, same rules as LiveIndex.
class SharedMutexIndex {
 public:
  std::size_t Update(std::span<const TrackPoint> points) {
    std::size_t kept = 0;
    for (const TrackPoint& p : points) {
      std::unique_lock lock(mu_);
      auto [it, is_new] = entries_.try_emplace(p.unit_id, p, false);
      if (!is_new) {
        if (p.time <= it->second.first.time) continue;
        it->second.first = p;
      }
      ++kept;
      if (!it->second.second) {
        it->second.second = true;
        changed_.push_back(p.unit_id);
      }
    }
    return kept;
  }
  std::optional<TrackPoint> Get(UnitId unit) const {
    std::shared_lock lock(mu_);
    auto it = entries_.find(unit);
    if (it == entries_.end()) return std::nullopt;
    return it->second.first;
  }

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<UnitId, std::pair<TrackPoint, bool>> entries_;
  std::vector<UnitId> changed_;
};

void BM_SharedMutexIndexUpdate(benchmark::State& state) {
  static std::unique_ptr<SharedMutexIndex> index;
  if (state.thread_index() == 0) index = std::make_unique<SharedMutexIndex>();
  std::vector<TrackPoint> batch(static_cast<std::size_t>(state.range(0)));
  std::int64_t k = state.thread_index();
  std::int64_t points = 0;
  for (auto _ : state) {
    NextBatch(batch, k, state.threads());
    benchmark::DoNotOptimize(index->Update(batch));
    points += static_cast<std::int64_t>(batch.size());
  }
  state.counters["positions_per_s"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) index.reset();
}
BENCHMARK(BM_SharedMutexIndexUpdate)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(64)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Dispatch's reads: Get() of random units while the index is full, beside the shared_mutex map.
void BM_LiveIndexGet(benchmark::State& state) {
  LiveIndex index;
  SharedMutexIndex shared;
  std::vector<TrackPoint> all;
  for (std::int64_t k = 0; k < kUnits; ++k) all.push_back(Fix(k));
  index.Update(all);
  shared.Update(all);
  const bool is_shared_mutex = state.range(0) == 1;
  std::uint64_t x = 88172645463325252ULL;  // xorshift64: a cheap, repeatable unit sequence
  std::int64_t reads = 0;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto unit = static_cast<UnitId>(1 + x % kUnits);
    if (is_shared_mutex) {
      benchmark::DoNotOptimize(shared.Get(unit));
    } else {
      benchmark::DoNotOptimize(index.Get(unit));
    }
    ++reads;
  }
  state.SetLabel(is_shared_mutex ? "shared_mutex map" : "LiveIndex");
  state.counters["reads_per_s"] =
      benchmark::Counter(static_cast<double>(reads), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LiveIndexGet)->ArgName("shared_mutex")->Arg(0)->Arg(1);

// Durable appends of range(0) points by range(1) threads at once, each waiting for its ack
// as a JT/T 808 connection would; with several threads, group commit shares the fsyncs.
void BM_TrackStoreAppend(benchmark::State& state) {
  static std::unique_ptr<test::TempDir> dir;
  static std::unique_ptr<TrackStore> store;
  if (state.thread_index() == 0) {
    dir = std::make_unique<test::TempDir>();
    auto opened = TrackStore::Open(dir->path());
    if (opened) store = std::move(*opened);
  }
  std::vector<TrackPoint> batch(static_cast<std::size_t>(state.range(0)));
  std::int64_t k = state.thread_index();
  std::int64_t points = 0;
  // Other threads may look at `store` only inside the loop: its start waits for thread 0.
  for (auto _ : state) {
    if (store == nullptr) {
      state.SkipWithError("cannot open the track store");
      break;
    }
    NextBatch(batch, k, state.threads());
    if (!store->AppendAndWait(batch)) {
      state.SkipWithError("append failed");
      break;
    }
    points += static_cast<std::int64_t>(batch.size());
  }
  state.counters["points_per_s"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0 && store != nullptr) {
    TrackStoreStats stats = store->stats();
    state.counters["fsyncs"] = static_cast<double>(stats.fsyncs);
    state.counters["group_commits"] = static_cast<double>(stats.group_commits);
    state.counters["last_fsync_us"] = static_cast<double>(stats.last_fsync_latency.count());
    store.reset();
    dir.reset();
  }
}
BENCHMARK(BM_TrackStoreAppend)->ArgName("batch")->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();
BENCHMARK(BM_TrackStoreAppend)->ArgName("batch")->Arg(1)->Threads(8)->Threads(64)->UseRealTime();

// Baseline: the same number of bytes with write() and fdatasync() on one file, one thread.
void BM_RawWriteFdatasyncBaseline(benchmark::State& state) {
  test::TempDir dir;
  const std::string path = dir.File("raw.trk");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    state.SkipWithError("cannot create the file");
    return;
  }
  const auto batch = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < batch; ++i) {
    TrackRecord r = EncodeTrackRecord(Fix(static_cast<std::int64_t>(i)));
    bytes.insert(bytes.end(), r.begin(), r.end());
  }
  std::int64_t points = 0;
  for (auto _ : state) {
    if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write failed");
      break;
    }
    points += static_cast<std::int64_t>(batch);
  }
  ::close(fd);
  state.counters["points_per_s"] =
      benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawWriteFdatasyncBaseline)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(64)
    ->Arg(1024)
    ->UseRealTime();

}  // namespace
}  // namespace pingan::tracks

BENCHMARK_MAIN();
