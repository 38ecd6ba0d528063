// LiveIndex: the latest position of each unit (警力), in memory. Written by the GPS ingest
// threads at hundreds of thousands of fixes per second, read by dispatch thousands of times per
// second, and drained by the live feed once per tick. Rebuilt at start-up from
// TrackStore::LatestPerUnit(); it holds nothing the track files do not.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "tracks/track_point.h"

namespace pingan::tracks {

class LiveIndex {
 public:
  // Units are spread over `stripe_count` independently locked parts by id, so writers on
  // different units rarely wait for each other. 1 gives a single lock (for comparison in
  // bench/tracks). REQUIRES: stripe_count >= 1.
  explicit LiveIndex(std::size_t stripe_count = kDefaultStripes);
  LiveIndex(const LiveIndex&) = delete;
  LiveIndex& operator=(const LiveIndex&) = delete;

  // Keeps each point that is newer, by fix time, than what the index holds for its unit (a
  // point as old as the current one is dropped: the first to arrive stays). Late uploads from
  // a terminal that was out of coverage therefore never move a unit backwards. Marks the units
  // that changed for TakeChanged(). Returns how many points were kept. Thread-safe.
  // The index trusts fix times: a fix from a terminal whose clock runs ahead would pin its unit
  // until real time catches up, so the caller drops implausible times before Update.
  std::size_t Update(std::span<const TrackPoint> points);

  // The latest point of `unit_id`, or nullopt if none was seen. Thread-safe.
  std::optional<TrackPoint> Get(UnitId unit_id) const;
  // The latest point of every unit, sorted by unit id. Each unit's point is one that was
  // current during the call; units are not read at one instant together. Thread-safe.
  std::vector<TrackPoint> Snapshot() const;
  // The latest point of each unit changed since the previous call, one per unit however many
  // updates it had, in no particular order; and forgets the changes. For one consumer, the
  // live feed's tick, which then sends at most one update per unit per tick. Thread-safe.
  std::vector<TrackPoint> TakeChanged();
  // Units with a position.
  std::size_t size() const;

  static constexpr std::size_t kDefaultStripes = 64;

 private:
  struct Entry {
    TrackPoint latest;
    bool is_changed = false;  // in its stripe's `changed` list
  };
  // One lock and the units hashed to it; a cache line apart from its neighbours so writers on
  // different stripes do not share lines.
  struct alignas(64) Stripe {
    mutable std::mutex mu;
    std::unordered_map<UnitId, Entry> entries;
    std::vector<UnitId> changed;  // each unit once, while its entry's is_changed is set
  };

  Stripe& StripeOf(UnitId unit_id) const {
    return stripes_[static_cast<std::size_t>(unit_id) % stripe_count_];
  }

  const std::size_t stripe_count_;
  const std::unique_ptr<Stripe[]> stripes_;
};

}  // namespace pingan::tracks
