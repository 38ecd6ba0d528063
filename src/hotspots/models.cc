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

namespace pingan::hotspots {
namespace {

class SpaceTimeKdeModel final : public Model {
 public:
  SpaceTimeKdeModel(double h, double decay_days, double window_days)
      : h_(h), tau_(decay_days * 86400), window_(window_days * 86400) {}
  std::string name() const override { return "stkde"; }
  std::vector<double> Predict(const EventData& e, const Grid& grid, double now) override {
    std::vector<double> s(grid.size(), 0);
    // Weighted so the total is an event rate per day.
    const double per_day = 86400 / tau_ * 1e6;
    for (size_t i = e.IndexAt(now - window_); i < e.IndexAt(now); ++i)
      AddQuartic(grid, e.at[i], h_, per_day * std::exp(-(now - e.t[i]) / tau_), s);
    return s;
  }

 private:
  double h_, tau_, window_;
};

class GridEtasModel final : public Model {
 public:
  explicit GridEtasModel(double window_days) : window_(window_days * 86400) {}
  std::string name() const override { return "grid_etas"; }
  std::vector<double> Predict(const EventData& e, const Grid& grid, double now) override {
    // Warm start from the previous period's fit: a day more data moves little.
    fit_ = FitGridEtas(e, grid, now - window_, now, fit_ ? 10 : 50, 120, fit_ ? &*fit_ : nullptr);
    std::vector<double> s = fit_->mu;
    const double per_day = 86400;
    const double cutoff = 120 * per_day;
    for (size_t i = e.IndexAt(now - cutoff); i < e.IndexAt(now); ++i) {
      if (e.cell[i] < 0) continue;
      double age = (now - e.t[i]) / per_day;
      s[size_t(e.cell[i])] += fit_->theta * fit_->omega * std::exp(-fit_->omega * age);
    }
    return s;
  }

 private:
  double window_;
  std::optional<GridEtasFit> fit_;
};

}  // namespace

std::unique_ptr<Model> SpaceTimeKde(double bandwidth_m, double decay_days, double window_days) {
  return std::make_unique<SpaceTimeKdeModel>(bandwidth_m, decay_days, window_days);
}

std::unique_ptr<Model> GridEtas(double window_days) {
  return std::make_unique<GridEtasModel>(window_days);
}

std::vector<double> TimeProfile(const EventData& e, double now, double window_days) {
  std::vector<double> p(168, 1.0);  // add-one smoothing
  double total = 168;
  for (size_t i = e.IndexAt(now - window_days * 86400); i < e.IndexAt(now); ++i) {
    // 1970-01-01 was a Thursday: day 0 → index 3 with Monday first.
    auto secs = static_cast<long long>(std::floor(e.t[i]));
    long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int dow = int(((days + 3) % 7 + 7) % 7);
    int hour = int(((secs % 86400) + 86400) % 86400 / 3600);
    p[size_t(dow * 24 + hour)] += 1;
    total += 1;
  }
  for (double& v : p) v /= total;
  return p;
}

GridEtasFit FitGridEtas(const EventData& e, const Grid& grid, double from, double to,
                        int max_iterations, double cutoff_days, const GridEtasFit* start) {
  GridEtasFit fit;
  const double day = 86400;
  const double span = (to - from) / day;
  // Events of the window by cell, times in days from `from`.
  std::vector<std::vector<double>> by_cell(grid.size());
  size_t n = 0;
  for (size_t i = e.IndexAt(from); i < e.IndexAt(to); ++i) {
    if (e.cell[i] < 0) continue;
    by_cell[size_t(e.cell[i])].push_back((e.t[i] - from) / day);
    ++n;
  }
  fit.mu.assign(grid.size(), 0);
  if (n == 0 || span <= 0) return fit;
  if (start != nullptr && start->mu.size() == grid.size()) {
    fit.theta = start->theta;
    fit.omega = start->omega;
  }
  std::vector<double> mu(grid.size());
  for (size_t c = 0; c < grid.size(); ++c) {
    // A cell with events always keeps some background: a zero would leave its first event
    // without a cause.
    double fresh = double(by_cell[c].size()) / span * 0.5;
    mu[c] = start ? std::max(start->mu[c], fresh * 0.01) : fresh;
  }

  for (int it = 0; it < max_iterations; ++it) {
    double sum_offspring = 0, sum_offspring_lag = 0, expected_children = 0;
    double change = 0;
    std::vector<double> new_mu(grid.size(), 0);
    for (size_t c = 0; c < grid.size(); ++c) {
      const auto& ts = by_cell[c];
      if (ts.empty()) continue;
      double background = 0;
      for (size_t i = 0; i < ts.size(); ++i) {
        // λ at t_i: background plus every earlier event of the cell within the cut-off.
        double trig = 0, trig_lag = 0;
        for (size_t j = i; j-- > 0;) {
          double lag = ts[i] - ts[j];
          if (lag > cutoff_days) break;
          double g = fit.theta * fit.omega * std::exp(-fit.omega * lag);
          trig += g;
          trig_lag += g * lag;
        }
        double lambda = mu[c] + trig;
        if (!(lambda > 0)) {
          // The first event of a cell whose background went to zero: all background again.
          background += 1;
          continue;
        }
        background += mu[c] / lambda;
        sum_offspring += trig / lambda;
        sum_offspring_lag += trig_lag / lambda;
        // The expected number of children of event i within the window.
        expected_children += 1 - std::exp(-fit.omega * std::min(span - ts[i], cutoff_days));
      }
      new_mu[c] = background / span;
    }
    double theta = expected_children > 0 ? sum_offspring / expected_children : 0;
    double omega = sum_offspring_lag > 0 ? sum_offspring / sum_offspring_lag : fit.omega;
    omega = std::clamp(omega, 1e-3, 50.0);
    theta = std::clamp(theta, 0.0, 0.99);
    change = std::abs(theta - fit.theta) + std::abs(omega - fit.omega) / std::max(omega, 1e-9);
    fit.theta = theta;
    fit.omega = omega;
    mu = std::move(new_mu);
    fit.iterations = it + 1;
    if (change < 1e-5) break;
  }
  fit.mu = std::move(mu);
  return fit;
}

}  // namespace pingan::hotspots
