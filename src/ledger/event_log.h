// The ledger: an append-only, ordered log of events. It is the audit trail, the incident
// timelines and crash recovery at once. Nothing in it is ever updated or deleted.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "core/event.h"
#include "core/result.h"

namespace pingan::ledger {

struct Checkpoint {
  Sequence seq = 0;   // the state includes every event up to and including this one
  std::string state;  // DistrictState::ToCheckpoint(), serialised
  TimePoint written_at;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  // Appends `events` in one atomic unit and returns once all are durable (WAL fsync in SQLite,
  // COMMIT in PostgreSQL). REQUIRES: their seq continue last_seq() without gaps. On error
  // nothing may be acknowledged: the log's tail is unknown until a restart reads it again.
  virtual Status Append(std::span<const Event> events) = 0;

  // Calls `fn` for every event with seq > `after`, in order. Stops at and returns the first
  // error, including one `fn` returns.
  virtual Status ReadFrom(Sequence after, const std::function<Status(Event&&)>& fn) = 0;

  // The seq of the last durable event, 0 for an empty log.
  virtual Sequence last_seq() const = 0;

  // Stores a checkpoint durably and drops older ones: if the newest is unreadable, recovery
  // replays the events, which are never dropped. May run on one other thread at the same time
  // as Append (a checkpoint is written in the background).
  virtual Status WriteCheckpoint(const Checkpoint& checkpoint) = 0;

  // The newest checkpoint, if any.
  virtual Result<std::optional<Checkpoint>> LatestCheckpoint() = 0;
};

}  // namespace pingan::ledger
