// The district's own clock: China Standard Time (UTC+8, no daylight saving). Hotspot analysis
// counts time as "local seconds" since 1970-01-01 on this clock, so that hours of the day and
// days of the week are the district's, whatever the server's zone.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/clock.h"

namespace pingan {

inline constexpr int kDistrictUtcOffsetSeconds = 8 * 3600;

inline double DistrictSeconds(TimePoint t) {
  return double(
             std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()) /
             1000 +
         kDistrictUtcOffsetSeconds;
}

inline TimePoint FromDistrictSeconds(double local_seconds) {
  return TimePoint(std::chrono::milliseconds(
      static_cast<int64_t>((local_seconds - kDistrictUtcOffsetSeconds) * 1000)));
}

// 110 calls per hour of the district day relative to the daily mean: quiet before dawn, a
// morning rise, the evening peak (the shape of urban 110 / 911 call logs). The demo draws its
// calls from it; the simulator gives date-only incident files their times of day from it.
inline constexpr double kCallHourProfile[24] = {0.95, 0.75, 0.55, 0.4, 0.32, 0.32, 0.45, 0.7,
                                                0.9,  1.0,  1.05, 1.1, 1.05, 1.0,  1.0,  1.0,
                                                1.05, 1.15, 1.3,  1.4, 1.5,  1.5,  1.35, 1.15};

}  // namespace pingan
