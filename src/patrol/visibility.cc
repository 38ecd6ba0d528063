#include "patrol/visibility.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/check.h"
#include "hotspots/grid.h"

namespace pingan::patrol {
namespace {

constexpr double kEarthRadiusM = 6371008.8;  // as DistanceM in core/geo.cc
constexpr double kDegToRad = std::numbers::pi / 180;
// Covered at presence ≥ min_presence_s less this: interpolation leaves rounding dust on a
// presence that is exactly the minimum.
constexpr double kPresenceSlackS = 1e-3;
// At most this many grid buckets: targets spread over a province get coarser buckets, not
// gigabytes of empty ones.
constexpr double kMaxBuckets = 4e6;

// Targets at one point with one radius: the 24 hours of a risk cell are one site, so the
// circle is solved once per segment and then clipped to each target's window.
struct Site {
  double x = 0, y = 0, r = 0;
  double from = std::numeric_limits<double>::infinity();  // the union of the targets' windows
  double to = -std::numeric_limits<double>::infinity();
  std::vector<std::size_t> targets;
};

using Span = std::pair<double, double>;

// Adds [lo, hi) to a target's spans. One unit's segments arrive in time order, so a visit
// spanning many segments extends the last span instead of adding one per segment.
void AddSpan(std::vector<Span>& spans, double lo, double hi) {
  if (!spans.empty() && lo >= spans.back().first && lo <= spans.back().second) {
    spans.back().second = std::max(spans.back().second, hi);
    return;
  }
  spans.emplace_back(lo, hi);
}

// The length of the union of `spans`.
double UnionLength(std::vector<Span>& spans) {
  if (spans.empty()) return 0;
  std::sort(spans.begin(), spans.end());
  double total = 0;
  double lo = spans.front().first, hi = spans.front().second;
  for (const auto& [a, b] : spans) {
    if (a > hi) {
      total += hi - lo;
      lo = a;
      hi = b;
    } else {
      hi = std::max(hi, b);
    }
  }
  return total + (hi - lo);
}

std::string Clock(int minute) {
  return fmt::format("{:02d}:{:02d}", minute / 60, minute % 60);
}

}  // namespace

std::vector<double> PresenceSeconds(const std::vector<Track>& tracks,
                                    const std::vector<Target>& targets,
                                    const PresenceOptions& options) {
  std::vector<double> presence(targets.size(), 0.0);
  if (targets.empty() || tracks.empty()) return presence;

  // The local plane: equirectangular around the targets' mean.
  double lon0 = 0, lat0 = 0;
  for (const Target& t : targets) {
    lon0 += t.at.lon;
    lat0 += t.at.lat;
  }
  lon0 /= double(targets.size());
  lat0 /= double(targets.size());
  const double ky = kEarthRadiusM * kDegToRad;
  const double kx = ky * std::cos(lat0 * kDegToRad);

  std::vector<Site> sites;
  std::map<std::tuple<double, double, double>, std::size_t> site_of;
  double max_r = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    if (!(t.to > t.from) || !(t.radius_m > 0)) continue;  // nobody can be present
    auto [it, is_new] = site_of.try_emplace({t.at.lon, t.at.lat, t.radius_m}, sites.size());
    if (is_new) {
      Site s;
      s.x = (t.at.lon - lon0) * kx;
      s.y = (t.at.lat - lat0) * ky;
      s.r = t.radius_m;
      sites.push_back(std::move(s));
      max_r = std::max(max_r, t.radius_m);
    }
    Site& s = sites[it->second];
    s.targets.push_back(i);
    s.from = std::min(s.from, t.from);
    s.to = std::max(s.to, t.to);
  }
  if (sites.empty()) return presence;

  // A grid of buckets, each listing the sites whose circle's box touches it (CSR layout).
  double min_x = sites[0].x - sites[0].r, max_x = sites[0].x + sites[0].r;
  double min_y = sites[0].y - sites[0].r, max_y = sites[0].y + sites[0].r;
  for (const Site& s : sites) {
    min_x = std::min(min_x, s.x - s.r);
    max_x = std::max(max_x, s.x + s.r);
    min_y = std::min(min_y, s.y - s.r);
    max_y = std::max(max_y, s.y + s.r);
  }
  double bucket = std::max(250.0, 2 * max_r);
  double cells = std::ceil((max_x - min_x) / bucket + 1) * std::ceil((max_y - min_y) / bucket + 1);
  if (cells > kMaxBuckets) bucket *= std::sqrt(cells / kMaxBuckets) * 1.01;
  const int nx = int((max_x - min_x) / bucket) + 1;
  const int ny = int((max_y - min_y) / bucket) + 1;
  auto col = [&](double x) { return int(std::floor((x - min_x) / bucket)); };
  auto row = [&](double y) { return int(std::floor((y - min_y) / bucket)); };
  std::vector<std::uint32_t> offsets(std::size_t(nx) * std::size_t(ny) + 1, 0);
  auto for_each_bucket = [&](const Site& s, auto&& fn) {
    for (int r = std::max(0, row(s.y - s.r)); r <= std::min(ny - 1, row(s.y + s.r)); ++r)
      for (int c = std::max(0, col(s.x - s.r)); c <= std::min(nx - 1, col(s.x + s.r)); ++c)
        fn(std::size_t(r) * std::size_t(nx) + std::size_t(c));
  };
  for (const Site& s : sites) for_each_bucket(s, [&](std::size_t b) { ++offsets[b + 1]; });
  for (std::size_t b = 1; b < offsets.size(); ++b) offsets[b] += offsets[b - 1];
  std::vector<std::uint32_t> members(offsets.back());
  {
    std::vector<std::uint32_t> fill(offsets.begin(), offsets.end() - 1);
    for (std::size_t i = 0; i < sites.size(); ++i)
      for_each_bucket(sites[i], [&](std::size_t b) { members[fill[b]++] = std::uint32_t(i); });
  }

  std::vector<std::vector<Span>> spans(targets.size());
  // The segment that last looked at a site: a site in several buckets a segment crosses is
  // solved once.
  std::vector<std::uint64_t> seen(sites.size(), 0);
  std::uint64_t segment = 0;
  for (const Track& track : tracks) {
    for (std::size_t k = 1; k < track.size(); ++k) {
      const Fix& a = track[k - 1];
      const Fix& b = track[k];
      const double dt = b.t - a.t;
      if (!(dt > 0) || dt > options.max_gap_s) continue;
      const double xa = (a.at.lon - lon0) * kx, ya = (a.at.lat - lat0) * ky;
      const double xb = (b.at.lon - lon0) * kx, yb = (b.at.lat - lat0) * ky;
      const int c0 = std::max(0, col(std::min(xa, xb))),
                c1 = std::min(nx - 1, col(std::max(xa, xb)));
      const int r0 = std::max(0, row(std::min(ya, yb))),
                r1 = std::min(ny - 1, row(std::max(ya, yb)));
      if (c0 > c1 || r0 > r1) continue;  // nowhere near a target
      ++segment;
      const double dx = xb - xa, dy = yb - ya;
      const double len2 = dx * dx + dy * dy;
      for (int r = r0; r <= r1; ++r) {
        for (int c = c0; c <= c1; ++c) {
          const std::size_t bucket_index = std::size_t(r) * std::size_t(nx) + std::size_t(c);
          for (std::uint32_t m = offsets[bucket_index]; m < offsets[bucket_index + 1]; ++m) {
            const std::uint32_t si = members[m];
            if (seen[si] == segment) continue;
            seen[si] = segment;
            const Site& s = sites[si];
            if (b.t <= s.from || a.t >= s.to) continue;
            // |A + u·(B − A) − S|² ≤ r² for u in [0, 1]: around the closest approach u_c at
            // squared distance d², inside for |u − u_c| ≤ sqrt((r² − d²) / |B − A|²). This
            // form does not lose digits the way the textbook roots do when |B − A| is small.
            const double fx = xa - s.x, fy = ya - s.y;
            double u0 = 0, u1 = 1;
            if (len2 < 1e-12) {
              if (fx * fx + fy * fy > s.r * s.r) continue;
            } else {
              const double uc = -(fx * dx + fy * dy) / len2;
              const double cx = fx + uc * dx, cy = fy + uc * dy;
              const double room = s.r * s.r - (cx * cx + cy * cy);
              if (room <= 0) continue;
              const double half = std::sqrt(room / len2);
              u0 = std::max(0.0, uc - half);
              u1 = std::min(1.0, uc + half);
              if (u0 >= u1) continue;
            }
            const double enter = a.t + u0 * dt, leave = a.t + u1 * dt;
            for (std::size_t ti : s.targets) {
              const double lo = std::max(enter, targets[ti].from);
              const double hi = std::min(leave, targets[ti].to);
              if (lo < hi) AddSpan(spans[ti], lo, hi);
            }
          }
        }
      }
    }
  }
  for (std::size_t i = 0; i < targets.size(); ++i) presence[i] = UnionLength(spans[i]);
  return presence;
}

std::vector<VisibilityRow> Summarise(const std::vector<Target>& targets,
                                     const std::vector<double>& presence) {
  PINGAN_CHECK(presence.size() == targets.size());
  std::map<std::pair<std::string, std::string>, VisibilityRow> rows;
  auto count = [&](const std::string& station, const Target& t, bool is_covered) {
    VisibilityRow& row = rows[{station, t.kind}];
    row.station_id = station;
    row.kind = t.kind;
    ++row.targets;
    if (is_covered) ++row.covered;
  };
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    const bool is_covered = presence[i] >= t.min_presence_s - kPresenceSlackS;
    count("", t, is_covered);
    if (!t.station_id.empty()) count(t.station_id, t, is_covered);
  }
  std::vector<VisibilityRow> out;
  out.reserve(rows.size());
  for (auto& [key, row] : rows) {
    row.share = double(row.covered) / double(row.targets);
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<PlaceDuty> DefaultPlaceDuties() {
  return {
      {"school", "school_post", 7 * 60 + 30, 8 * 60 + 30, 100, 600},
      {"school", "school_post", 16 * 60 + 30, 17 * 60 + 30, 100, 600},
      {"night_market", "key_area", 19 * 60, 23 * 60, 150, 600},
      {"mall", "key_area", 18 * 60, 21 * 60, 150, 600},
      {"transport", "key_area", 7 * 60, 9 * 60, 150, 600},
      {"transport", "key_area", 17 * 60, 19 * 60, 150, 600},
  };
}

std::vector<Target> RiskCellTargets(double day_start, const DayRisk& risk,
                                    const StationOf& station_of, const DayTargetOptions& options) {
  std::vector<Target> out;
  const std::size_t n = risk.centre.size();
  if (n == 0) return out;
  const std::size_t keep_at_most = hotspots::CellsInTopPercent(n, options.top_percent);
  const double radius = std::max(options.radius_m, risk.cell_m * std::numbers::sqrt2 / 2);
  std::vector<std::string> station(n);
  std::vector<bool> is_located(n, false);
  for (std::size_t h = 0; h < risk.hourly.size() && h < 24; ++h) {
    const std::vector<double>& hour = risk.hourly[h];
    PINGAN_CHECK(hour.size() == n);
    // Cells with risk rank first, so the hottest that have any are a prefix.
    const std::vector<int> order = hotspots::HottestFirst(hour, keep_at_most);
    for (std::size_t k = 0; k < order.size() && hour[std::size_t(order[k])] > 0; ++k) {
      const std::size_t c = std::size_t(order[k]);
      if (!is_located[c]) {
        if (station_of) station[c] = station_of(risk.centre[c]);
        is_located[c] = true;
      }
      Target t;
      t.id = fmt::format("cell:{}@{:02d}", c, h);
      t.kind = "risk_cell";
      t.station_id = station[c];
      t.at = risk.centre[c];
      t.radius_m = radius;
      t.from = day_start + double(h) * 3600;
      t.to = t.from + 3600;
      t.min_presence_s = options.min_presence_s;
      out.push_back(std::move(t));
    }
  }
  return out;
}

std::vector<Target> PlaceTargets(double day_start, const std::vector<KeyPlace>& places,
                                 const StationOf& station_of, const DayTargetOptions& options) {
  std::vector<Target> out;
  for (const KeyPlace& p : places) {
    std::string station;
    bool is_located = false;
    for (const PlaceDuty& d : options.duties) {
      if (d.place_kind != p.kind) continue;
      if (!is_located) {
        if (station_of) station = station_of(p.at);
        is_located = true;
      }
      Target t;
      t.id = fmt::format("{}:{}@{}", p.kind, p.name, Clock(d.from_minute));
      t.kind = d.target_kind;
      t.station_id = station;
      t.at = p.at;
      t.radius_m = d.radius_m;
      t.from = day_start + 60.0 * d.from_minute;
      t.to = day_start + 60.0 * d.to_minute;
      t.min_presence_s = d.min_presence_s;
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace pingan::patrol
