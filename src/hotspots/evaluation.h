// Rolling-origin back-tests as the field reports them: fit on everything before day d (or
// week w), predict that day or week, score, move on. Scores are the hit rate (share of the
// period's incidents inside the flagged cells) and the PAI (hit rate ÷ share of area flagged)
// when the top 1 %, 5 % and 10 % of the study area is flagged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hotspots/incident_csv.h"
#include "hotspots/models.h"

namespace pingan::hotspots {

struct EvaluationOptions {
  double cell_m = 150;
  int train_days = 365;                     // history before the first test period
  int test_days = 60;                       // days covered by test periods
  bool weekly = false;                      // periods of a week instead of a day
  std::vector<int> coverages = {1, 5, 10};  // percent of the study area flagged
  int bootstrap = 2000;  // resamples of the test periods for confidence intervals
  uint64_t seed = 1;     // tie-breaking and bootstrap
  // Places (kind, WGS84) for the combiner's layers; none: the combiner uses the models alone.
  std::vector<std::pair<std::string, LonLat>> places;
};

struct Score {
  double mean = 0, sd = 0, ci_low = 0, ci_high = 0;  // over test periods; 95 % bootstrap CI
};

struct ModelResult {
  std::string name;
  int periods = 0;
  std::map<int, Score> hit_rate;  // by coverage percent
  std::map<int, Score> pai;
};

struct Evaluation {
  std::vector<ModelResult> models;
  size_t region_cells = 0;  // cells of the study area
  size_t grid_cells = 0;
  size_t test_incidents = 0;
  int periods = 0;
  int empty_periods = 0;  // with no incident: not scored
  double first_test_day = 0;
  size_t place_layers = 0;  // kinds of place given to the combiner
};

// The hit rate and PAI of `risk` for `coverage` percent of `region` (cells, ranked by risk,
// ties broken by `tiebreak`) against the cells of the period's incidents (-1 = outside the
// grid, a miss). Exposed for tests.
struct Hit {
  double hit_rate = 0, pai = 0;
};
Hit ScorePeriod(const std::vector<double>& risk, const std::vector<int>& region,
                const std::vector<double>& tiebreak, const std::vector<int>& incident_cells,
                double coverage_percent);

// The study area: cells with an incident before `until`, and their eight neighbours.
std::vector<int> StudyRegion(const EventData& events, const Grid& grid, double until);

Evaluation Evaluate(const IncidentSet& incidents, std::vector<std::unique_ptr<Model>>& models,
                    const EvaluationOptions& options);

// The standard set: counting_grid, static_kde, retro_kde, prospective.
std::vector<std::unique_ptr<Model>> StandardModels(double cell_m);

}  // namespace pingan::hotspots
