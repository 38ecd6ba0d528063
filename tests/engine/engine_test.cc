#include "engine/engine.h"

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/incident_workflow.h"
#include "core/json_support.h"
#include "ledger/sqlite/sqlite_event_log.h"
#include "support/temp_dir.h"

namespace pingan::engine {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = FromMillis(1'790'000'000'000);

// Passes everything to a real SQLite log until told to fail, like a disk that fills up.
class FaultInjectingLog final : public ledger::EventLog {
 public:
  explicit FaultInjectingLog(ledger::EventLog& inner) : inner_(inner) {}
  void FailAppends() { is_failing_ = true; }
  Status Append(std::span<const Event> events) override {
    if (is_failing_) return Error{ErrorCode::kUnavailable, "injected: disk full", {}};
    return inner_.Append(events);
  }
  Status ReadFrom(Sequence after, const std::function<Status(Event&&)>& fn) override {
    return inner_.ReadFrom(after, fn);
  }
  Sequence last_seq() const override { return inner_.last_seq(); }
  Status WriteCheckpoint(const ledger::Checkpoint& c) override { return inner_.WriteCheckpoint(c); }
  Result<std::optional<ledger::Checkpoint>> LatestCheckpoint() override {
    return inner_.LatestCheckpoint();
  }

 private:
  ledger::EventLog& inner_;
  std::atomic<bool> is_failing_ = false;
};

class EngineTest : public testing::Test {
 protected:
  std::unique_ptr<ledger::EventLog> OpenLog() {
    auto log = ledger::sqlite::SqliteEventLog::Open(dir_.File("ledger.db"));
    EXPECT_TRUE(log.has_value());
    return std::move(*log);
  }
  static CreateIncident Call(int priority = 2) {
    CreateIncident c;
    c.category = "public_order";
    c.subtype = "noise";
    c.priority = priority;
    c.location = LonLat{121.4, 37.5};
    c.caller_phone = "13800000000";
    return c;
  }
  // Everything readers see, as comparable JSON.
  static nlohmann::json Snapshot(const Engine& engine) {
    return engine.Read([](const ReadView& v) {
      nlohmann::json out = {{"seq", v.durable_seq}};
      for (const auto& [id, i] : v.incidents) out["incidents"].push_back(*i);
      for (const auto& [id, u] : v.units) out["units"].push_back(*u);
      for (const auto& [name, u] : v.users) out["users"].push_back(*u);
      return out;
    });
  }

  test::TempDir dir_;
  FakeClock clock_{kT0};
};

TEST_F(EngineTest, AcknowledgedCommandsAreVisibleToReaders) {
  auto log = OpenLog();
  Engine engine(*log, clock_, IncidentWorkflow());
  ASSERT_TRUE(engine.Start().has_value());
  auto r = engine.Execute(Command{"li", Call()});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->id, 1);
  EXPECT_EQ(r->last_seq, 1);
  auto incident = engine.FindIncident(1);
  ASSERT_NE(incident, nullptr);
  EXPECT_EQ(incident->status, "received");
  EXPECT_EQ(log->last_seq(), 1);  // durable before acknowledged
  auto refused = engine.Execute(Command{"li", IncidentAction{1, "close", {}, {}, "x", {}}});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ(log->last_seq(), 1);
}

TEST_F(EngineTest, ConcurrentSubmittersAreSerialisedWithoutLoss) {
  auto log = OpenLog();
  Engine engine(*log, clock_, IncidentWorkflow());
  ASSERT_TRUE(engine.Start().has_value());
  constexpr int kThreads = 8, kPerThread = 250;
  std::mutex mu;
  std::set<IncidentId> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < kPerThread; ++k) {
        auto r = engine.Execute(Command{"li", Call()});
        ASSERT_TRUE(r.has_value());
        std::lock_guard lock(mu);
        ids.insert(r->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*ids.rbegin(), kThreads * kPerThread);
  EXPECT_LT(engine.stats().batches, static_cast<std::uint64_t>(kThreads * kPerThread))
      << "commands should share commits";
}

TEST_F(EngineTest, RestartRebuildsExactlyWhatWasAcknowledged) {
  EngineOptions no_checkpoints;
  no_checkpoints.checkpoint_on_stop = false;  // so the restart must replay every event
  nlohmann::json before;
  {
    auto log = OpenLog();
    Engine engine(*log, clock_, IncidentWorkflow(), no_checkpoints);
    ASSERT_TRUE(engine.Start().has_value());
    auto unit = engine.Execute(Command{
        "admin",
        CreateUnit{"P-01", Force::kPatrol, TravelMode::kCar, "", {}, UnitStatus::kAvailable}});
    ASSERT_TRUE(unit.has_value());
    for (int k = 0; k < 5; ++k) ASSERT_TRUE(engine.Execute(Command{"li", Call(1)}).has_value());
    ASSERT_TRUE(engine.Execute(Command{"li", IncidentAction{3, "dispatch", unit->id, {}, {}, {}}})
                    .has_value());
    clock_.Advance(seconds(400));
    ASSERT_TRUE(engine.Execute(Command{"system", CheckDeadlines{}}).has_value());
    before = Snapshot(engine);
    engine.Stop();
    auto checkpoint = log->LatestCheckpoint();
    ASSERT_TRUE(checkpoint.has_value());
    EXPECT_FALSE(checkpoint->has_value());
  }
  auto log = OpenLog();
  Engine engine(*log, clock_, IncidentWorkflow());
  ASSERT_TRUE(engine.Start().has_value());
  EXPECT_EQ(Snapshot(engine), before);
  // And it carries on numbering where it stopped.
  auto r = engine.Execute(Command{"li", Call()});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, 6);
}

TEST_F(EngineTest, CheckpointPlusTailEqualsFullReplay) {
  EngineOptions options;
  options.checkpoint_every_events = 10;
  nlohmann::json before;
  {
    auto log = OpenLog();
    Engine engine(*log, clock_, IncidentWorkflow(), options);
    ASSERT_TRUE(engine.Start().has_value());
    for (int k = 0; k < 35; ++k) ASSERT_TRUE(engine.Execute(Command{"li", Call()}).has_value());
    before = Snapshot(engine);
    engine.Stop();
    auto checkpoint = log->LatestCheckpoint();
    ASSERT_TRUE(checkpoint.has_value() && checkpoint->has_value());
    EXPECT_EQ((*checkpoint)->seq, 35);  // the one written at shutdown
  }
  {
    auto log = OpenLog();
    Engine engine(*log, clock_, IncidentWorkflow(), options);
    ASSERT_TRUE(engine.Start().has_value());
    EXPECT_EQ(Snapshot(engine), before);
  }
  // A checkpoint that cannot be read is skipped; the events still rebuild everything.
  {
    auto log = OpenLog();
    ASSERT_TRUE(log->WriteCheckpoint({35, "{not json", kT0}).has_value());
    Engine engine(*log, clock_, IncidentWorkflow(), options);
    ASSERT_TRUE(engine.Start().has_value());
    EXPECT_EQ(Snapshot(engine), before);
  }
}

TEST_F(EngineTest, AFailedCommitRefusesAllLaterWritesButKeepsServingReads) {
  auto sqlite = OpenLog();
  FaultInjectingLog log(*sqlite);
  Engine engine(log, clock_, IncidentWorkflow());
  ASSERT_TRUE(engine.Start().has_value());
  ASSERT_TRUE(engine.Execute(Command{"li", Call()}).has_value());
  log.FailAppends();
  auto lost = engine.Execute(Command{"li", Call()});
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(engine.stats().is_failed);
  // Readers see only the durable incident, never the one whose commit failed.
  EXPECT_NE(engine.FindIncident(1), nullptr);
  EXPECT_EQ(engine.FindIncident(2), nullptr);
  auto later = engine.Execute(Command{"li", Call()});
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code, ErrorCode::kUnavailable);
  engine.Stop();
  EXPECT_EQ(sqlite->last_seq(), 1);
}

TEST_F(EngineTest, LiveFeedDeliversCommittedChangesInOrder) {
  auto log = OpenLog();
  Engine engine(*log, clock_, IncidentWorkflow());
  std::mutex mu;
  std::vector<LiveDelta> deltas;
  engine.live_feed().Subscribe([&](const LiveDelta& d) {
    std::lock_guard lock(mu);
    EXPECT_LE(d.seq, log->last_seq()) << "a delta must not run ahead of the ledger";
    deltas.push_back(d);
  });
  ASSERT_TRUE(engine.Start().has_value());
  ASSERT_TRUE(engine.Execute(Command{"li", Call(1)}).has_value());
  clock_.Advance(seconds(61));
  ASSERT_TRUE(engine.Execute(Command{"system", CheckDeadlines{}}).has_value());
  engine.Stop();
  std::lock_guard lock(mu);
  ASSERT_GE(deltas.size(), 2u);
  for (size_t k = 1; k < deltas.size(); ++k) EXPECT_GT(deltas[k].seq, deltas[k - 1].seq);
  ASSERT_EQ(deltas[0].incidents.size(), 1u);
  EXPECT_EQ(deltas[0].incidents[0]->id, 1);
  bool saw_escalation = false;
  for (const auto& d : deltas) {
    for (const auto& e : d.notices) saw_escalation |= e.type == "incident.sla_overdue";
  }
  EXPECT_TRUE(saw_escalation);
}

TEST_F(EngineTest, SlaEscalationsFireOnTheEnginesClock) {
  auto log = OpenLog();
  EngineOptions options;
  options.deadline_check_interval = std::chrono::milliseconds(10);
  Engine engine(*log, clock_, IncidentWorkflow(), options);
  ASSERT_TRUE(engine.Start().has_value());
  ASSERT_TRUE(engine.Execute(Command{"li", Call(1)}).has_value());
  clock_.Advance(seconds(185));
  // The writer checks deadlines by itself every 10 ms of wall time.
  for (int k = 0; k < 500 && engine.FindIncident(1)->slas[0].escalation_level < 2; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto incident = engine.FindIncident(1);
  EXPECT_EQ(incident->slas[0].escalation_level, 2);
  int overdue_events = 0;
  for (const auto& e : incident->timeline) overdue_events += e.type == "incident.sla_overdue";
  EXPECT_EQ(overdue_events, 2);  // each level once, however often the check ran
}

}  // namespace
}  // namespace pingan::engine
