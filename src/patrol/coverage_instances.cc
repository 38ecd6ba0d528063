#include "patrol/coverage_instances.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/check.h"

namespace pingan::patrol {
namespace {

// Shapes raw mt19937_64 words (whose sequence the standard fixes) into the few distributions
// needed, because std::uniform_real_distribution and friends differ between libraries.
class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed) {}
  double Uniform(double lo, double hi) { return lo + (hi - lo) * double(rng_() >> 11) * 0x1p-53; }
  size_t Below(size_t n) { return size_t(rng_() % n); }

 private:
  std::mt19937_64 rng_;
};

struct Point {
  double x, y;
};

}  // namespace

std::string Describe(const InstanceSpec& spec) {
  return std::to_string(spec.columns) + "x" + std::to_string(spec.rows) + " c" +
         std::to_string(spec.candidates) + " r" + std::to_string(int(spec.radius_m)) + " u" +
         std::to_string(spec.units) + " s" + std::to_string(spec.stations) +
         (spec.forced > 0 ? " f" + std::to_string(spec.forced) : "") + " #" +
         std::to_string(spec.seed);
}

CoverageProblem GenerateInstance(const InstanceSpec& spec) {
  PINGAN_CHECK(spec.columns > 0 && spec.rows > 0 && spec.cell_m > 0 && spec.radius_m >= 0);
  const size_t n = size_t(spec.columns) * size_t(spec.rows);
  PINGAN_CHECK(spec.candidates > 0 && size_t(spec.candidates) <= n);
  PINGAN_CHECK(spec.units > 0 && spec.stations > 0 && spec.forced >= 0);
  PINGAN_CHECK(spec.forced <= std::min(spec.units, spec.candidates));
  Draw draw(spec.seed);
  const double width = spec.columns * spec.cell_m, height = spec.rows * spec.cell_m;
  auto centre = [&](size_t cell) {
    return Point{(double(cell % size_t(spec.columns)) + 0.5) * spec.cell_m,
                 (double(cell / size_t(spec.columns)) + 0.5) * spec.cell_m};
  };

  // Risk: a low background plus hot spots of varied size and strength, each cell roughened by
  // ±40 % so that neighbouring cells are not interchangeable (real counts are noisy).
  struct HotSpot {
    Point at;
    double sigma_m, peak;
  };
  std::vector<HotSpot> spots;
  for (int h = 0; h < spec.hot_spots; ++h)
    spots.push_back({{draw.Uniform(0.1, 0.9) * width, draw.Uniform(0.1, 0.9) * height},
                     draw.Uniform(150, 600),
                     draw.Uniform(0.5, 3)});
  CoverageProblem p;
  p.weight.resize(n);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    const Point c = centre(i);
    double risk = 0.05;
    for (const HotSpot& s : spots) {
      const double dx = c.x - s.at.x, dy = c.y - s.at.y;
      risk += s.peak * std::exp(-(dx * dx + dy * dy) / (2 * s.sigma_m * s.sigma_m));
    }
    p.weight[i] = risk * draw.Uniform(0.6, 1.4);
    total += p.weight[i];
  }
  for (double& w : p.weight) w *= 100 / total;

  // Candidates at distinct random cells (a partial Fisher–Yates shuffle).
  std::vector<size_t> cells(n);
  for (size_t i = 0; i < n; ++i) cells[i] = i;
  for (size_t k = 0; k < size_t(spec.candidates); ++k)
    std::swap(cells[k], cells[k + draw.Below(n - k)]);
  std::vector<Point> stations;
  for (int s = 0; s < spec.stations; ++s)
    stations.push_back({draw.Uniform(0, width), draw.Uniform(0, height)});
  p.capacity.resize(size_t(spec.stations));
  for (int s = 0; s < spec.stations; ++s)
    p.capacity[size_t(s)] = spec.units / spec.stations + (s < spec.units % spec.stations ? 1 : 0);

  const int reach = int(std::floor(spec.radius_m / spec.cell_m));
  const double r2 = spec.radius_m * spec.radius_m;
  for (size_t k = 0; k < size_t(spec.candidates); ++k) {
    const size_t at = cells[k];
    const Point c = centre(at);
    const int col = int(at % size_t(spec.columns)), row = int(at / size_t(spec.columns));
    std::vector<int> covers;
    for (int y = std::max(0, row - reach); y <= std::min(spec.rows - 1, row + reach); ++y)
      for (int x = std::max(0, col - reach); x <= std::min(spec.columns - 1, col + reach); ++x) {
        const double dx = (x - col) * spec.cell_m, dy = (y - row) * spec.cell_m;
        if (dx * dx + dy * dy <= r2) covers.push_back(y * spec.columns + x);
      }
    p.covers.push_back(std::move(covers));
    size_t nearest = 0;
    for (size_t s = 1; s < stations.size(); ++s)
      if (std::hypot(c.x - stations[s].x, c.y - stations[s].y) <
          std::hypot(c.x - stations[nearest].x, c.y - stations[nearest].y))
        nearest = s;
    p.group.push_back(int(nearest));
  }

  // Fixed duties: walk the candidates in their random order and force one wherever its group
  // still has a unit to spare, so the forced posts are scattered and always fit.
  std::vector<int> forced_in(p.capacity.size(), 0);
  for (size_t o = 0; o < p.options() && int(p.forced.size()) < spec.forced; ++o) {
    const size_t g = size_t(p.group[o]);
    if (forced_in[g] + 1 >= p.capacity[g]) continue;  // leave each group a unit to plan
    ++forced_in[g];
    p.forced.push_back(int(o));
  }
  return p;
}

std::vector<InstanceSpec> BenchmarkSuite() {
  struct Row {
    int candidates;
    double radius_m;
    int stations, forced;
  };
  const Row rows[] = {{400, 300, 1, 0}, {400, 500, 1, 0}, {400, 750, 5, 3}, {400, 1000, 1, 0},
                      {600, 300, 5, 3}, {600, 500, 1, 0}, {600, 750, 1, 0}, {600, 1000, 5, 3},
                      {900, 300, 1, 0}, {900, 500, 5, 3}, {900, 750, 1, 0}, {900, 1000, 1, 0}};
  std::vector<InstanceSpec> suite;
  for (const Row& row : rows) {
    InstanceSpec spec;
    spec.candidates = row.candidates;
    spec.radius_m = row.radius_m;
    spec.stations = row.stations;
    spec.forced = row.forced;
    spec.seed = suite.size() + 1;
    suite.push_back(spec);
  }
  return suite;
}

std::vector<InstanceSpec> SmallSuite() {
  struct Row {
    int side, candidates, units;
    double radius_m;
    int stations, forced;
  };
  const Row rows[] = {{30, 150, 8, 300, 1, 0},  {30, 150, 8, 450, 1, 0},  {30, 150, 8, 450, 3, 2},
                      {30, 150, 8, 600, 3, 2},  {30, 150, 8, 750, 1, 0},  {30, 150, 8, 750, 3, 2},
                      {36, 200, 10, 300, 3, 2}, {36, 200, 10, 450, 3, 2}, {36, 200, 10, 750, 3, 2}};
  std::vector<InstanceSpec> suite;
  for (const Row& row : rows) {
    InstanceSpec spec;
    spec.columns = spec.rows = row.side;
    spec.candidates = row.candidates;
    spec.units = row.units;
    spec.radius_m = row.radius_m;
    spec.stations = row.stations;
    spec.forced = row.forced;
    spec.hot_spots = 5;
    // A fixed function of the row, so the suite (and the figures quoted for it) never changes.
    spec.seed = uint64_t(1000 + int(row.radius_m) + row.stations);
    suite.push_back(spec);
  }
  return suite;
}

}  // namespace pingan::patrol
