// Token buckets for the public side (接诉即办 page, Open311): how often one address, one phone
// number or one API key may do something, with the wait to tell a refused caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace pingan::api {

struct RateLimit {
  double burst = 10;                             // tokens a new key starts with, and the most kept
  std::chrono::milliseconds refill_every{6000};  // one token back per this much time
};

// One bucket per key, created full. Memory is bounded: past `max_keys` keys, full buckets (those
// that would be created full again anyway) are forgotten; if every bucket is in use the map is
// cleared, which errs towards letting callers in rather than refusing everyone. Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit, std::size_t max_keys = 50'000);

  // Takes a token for `key` at `now`. nullopt when one was there; otherwise how long until one
  // is (at least one second, rounded up), for a Retry-After header.
  std::optional<std::chrono::seconds> Take(std::string_view key, TimePoint now);
  // Whether Take would succeed, without taking.
  bool WouldAllow(std::string_view key, TimePoint now);

  std::size_t key_count() const;
  const RateLimit& limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
  };
  // REQUIRES: mu_ held.
  Bucket& Refilled(std::string_view key, TimePoint now);

  const RateLimit limit_;
  const std::size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

// The caller's address as a rate-limit key: the IP without the port; an IPv6 address by its /64
// prefix, which is what one subscriber gets.
std::string ClientKey(const std::string& remote_address);

}  // namespace pingan::api
