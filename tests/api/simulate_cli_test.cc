// `pingan simulate` on the Portland map and calls: the contract's JSON for both plans, the same
// answer for the same seed, forces from a file, and errors that name what is wrong.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

const std::string kMap = std::string(PINGAN_SHARED_DATA) + "/maps/portland-central-2015.osm.pbf";
const std::string kCalls = std::string(PINGAN_SHARED_DATA) + "/incidents/portland_cfs_2016-08.csv";

std::vector<std::string> Args(const std::string& json, std::vector<std::string> more) {
  std::vector<std::string> args = {"simulate",
                                   "--map",
                                   kMap,
                                   "--incidents",
                                   kCalls,
                                   "--columns",
                                   "time=occ_date,lon=lon,lat=lat,category=category",
                                   "--from",
                                   "2016-08-29",
                                   "--to",
                                   "2016-08-30",
                                   "--json",
                                   json};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(SimulateCli, ComparesUniformAndRiskPlansDeterministically) {
  TempDir dir;
  auto run = RunPingan(Args(dir.File("a.json"), {"--units", "8", "--compare", "uniform,risk"}));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto doc = nlohmann::json::parse(std::ifstream(dir.File("a.json")));
  ASSERT_EQ(doc["plans"].size(), 2u);
  EXPECT_EQ(doc["plans"][0]["name"], "uniform");
  EXPECT_EQ(doc["plans"][1]["name"], "risk");
  EXPECT_TRUE(doc["date_only"].get<bool>());
  EXPECT_GT(doc["incidents"].get<int>(), 100);
  for (const auto& p : doc["plans"]) {
    double median = p["median_response_s"], p90 = p["p90_response_s"];
    EXPECT_GE(median, 60) << p.dump();  // the dispatcher's minute at least
    EXPECT_LE(median, p90);
    EXPECT_LT(p90, 3600);
    for (const char* share : {"within_300s", "within_600s", "visibility", "utilisation"}) {
      EXPECT_GE(p[share].get<double>(), 0) << share;
      EXPECT_LE(p[share].get<double>(), 1) << share;
    }
    EXPECT_LE(p["within_300s"].get<double>(), p["within_600s"].get<double>());
  }
  // Risk posts stand where the expected incidents are: more of the top cells see police.
  EXPECT_GT(doc["plans"][1]["visibility"].get<double>(),
            doc["plans"][0]["visibility"].get<double>());

  auto again = RunPingan(Args(dir.File("b.json"), {"--units", "8", "--compare", "uniform,risk"}));
  ASSERT_EQ(again.exit_code, 0) << again.out;
  auto doc2 = nlohmann::json::parse(std::ifstream(dir.File("b.json")));
  for (size_t p = 0; p < 2; ++p)
    for (const char* k : {"median_response_s", "p90_response_s", "visibility", "utilisation"})
      EXPECT_EQ(doc["plans"][p][k], doc2["plans"][p][k]) << k;
}

TEST(SimulateCli, ForcesComeFromAFileAndErrorsNameTheField) {
  TempDir dir;
  std::ofstream(dir.File("forces.json"))
      << R"({"units":[{"callsign":"车","mode":"car","count":4,"shift":"0-24"},
                       {"callsign":"步","mode":"foot","count":3,"shift":"8-20"}]})";
  auto run = RunPingan(
      Args(dir.File("f.json"), {"--forces", dir.File("forces.json"), "--compare", "risk"}));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  auto doc = nlohmann::json::parse(std::ifstream(dir.File("f.json")));
  EXPECT_EQ(doc["units"], 7);
  ASSERT_EQ(doc["plans"].size(), 1u);

  std::ofstream(dir.File("bad.json")) << R"({"units":[{"mode":"helicopter"}]})";
  auto bad = RunPingan(Args(dir.File("x.json"), {"--forces", dir.File("bad.json")}));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("units[0].mode"), std::string::npos) << bad.out;
  auto both = RunPingan(Args(dir.File("x.json"), {}));
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.out.find("--units"), std::string::npos) << both.out;
}

}  // namespace
}  // namespace pingan::test
