#include "hotspots/models.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

namespace pingan::hotspots {

constexpr double kDay = 86400;

size_t EventData::IndexAt(double time) const {
  return size_t(std::lower_bound(t.begin(), t.end(), time) - t.begin());
}

void AddQuartic(const Grid& grid, XY p, double h, double weight, std::vector<double>& surface) {
  const double c = grid.cell_m();
  const int reach = int(std::ceil(h / c)) + 1;
  // The cell under p (clamped: an event just outside still warms the edge).
  int cx = int(std::floor(p.x / c - grid.Centre(0).x / c + 0.5));
  int cy = int(std::floor(p.y / c - grid.Centre(0).y / c + 0.5));
  const double norm = weight * 3 / (std::numbers::pi * h * h);
  for (int y = std::max(0, cy - reach); y <= std::min(grid.ny() - 1, cy + reach); ++y) {
    for (int x = std::max(0, cx - reach); x <= std::min(grid.nx() - 1, cx + reach); ++x) {
      int cell = y * grid.nx() + x;
      XY centre = grid.Centre(cell);
      double d2 = (centre.x - p.x) * (centre.x - p.x) + (centre.y - p.y) * (centre.y - p.y);
      if (d2 >= h * h) continue;
      double u = 1 - d2 / (h * h);
      surface[size_t(cell)] += norm * u * u;
    }
  }
}

namespace {

class CountingGridModel final : public Model {
 public:
  explicit CountingGridModel(double window_days) : window_(window_days * kDay) {}
  std::string name() const override { return "counting_grid"; }
  std::vector<double> Predict(const EventData& e, const Grid& grid, double now) override {
    std::vector<double> s(grid.size(), 0);
    for (size_t i = e.IndexAt(now - window_); i < e.IndexAt(now); ++i)
      if (e.cell[i] >= 0) s[size_t(e.cell[i])] += 1;
    return s;
  }

 private:
  double window_;
};

class KdeModel final : public Model {
 public:
  KdeModel(std::string name, double h, double window_days, bool frozen)
      : name_(std::move(name)), h_(h), window_(window_days * kDay), frozen_(frozen) {}
  std::string name() const override { return name_; }
  std::vector<double> Predict(const EventData& e, const Grid& grid, double now) override {
    if (frozen_ && fitted_) return *fitted_;
    std::vector<double> s(grid.size(), 0);
    const size_t begin = e.IndexAt(now - window_), end = e.IndexAt(now);
    // Events per day per km².
    const double per_day_km2 = 1e6 / (window_ / kDay);
    for (size_t i = begin; i < end; ++i) AddQuartic(grid, e.at[i], h_, per_day_km2, s);
    if (frozen_) fitted_ = s;
    return s;
  }

 private:
  std::string name_;
  double h_, window_;
  bool frozen_;
  std::optional<std::vector<double>> fitted_;
};

class ProspectiveModel final : public Model {
 public:
  ProspectiveModel(double bandwidth_m, int weeks) : bandwidth_(bandwidth_m), weeks_(weeks) {}
  std::string name() const override { return "prospective"; }
  std::vector<double> Predict(const EventData& e, const Grid& grid, double now) override {
    std::vector<double> s(grid.size(), 0);
    const double c = grid.cell_m();
    const int reach = int(std::ceil(bandwidth_ / c));
    for (size_t i = e.IndexAt(now - weeks_ * 7 * kDay); i < e.IndexAt(now); ++i) {
      if (e.cell[i] < 0) continue;
      const int weeks = int(std::floor((now - e.t[i]) / (7 * kDay)));
      const int ex = grid.Col(e.cell[i]), ey = grid.Row(e.cell[i]);
      for (int y = std::max(0, ey - reach); y <= std::min(grid.ny() - 1, ey + reach); ++y) {
        for (int x = std::max(0, ex - reach); x <= std::min(grid.nx() - 1, ex + reach); ++x) {
          double d_m = c * std::hypot(x - ex, y - ey);
          if (d_m > bandwidth_) continue;
          double d_cells = std::round(d_m / c);
          s[size_t(y * grid.nx() + x)] += 1 / (1 + d_cells) / (1 + weeks);
        }
      }
    }
    return s;
  }

 private:
  double bandwidth_;
  int weeks_;
};

}  // namespace

std::unique_ptr<Model> CountingGrid(double window_days) {
  return std::make_unique<CountingGridModel>(window_days);
}
std::unique_ptr<Model> StaticKde(double bandwidth_m, double window_days) {
  return std::make_unique<KdeModel>("static_kde", bandwidth_m, window_days, true);
}
std::unique_ptr<Model> RetrospectiveKde(double bandwidth_m, double window_days) {
  return std::make_unique<KdeModel>("retro_kde", bandwidth_m, window_days, false);
}
std::unique_ptr<Model> Prospective(double bandwidth_m, int window_weeks) {
  return std::make_unique<ProspectiveModel>(bandwidth_m, window_weeks);
}

}  // namespace pingan::hotspots
