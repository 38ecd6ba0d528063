#include "hotspots/evaluation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace pingan::hotspots {

constexpr double kDay = 86400;

Hit ScorePeriod(const std::vector<double>& risk, const std::vector<int>& region,
                const std::vector<double>& tiebreak, const std::vector<int>& incident_cells,
                double coverage_percent) {
  Hit hit;
  if (region.empty() || incident_cells.empty()) return hit;
  size_t k = CellsInTopPercent(region.size(), coverage_percent);
  k = std::clamp<size_t>(k, 1, region.size());
  std::vector<int> ranked = region;
  std::partial_sort(ranked.begin(), ranked.begin() + long(k), ranked.end(), [&](int a, int b) {
    if (risk[size_t(a)] != risk[size_t(b)]) return risk[size_t(a)] > risk[size_t(b)];
    return tiebreak[size_t(a)] > tiebreak[size_t(b)];
  });
  std::vector<char> flagged(risk.size(), 0);
  for (size_t i = 0; i < k; ++i) flagged[size_t(ranked[i])] = 1;
  size_t hits = 0;
  for (int c : incident_cells)
    if (c >= 0 && flagged[size_t(c)]) ++hits;
  hit.hit_rate = double(hits) / double(incident_cells.size());
  hit.pai = hit.hit_rate / (double(k) / double(region.size()));
  return hit;
}

std::vector<int> StudyRegion(const EventData& events, const Grid& grid, double until) {
  std::vector<char> in(grid.size(), 0);
  for (size_t i = 0; i < events.IndexAt(until); ++i) {
    int c = events.cell[i];
    if (c < 0) continue;
    grid.ForCellsAround(grid.Col(c), grid.Row(c), 1, [&](int cell) { in[size_t(cell)] = 1; });
  }
  std::vector<int> region;
  for (size_t c = 0; c < in.size(); ++c)
    if (in[c]) region.push_back(int(c));
  return region;
}

std::vector<std::unique_ptr<Model>> StandardModels(double cell_m) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(CountingGrid());
  models.push_back(StaticKde(std::max(300.0, 2 * cell_m)));
  models.push_back(RetrospectiveKde(std::max(150.0, cell_m)));
  models.push_back(Prospective(std::max(400.0, 2.5 * cell_m)));
  models.push_back(SpaceTimeKde(std::max(200.0, 1.5 * cell_m)));
  models.push_back(GridEtas());
  models.push_back(Etas());
  // The combiners have members of their own: they are asked about earlier days while tuning.
  auto members = [cell_m] {
    std::vector<std::unique_ptr<Model>> m;
    m.push_back(StaticKde(std::max(300.0, 2 * cell_m)));
    m.push_back(RetrospectiveKde(std::max(150.0, cell_m)));
    m.push_back(Prospective(std::max(400.0, 2.5 * cell_m)));
    m.push_back(GridEtas());
    m.push_back(Etas());
    return m;
  };
  models.push_back(Combined(members()));
  models.push_back(CombinedLinear(members()));
  return models;
}

namespace {

Score Summarise(const std::vector<double>& values, std::mt19937_64& rng, int resamples) {
  Score s;
  if (values.empty()) return s;
  const double n = double(values.size());
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.sd = values.size() > 1 ? std::sqrt(ss / (n - 1)) : 0;
  // Percentile bootstrap of the mean over test periods.
  std::vector<double> means;
  std::uniform_int_distribution<size_t> pick(0, values.size() - 1);
  for (int r = 0; r < resamples; ++r) {
    double sum = 0;
    for (size_t i = 0; i < values.size(); ++i) sum += values[pick(rng)];
    means.push_back(sum / n);
  }
  if (!means.empty()) {
    std::sort(means.begin(), means.end());
    s.ci_low = means[size_t(0.025 * double(means.size() - 1))];
    s.ci_high = means[size_t(0.975 * double(means.size() - 1))];
  } else {
    s.ci_low = s.ci_high = s.mean;
  }
  return s;
}

}  // namespace

Evaluation Evaluate(const IncidentSet& incidents, std::vector<std::unique_ptr<Model>>& models,
                    const EvaluationOptions& options) {
  Evaluation out;
  if (incidents.incidents.empty()) return out;
  // Project around the median position.
  std::vector<LonLat> positions;
  for (const auto& i : incidents.incidents) positions.push_back(i.at);
  LocalProjection projection(MedianPosition(std::move(positions)));
  EventData events;
  std::vector<XY> points;
  for (const auto& i : incidents.incidents) {
    events.t.push_back(i.t);
    points.push_back(projection.To(i.at));
  }
  events.at = points;
  Grid grid(points, options.cell_m);
  for (const XY& p : points) events.cell.push_back(grid.CellOf(p));

  const double start_day = std::floor(events.t.front() / kDay) * kDay;
  const double first_test = start_day + options.train_days * kDay;
  // The file's last day counts as complete; a trailing partial week does not.
  const double last_day_end = std::floor(events.t.back() / kDay) * kDay + kDay;
  const double end = std::min(first_test + options.test_days * kDay, last_day_end);
  const double step = (options.weekly ? 7 : 1) * kDay;
  std::vector<int> region = StudyRegion(events, grid, first_test);
  out.region_cells = region.size();
  for (auto& m : models) m->SetStudyRegion(region);
  if (!options.places.empty()) {
    std::vector<PlacePoint> places;
    for (const auto& [kind, at] : options.places) places.push_back({kind, projection.To(at)});
    auto layers = PlaceLayers(places, grid, std::max(300.0, 2 * options.cell_m));
    out.place_layers = layers.size();
    for (auto& m : models) m->SetStaticLayers(layers);
  }
  out.grid_cells = grid.size();
  out.first_test_day = first_test;

  std::mt19937_64 rng(options.seed);
  std::vector<double> tiebreak(grid.size());
  std::uniform_real_distribution<double> u(0, 1);
  for (double& v : tiebreak) v = u(rng);

  // per model, per coverage: the scores of each period
  std::vector<std::map<int, std::vector<double>>> hits(models.size()), pais(models.size());
  for (double t = first_test; t + step <= end + 1e-6; t += step) {
    ++out.periods;
    std::vector<int> cells;
    for (size_t i = events.IndexAt(t); i < events.IndexAt(t + step); ++i)
      cells.push_back(events.cell[i]);
    if (cells.empty()) {
      ++out.empty_periods;
      continue;
    }
    out.test_incidents += cells.size();
    for (size_t m = 0; m < models.size(); ++m) {
      std::vector<double> risk = models[m]->Predict(events, grid, t);
      for (int coverage : options.coverages) {
        Hit h = ScorePeriod(risk, region, tiebreak, cells, coverage);
        hits[m][coverage].push_back(h.hit_rate);
        pais[m][coverage].push_back(h.pai);
      }
    }
  }
  for (size_t m = 0; m < models.size(); ++m) {
    ModelResult r;
    r.name = models[m]->name();
    r.periods = out.periods - out.empty_periods;
    for (int coverage : options.coverages) {
      r.hit_rate[coverage] = Summarise(hits[m][coverage], rng, options.bootstrap);
      r.pai[coverage] = Summarise(pais[m][coverage], rng, options.bootstrap);
    }
    out.models.push_back(std::move(r));
  }
  return out;
}

}  // namespace pingan::hotspots
