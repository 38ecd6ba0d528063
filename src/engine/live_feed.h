// Fan-out of committed changes to live subscribers (the console's WebSocket). Deltas carry only
// what was durably committed, in commit order.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/domain.h"
#include "core/event.h"

namespace pingan::engine {

struct LiveDelta {
  Sequence seq = 0;  // the last event the delta includes
  std::vector<std::shared_ptr<const Incident>> incidents;
  std::vector<std::shared_ptr<const Unit>> units;
  std::vector<Event> notices;  // events a watcher should be told about, e.g. an SLA escalation
  // Latest positions of units that moved (from GPS, not the ledger; `seq` is then 0). Sent
  // coalesced, at most one per unit per tick.
  std::vector<std::pair<UnitId, Position>> positions;
};

class LiveFeed {
 public:
  using Listener = std::function<void(const LiveDelta&)>;

  // `listener` runs on the publishing thread (the engine thread after each commit, or the
  // position ticker): it must be quick and must not
  // call back into the engine synchronously. Returns an id for Unsubscribe().
  int Subscribe(Listener listener);
  void Unsubscribe(int id);
  void Publish(const LiveDelta& delta);

 private:
  std::mutex mu_;
  int next_id_ = 1;
  std::vector<std::pair<int, std::shared_ptr<Listener>>> listeners_;
};

}  // namespace pingan::engine
