#include "hotspots/models.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>
#include <optional>
#include <unordered_map>

#include "hotspots/evaluation.h"

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
  grid.ForCellsAround(cx, cy, reach, [&](int cell) {
    XY centre = grid.Centre(cell);
    double d2 = (centre.x - p.x) * (centre.x - p.x) + (centre.y - p.y) * (centre.y - p.y);
    if (d2 >= h * h) return;
    double u = 1 - d2 / (h * h);
    surface[size_t(cell)] += norm * u * u;
  });
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
      grid.ForCellsAround(ex, ey, reach, [&](int cell) {
        double d_m = c * std::hypot(grid.Col(cell) - ex, grid.Row(cell) - ey);
        if (d_m > bandwidth_) return;
        double d_cells = std::round(d_m / c);
        s[size_t(cell)] += 1 / (1 + d_cells) / (1 + weeks);
      });
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
    auto [dow, hour] = DayOfWeekAndHour(e.t[i]);
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

EtasFit FitEtas(const EventData& e, double from, double to, const EtasOptions& o,
                const EtasFit* start) {
  EtasFit fit;
  if (start) {
    fit.theta = start->theta;
    fit.omega = start->omega;
    fit.sigma_m = start->sigma_m;
  }
  const size_t begin = e.IndexAt(from), end = e.IndexAt(to);
  const size_t n = end - begin;
  if (n < 2) return fit;
  const double day = 86400, span = (to - from) / day;
  const double hb = o.background_m, rmax = std::max(o.max_distance_m, hb);

  // Neighbours through a hash grid of cell size rmax: each event looks in 3 × 3 cells.
  std::unordered_map<int64_t, std::vector<uint32_t>> cells;
  auto key = [&](XY p) {
    return (int64_t(std::floor(p.x / rmax)) << 32) ^
           int64_t(uint32_t(int32_t(std::floor(p.y / rmax))));
  };
  for (size_t i = 0; i < n; ++i) cells[key(e.at[begin + i])].push_back(uint32_t(i));
  struct Link {
    uint32_t j;
    float d2;   // m²
    float lag;  // days, > 0 when j is a candidate parent of i
  };
  std::vector<std::vector<Link>> near(n);
  size_t pairs = 0;
  for (size_t i = 0; i < n; ++i) {
    const XY p = e.at[begin + i];
    const int64_t cx = int64_t(std::floor(p.x / rmax)), cy = int64_t(std::floor(p.y / rmax));
    for (int64_t dx = -1; dx <= 1; ++dx) {
      for (int64_t dy = -1; dy <= 1; ++dy) {
        auto it = cells.find(((cx + dx) << 32) ^ int64_t(uint32_t(int32_t(cy + dy))));
        if (it == cells.end()) continue;
        for (uint32_t j : it->second) {
          if (j == i) continue;
          const XY q = e.at[begin + j];
          double d2 = (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y);
          if (d2 >= rmax * rmax) continue;
          double lag = (e.t[begin + i] - e.t[begin + j]) / day;
          bool parent =
              lag > 0 && lag <= o.max_lag_days && d2 < o.max_distance_m * o.max_distance_m;
          bool background = d2 < hb * hb;
          if (!parent && !background) continue;
          near[i].push_back({j, float(d2), parent ? float(lag) : 0.f});
          ++pairs;
        }
      }
    }
  }
  fit.pairs = pairs;
  fit.background.assign(n, 0.5);
  if (start && start->background.size() == n) fit.background = start->background;
  const double kb = 3 / (3.14159265358979 * hb * hb);

  for (int it = 0; it < o.max_iterations; ++it) {
    double sum_p = 0, sum_p_lag = 0, sum_p_d2 = 0;
    std::vector<double> next_bg(n);
    const double s2 = fit.sigma_m * fit.sigma_m;
    const double gauss = 1 / (2 * 3.14159265358979 * s2);
    for (size_t i = 0; i < n; ++i) {
      // Background density at i from the others' background weights (leave one out).
      double mu = 0;
      for (const Link& l : near[i]) {
        if (l.d2 >= hb * hb) continue;
        double u = 1 - l.d2 / (hb * hb);
        mu += fit.background[l.j] * kb * u * u;
      }
      mu /= span;
      mu = std::max(mu, 1e-12);
      double trig = 0;
      for (const Link& l : near[i]) {
        if (l.lag <= 0) continue;
        trig += fit.theta * fit.omega * std::exp(-fit.omega * l.lag) * gauss *
                std::exp(-l.d2 / (2 * s2));
      }
      const double lambda = mu + trig;
      next_bg[i] = mu / lambda;
      if (trig > 0) {
        for (const Link& l : near[i]) {
          if (l.lag <= 0) continue;
          double pij = fit.theta * fit.omega * std::exp(-fit.omega * l.lag) * gauss *
                       std::exp(-l.d2 / (2 * s2)) / lambda;
          sum_p += pij;
          sum_p_lag += pij * l.lag;
          sum_p_d2 += pij * l.d2;
        }
      }
    }
    double expected = 0;
    for (size_t j = 0; j < n; ++j)
      expected += 1 - std::exp(-fit.omega * std::min((to - e.t[begin + j]) / day, o.max_lag_days));
    double theta = std::clamp(expected > 0 ? sum_p / expected : 0.0, 0.0, 0.95);
    double omega = sum_p_lag > 0 ? std::clamp(sum_p / sum_p_lag, 1e-3, 50.0) : fit.omega;
    double sigma = sum_p > 0 ? std::clamp(std::sqrt(sum_p_d2 / (2 * sum_p)), 5.0, o.max_distance_m)
                             : fit.sigma_m;
    double change = std::abs(theta - fit.theta) + std::abs(omega - fit.omega) / omega +
                    std::abs(sigma - fit.sigma_m) / sigma;
    fit.theta = theta;
    fit.omega = omega;
    fit.sigma_m = sigma;
    fit.background = std::move(next_bg);
    fit.iterations = it + 1;
    if (change < 1e-4) break;
  }
  return fit;
}

namespace {

class EtasModel final : public Model {
 public:
  EtasModel(double window_days, EtasOptions o) : window_(window_days * 86400), options_(o) {}
  std::string name() const override { return "etas"; }
  std::vector<double> Predict(const EventData& e, const Grid& grid, double now) override {
    const double from = now - window_;
    EtasOptions o = options_;
    if (fit_) o.max_iterations = 8;  // warm start: a day more data moves little
    // The previous fit's background weights line up only when the window did not move its
    // start past events; otherwise start from the parameters alone.
    EtasFit previous;
    const EtasFit* start = nullptr;
    if (fit_) {
      previous = *fit_;
      if (e.IndexAt(from) != begin_) previous.background.clear();
      start = &previous;
    }
    fit_ = FitEtas(e, from, now, o, start);
    begin_ = e.IndexAt(from);
    const size_t begin = begin_, end = e.IndexAt(now);
    std::vector<double> s(grid.size(), 0);
    const double span = window_ / 86400;
    for (size_t i = begin; i < end; ++i) {
      double w = fit_->background.empty() ? 0.5 : fit_->background[i - begin];
      AddQuartic(grid, e.at[i], options_.background_m, w / span, s);
    }
    // Triggering at `now`, spread as the fitted Gaussian (integrated ≈ density × cell area is
    // the same for every cell, so densities are compared directly).
    const double s2 = fit_->sigma_m * fit_->sigma_m;
    const double gauss = 1 / (2 * 3.14159265358979 * s2);
    const double c = grid.cell_m();
    const int reach = int(std::ceil(3 * fit_->sigma_m / c));
    for (size_t i = e.IndexAt(now - options_.max_lag_days * 86400); i < end; ++i) {
      if (e.cell[i] < 0) continue;
      double rate = fit_->theta * fit_->omega * std::exp(-fit_->omega * (now - e.t[i]) / 86400);
      int ex = grid.Col(e.cell[i]), ey = grid.Row(e.cell[i]);
      grid.ForCellsAround(ex, ey, reach, [&](int cell) {
        XY centre = grid.Centre(cell);
        double d2 = (centre.x - e.at[i].x) * (centre.x - e.at[i].x) +
                    (centre.y - e.at[i].y) * (centre.y - e.at[i].y);
        s[size_t(cell)] += rate * gauss * std::exp(-d2 / (2 * s2));
      });
    }
    return s;
  }

 private:
  double window_;
  EtasOptions options_;
  std::optional<EtasFit> fit_;
  size_t begin_ = 0;
};

}  // namespace

std::unique_ptr<Model> Etas(double window_days, EtasOptions options) {
  return std::make_unique<EtasModel>(window_days, options);
}

namespace {

// What both combiners share: member surfaces, each divided by its mean over the study area so
// that they speak one scale, and the days before `now` to learn from — each day's surfaces from
// what was known before it (rolling origin) beside the cells of that day's incidents.
class CombinerBase : public Model {
 public:
  CombinerBase(std::vector<std::unique_ptr<Model>> members, int cv_days, int retune_days)
      : members_(std::move(members)), cv_days_(cv_days), retune_(retune_days * 86400.0) {}
  void SetStudyRegion(const std::vector<int>& cells) override {
    region_ = cells;
    for (auto& m : members_) m->SetStudyRegion(cells);
  }
  std::vector<double> Predict(const EventData& e, const Grid& grid, double now) override {
    if (!fitted_ || now - tuned_at_ >= retune_) {
      Fit(Folds(e, grid, now), grid);
      fitted_ = true;
      tuned_at_ = now;
    }
    return Apply(Surfaces(e, grid, now), grid.size());
  }

 protected:
  struct Fold {
    std::vector<std::vector<double>> surfaces;
    std::vector<int> cells;
  };
  virtual void Fit(const std::vector<Fold>& folds, const Grid& grid) = 0;
  virtual std::vector<double> Apply(const std::vector<std::vector<double>>& surfaces,
                                    size_t n) const = 0;

  std::vector<std::vector<double>> Surfaces(const EventData& e, const Grid& grid, double t) {
    std::vector<std::vector<double>> out;
    for (auto& m : members_) {
      std::vector<double> s = m->Predict(e, grid, t);
      double sum = 0;
      for (int c : region_) sum += s[size_t(c)];
      double mean = region_.empty() ? 1 : sum / double(region_.size());
      if (mean > 0)
        for (double& v : s) v /= mean;
      out.push_back(std::move(s));
    }
    return out;
  }

  std::vector<Fold> Folds(const EventData& e, const Grid& grid, double now) {
    const double day = 86400;
    std::vector<Fold> folds;
    for (int d = cv_days_; d >= 1; --d) {
      double t = now - d * day;
      Fold f;
      for (size_t i = e.IndexAt(t); i < e.IndexAt(t + day); ++i) f.cells.push_back(e.cell[i]);
      if (f.cells.empty()) continue;
      f.surfaces = Surfaces(e, grid, t);
      folds.push_back(std::move(f));
    }
    return folds;
  }

  std::vector<std::unique_ptr<Model>> members_;
  int cv_days_;
  double retune_;
  std::vector<int> region_;
  double tuned_at_ = 0;
  bool fitted_ = false;
};

// Σ w_k s_k with the weights on a quarter-step simplex that catch the most incidents at
// `coverage` percent of the area over the folds.
class LinearCombiner final : public CombinerBase {
 public:
  LinearCombiner(std::vector<std::unique_ptr<Model>> members, int cv_days, int retune_days,
                 double coverage)
      : CombinerBase(std::move(members), cv_days, retune_days), coverage_(coverage) {}
  std::string name() const override { return "combined_linear"; }

 private:
  std::vector<double> Apply(const std::vector<std::vector<double>>& s, size_t n) const override {
    std::vector<double> out(n, 0);
    for (size_t k = 0; k < s.size(); ++k)
      if (weights_[k] > 0)
        for (size_t c = 0; c < n; ++c) out[c] += weights_[k] * s[k][c];
    return out;
  }

  void Fit(const std::vector<Fold>& folds, const Grid& grid) override {
    const size_t k = members_.size();
    // Every weight vector in steps of a quarter that sums to one.
    std::vector<std::vector<double>> candidates;
    std::vector<int> parts(k, 0);
    std::function<void(size_t, int)> enumerate = [&](size_t at, int left) {
      if (at + 1 == k) {
        parts[at] = left;
        std::vector<double> w;
        for (int p : parts) w.push_back(p / 4.0);
        candidates.push_back(w);
        return;
      }
      for (int p = 0; p <= left; ++p) {
        parts[at] = p;
        enumerate(at + 1, left - p);
      }
    };
    enumerate(0, 4);
    std::vector<double> tiebreak(grid.size());
    for (size_t c = 0; c < tiebreak.size(); ++c) tiebreak[c] = double((c * 2654435761u) % 1000003);
    double best = -1;
    std::vector<double> chosen(k, 1.0 / double(k));
    for (const auto& w : candidates) {
      weights_ = w;
      double total = 0;
      for (const Fold& f : folds)
        total += ScorePeriod(Apply(f.surfaces, grid.size()), region_, tiebreak, f.cells, coverage_)
                     .hit_rate;
      if (total > best + 1e-12) {
        best = total;
        chosen = w;
      }
    }
    weights_ = chosen;
  }

  double coverage_;
  std::vector<double> weights_;
};

// A Poisson log-linear model of the day's count per cell: log λ_c = β₀ + Σ β_k log(ε + s_k(c))
// + Σ γ_j layer_j(c), fitted by maximum likelihood (Newton's method, a light ridge on all but
// the intercept) over the folds. Logs of the members make it a weighted geometric mean, which
// lets one model veto another's hot cell; the static layers (places such as schools and
// markets) say what the history alone cannot.
class PoissonCombiner final : public CombinerBase {
 public:
  PoissonCombiner(std::vector<std::unique_ptr<Model>> members,
                  std::vector<std::vector<double>> layers, int cv_days, int retune_days)
      : CombinerBase(std::move(members), cv_days, retune_days), layers_(std::move(layers)) {}
  std::string name() const override { return "combined"; }
  void SetStaticLayers(const std::vector<std::vector<double>>& layers) override {
    layers_ = layers;
    fitted_ = false;
  }

 private:
  static constexpr double kFloor = 0.05;  // of a member's mean: where a member sees nothing

  void Features(const std::vector<std::vector<double>>& s, size_t c, std::vector<double>& x) const {
    x.clear();
    x.push_back(1);
    for (const auto& member : s) x.push_back(std::log(kFloor + member[c]));
    for (const auto& layer : layers_) x.push_back(layer[c]);
  }

  std::vector<double> Apply(const std::vector<std::vector<double>>& s, size_t n) const override {
    std::vector<double> out(n, 0), x;
    for (int c : region_) {
      Features(s, size_t(c), x);
      double eta = 0;
      for (size_t j = 0; j < x.size(); ++j) eta += beta_[j] * x[j];
      out[size_t(c)] = std::exp(std::min(eta, 50.0));
    }
    return out;
  }

  void Fit(const std::vector<Fold>& folds, const Grid& grid) override {
    const size_t p = 1 + members_.size() + layers_.size();
    // Rows: every study cell on every fold day, with its count that day.
    std::vector<double> xs, ys;
    std::vector<double> x;
    std::vector<int> count(grid.size(), 0);
    for (const Fold& f : folds) {
      for (int c : f.cells)
        if (c >= 0) ++count[size_t(c)];
      for (int c : region_) {
        Features(f.surfaces, size_t(c), x);
        xs.insert(xs.end(), x.begin(), x.end());
        ys.push_back(count[size_t(c)]);
      }
      for (int c : f.cells)
        if (c >= 0) count[size_t(c)] = 0;
    }
    const size_t rows = ys.size();
    beta_.assign(p, 0.0);
    if (rows == 0) {
      for (size_t j = 1; j <= members_.size(); ++j) beta_[j] = 1.0 / double(members_.size());
      return;
    }
    double total = 0;
    for (double y : ys) total += y;
    // Start from the plain geometric mean of the members at the observed level.
    for (size_t j = 1; j <= members_.size(); ++j) beta_[j] = 1.0 / double(members_.size());
    auto loglik = [&](const std::vector<double>& b) {
      double ll = 0;
      for (size_t r = 0; r < rows; ++r) {
        double eta = 0;
        for (size_t j = 0; j < p; ++j) eta += b[j] * xs[r * p + j];
        eta = std::min(eta, 50.0);
        ll += ys[r] * eta - std::exp(eta);
      }
      for (size_t j = 1; j < p; ++j) ll -= 0.5 * ridge_ * double(rows) * b[j] * b[j];
      return ll;
    };
    {
      double mean_eta = 0;
      for (size_t r = 0; r < rows; ++r)
        for (size_t j = 1; j < p; ++j) mean_eta += beta_[j] * xs[r * p + j];
      beta_[0] = std::log(std::max(total, 0.5) / double(rows)) - mean_eta / double(rows);
    }
    double current = loglik(beta_);
    for (int iteration = 0; iteration < 25; ++iteration) {
      std::vector<double> g(p, 0.0), h(p * p, 0.0);
      for (size_t r = 0; r < rows; ++r) {
        const double* xr = &xs[r * p];
        double eta = 0;
        for (size_t j = 0; j < p; ++j) eta += beta_[j] * xr[j];
        double mu = std::exp(std::min(eta, 50.0));
        for (size_t j = 0; j < p; ++j) {
          g[j] += (ys[r] - mu) * xr[j];
          for (size_t l = 0; l <= j; ++l) h[j * p + l] += mu * xr[j] * xr[l];
        }
      }
      for (size_t j = 0; j < p; ++j)
        for (size_t l = j + 1; l < p; ++l) h[j * p + l] = h[l * p + j];
      for (size_t j = 1; j < p; ++j) {
        g[j] -= ridge_ * double(rows) * beta_[j];
        h[j * p + j] += ridge_ * double(rows);
      }
      std::vector<double> step = Solve(h, g, p);
      // Newton's step, halved until the likelihood does not fall.
      double scale = 1;
      std::vector<double> next(p);
      for (int halvings = 0; halvings < 20; ++halvings, scale /= 2) {
        for (size_t j = 0; j < p; ++j) next[j] = beta_[j] + scale * step[j];
        double ll = loglik(next);
        if (ll >= current - 1e-9) {
          bool converged = ll - current < 1e-7 * std::max(1.0, std::abs(current));
          beta_ = next;
          current = ll;
          if (converged) return;
          break;
        }
      }
    }
  }

  // Solves A x = b for a small symmetric positive definite A (Gaussian elimination with
  // partial pivoting; p is a handful).
  static std::vector<double> Solve(std::vector<double> a, std::vector<double> b, size_t p) {
    for (size_t col = 0; col < p; ++col) {
      size_t pivot = col;
      for (size_t r = col + 1; r < p; ++r)
        if (std::abs(a[r * p + col]) > std::abs(a[pivot * p + col])) pivot = r;
      if (std::abs(a[pivot * p + col]) < 1e-300) return std::vector<double>(p, 0.0);
      if (pivot != col) {
        for (size_t j = 0; j < p; ++j) std::swap(a[col * p + j], a[pivot * p + j]);
        std::swap(b[col], b[pivot]);
      }
      for (size_t r = col + 1; r < p; ++r) {
        double f = a[r * p + col] / a[col * p + col];
        for (size_t j = col; j < p; ++j) a[r * p + j] -= f * a[col * p + j];
        b[r] -= f * b[col];
      }
    }
    std::vector<double> x(p);
    for (size_t i = p; i-- > 0;) {
      double v = b[i];
      for (size_t j = i + 1; j < p; ++j) v -= a[i * p + j] * x[j];
      x[i] = v / a[i * p + i];
    }
    return x;
  }

  std::vector<std::vector<double>> layers_;
  std::vector<double> beta_;
  double ridge_ = 1e-4;  // per row
};

}  // namespace

std::vector<std::vector<double>> PlaceLayers(const std::vector<PlacePoint>& places,
                                             const Grid& grid, double bandwidth_m,
                                             size_t min_places) {
  std::map<std::string, std::vector<XY>> by_kind;
  for (const PlacePoint& p : places) by_kind[p.kind].push_back(p.at);
  std::vector<std::vector<double>> layers;
  const double unit = std::numbers::pi * bandwidth_m * bandwidth_m / 3;  // peak weight 1
  for (const auto& [kind, points] : by_kind) {
    if (points.size() < min_places) continue;
    std::vector<double> layer(grid.size(), 0.0);
    for (const XY& p : points) AddQuartic(grid, p, bandwidth_m, unit, layer);
    for (double& v : layer) v = std::log1p(v);
    layers.push_back(std::move(layer));
  }
  return layers;
}

std::unique_ptr<Model> CombinedLinear(std::vector<std::unique_ptr<Model>> members, int cv_days,
                                      int retune_days, double tune_coverage) {
  return std::make_unique<LinearCombiner>(std::move(members), cv_days, retune_days, tune_coverage);
}

std::unique_ptr<Model> Combined(std::vector<std::unique_ptr<Model>> members,
                                std::vector<std::vector<double>> layers, int cv_days,
                                int retune_days) {
  return std::make_unique<PoissonCombiner>(std::move(members), std::move(layers), cv_days,
                                           retune_days);
}

}  // namespace pingan::hotspots
