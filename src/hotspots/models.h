// Hotspot models behind one interface: given the events before `now`, a risk value per grid
// cell for the period that starts at `now`. Only the ranking of cells matters to evaluation,
// but the values are densities (events per day per km² for the KDEs) so they can be combined.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hotspots/grid.h"

namespace pingan::hotspots {

// Events in time order, projected, with their cells (-1 outside the grid).
struct EventData {
  std::vector<double> t;
  std::vector<XY> at;
  std::vector<int> cell;
  // The index of the first event at or after `time`.
  size_t IndexAt(double time) const;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;
  virtual std::vector<double> Predict(const EventData& events, const Grid& grid, double now) = 0;
  // The cells that count (the study area), before the first Predict; most models ignore it.
  virtual void SetStudyRegion(const std::vector<int>& /*cells*/) {}
  // Static features per cell (place layers, see PlaceLayers), before the first Predict; only
  // the combiner uses them.
  virtual void SetStaticLayers(const std::vector<std::vector<double>>& /*layers*/) {}
};

// Adds a quartic (biweight) kernel of bandwidth `h` metres and total `weight` centred at `p` to
// every cell centre within h: weight · 3/(π h²) · (1 − d²/h²)².
void AddQuartic(const Grid& grid, XY p, double h, double weight, std::vector<double>& surface);

// Events per cell over the last `window_days`.
std::unique_ptr<Model> CountingGrid(double window_days = 56);
// One quartic KDE over the year before the first prediction, then never refitted: the stand-in
// for an analyst's annual hotspot map.
std::unique_ptr<Model> StaticKde(double bandwidth_m = 300, double window_days = 365);
// Quartic KDE over a sliding window, refitted for every period.
std::unique_ptr<Model> RetrospectiveKde(double bandwidth_m = 150, double window_days = 56);
// Prospective hotspotting (Bowers, Johnson & Pease 2004): each event within `bandwidth_m`
// and `window_weeks` adds 1/(1 + d) · 1/(1 + w), d the distance in cells between cell
// centres (rounded), w whole weeks since the event.
std::unique_ptr<Model> Prospective(double bandwidth_m = 400, int window_weeks = 8);

// Separable space-time KDE: a quartic KDE whose events weigh exp(−age/τ). Its time-of-day ×
// day-of-week profile (TimeProfile) scales every cell alike, so it changes the risk of an
// hour, not the ranking of cells within it.
std::unique_ptr<Model> SpaceTimeKde(double bandwidth_m = 200, double decay_days = 30,
                                    double window_days = 365);

// Share of incidents per hour of the week (168 values summing to 1; Monday 00:00 first), from
// the events before `now` in the window, with add-one smoothing: where 时段 come from.
std::vector<double> TimeProfile(const EventData& events, double now, double window_days = 365);

// Grid ETAS (Mohler et al. 2015): in each cell n, λ_n(t) = μ_n + Σ θ ω e^{−ω(t − t_i)} over the
// cell's earlier events. Fitted by expectation–maximisation on the window before `now`;
// predicts λ_n at `now`. Pairs further apart than `cutoff_days` are ignored (their kernel is
// below e^{−ω·cutoff}).
struct GridEtasFit {
  std::vector<double> mu;  // per cell, events per day
  double theta = 0.1;      // expected offspring per event
  double omega = 0.1;      // per day
  int iterations = 0;
};
GridEtasFit FitGridEtas(const EventData& events, const Grid& grid, double from, double to,
                        int max_iterations = 50, double cutoff_days = 120,
                        const GridEtasFit* start = nullptr);
std::unique_ptr<Model> GridEtas(double window_days = 365);

// Continuous ETAS (after Mohler et al. 2011): λ(x, t) = μ(x) + Σ θ ω e^{−ω(t − t_j)} · N(x − x_j;
// σ), μ a quartic KDE (bandwidth `background_m`) of the events weighted by their probability of
// being background, leaving each event out of its own. Parents are sought only within
// `max_distance_m` and `max_lag_days` through a spatial grid index: sparse lists, never an
// N × N matrix.
struct EtasFit {
  double theta = 0.2, omega = 0.1, sigma_m = 100;
  std::vector<double> background;  // per event in the window: probability it is background
  size_t pairs = 0;                // candidate parent links examined
  int iterations = 0;
};
struct EtasOptions {
  double background_m = 400;
  double max_distance_m = 500;
  double max_lag_days = 90;
  int max_iterations = 30;
};
EtasFit FitEtas(const EventData& events, double from, double to, const EtasOptions& options,
                const EtasFit* start = nullptr);
std::unique_ptr<Model> Etas(double window_days = 365, EtasOptions options = {});

// Layers of places for the combiner: per kind with at least `min_places` places (e.g. schools,
// markets), log(1 + Σ (1 − d²/h²)²) over the kind's places within `bandwidth_m` of each cell
// centre — near a place counts one, at the edge nothing.
struct PlacePoint {
  std::string kind;
  XY at;
};
std::vector<std::vector<double>> PlaceLayers(const std::vector<PlacePoint>& places,
                                             const Grid& grid, double bandwidth_m = 300,
                                             size_t min_places = 3);

// The combiner ("combined"): a Poisson log-linear model of each cell's count in the coming day,
// log λ = β₀ + Σ β_k log(0.05 + s_k / mean(s_k)) + Σ γ_j layer_j, over the member models'
// surfaces and static layers per cell (e.g. log(1 + schools within 300 m)), fitted by maximum
// likelihood on the `cv_days` before the period — each day's surfaces from what was known before
// it, against that day's incidents (rolling origin) — and refitted every `retune_days`. Only
// history before each period is used.
std::unique_ptr<Model> Combined(std::vector<std::unique_ptr<Model>> members,
                                std::vector<std::vector<double>> layers = {}, int cv_days = 28,
                                int retune_days = 28);
// The simpler combiner ("combined_linear"): Σ w_k · s_k / mean(s_k), the weights (steps of 0.25
// on the simplex) those that catch the most incidents at `tune_coverage` % of the study area
// over the same folds.
std::unique_ptr<Model> CombinedLinear(std::vector<std::unique_ptr<Model>> members, int cv_days = 28,
                                      int retune_days = 28, double tune_coverage = 5);

}  // namespace pingan::hotspots
