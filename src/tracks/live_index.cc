#include "tracks/live_index.h"

#include <algorithm>

#include "core/check.h"

namespace pingan::tracks {

LiveIndex::LiveIndex(std::size_t stripe_count)
    : stripe_count_(stripe_count), stripes_(std::make_unique<Stripe[]>(stripe_count)) {
  PINGAN_CHECK(stripe_count >= 1);
}

std::size_t LiveIndex::Update(std::span<const TrackPoint> points) {
  std::size_t kept = 0;
  // One lock per point: the critical section is a hash lookup and a 32-byte copy, and batches
  // from one connection rarely share a stripe, so grouping them by stripe would cost more than
  // it saves.
  for (const TrackPoint& p : points) {
    Stripe& stripe = StripeOf(p.unit_id);
    std::lock_guard lock(stripe.mu);
    auto [it, is_new] = stripe.entries.try_emplace(p.unit_id, Entry{p, false});
    Entry& entry = it->second;
    if (!is_new) {
      if (p.time <= entry.latest.time) continue;
      entry.latest = p;
    }
    ++kept;
    if (!entry.is_changed) {
      entry.is_changed = true;
      stripe.changed.push_back(p.unit_id);
    }
  }
  return kept;
}

std::optional<TrackPoint> LiveIndex::Get(UnitId unit_id) const {
  const Stripe& stripe = StripeOf(unit_id);
  std::lock_guard lock(stripe.mu);
  auto it = stripe.entries.find(unit_id);
  if (it == stripe.entries.end()) return std::nullopt;
  return it->second.latest;
}

std::vector<TrackPoint> LiveIndex::Snapshot() const {
  std::vector<TrackPoint> points;
  for (std::size_t s = 0; s < stripe_count_; ++s) {
    const Stripe& stripe = stripes_[s];
    std::lock_guard lock(stripe.mu);
    for (const auto& [unit, entry] : stripe.entries) points.push_back(entry.latest);
  }
  std::sort(points.begin(), points.end(),
            [](const TrackPoint& a, const TrackPoint& b) { return a.unit_id < b.unit_id; });
  return points;
}

std::vector<TrackPoint> LiveIndex::TakeChanged() {
  std::vector<TrackPoint> points;
  for (std::size_t s = 0; s < stripe_count_; ++s) {
    Stripe& stripe = stripes_[s];
    std::lock_guard lock(stripe.mu);
    for (UnitId unit : stripe.changed) {
      auto it = stripe.entries.find(unit);
      PINGAN_CHECK(it != stripe.entries.end());
      Entry& entry = it->second;
      entry.is_changed = false;
      points.push_back(entry.latest);
    }
    // Keep the list's capacity: the next tick will need about as much.
    stripe.changed.clear();
  }
  return points;
}

std::size_t LiveIndex::size() const {
  std::size_t n = 0;
  for (std::size_t s = 0; s < stripe_count_; ++s) {
    std::lock_guard lock(stripes_[s].mu);
    n += stripes_[s].entries.size();
  }
  return n;
}

}  // namespace pingan::tracks
