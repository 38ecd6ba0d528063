// Token buckets for the public side (接诉即办 page, Open311): how often one address, one phone
// number or one API key may do something, with the wait to tell a refused caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/clock.h"

namespace pingan::api {

struct RateLimit {
  double burst = 10;                             // tokens a new key starts with, and the most kept
  std::chrono::milliseconds refill_every{6000};  // one token back per this much time
};

// One bucket per key, created full. Memory is bounded: a new key past `max_keys` evicts the
// bucket that is, or will soonest be, full again — forgetting a full bucket changes nothing,
// since it would be created full anyway, and a bucket still refilling (a phone that used up
// its codes) outlives every key that owes less. So flooding the limiter with new keys cannot
// give a limited key its tokens back unless each flooding key has used more than it has.
// O(log n) per call. Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit, std::size_t max_keys = 50'000);

  // Takes a token for `key` at `now`. nullopt when one was there; otherwise how long until one
  // is (at least one second, rounded up), for a Retry-After header.
  std::optional<std::chrono::seconds> Take(std::string_view key, TimePoint now);
  // Whether Take would succeed, without taking (and without remembering `key`).
  bool WouldAllow(std::string_view key, TimePoint now);

  std::size_t key_count() const;
  const RateLimit& limit() const { return limit_; }

 private:
  // A bucket is the time it is full again (a GCRA's "theoretical arrival time"): at `now` it
  // holds burst - max(0, full_at - now) / refill_every tokens, and taking one moves full_at
  // one refill_every later. A token is there while full_at - now <= max_owed_.
  using ByFullAt = std::set<std::pair<TimePoint, const std::string*>>;

  const RateLimit limit_;
  const std::size_t max_keys_;
  const std::chrono::milliseconds max_owed_;  // (burst - 1) * refill_every
  mutable std::mutex mu_;
  std::unordered_map<std::string, TimePoint> full_at_;  // by key; guarded by mu_
  ByFullAt by_full_at_;  // the same buckets, soonest full first; keys point into full_at_
};

// The caller's address as a rate-limit key: the IP without the port; an IPv6 address by its /64
// prefix, which is what one subscriber gets.
std::string ClientKey(const std::string& remote_address);

}  // namespace pingan::api
