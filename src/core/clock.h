// Time enters the domain only through a Clock, so tests can move it (FakeClock).
#pragma once

#include <atomic>
#include <chrono>

namespace pingan {

// Wall-clock time at millisecond resolution, UTC. All stored times use it.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current time. Thread-safe.
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_ms_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(now_ms_.load())); }
  void Advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }

 private:
  std::atomic<long long> now_ms_;
};

inline long long ToMillis(TimePoint t) {
  return t.time_since_epoch().count();
}
inline TimePoint FromMillis(long long ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

}  // namespace pingan
