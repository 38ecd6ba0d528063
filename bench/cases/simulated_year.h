// The simulated district year the repeat benchmarks share (bench/cases/repeats_bench.cc, and
// bench/api/repeat_routes_bench.cc through the API): ~50 km² around 116.30°E 39.90°N, 2,000
// addresses that call often, one address with a burst of 5,000 calls in a month, repeat callers
// (70 % of calls from 60,000 numbers) and parties.
#pragma once

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "cases/repeats.h"

namespace pingan::cases::bench {

inline constexpr double kMPerDeg = 6371008.8 * 3.14159265358979323846 / 180;
inline constexpr LonLat kOrigin{116.30, 39.90};
inline constexpr double kSideM = 7071;  // 50 km²

inline LonLat At(double east_m, double north_m) {
  return {kOrigin.lon + east_m / (kMPerDeg * 0.7672), kOrigin.lat + north_m / kMPerDeg};
}

inline std::vector<RepeatSubject> SimulateYear(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1), side(0, kSideM), jitter(-15, 15);
  const TimePoint start = FromMillis(1767225600000);  // 2026-01-01
  const long long year_s = 365LL * 86400;
  struct Place {
    LonLat at;
    std::string address;
  };
  std::vector<Place> places;
  places.reserve(2000);
  for (int i = 0; i < 2000; ++i) {
    places.push_back({At(side(rng), side(rng)), "幸福路" + std::to_string(i) + "号"});
  }
  const Place burst{At(3000, 3000), "和平街8号"};
  std::vector<RepeatSubject> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    RepeatSubject s;
    s.id = static_cast<IncidentId>(i + 1);
    const double kind = unit(rng);
    long long t_s = static_cast<long long>(unit(rng) * double(year_s));
    if (kind < 0.05) {  // the burst: one address, one month
      t_s = 200LL * 86400 + static_cast<long long>(unit(rng) * 30 * 86400);
      s.location = LonLat{burst.at.lon + jitter(rng) / kMPerDeg, burst.at.lat};
      s.address = burst.address;
    } else if (kind < 0.45) {  // frequent places, skewed towards a few
      const Place& p = places[std::size_t(double(places.size()) * unit(rng) * unit(rng))];
      s.location = LonLat{p.at.lon + jitter(rng) / kMPerDeg, p.at.lat + jitter(rng) / kMPerDeg};
      s.address = p.address;
    } else {
      const double east = side(rng), north = side(rng);
      s.location = At(east, north);
      // The same text only for the same place, as a real address.
      s.address = "人民路" + std::to_string(int(east / 10)) + "-" + std::to_string(int(north / 10));
    }
    s.at = start + std::chrono::seconds(t_s);
    if (unit(rng) < 0.7) s.caller_phone = "+86 139-" + std::to_string(10000000 + rng() % 60000);
    if (unit(rng) < 0.2) s.parties = {"当事人" + std::to_string(rng() % 20000)};
    s.station_id = "S" + std::to_string(rng() % 4);
    s.category = unit(rng) < 0.3 ? "dispute" : "other";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace pingan::cases::bench
