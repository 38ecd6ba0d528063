// Hotspot analytics on cases small enough to compute by hand: kernel and prospective weights,
// hit rate and PAI, the CSV reader's errors, and a back-test whose answer is known.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

#include "hotspots/evaluation.h"
#include "hotspots/incident_csv.h"
#include "hotspots/models.h"
#include "support/temp_dir.h"

namespace pingan::hotspots {
namespace {

constexpr double kDay = 86400;

ColumnMap Columns(const std::string& time, const std::string& category = "") {
  ColumnMap c;
  c.time = time;
  c.lon = "lon";
  c.lat = "lat";
  c.category = category;
  return c;
}

// A 10 × 10 grid of 100 m cells from (0, 0).
Grid TenByTen() {
  return Grid({0, 0}, 10, 10, 100);
}

TEST(Score, HitRateAndPaiOnAConstructedCase) {
  std::vector<double> risk(100);
  std::vector<int> region(100);
  for (int c = 0; c < 100; ++c) {
    risk[size_t(c)] = c;  // cell 99 is the riskiest
    region[size_t(c)] = c;
  }
  std::vector<double> tiebreak(100, 0);
  std::vector<int> incidents = {99, 98, 50, -1};  // -1: outside the grid, always a miss
  Hit one = ScorePeriod(risk, region, tiebreak, incidents, 1);  // flags cell 99
  EXPECT_DOUBLE_EQ(one.hit_rate, 0.25);
  EXPECT_DOUBLE_EQ(one.pai, 25);
  Hit five = ScorePeriod(risk, region, tiebreak, incidents, 5);  // cells 95..99
  EXPECT_DOUBLE_EQ(five.hit_rate, 0.5);
  EXPECT_DOUBLE_EQ(five.pai, 10);
  Hit all = ScorePeriod(risk, region, tiebreak, incidents, 100);
  EXPECT_DOUBLE_EQ(all.hit_rate, 0.75);
  EXPECT_DOUBLE_EQ(all.pai, 0.75);
}

TEST(Score, TiesAreBrokenByTheTiebreakNotByCellOrder) {
  std::vector<double> risk(10, 0);
  std::vector<int> region = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<double> tiebreak(10, 0);
  tiebreak[7] = 1;
  EXPECT_DOUBLE_EQ(ScorePeriod(risk, region, tiebreak, {7}, 10).hit_rate, 1);
  EXPECT_DOUBLE_EQ(ScorePeriod(risk, region, tiebreak, {0}, 10).hit_rate, 0);
}

TEST(Kernels, QuarticValuesByHand) {
  Grid grid = TenByTen();
  std::vector<double> s(grid.size(), 0);
  const double h = 150;
  AddQuartic(grid, grid.Centre(55), h, 1, s);
  const double peak = 3 / (std::numbers::pi * h * h);
  EXPECT_NEAR(s[55], peak, 1e-15);
  const double u = 1 - (100.0 * 100) / (h * h);
  EXPECT_NEAR(s[56], peak * u * u, 1e-15);  // 100 m east
  EXPECT_NEAR(s[65], peak * u * u, 1e-15);  // 100 m north
  const double ud = 1 - (2 * 100.0 * 100) / (h * h);
  EXPECT_NEAR(s[66], peak * ud * ud, 1e-15);  // 141 m diagonal
  EXPECT_EQ(s[57], 0);                        // 200 m: beyond h
}

TEST(Kernels, QuarticMassIsTheWeight) {
  Grid grid({0, 0}, 60, 60, 10);
  std::vector<double> s(grid.size(), 0);
  AddQuartic(grid, {300, 300}, 200, 2, s);
  double mass = 0;
  for (double v : s) mass += v * 10 * 10;
  EXPECT_NEAR(mass, 2, 0.02);
}

TEST(Models, ProspectiveWeightsByHand) {
  Grid grid = TenByTen();
  EventData e;
  const double now = 100 * kDay;
  // Both in cell (5, 5): one yesterday (week 0), one 8 days ago (week 1); one 9 weeks ago,
  // outside the 8-week window.
  e.t = {now - 63 * kDay, now - 8 * kDay, now - 1 * kDay};
  e.at = {grid.Centre(55), grid.Centre(55), grid.Centre(55)};
  e.cell = {55, 55, 55};
  auto model = Prospective(200, 8);
  auto s = model->Predict(e, grid, now);
  EXPECT_DOUBLE_EQ(s[55], 1.0 + 0.5);          // d 0: 1/1·1/1 + 1/1·1/2
  EXPECT_DOUBLE_EQ(s[56], 0.5 + 0.25);         // d 1
  EXPECT_DOUBLE_EQ(s[66], 0.5 + 0.25);         // d 1.41 → 1
  EXPECT_DOUBLE_EQ(s[57], 1.0 / 3 + 1.0 / 6);  // d 2
  EXPECT_DOUBLE_EQ(s[67], 0);                  // 224 m: beyond 200 m
  // Events at or after `now` are never used.
  e.t.push_back(now);
  e.at.push_back(grid.Centre(0));
  e.cell.push_back(0);
  EXPECT_DOUBLE_EQ(model->Predict(e, grid, now)[0], 0);
}

TEST(Models, CountingGridCountsTheWindowOnly) {
  Grid grid = TenByTen();
  EventData e;
  const double now = 100 * kDay;
  e.t = {now - 60 * kDay, now - 10 * kDay, now - 1 * kDay};
  e.at = {grid.Centre(3), grid.Centre(3), grid.Centre(4)};
  e.cell = {3, 3, 4};
  auto s = CountingGrid(56)->Predict(e, grid, now);
  EXPECT_EQ(s[3], 1);
  EXPECT_EQ(s[4], 1);
}

TEST(Models, StaticKdeIsFittedOnce) {
  Grid grid = TenByTen();
  EventData e;
  e.t = {1 * kDay, 50 * kDay};
  e.at = {grid.Centre(11), grid.Centre(88)};
  e.cell = {11, 88};
  auto model = StaticKde(150, 365);
  auto first = model->Predict(e, grid, 10 * kDay);  // sees only the first event
  auto later = model->Predict(e, grid, 60 * kDay);  // would see both, but it is frozen
  EXPECT_GT(first[11], 0);
  EXPECT_EQ(later[88], 0);
  EXPECT_EQ(first, later);
}

TEST(Evaluation, AStableHotspotIsFoundByEveryModel) {
  // 30 days; every day two incidents in one spot and one elsewhere at random.
  IncidentSet set;
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> lon(-73.99, -73.90), lat(40.70, 40.78);
  for (int d = 0; d < 30; ++d) {
    for (int k = 0; k < 2; ++k)
      set.incidents.push_back({d * kDay + 3600.0 * (k + 1), {-73.95, 40.74}, -1});
    set.incidents.push_back({d * kDay + 7200, {lon(rng), lat(rng)}, -1});
  }
  std::sort(set.incidents.begin(), set.incidents.end(),
            [](const Incident& a, const Incident& b) { return a.t < b.t; });
  EvaluationOptions options;
  options.train_days = 20;
  options.test_days = 10;
  options.bootstrap = 100;
  auto models = StandardModels(150);
  Evaluation result = Evaluate(set, models, options);
  EXPECT_EQ(result.periods, 10);
  EXPECT_EQ(result.test_incidents, 30u);
  for (const auto& m : result.models) {
    EXPECT_EQ(m.periods, 10) << m.name;
    // The hotspot holds two of each day's three incidents.
    EXPECT_GE(m.hit_rate.at(1).mean, 2.0 / 3 - 1e-9) << m.name;
    EXPECT_LE(m.hit_rate.at(1).ci_low, m.hit_rate.at(1).mean) << m.name;
    EXPECT_GE(m.hit_rate.at(1).ci_high, m.hit_rate.at(1).mean) << m.name;
    EXPECT_GT(m.pai.at(1).mean, 1) << m.name;
  }
}

TEST(IncidentCsv, ReadsQuotedFieldsAndReportsEveryBadRow) {
  test::TempDir dir;
  std::ofstream(dir.File("in.csv")) << "\xEF\xBB\xBF"
                                       "when,\"kind\",lon,lat\n"
                                       "2016-08-10,\"THEFT, AUTO\",-122.6,45.5\n"
                                       "2016-08-11,BURGLARY,-122.61,45.51\n"
                                       "yesterday,BURGLARY,-122.61,45.51\n"
                                       "2016-08-12,BURGLARY,,45.51\n"
                                       "2016-08-12,BURGLARY,0,0\n"
                                       "2016-08-12,BURGLARY\n";
  ReadReport report;
  auto set = ReadIncidentCsv(dir.File("in.csv"), Columns("when", "kind"), "", &report);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(report.rows, 6u);
  EXPECT_EQ(report.kept, 2u);
  ASSERT_EQ(report.errors.size(), 4u);
  EXPECT_EQ(report.errors[0],
            dir.File("in.csv") + ":4: column 'when': cannot read 'yesterday' as a time");
  EXPECT_NE(report.errors[1].find(":5: column 'lon'"), std::string::npos) << report.errors[1];
  EXPECT_NE(report.errors[2].find(":6:"), std::string::npos);
  EXPECT_NE(report.errors[3].find(":7: 2 fields where the header has 4"), std::string::npos);
  EXPECT_TRUE(set->date_only);
  EXPECT_EQ(set->categories, (std::vector<std::string>{"THEFT, AUTO", "BURGLARY"}));
  EXPECT_DOUBLE_EQ(set->incidents[1].t - set->incidents[0].t, kDay);

  auto missing = ReadIncidentCsv(dir.File("in.csv"), Columns("time"), "", nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "columns.time");
  EXPECT_NE(missing.error().message.find("no column 'time'"), std::string::npos);

  std::ofstream(dir.File("gz.csv")) << "\x1f\x8b\x08";
  auto gz = ReadIncidentCsv(dir.File("gz.csv"), Columns("when"), "", nullptr);
  ASSERT_FALSE(gz);
  EXPECT_NE(gz.error().message.find("gunzip"), std::string::npos);
}

TEST(IncidentCsv, TimeFormats) {
  bool date_only = false;
  EXPECT_EQ(ParseTime("2014-01-01 01:15", "", &date_only), 1388538900);
  EXPECT_FALSE(date_only);
  EXPECT_EQ(ParseTime("2014-01-01T01:15:00+08:00", ""), 1388538900);
  EXPECT_EQ(ParseTime("01/01/2014 01:15", ""), 1388538900);
  EXPECT_EQ(ParseTime("2014-01-01", "", &date_only), 1388534400);
  EXPECT_TRUE(date_only);
  EXPECT_EQ(ParseTime("01.01.2014 01:15", "%d.%m.%Y %H:%M"), 1388538900);
  EXPECT_FALSE(ParseTime("2014-13-45", ""));
  EXPECT_FALSE(ParseTime("2014-01-01 01:15 junk", ""));
}

TEST(IncidentCsv, ColumnMapErrorsNameTheField) {
  auto ok = ParseColumnMap("time=occ_date,lon=lon,lat=lat,category=category");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->time, "occ_date");
  EXPECT_EQ(ok->category, "category");
  EXPECT_EQ(ParseColumnMap("lon=a,lat=b").error().field, "columns.time");
  EXPECT_EQ(ParseColumnMap("time=a,lon=b").error().field, "columns.lat");
  EXPECT_EQ(ParseColumnMap("time=a,lon=b,lat=c,colour=d").error().field, "columns.colour");
  EXPECT_EQ(ParseColumnMap("time=a,lon").error().field, "columns");
}

}  // namespace
}  // namespace pingan::hotspots

namespace pingan::hotspots {
namespace {

// A grid ETAS process simulated by branching: background events per cell at rate μ_n, each
// event begetting Poisson(θ) children at Exp(ω) lags in its own cell.
TEST(GridEtas, RecoversTheParametersOfASimulatedProcess) {
  const double theta = 0.4, omega = 0.25, days = 3000;
  Grid grid({0, 0}, 5, 4, 100);  // 20 cells
  std::mt19937_64 rng(11);
  std::vector<double> mu(grid.size());
  std::vector<std::pair<double, int>> events;
  for (size_t c = 0; c < grid.size(); ++c) {
    mu[c] = 0.02 + 0.01 * double(c);  // 0.02 … 0.21 per day
    std::poisson_distribution<int> count(mu[c] * days);
    std::uniform_real_distribution<double> when(0, days);
    std::vector<double> generation;
    for (int k = count(rng); k > 0; --k) generation.push_back(when(rng));
    while (!generation.empty()) {
      std::vector<double> next;
      for (double t : generation) {
        events.push_back({t, int(c)});
        std::poisson_distribution<int> children(theta);
        std::exponential_distribution<double> lag(omega);
        for (int k = children(rng); k > 0; --k) {
          double child = t + lag(rng);
          if (child < days) next.push_back(child);
        }
      }
      generation = std::move(next);
    }
  }
  std::sort(events.begin(), events.end());
  EventData e;
  for (const auto& [t, c] : events) {
    e.t.push_back(t * kDay);
    e.at.push_back(grid.Centre(c));
    e.cell.push_back(c);
  }
  GridEtasFit fit = FitGridEtas(e, grid, 0, days * kDay, 200);
  // Tolerances (reported in docs/hotspots.md): θ within 0.05, ω within 15 %, each μ_n within
  // 25 % and their sum within 7 %.
  EXPECT_NEAR(fit.theta, theta, 0.05);
  EXPECT_NEAR(fit.omega, omega, 0.15 * omega);
  double sum = 0, fitted_sum = 0;
  for (size_t c = 0; c < grid.size(); ++c) {
    EXPECT_NEAR(fit.mu[c], mu[c], 0.25 * mu[c]) << "cell " << c;
    sum += mu[c];
    fitted_sum += fit.mu[c];
  }
  EXPECT_NEAR(fitted_sum, sum, 0.07 * sum);
  std::printf(
      "grid ETAS recovery: theta %.3f (true %.2f), omega %.3f (true %.2f), sum mu %.3f (true "
      "%.3f), %zu events, %d iterations\n",
      fit.theta, theta, fit.omega, omega, fitted_sum, sum, events.size(), fit.iterations);
}

TEST(TimeProfile, CountsByHourOfTheWeek) {
  EventData e;
  // 1970-01-05 was a Monday: 10:30 that day, twice.
  e.t = {4 * kDay + 10.5 * 3600, 4 * kDay + 10.6 * 3600};
  e.at = {{0, 0}, {0, 0}};
  e.cell = {0, 0};
  auto p = TimeProfile(e, 10 * kDay, 365);
  EXPECT_DOUBLE_EQ(p[10], 3.0 / 170);  // Monday 10:00, with add-one smoothing
  EXPECT_DOUBLE_EQ(p[11], 1.0 / 170);
  double total = 0;
  for (double v : p) total += v;
  EXPECT_NEAR(total, 1, 1e-12);
}

}  // namespace
}  // namespace pingan::hotspots

namespace pingan::hotspots {
namespace {

// Continuous ETAS simulated by branching: uniform background over 6 km × 6 km, children at
// Exp(ω) lags and Gaussian(σ) offsets from their parent.
TEST(Etas, RecoversTheParametersOfASimulatedProcess) {
  const double mu_per_day = 3, theta = 0.35, omega = 0.2, sigma = 120, days = 1000, side = 6000;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> where(0, side), when(0, days);
  std::normal_distribution<double> offset(0, sigma);
  std::exponential_distribution<double> lag(omega);
  std::poisson_distribution<int> children(theta), background(mu_per_day * days);
  struct Ev {
    double t;
    XY at;
  };
  std::vector<Ev> generation, all;
  for (int k = background(rng); k > 0; --k)
    generation.push_back({when(rng), {where(rng), where(rng)}});
  while (!generation.empty()) {
    std::vector<Ev> next;
    for (const Ev& ev : generation) {
      all.push_back(ev);
      for (int k = children(rng); k > 0; --k) {
        Ev child{ev.t + lag(rng), {ev.at.x + offset(rng), ev.at.y + offset(rng)}};
        if (child.t < days) next.push_back(child);
      }
    }
    generation = std::move(next);
  }
  std::sort(all.begin(), all.end(), [](const Ev& a, const Ev& b) { return a.t < b.t; });
  EventData e;
  for (const Ev& ev : all) {
    e.t.push_back(ev.t * kDay);
    e.at.push_back(ev.at);
    e.cell.push_back(0);
  }
  EtasOptions options;
  options.max_iterations = 100;
  EtasFit fit = FitEtas(e, 0, days * kDay, options);
  // Tolerances (docs/hotspots.md): θ within 0.07, ω within 25 %, σ within 20 %. The space-time
  // cut-offs (500 m, 90 days) keep the parent lists sparse: far fewer links than N².
  EXPECT_NEAR(fit.theta, theta, 0.07);
  EXPECT_NEAR(fit.omega, omega, 0.25 * omega);
  EXPECT_NEAR(fit.sigma_m, sigma, 0.2 * sigma);
  EXPECT_LT(double(fit.pairs), 0.05 * double(all.size()) * double(all.size()));
  std::printf(
      "ETAS recovery: theta %.3f (true %.2f), omega %.3f (true %.2f), sigma %.0f m (true %.0f), "
      "%zu events, %zu links, %d iterations\n",
      fit.theta, theta, fit.omega, omega, fit.sigma_m, sigma, all.size(), fit.pairs,
      fit.iterations);
}

}  // namespace
}  // namespace pingan::hotspots
