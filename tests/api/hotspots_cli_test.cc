// `pingan hotspots evaluate` on the real Portland calls (dates only): the contract's JSON, the
// table, and a clear error for a bad column mapping.
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
  EXPECT_EQ(names, (std::set<std::string>{"counting_grid", "static_kde", "retro_kde", "prospective",
                                          "stkde", "grid_etas", "etas", "combined"}));
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

}  // namespace
}  // namespace pingan::test
