// Space for hotspot analysis: positions projected to metres on a local plane around the data,
// and a grid of square cells over them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "core/geo.h"

namespace pingan::hotspots {

struct XY {
  double x = 0, y = 0;
};

// Equirectangular around `origin`: over a city (50 km) distances are off by well under 1 %,
// far below the cell size that matters here.
class LocalProjection {
 public:
  explicit LocalProjection(LonLat origin);
  XY To(LonLat p) const;
  LonLat From(XY p) const;

 private:
  LonLat origin_;
  double mx_, my_;  // metres per degree
};

// The median longitude and latitude of `points` (each on its own): a projection origin that a
// few far-off slips do not move. REQUIRES: !points.empty().
LonLat MedianPosition(std::vector<LonLat> points);

class Grid {
 public:
  Grid() = default;
  // Covers [min, max] of `points` with square cells of `cell_m`; points beyond the 0.1 and 99.9
  // percentiles in either axis (a geocoding slip a continent away) are left outside.
  Grid(const std::vector<XY>& points, double cell_m);
  Grid(XY min, int nx, int ny, double cell_m) : min_(min), nx_(nx), ny_(ny), cell_(cell_m) {}

  int nx() const { return nx_; }
  int ny() const { return ny_; }
  size_t size() const { return size_t(nx_) * size_t(ny_); }
  double cell_m() const { return cell_; }
  // The cell holding p, or -1 outside the grid.
  int CellOf(XY p) const;
  XY Centre(int cell) const;
  int Col(int cell) const { return cell % nx_; }
  int Row(int cell) const { return cell / nx_; }
  // Calls fn(cell) for every cell within `reach` columns and rows of (col, row), clipped to
  // the grid: the neighbourhood every kernel spreads over.
  template <typename F>
  void ForCellsAround(int col, int row, int reach, F&& fn) const {
    for (int y = std::max(0, row - reach); y <= std::min(ny_ - 1, row + reach); ++y)
      for (int x = std::max(0, col - reach); x <= std::min(nx_ - 1, col + reach); ++x)
        fn(y * nx_ + x);
  }

 private:
  XY min_;
  int nx_ = 0, ny_ = 0;
  double cell_ = 150;
};

// Square cells of `cell_m` over `box`, on `projection` (usually centred on the box).
Grid GridOver(const LocalProjection& projection, const BoundingBox& box, double cell_m);

// How many of `n` cells the top `percent` % of them is: rounded up, but not for the float dust
// of the product (5 % of 1,200 is 60, not the 61 that ceil(60.000000000000007) would give).
size_t CellsInTopPercent(size_t n, double percent);

// The indices of `value`, highest value first, ties to the lower index; only the first `k`
// (all by default) are ranked and returned.
std::vector<int> HottestFirst(const std::vector<double>& value, size_t k = size_t(-1));

// Day of the week (Monday 0) and hour of day of a time in local seconds since 1970-01-01 (a
// Thursday).
std::pair<int, int> DayOfWeekAndHour(double local_seconds);

}  // namespace pingan::hotspots
