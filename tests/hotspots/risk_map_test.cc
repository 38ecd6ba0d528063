// The risk map of the coming hours: slots, the district's rhythm and each cell's own hours, and
// the incident history file it can learn from; projected CSV input through PROJ.
#include "hotspots/risk_map.h"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "hotspots/incident_csv.h"
#include "hotspots/models.h"
#include "support/temp_dir.h"

namespace pingan::hotspots {
namespace {

constexpr double kDay = 86400;

TEST(Slot, ParsesHoursRangesAndRangesPastMidnight) {
  auto s = ParseSlot("8");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->begin_hour, 8);
  EXPECT_EQ(s->end_hour, 9);
  s = ParseSlot("8-10");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->end_hour, 10);
  s = ParseSlot("22-2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->begin_hour, 22);
  EXPECT_EQ(s->end_hour, 26);
  s = ParseSlot("0-24");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->end_hour, 24);
  for (const char* bad : {"", "24", "-1", "8-", "a", "8-10-12", "8-33", "3-3x"})
    EXPECT_FALSE(ParseSlot(bad)) << bad;
  EXPECT_EQ(DaySlots(12).size(), 12u);
  EXPECT_EQ(DaySlots(12)[11].end_hour, 24);
  EXPECT_TRUE(DaySlots(5).empty());
}

// Four weeks, every day ten incidents at A at 22:30 and ten at B at 10:30. The district's
// rhythm has two peaks; A owns the night and B the morning.
struct TwoPlaces {
  Grid grid{XY{0, 0}, 20, 20, 100};
  EventData events;
  std::vector<int> region;
  XY a{250, 250}, b{1650, 1650};
  double now = 10000 * kDay;  // a Thursday, 00:00
  TwoPlaces() {
    for (int d = 28; d >= 1; --d) {
      for (double hour : {10.5, 22.5}) {
        for (int k = 0; k < 10; ++k) {
          events.t.push_back(now - d * kDay + hour * 3600 + k);
          events.at.push_back(hour < 12 ? b : a);
        }
      }
    }
    for (const XY& p : events.at) events.cell.push_back(grid.CellOf(p));
    for (int c = 0; c < int(grid.size()); ++c) region.push_back(c);
  }
};

TEST(RiskMap, ExpectedIncidentsFollowTheDistrictsHoursAndEachPlacesOwn) {
  TwoPlaces d;
  auto model = CountingGrid(28);
  RiskMap map = BuildRiskMap(d.events, d.grid, d.region, d.now, DaySlots(24), *model);
  ASSERT_EQ(map.risk.size(), 24u);
  EXPECT_EQ(map.history, 560u);

  // The day's hours add up to the daily level (20 a day), whatever the profile.
  double day = 0;
  for (double v : map.slot_total) day += v;
  EXPECT_NEAR(day, 20.0, 1e-9);
  // The hour of week, with add-one smoothing: (4 weeks × 10 + 1) / (560 + 168) of a week's 140.
  EXPECT_NEAR(map.slot_total[22], 140.0 * 41 / 728, 1e-9);
  EXPECT_NEAR(map.slot_total[3], 140.0 * 1 / 728, 1e-9);
  for (size_t s = 0; s < 24; ++s) {
    double sum = 0;
    for (double v : map.risk[s]) sum += v;
    EXPECT_NEAR(sum, map.slot_total[s], 1e-9) << s;
  }
  // Each place's own hours: A carries the night, B the morning, though both have half the
  // incidents overall.
  const size_t a = size_t(d.grid.CellOf(d.a)), b = size_t(d.grid.CellOf(d.b));
  EXPECT_GT(map.risk[22][a], 10 * map.risk[22][b]);
  EXPECT_GT(map.risk[10][b], 10 * map.risk[10][a]);
  EXPECT_GT(map.risk[22][a], 0.9 * map.slot_total[22]);
  // Next occurrences: all of them today (now is midnight).
  EXPECT_DOUBLE_EQ(map.slot_start[0], d.now);
  EXPECT_DOUBLE_EQ(map.slot_start[22], d.now + 22 * 3600);
}

TEST(RiskMap, ACellWithFewIncidentsKeepsTheDistrictsRhythm) {
  TwoPlaces d;
  // One more incident, far from both, at 04:00: alone it would make its cell a 4 a.m. place.
  const XY lone{1050, 150};
  d.events.t.insert(d.events.t.begin() + 5, d.now - 27 * kDay + 4 * 3600 + 30);
  d.events.at.insert(d.events.at.begin() + 5, lone);
  d.events.cell.insert(d.events.cell.begin() + 5, d.grid.CellOf(lone));
  // The insert kept time order: the 5th event of the first day is at 10:30.
  ASSERT_LT(d.events.t[4], d.events.t[5]);
  auto model = CountingGrid(28);
  RiskMap map = BuildRiskMap(d.events, d.grid, d.region, d.now, DaySlots(24), *model);
  const size_t c = size_t(d.grid.CellOf(lone));
  // Its share of the 4 a.m. hour is tilted up, but with the prior of 10 events not to the
  // whole hour: the prior (10 × 4 a.m.'s district share) over 11 events' worth.
  double district_4 = map.slot_total[4];
  EXPECT_GT(map.risk[4][c], 0);
  EXPECT_LT(map.risk[4][c], 0.5 * district_4);
  EXPECT_GT(map.risk[22][c], 0);
}

TEST(RiskMap, ASlotPastMidnightIsTheNextOccurrence) {
  TwoPlaces d;
  auto model = CountingGrid(28);
  const double at_2330 = d.now + 23.5 * 3600;
  RiskMap map = BuildRiskMap(d.events, d.grid, d.region, at_2330, {{22, 24}, {8, 10}}, *model);
  EXPECT_DOUBLE_EQ(map.slot_start[0], d.now + 22 * 3600);        // still under way
  EXPECT_DOUBLE_EQ(map.slot_start[1], d.now + kDay + 8 * 3600);  // tomorrow morning
}

TEST(IncidentHistory, RoundTripsTimesPlacesAndCategories) {
  test::TempDir dir;
  IncidentSet set;
  set.categories = {"criminal", "fight, public"};
  set.incidents = {{1'700'000'000, {117.1234567, 31.7654321}, 0},
                   {1'700'003'600, {117.2, 31.8}, 1},
                   {1'700'007'200, {117.3, 31.9}, -1}};
  const std::string path = dir.File("history/incidents.csv");
  ASSERT_TRUE(WriteIncidentHistory(path, set));
  auto back = ReadIncidentHistory(path);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->incidents.size(), 3u);
  EXPECT_DOUBLE_EQ(back->incidents[0].t, 1'700'000'000);
  EXPECT_NEAR(back->incidents[0].at.lon, 117.1234567, 1e-6);
  EXPECT_NEAR(back->incidents[0].at.lat, 31.7654321, 1e-6);
  EXPECT_EQ(back->categories[size_t(back->incidents[1].category)], "fight, public");
  EXPECT_EQ(back->categories[size_t(back->incidents[2].category)], "");
}

ColumnMap Projected(const std::string& crs) {
  ColumnMap c;
  c.time = "occ_date";
  c.x = "x_coordinate";
  c.y = "y_coordinate";
  c.crs = crs;
  return c;
}

// Portland's calls carry both Oregon North state-plane feet (EPSG:2913) and WGS84: read through
// PROJ, the first must land on the second.
TEST(ProjectedInput, OregonStatePlaneFeetLandOnTheWgs84Columns) {
  const std::string path = PINGAN_SHARED_DATA "/incidents/portland_cfs_2016-08.csv";
  ColumnMap wgs84;
  wgs84.time = "occ_date";
  wgs84.lon = "lon";
  wgs84.lat = "lat";
  auto projected = ReadIncidentCsv(path, Projected("EPSG:2913"), "", nullptr);
  ASSERT_TRUE(projected) << projected.error().message;
  auto reference = ReadIncidentCsv(path, wgs84, "", nullptr);
  ASSERT_TRUE(reference);
  ASSERT_EQ(projected->incidents.size(), reference->incidents.size());
  double worst = 0;
  for (size_t i = 0; i < projected->incidents.size(); ++i) {
    worst = std::max(worst, DistanceM(projected->incidents[i].at, reference->incidents[i].at));
  }
  EXPECT_LT(worst, 1.0);

  auto unknown = ReadIncidentCsv(path, Projected("EPSG:999999"), "", nullptr);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "crs");
  auto missing = ReadIncidentCsv(path, Projected(""), "", nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "crs");
  EXPECT_EQ(ParseColumnMap("time=a,x=b").error().field, "columns.y");
  EXPECT_TRUE(ParseColumnMap("time=a,x=b,y=c"));
}

TEST(ProjectedInput, RowsWithoutLonLatFallBackToXyAndBadOnesNameTheirColumn) {
  test::TempDir dir;
  std::ofstream(dir.File("in.csv")) << "when,lon,lat,x,y\n"
                                    << "2016-08-01,-122.6,45.5,,\n"
                                    << "2016-08-02,,,7660085,672910\n"
                                    << "2016-08-03,,,77x,672910\n";
  ColumnMap both;
  both.time = "when";
  both.lon = "lon";
  both.lat = "lat";
  both.x = "x";
  both.y = "y";
  both.crs = "EPSG:2913";
  ReadReport report;
  auto set = ReadIncidentCsv(dir.File("in.csv"), both, "", &report);
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->incidents.size(), 2u);
  EXPECT_NEAR(set->incidents[1].at.lon, -122.613925, 1e-5);
  EXPECT_NEAR(set->incidents[1].at.lat, 45.492962, 1e-5);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("in.csv:4: column 'x'"), std::string::npos) << report.errors[0];
}

}  // namespace
}  // namespace pingan::hotspots
