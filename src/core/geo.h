// Geographic primitives. WGS84 longitude/latitude in GeoJSON order at the edges; polygons are
// tested in degrees, which is exact enough for point-in-polygon at district scale.
#pragma once

#include <optional>
#include <vector>

namespace pingan {

// A WGS84 position, longitude first (GeoJSON order). Not GCJ-02: Chinese phone SDKs report
// GCJ-02, and that arrives as a separate type converted at the edge.
struct LonLat {
  double lon = 0;
  double lat = 0;
  bool operator==(const LonLat&) const = default;
};

bool IsValid(LonLat p);

// Great-circle distance in metres.
double DistanceM(LonLat a, LonLat b);

struct BoundingBox {
  double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
  bool Contains(LonLat p) const {
    return p.lon >= min_lon && p.lon <= max_lon && p.lat >= min_lat && p.lat <= max_lat;
  }
};

// One polygon: an outer ring and holes. Rings are closed or open; both work.
struct Polygon {
  std::vector<LonLat> outer;
  std::vector<std::vector<LonLat>> holes;
};

// What a jurisdiction's area is: one or more polygons.
struct Area {
  std::vector<Polygon> polygons;
  BoundingBox Bounds() const;
  // True when `p` is inside a polygon's outer ring and not inside one of its holes. Points on
  // an edge may go either way; neighbouring areas then disagree at most on a line.
  bool Contains(LonLat p) const;
  // Area in square metres on a local equirectangular projection (district scale).
  double AreaM2() const;
};

}  // namespace pingan
