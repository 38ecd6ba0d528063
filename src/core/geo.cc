#include "core/geo.h"

#include <algorithm>
#include <cmath>

namespace pingan {

namespace {

constexpr double kEarthRadiusM = 6371008.8;
constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

// Even-odd rule ray casting towards +lon.
bool RingContains(const std::vector<LonLat>& ring, LonLat p) {
  bool inside = false;
  size_t n = ring.size();
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    const LonLat& a = ring[i];
    const LonLat& b = ring[j];
    if ((a.lat > p.lat) != (b.lat > p.lat)) {
      double x = a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat);
      if (p.lon < x) inside = !inside;
    }
  }
  return inside;
}

double RingAreaM2(const std::vector<LonLat>& ring, double lat0) {
  double kx = kDegToRad * kEarthRadiusM * std::cos(lat0 * kDegToRad);
  double ky = kDegToRad * kEarthRadiusM;
  double sum = 0;
  size_t n = ring.size();
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    sum += (ring[j].lon * kx) * (ring[i].lat * ky) - (ring[i].lon * kx) * (ring[j].lat * ky);
  }
  return std::abs(sum) / 2;
}

}  // namespace

bool IsValid(LonLat p) {
  return std::isfinite(p.lon) && std::isfinite(p.lat) && p.lon >= -180 && p.lon <= 180 &&
         p.lat >= -90 && p.lat <= 90;
}

double DistanceM(LonLat a, LonLat b) {
  double dlat = (b.lat - a.lat) * kDegToRad;
  double dlon = (b.lon - a.lon) * kDegToRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(a.lat * kDegToRad) *
                                                           std::cos(b.lat * kDegToRad) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

BoundingBox Area::Bounds() const {
  BoundingBox box{180, 90, -180, -90};
  for (const Polygon& poly : polygons) {
    for (const LonLat& p : poly.outer) {
      box.min_lon = std::min(box.min_lon, p.lon);
      box.max_lon = std::max(box.max_lon, p.lon);
      box.min_lat = std::min(box.min_lat, p.lat);
      box.max_lat = std::max(box.max_lat, p.lat);
    }
  }
  return box;
}

bool Area::Contains(LonLat p) const {
  for (const Polygon& poly : polygons) {
    if (!RingContains(poly.outer, p)) continue;
    bool in_hole = std::any_of(poly.holes.begin(), poly.holes.end(),
                               [&](const auto& hole) { return RingContains(hole, p); });
    if (!in_hole) return true;
  }
  return false;
}

double Area::AreaM2() const {
  BoundingBox b = Bounds();
  double lat0 = (b.min_lat + b.max_lat) / 2;
  double total = 0;
  for (const Polygon& poly : polygons) {
    total += RingAreaM2(poly.outer, lat0);
    for (const auto& hole : poly.holes) total -= RingAreaM2(hole, lat0);
  }
  return total;
}

}  // namespace pingan
