// Durable appends through SqliteEventLog, beside the same rows inserted with raw sqlite3_step
// and the same pragmas: the ratio is what our layer costs over SQLite itself.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include "ledger/sqlite/sqlite_event_log.h"
#include "support/temp_dir.h"

namespace pingan::ledger::sqlite {
namespace {

Event MakeEvent(Sequence seq) {
  return Event{seq,
               FromMillis(1'790'000'000'000 + seq),
               "li",
               "incident.received",
               "incident/" + std::to_string(seq),
               {{"incident_id", seq},
                {"category", "public_order"},
                {"priority", 2},
                {"address", "迎春大街 100 号"},
                {"narrative", "噪音扰民，楼上装修"}}};
}

void BM_AppendBatch(benchmark::State& state) {
  test::TempDir dir;
  auto log = SqliteEventLog::Open(dir.File("ledger.db"));
  if (!log) {
    state.SkipWithError(log.error().message.c_str());
    return;
  }
  const auto batch = static_cast<Sequence>(state.range(0));
  Sequence next = 1;
  std::vector<Event> events;
  for (auto _ : state) {
    state.PauseTiming();
    events.clear();
    for (Sequence k = 0; k < batch; ++k) events.push_back(MakeEvent(next + k));
    state.ResumeTiming();
    if (!(*log)->Append(events)) state.SkipWithError("append failed");
    next += batch;
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(next - 1), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AppendBatch)->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();

// Baseline: one transaction per batch of raw prepared inserts, WAL + synchronous=FULL.
void BM_RawSqliteInsertBatch(benchmark::State& state) {
  test::TempDir dir;
  sqlite3* db = nullptr;
  sqlite3_open(dir.File("raw.db").c_str(), &db);
  sqlite3_exec(
      db,
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE events(seq "
      "INTEGER PRIMARY KEY, time_ms INTEGER, actor TEXT, type TEXT, stream TEXT, data TEXT)",
      nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", -1, &insert, nullptr);
  const auto batch = static_cast<Sequence>(state.range(0));
  Sequence next = 1;
  std::vector<std::pair<Event, std::string>> rows;
  for (auto _ : state) {
    state.PauseTiming();
    rows.clear();
    for (Sequence k = 0; k < batch; ++k) {
      Event e = MakeEvent(next + k);
      std::string data = e.data.dump();  // the JSON text is ready-made: only SQLite is timed
      rows.emplace_back(std::move(e), std::move(data));
    }
    state.ResumeTiming();
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (const auto& [e, data] : rows) {
      sqlite3_bind_int64(insert, 1, e.seq);
      sqlite3_bind_int64(insert, 2, ToMillis(e.time));
      sqlite3_bind_text(insert, 3, e.actor.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 4, e.type.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 5, e.stream.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 6, data.c_str(), -1, SQLITE_STATIC);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    next += batch;
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(next - 1), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawSqliteInsertBatch)->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();

}  // namespace
}  // namespace pingan::ledger::sqlite

BENCHMARK_MAIN();
