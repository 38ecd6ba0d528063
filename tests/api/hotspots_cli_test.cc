// `pingan hotspots evaluate` on the real Portland calls (dates only): the contract's JSON, the
// table, projected input, and a clear error for a bad column mapping; `pingan import incidents`
// and the risk map it feeds (GET /api/risk).
#include <ctime>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

const std::string kPortlandCalls =
    std::string(PINGAN_SHARED_DATA) + "/incidents/portland_cfs_2016-08.csv";

TEST(HotspotsCli, EvaluatesPortlandAndWritesTheContractJson) {
  TempDir dir;
  auto run = RunPingan({"hotspots", "evaluate", "--incidents", kPortlandCalls, "--columns",
                        "time=occ_date,lon=lon,lat=lat,category=category", "--train-days", "14",
                        "--test-days", "10", "--json", dir.File("out.json")});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("(dates only)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("counting_grid"), std::string::npos);
  std::ifstream in(dir.File("out.json"));
  auto doc = nlohmann::json::parse(in);
  std::set<std::string> names;
  for (const auto& m : doc["models"]) {
    names.insert(m["name"].get<std::string>());
    EXPECT_EQ(m["periods"], 10);
    for (const char* k : {"1", "5", "10"}) {
      double hit = m["hit_rate"][k];
      double pai = m["pai"][k];
      EXPECT_GT(hit, 0) << m["name"] << " " << k;
      EXPECT_LE(hit, 1);
      // PAI is the hit rate over the share of area flagged.
      EXPECT_NEAR(pai, hit / (std::stod(k) / 100), pai * 0.05) << m["name"] << " " << k;
    }
    EXPECT_LE(m["hit_rate"]["1"].get<double>(), m["hit_rate"]["5"].get<double>());
    EXPECT_LE(m["hit_rate"]["5"].get<double>(), m["hit_rate"]["10"].get<double>());
  }
  // Every model the contract names.
  EXPECT_EQ(names,
            (std::set<std::string>{"counting_grid", "static_kde", "retro_kde", "prospective",
                                   "stkde", "grid_etas", "etas", "combined", "combined_linear"}));
  EXPECT_TRUE(doc["date_only"].get<bool>());
}

TEST(HotspotsCli, ABadColumnNamesTheFileAndTheColumns) {
  auto run = RunPingan({"hotspots", "evaluate", "--incidents", kPortlandCalls, "--columns",
                        "time=when,lon=lon,lat=lat"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.out.find("portland_cfs_2016-08.csv:1: no column 'when'"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("occ_date"), std::string::npos) << run.out;
}

// The same calls read from their Oregon state-plane feet through PROJ give the same table.
TEST(HotspotsCli, ProjectedCoordinatesGiveTheSameBackTest) {
  TempDir dir;
  auto wgs84 = RunPingan({"hotspots", "evaluate", "--incidents", kPortlandCalls, "--columns",
                          "time=occ_date,lon=lon,lat=lat", "--train-days", "20", "--test-days", "3",
                          "--json", dir.File("wgs84.json")});
  ASSERT_EQ(wgs84.exit_code, 0) << wgs84.out;
  auto feet =
      RunPingan({"hotspots", "evaluate", "--incidents", kPortlandCalls, "--columns",
                 "time=occ_date,x=x_coordinate,y=y_coordinate", "--crs", "EPSG:2913",
                 "--train-days", "20", "--test-days", "3", "--json", dir.File("feet.json")});
  ASSERT_EQ(feet.exit_code, 0) << feet.out;
  auto a = nlohmann::json::parse(std::ifstream(dir.File("wgs84.json")));
  auto b = nlohmann::json::parse(std::ifstream(dir.File("feet.json")));
  ASSERT_EQ(a["models"].size(), b["models"].size());
  for (size_t m = 0; m < a["models"].size(); ++m) {
    for (const char* k : {"1", "5", "10"}) {
      EXPECT_NEAR(a["models"][m]["hit_rate"][k].get<double>(),
                  b["models"][m]["hit_rate"][k].get<double>(), 0.01)
          << a["models"][m]["name"] << " " << k;
    }
  }
  auto unknown = RunPingan({"hotspots", "evaluate", "--incidents", kPortlandCalls, "--columns",
                            "time=occ_date,x=x_coordinate,y=y_coordinate", "--crs", "EPSG:999999"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.out.find("--crs EPSG:999999"), std::string::npos) << unknown.out;
}

// Local wall time in China Standard Time, `days` before now at `hour`:30.
std::string LocalTime(int days, int hour, int minute) {
  std::time_t t = std::time(nullptr) + 8 * 3600 - days * 86400;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = 0;
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

bool CellContains(const nlohmann::json& feature, double lon, double lat) {
  const auto& ring = feature["geometry"]["coordinates"][0];
  double w = ring[0][0], s = ring[0][1], e = ring[2][0], n = ring[2][1];
  return lon >= w && lon <= e && lat >= s && lat <= n;
}

// An earlier system's incidents imported as history; the server's risk map learns from them:
// the night's place is hottest at night, the morning's in the morning.
TEST(RiskApi, ImportedHistoryDrivesTheRiskMapByHour) {
  TempDir dir;
  const double night_lon = 121.35, night_lat = 37.45, day_lon = 121.45, day_lat = 37.55;
  {
    std::ofstream csv(dir.File("old-system.csv"));
    csv << "when,lon,lat,kind\n";
    for (int d = 1; d <= 56; ++d) {
      for (int k = 0; k < 8; ++k) {
        csv << LocalTime(d, 21, k) << "," << night_lon << "," << night_lat << ",public_order\n";
        csv << LocalTime(d, 9, k) << "," << day_lon << "," << day_lat << ",criminal\n";
      }
    }
    csv << "yesterday,121.4,37.5,criminal\n";  // a bad row: reported, skipped
  }
  auto imported =
      RunPingan({"import", "incidents", dir.File("old-system.csv"), "--data-dir", dir.File("data"),
                 "--columns", "time=when,lon=lon,lat=lat,category=kind"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out;
  EXPECT_NE(imported.out.find("896 incidents"), std::string::npos) << imported.out;
  EXPECT_NE(imported.out.find("old-system.csv:898: column 'when'"), std::string::npos)
      << imported.out;

  ASSERT_TRUE(AddUser(dir.File("data"), "li", "dispatcher", "correct-horse-7"));
  ServerProcess server(dir.File("data"));
  ASSERT_NE(server.port(), 0) << server.output();
  HttpClient http("127.0.0.1", server.port());
  ASSERT_EQ(http.Login("li", "correct-horse-7").status, 201);

  auto night = http.Get("/api/risk?slot=21&top=5");
  ASSERT_EQ(night.status, 200) << night.body;
  auto n = night.Json();
  ASSERT_FALSE(n["features"].empty()) << n.dump();
  EXPECT_TRUE(CellContains(n["features"][0], night_lon, night_lat)) << n["features"][0].dump();
  EXPECT_EQ(n["slot"]["label"], "21:00–22:00");
  EXPECT_EQ(n["history"], 896);
  // Sixteen a day, half of them at nine at night.
  ASSERT_EQ(n["hours"].size(), 24u);
  double day = 0;
  for (double h : n["hours"]) day += h;
  EXPECT_NEAR(day, 16, 1.5);
  EXPECT_GT(n["hours"][21].get<double>(), 5);
  EXPECT_LT(n["hours"][3].get<double>(), 0.5);
  // The hottest first, each a 150 m square.
  for (size_t i = 1; i < n["features"].size(); ++i)
    EXPECT_GE(n["features"][i - 1]["properties"]["risk"].get<double>(),
              n["features"][i]["properties"]["risk"].get<double>());

  auto morning = http.Get("/api/risk?slot=8-10&top=5").Json();
  ASSERT_FALSE(morning["features"].empty());
  EXPECT_TRUE(CellContains(morning["features"][0], day_lon, day_lat));
  EXPECT_EQ(morning["slot"]["end_hour"], 10);

  // One category: the night's place alone.
  auto order = http.Get("/api/risk?slot=9&category=public_order").Json();
  ASSERT_FALSE(order["features"].empty());
  EXPECT_TRUE(CellContains(order["features"][0], night_lon, night_lat));
  EXPECT_EQ(order["history"], 448);

  // The compact grid holds the whole district; its values add up to the slot's expectation.
  auto grid = http.Get("/api/risk?slot=21&format=grid").Json();
  ASSERT_EQ(grid["format"], "grid");
  ASSERT_EQ(grid["values"].size(),
            grid["grid"]["nx"].get<size_t>() * grid["grid"]["ny"].get<size_t>());
  double sum = 0;
  for (double v : grid["values"]) sum += v;
  EXPECT_NEAR(sum, grid["expected_incidents"].get<double>(), 0.01);

  for (auto [query, field] : {std::pair{"slot=25", "slot"},
                              {"slot=8-", "slot"},
                              {"format=svg", "format"},
                              {"model=crystal_ball", "model"},
                              {"top=0", "top"}}) {
    auto bad = http.Get(std::string("/api/risk?") + query);
    EXPECT_EQ(bad.status, 400) << query << " " << bad.body;
    EXPECT_EQ(bad.Json().value("field", ""), field) << query;
  }
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace pingan::test
