#include "hotspots/grid.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pingan::hotspots {

LocalProjection::LocalProjection(LonLat origin)
    : origin_(origin), mx_(111'320 * std::cos(origin.lat * std::numbers::pi / 180)), my_(110'574) {}

XY LocalProjection::To(LonLat p) const {
  return {(p.lon - origin_.lon) * mx_, (p.lat - origin_.lat) * my_};
}

LonLat LocalProjection::From(XY p) const {
  return {origin_.lon + p.x / mx_, origin_.lat + p.y / my_};
}

Grid::Grid(const std::vector<XY>& points, double cell_m) : cell_(cell_m) {
  if (points.empty()) return;
  std::vector<double> xs, ys;
  for (const XY& p : points) {
    xs.push_back(p.x);
    ys.push_back(p.y);
  }
  auto quantile = [](std::vector<double>& v, double q) {
    size_t k = std::min(v.size() - 1, size_t(q * double(v.size() - 1) + 0.5));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k];
  };
  const double q = points.size() >= 1000 ? 0.001 : 0.0;
  double x0 = quantile(xs, q), x1 = quantile(xs, 1 - q);
  double y0 = quantile(ys, q), y1 = quantile(ys, 1 - q);
  min_ = {x0, y0};
  nx_ = std::max(1, int(std::floor((x1 - x0) / cell_)) + 1);
  ny_ = std::max(1, int(std::floor((y1 - y0) / cell_)) + 1);
}

int Grid::CellOf(XY p) const {
  double fx = (p.x - min_.x) / cell_, fy = (p.y - min_.y) / cell_;
  if (fx < 0 || fy < 0) return -1;
  int cx = int(fx), cy = int(fy);
  if (cx >= nx_ || cy >= ny_) return -1;
  return cy * nx_ + cx;
}

LonLat MedianPosition(std::vector<LonLat> points) {
  std::vector<double> lons, lats;
  for (const LonLat& p : points) {
    lons.push_back(p.lon);
    lats.push_back(p.lat);
  }
  std::nth_element(lons.begin(), lons.begin() + long(lons.size() / 2), lons.end());
  std::nth_element(lats.begin(), lats.begin() + long(lats.size() / 2), lats.end());
  return {lons[lons.size() / 2], lats[lats.size() / 2]};
}

Grid GridOver(const LocalProjection& projection, const BoundingBox& box, double cell_m) {
  XY lo = projection.To({box.min_lon, box.min_lat});
  XY hi = projection.To({box.max_lon, box.max_lat});
  return Grid(lo, std::max(1, int(std::ceil((hi.x - lo.x) / cell_m))),
              std::max(1, int(std::ceil((hi.y - lo.y) / cell_m))), cell_m);
}

size_t CellsInTopPercent(size_t n, double percent) {
  return size_t(std::max(0.0, std::ceil(percent / 100 * double(n) - 1e-9)));
}

std::vector<int> HottestFirst(const std::vector<double>& value, size_t k) {
  std::vector<int> order(value.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + long(k), order.end(), [&](int a, int b) {
    return value[size_t(a)] != value[size_t(b)] ? value[size_t(a)] > value[size_t(b)] : a < b;
  });
  order.resize(k);
  return order;
}

std::pair<int, int> DayOfWeekAndHour(double local_seconds) {
  auto secs = static_cast<long long>(std::floor(local_seconds));
  long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int dow = int(((days + 3) % 7 + 7) % 7);
  int hour = int(((secs % 86400) + 86400) % 86400 / 3600);
  return {dow, hour};
}

XY Grid::Centre(int cell) const {
  return {min_.x + (Col(cell) + 0.5) * cell_, min_.y + (Row(cell) + 0.5) * cell_};
}

}  // namespace pingan::hotspots
