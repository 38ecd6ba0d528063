// Where unit positions go: every report is made durable in the track store (not the ledger:
// tens of thousands a second would swamp it), then enters the live index that dispatch and
// the console read, and is pushed to the live feed at most once per unit per tick.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/domain.h"
#include "core/result.h"
#include "engine/live_feed.h"
#include "tracks/live_index.h"
#include "tracks/track_store.h"

namespace pingan::engine {

// Fixes stamped further ahead of the clock than this are refused (a terminal with a wrong
// clock would otherwise pin its unit to the future).
inline constexpr std::chrono::minutes kMaxClockAhead{5};

struct PositionServiceOptions {
  std::chrono::milliseconds feed_tick{1000};  // how often moved units go to the live feed
  // At start, the live index is rebuilt from positions no older than this.
  std::chrono::hours recover_window{24};
  std::chrono::minutes max_clock_ahead = kMaxClockAhead;
};

class PositionService {
 public:
  // `store`, `feed` and `clock` must outlive the service. Starts the feed ticker.
  PositionService(tracks::TrackStore& store, LiveFeed& feed, const Clock& clock,
                  PositionServiceOptions options = {});
  ~PositionService();
  PositionService(const PositionService&) = delete;
  PositionService& operator=(const PositionService&) = delete;

  // Rebuilds the live index from the newest track files. Call once before serving.
  Status Recover();

  // Stores `points` durably, then updates the live index, then calls `done` (from the track
  // store's writer thread). Points with a bad field or a time too far ahead are refused as a
  // whole with kInvalidInput naming the field, before anything is stored. Thread-safe.
  void Report(std::vector<tracks::TrackPoint> points, std::function<void(Status)> done);

  std::optional<Position> Latest(UnitId unit) const;
  const tracks::LiveIndex& live_index() const { return live_; }

  // Stops the ticker (the store is stopped by its owner).
  void Stop();

 private:
  void TickLoop();

  tracks::TrackStore& store_;
  LiveFeed& feed_;
  const Clock& clock_;
  PositionServiceOptions options_;
  tracks::LiveIndex live_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread ticker_;
};

}  // namespace pingan::engine
