#include "core/gcj02.h"

#include <cmath>
#include <numbers>

namespace pingan {

namespace {

constexpr double kKrasovskySemiMajorAxisM = 6378245.0;
constexpr double kKrasovskyEccentricitySquared = 0.00669342162296594323;
constexpr double kPi = std::numbers::pi;

// The published offset polynomials, in metres-like units, of x = lon − 105° and y = lat − 35°.
// Each sine group is a sum of two harmonics; the factor 2/3 belongs to the formula.
double HarmonicPair(double a, double b) {
  return (a + b) * 2.0 / 3.0;
}

double LatitudeOffset(double x, double y) {
  double offset =
      -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
  offset += HarmonicPair(20.0 * std::sin(6.0 * x * kPi), 20.0 * std::sin(2.0 * x * kPi));
  offset += HarmonicPair(20.0 * std::sin(y * kPi), 40.0 * std::sin(y / 3.0 * kPi));
  offset += HarmonicPair(160.0 * std::sin(y / 12.0 * kPi), 320.0 * std::sin(y * kPi / 30.0));
  return offset;
}

double LongitudeOffset(double x, double y) {
  double offset = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
  offset += HarmonicPair(20.0 * std::sin(6.0 * x * kPi), 20.0 * std::sin(2.0 * x * kPi));
  offset += HarmonicPair(20.0 * std::sin(x * kPi), 40.0 * std::sin(x / 3.0 * kPi));
  offset += HarmonicPair(150.0 * std::sin(x / 12.0 * kPi), 300.0 * std::sin(x / 30.0 * kPi));
  return offset;
}

// The forward transform without the area test, so the inversion can evaluate it on both sides
// of the box edge.
Gcj02LonLat Forward(double lon, double lat) {
  double x = lon - 105.0;
  double y = lat - 35.0;
  double lat_rad = lat / 180.0 * kPi;
  double sin_lat = std::sin(lat_rad);
  // Radii of curvature of the Krasovsky ellipsoid: meridional M = a(1−e²)/W³ and prime
  // vertical N = a/W, with W = sqrt(1 − e² sin² φ). Dividing the offset by them turns it into
  // degrees.
  double w_squared = 1.0 - kKrasovskyEccentricitySquared * sin_lat * sin_lat;
  double w = std::sqrt(w_squared);
  double meridional_m =
      kKrasovskySemiMajorAxisM * (1.0 - kKrasovskyEccentricitySquared) / (w_squared * w);
  double prime_vertical_m = kKrasovskySemiMajorAxisM / w;
  double d_lat = LatitudeOffset(x, y) * 180.0 / (meridional_m * kPi);
  double d_lon = LongitudeOffset(x, y) * 180.0 / (prime_vertical_m * std::cos(lat_rad) * kPi);
  return Gcj02LonLat{lon + d_lon, lat + d_lat};
}

}  // namespace

bool IsInsideGcj02Area(double lon, double lat) {
  return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

Gcj02LonLat ToGcj02(LonLat wgs84) {
  if (!IsInsideGcj02Area(wgs84.lon, wgs84.lat)) return Gcj02LonLat{wgs84.lon, wgs84.lat};
  return Forward(wgs84.lon, wgs84.lat);
}

LonLat ToWgs84(Gcj02LonLat gcj02) {
  if (!IsInsideGcj02Area(gcj02.lon, gcj02.lat)) return LonLat{gcj02.lon, gcj02.lat};
  // The forward transform is the identity plus an offset that changes by a few thousandths of
  // a degree per degree moved, so the fixed-point iteration w ← w − (F(w) − g) shrinks the
  // error several hundredfold per step: four or five steps reach 1e-9 degrees. The cap only
  // guards the square-root cusp at lon 105°, where convergence is slower but the term is tiny.
  LonLat w{gcj02.lon, gcj02.lat};
  for (int i = 0; i < 20; ++i) {
    Gcj02LonLat f = Forward(w.lon, w.lat);
    double error_lon = f.lon - gcj02.lon;
    double error_lat = f.lat - gcj02.lat;
    w.lon -= error_lon;
    w.lat -= error_lat;
    if (std::abs(error_lon) < 1e-9 && std::abs(error_lat) < 1e-9) break;
  }
  return w;
}

}  // namespace pingan
