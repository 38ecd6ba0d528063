#include "engine/engine.h"

#include <future>

#include <spdlog/spdlog.h>

namespace pingan::engine {

Engine::Engine(ledger::EventLog& log, const Clock& clock, WorkflowDefinition incident_workflow,
               EngineOptions options, CaseCatalog cases)
    : log_(log),
      clock_(clock),
      incident_workflow_(std::move(incident_workflow)),
      cases_(std::move(cases)),
      options_(options),
      state_(std::make_unique<DistrictState>(incident_workflow_, cases_)) {}

Engine::~Engine() {
  Stop();
}

Status Engine::Start() {
  PINGAN_CHECK(!is_running_);
  auto checkpoint = log_.LatestCheckpoint();
  if (!checkpoint) return checkpoint.error();
  if (*checkpoint) {
    const ledger::Checkpoint& cp = **checkpoint;
    auto doc = nlohmann::json::parse(cp.state, nullptr, /*allow_exceptions=*/false);
    auto restored = doc.is_discarded()
                        ? Result<std::unique_ptr<DistrictState>>(
                              Error{ErrorCode::kInternal, "checkpoint is not JSON", {}})
                        : DistrictState::FromCheckpoint(doc, incident_workflow_, cases_);
    if (restored && (*restored)->last_seq() == cp.seq && cp.seq <= log_.last_seq()) {
      state_ = std::move(*restored);
      last_checkpoint_seq_ = cp.seq;
    } else {
      // The events are the truth; a checkpoint is only a shortcut.
      spdlog::warn("ignoring checkpoint at event {}: {}; replaying the whole ledger", cp.seq,
                   restored ? "sequence mismatch" : restored.error().message);
    }
  }
  Sequence from = state_->last_seq();
  Status replay = log_.ReadFrom(from, [&](Event&& e) -> Status {
    try {
      state_->Apply(e);
    } catch (const std::exception& ex) {  // bad payloads (json) or dangling ids (out_of_range)
      return Error{ErrorCode::kInternal,
                   fmt::format("event {} ({}) cannot be applied: {}", e.seq, e.type, ex.what()),
                   {}};
    }
    return {};
  });
  if (!replay) return replay;
  spdlog::info("ledger recovered: {} events ({} replayed after checkpoint), {} incidents, {} units",
               state_->last_seq(), state_->last_seq() - from, state_->incident_count(),
               state_->unit_count());
  Publish(state_->TakeChanges(), {});
  {
    std::lock_guard lock(stats_mu_);
    stats_.durable_seq = state_->last_seq();
  }
  {
    std::lock_guard lock(queue_mu_);
    is_running_ = true;
    is_stopping_ = false;
  }
  writer_ = std::thread([this] { Run(); });
  return {};
}

void Engine::Stop() {
  {
    std::lock_guard lock(queue_mu_);
    if (!is_running_) return;
    is_stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_.join();
  {
    std::lock_guard lock(queue_mu_);
    is_running_ = false;
  }
  if (checkpoint_job_.valid()) {
    if (Status s = checkpoint_job_.get(); !s)
      spdlog::warn("checkpoint failed: {}", s.error().message);
  }
  if (options_.checkpoint_on_stop && !stats().is_failed &&
      state_->last_seq() > last_checkpoint_seq_) {
    if (Status s = WriteCheckpoint(state_->TakeSnapshot()); !s) {
      spdlog::warn("checkpoint at shutdown failed: {}", s.error().message);
    }
  }
}

void Engine::Submit(Command cmd, Done done) {
  {
    std::lock_guard lock(queue_mu_);
    if (is_running_ && !is_stopping_) {
      queue_.push_back(Pending{std::move(cmd), std::move(done)});
      if (queue_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  done(Error{ErrorCode::kUnavailable, "the engine is not running", {}});
}

Result<CommandOutcome> Engine::Execute(Command cmd) {
  std::promise<Result<CommandOutcome>> promise;
  auto future = promise.get_future();
  Submit(std::move(cmd), [&promise](Result<CommandOutcome> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void Engine::Run() {
  auto next_deadline_check = std::chrono::steady_clock::now();
  std::deque<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_until(lock, next_deadline_check,
                           [&] { return is_stopping_ || !queue_.empty(); });
      if (is_stopping_ && queue_.empty()) return;
      while (!queue_.empty() && batch.size() < options_.max_batch_commands) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (std::chrono::steady_clock::now() >= next_deadline_check) {
      batch.push_back(Pending{Command{"system", CheckDeadlines{}}, [](Result<CommandOutcome>) {}});
      next_deadline_check = std::chrono::steady_clock::now() + options_.deadline_check_interval;
    }
    ProcessBatch(batch);
    batch.clear();
  }
}

void Engine::ProcessBatch(std::deque<Pending>& batch) {
  bool failed = stats().is_failed;
  TimePoint now = clock_.Now();
  std::vector<Event> events;
  std::vector<Result<CommandOutcome>> results;
  results.reserve(batch.size());
  for (Pending& p : batch) {
    if (failed) {
      results.emplace_back(Error{ErrorCode::kUnavailable,
                                 "writes are refused after a failed commit; restart the server",
                                 {}});
      continue;
    }
    results.push_back(state_->Execute(p.command, now, events));
  }

  if (!events.empty()) {
    Status appended = log_.Append(events);
    if (!appended) {
      // The state now holds events the log may not: stop taking writes. A restart replays the
      // log, which is the truth.
      spdlog::critical("ledger append failed, refusing all writes: {}", appended.error().message);
      {
        std::lock_guard lock(stats_mu_);
        stats_.is_failed = true;
      }
      for (auto& r : results) {
        if (r && r->last_seq != 0) r = Error{ErrorCode::kUnavailable, appended.error().message, {}};
      }
    } else {
      std::vector<Event> notices;
      for (const Event& e : events) {
        if (e.type == "incident.sla_overdue") notices.push_back(e);
      }
      Publish(state_->TakeChanges(), std::move(notices));
      std::lock_guard lock(stats_mu_);
      stats_.durable_seq = events.back().seq;
      stats_.events += events.size();
    }
  }
  {
    std::lock_guard lock(stats_mu_);
    stats_.commands += batch.size();
    stats_.batches += 1;
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));

  // Re-read: this very batch may have failed, and its state must never reach a checkpoint.
  if (!stats().is_failed &&
      state_->last_seq() - last_checkpoint_seq_ >= options_.checkpoint_every_events) {
    StartCheckpoint();
  }
}

void Engine::StartCheckpoint() {
  if (checkpoint_job_.valid()) {
    if (checkpoint_job_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    if (Status s = checkpoint_job_.get(); !s)
      spdlog::warn("checkpoint failed: {}", s.error().message);
  }
  last_checkpoint_seq_ = state_->last_seq();
  checkpoint_job_ = std::async(std::launch::async, [this, snapshot = state_->TakeSnapshot()] {
    return WriteCheckpoint(snapshot);
  });
}

void Engine::Publish(DistrictState::Changes changes, std::vector<Event> notices) {
  {
    std::unique_lock lock(read_mu_);
    for (const auto& incident : changes.incidents) view_.incidents[incident->id] = incident;
    for (const auto& unit : changes.units) view_.units[unit->id] = unit;
    for (const auto& record : changes.cases) view_.cases[record->id] = record;
    for (const auto& user : changes.users) view_.users[user->username] = user;
    for (const auto& session : changes.sessions_opened)
      view_.sessions[session->token_hash] = session;
    for (const auto& hash : changes.sessions_closed) view_.sessions.erase(hash);
    if (changes.jurisdictions) view_.jurisdictions = changes.jurisdictions;
    if (changes.devices) view_.devices = changes.devices;
    view_.durable_seq = state_->last_seq();
  }
  if (!changes.incidents.empty() || !changes.units.empty() || !notices.empty()) {
    LiveDelta delta;
    delta.seq = state_->last_seq();
    delta.incidents = std::move(changes.incidents);
    delta.units = std::move(changes.units);
    delta.notices = std::move(notices);
    live_feed_.Publish(delta);
  }
}

Status Engine::WriteCheckpoint(const DistrictState::Snapshot& snapshot) {
  auto started = std::chrono::steady_clock::now();
  ledger::Checkpoint cp{snapshot.last_seq, DistrictState::CheckpointJson(snapshot).dump(),
                        clock_.Now()};
  if (Status s = log_.WriteCheckpoint(cp); !s) return s;
  spdlog::info("checkpoint at event {} ({} KiB) in {} ms", cp.seq, cp.state.size() / 1024,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  return {};
}

std::shared_ptr<const Incident> Engine::FindIncident(IncidentId id) const {
  std::shared_lock lock(read_mu_);
  auto it = view_.incidents.find(id);
  return it == view_.incidents.end() ? nullptr : it->second;
}

std::shared_ptr<const CaseRecord> Engine::FindCase(CaseId id) const {
  std::shared_lock lock(read_mu_);
  auto it = view_.cases.find(id);
  return it == view_.cases.end() ? nullptr : it->second;
}

std::shared_ptr<const Unit> Engine::FindUnit(UnitId id) const {
  std::shared_lock lock(read_mu_);
  auto it = view_.units.find(id);
  return it == view_.units.end() ? nullptr : it->second;
}

std::shared_ptr<const JurisdictionIndex> Engine::jurisdictions() const {
  std::shared_lock lock(read_mu_);
  return view_.jurisdictions;
}

EngineStats Engine::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

}  // namespace pingan::engine
