// GCJ-02 ("Mars coordinates"), the obfuscated datum that maps and phone SDKs in mainland China
// report, and its conversion to and from WGS84. Pingan stores WGS84 (LonLat) only; a GCJ-02
// position is a separate type so that converting it is a call, never an accident.
#pragma once

#include "core/geo.h"

namespace pingan {

// A GCJ-02 position, longitude first. Inside mainland China it lies a few hundred metres from
// the WGS84 position of the same place; outside China (see IsInsideGcj02Area) the two agree.
struct Gcj02LonLat {
  double lon = 0;
  double lat = 0;
  bool operator==(const Gcj02LonLat&) const = default;
};

// True inside the rough bounding box of mainland China (lon 72.004..137.8347,
// lat 0.8293..55.8271) where the GCJ-02 offset applies. The box is what the published formula
// uses; it includes neighbouring countries, and callers that need a border-exact answer must
// decide themselves.
bool IsInsideGcj02Area(double lon, double lat);

// WGS84 → GCJ-02 with the published offset formula (Krasovsky 1940 ellipsoid,
// a = 6378245.0 m, e² = 0.00669342162296594323). No offset outside IsInsideGcj02Area.
Gcj02LonLat ToGcj02(LonLat wgs84);

// GCJ-02 → WGS84 by iterating the forward transform until it reproduces `gcj02` to within
// 1e-9 degrees (the result is within 1e-7 degrees of the true WGS84 position, about 1 cm).
// No offset outside IsInsideGcj02Area.
LonLat ToWgs84(Gcj02LonLat gcj02);

}  // namespace pingan
