// The single writer. One thread applies commands in order to the district state, appends their
// events to the ledger in batches (group commit) and acknowledges each command only after its
// events are durable. Readers see immutable snapshots of what was committed, never a
// half-applied batch, and hold the read lock only to copy out pointers.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "core/clock.h"
#include "core/commands.h"
#include "core/district_state.h"
#include "engine/live_feed.h"
#include "ledger/event_log.h"

namespace pingan::engine {

struct EngineOptions {
  size_t max_batch_commands = 4096;
  // How often due SLA escalations are looked for (wall time).
  std::chrono::milliseconds deadline_check_interval{500};
  // A checkpoint is written after this many events since the last one, and at Stop().
  Sequence checkpoint_every_events = 200000;
  bool checkpoint_on_stop = true;
};

// What readers see: only durably committed state.
struct ReadView {
  std::map<IncidentId, std::shared_ptr<const Incident>> incidents;
  std::map<UnitId, std::shared_ptr<const Unit>> units;
  std::map<CaseId, std::shared_ptr<const CaseRecord>> cases;
  std::map<std::string, std::shared_ptr<const User>> users;
  std::unordered_map<std::string, std::shared_ptr<const Session>> sessions;
  std::shared_ptr<const JurisdictionIndex> jurisdictions;
  std::shared_ptr<const DeviceIndex> devices;
  Sequence durable_seq = 0;
};

struct EngineStats {
  Sequence durable_seq = 0;
  std::uint64_t commands = 0;
  std::uint64_t batches = 0;
  std::uint64_t events = 0;
  bool is_failed = false;  // a commit failed: writes are refused until restart
};

class Engine {
 public:
  // `log` and `clock` must outlive the engine. `cases`: the case kinds the district runs.
  Engine(ledger::EventLog& log, const Clock& clock, WorkflowDefinition incident_workflow,
         EngineOptions options = {}, CaseCatalog cases = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Rebuilds state from the newest checkpoint plus the events after it, then starts the writer
  // thread. Errors: kInternal when the ledger cannot be read or replayed.
  Status Start();
  // Finishes queued commands, writes a checkpoint and stops the writer thread. Idempotent.
  void Stop();

  using Done = std::function<void(Result<CommandOutcome>)>;
  // Queues `cmd`; `done` runs on the writer thread once the command's events are durable, or
  // with its error (kUnavailable when the engine is stopped or a commit failed). Thread-safe.
  void Submit(Command cmd, Done done);
  // Submit() and wait.
  Result<CommandOutcome> Execute(Command cmd);

  // Runs `f(const ReadView&)` under the read lock. Keep `f` short: copy out what you need.
  template <typename F>
  decltype(auto) Read(F&& f) const {
    std::shared_lock lock(read_mu_);
    return f(static_cast<const ReadView&>(view_));
  }
  std::shared_ptr<const Incident> FindIncident(IncidentId id) const;
  std::shared_ptr<const CaseRecord> FindCase(CaseId id) const;
  std::shared_ptr<const Unit> FindUnit(UnitId id) const;
  std::shared_ptr<const JurisdictionIndex> jurisdictions() const;

  const WorkflowDefinition& incident_workflow() const { return incident_workflow_; }
  const CaseCatalog& case_catalog() const { return cases_; }
  const Clock& clock() const { return clock_; }
  LiveFeed& live_feed() { return live_feed_; }
  EngineStats stats() const;

 private:
  struct Pending {
    Command command;
    Done done;
  };

  void Run();
  void ProcessBatch(std::deque<Pending>& batch);
  void Publish(DistrictState::Changes changes, std::vector<Event> notices);
  // Takes a snapshot on the writer thread and encodes and stores it on a background thread;
  // skipped while the previous one is still being written.
  void StartCheckpoint();
  Status WriteCheckpoint(const DistrictState::Snapshot& snapshot);

  ledger::EventLog& log_;
  const Clock& clock_;
  const WorkflowDefinition incident_workflow_;
  const CaseCatalog cases_;
  const EngineOptions options_;

  std::unique_ptr<DistrictState> state_;  // writer thread only, after Start()
  Sequence last_checkpoint_seq_ = 0;      // the newest checkpoint started (writer thread)
  std::future<Status> checkpoint_job_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool is_stopping_ = false;
  bool is_running_ = false;

  mutable std::shared_mutex read_mu_;
  ReadView view_;

  mutable std::mutex stats_mu_;
  EngineStats stats_;

  LiveFeed live_feed_;
  std::thread writer_;
};

}  // namespace pingan::engine
