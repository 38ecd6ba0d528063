// GET /api/visibility (见警率) on a running demo district, and `pingan visibility` refusing a
// directory the server holds.
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Today in district time (China Standard Time), "YYYY-MM-DD".
std::string DistrictToday() {
  auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + 8h);
  std::chrono::year_month_day ymd(day);
  return fmt::format("{:04d}-{:02d}-{:02d}", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()));
}

TEST(VisibilityApi, ADemoDayHasSharesPerStationAndSchoolPosts) {
  TempDir dir;
  const std::string data = dir.File("demo");
  ServerProcess server(ServerProcess::Args{{"demo", "--data-dir", data, "--listen", "127.0.0.1:0",
                                            "--speed", "300", "--calls-per-day", "300"}});
  ASSERT_NE(server.port(), 0) << server.output();
  HttpClient http("127.0.0.1", server.port());
  ASSERT_EQ(http.Login("demo", "demo").status, 201);
  // Units drive for a while, so there are tracks to look at.
  std::this_thread::sleep_for(15s);

  std::set<std::string> stations;
  auto jurisdictions = http.Get("/api/jurisdictions?level=station&geometry=false");
  ASSERT_EQ(jurisdictions.status, 200) << jurisdictions.body;
  const json features = jurisdictions.Json()["features"];
  for (const json& f : features) stations.insert(f["properties"]["id"]);
  ASSERT_GE(stations.size(), 2u) << jurisdictions.body;

  const std::string today = DistrictToday();
  auto got = http.Get("/api/visibility?date=" + today);
  ASSERT_EQ(got.status, 200) << got.body;
  json v = got.Json();
  EXPECT_EQ(v["date"], today);
  EXPECT_GT(v["inputs"]["units"].get<int>(), 10) << v["inputs"].dump();
  EXPECT_GT(v["inputs"]["fixes"].get<int>(), 100) << v["inputs"].dump();
  EXPECT_TRUE(v["inputs"]["risk_map"].get<bool>());
  EXPECT_EQ(v["options"]["top_percent"], 5);
  EXPECT_EQ(v["stations"].size(), stations.size());

  std::set<std::string> seen;
  int district_school_posts = 0, district_risk_cells = 0;
  for (const json& row : v["rows"]) {
    const std::string station = row["station_id"];
    if (!station.empty()) {
      EXPECT_TRUE(stations.count(station)) << row.dump();
      seen.insert(station);
    }
    const double share = row["share"];
    EXPECT_GE(share, 0) << row.dump();
    EXPECT_LE(share, 1) << row.dump();
    EXPECT_LE(row["covered"].get<int>(), row["targets"].get<int>()) << row.dump();
    if (station.empty() && row["kind"] == "school_post") district_school_posts = row["targets"];
    if (station.empty() && row["kind"] == "risk_cell") district_risk_cells = row["targets"];
  }
  EXPECT_EQ(seen, stations) << v["rows"].dump();
  // Every school has a morning and an afternoon post.
  EXPECT_GT(district_school_posts, 0) << v["rows"].dump();
  EXPECT_EQ(district_school_posts % 2, 0);
  // The top 5 % of the cells in each of 24 hours.
  EXPECT_GT(district_risk_cells, 24) << v["rows"].dump();

  // One station's rows only.
  const std::string one = *stations.begin();
  json only = http.Get("/api/visibility?date=" + today + "&station_id=" + one).Json();
  ASSERT_FALSE(only["rows"].empty()) << only.dump();
  for (const json& row : only["rows"]) EXPECT_EQ(row["station_id"], one);
  EXPECT_EQ(http.Get("/api/visibility?date=" + today + "&station_id=nowhere").status, 404);

  // A date that is not one says which field is wrong.
  for (const char* bad : {"yesterday", "2026-02-30", "2026-1-5"}) {
    auto wrong = http.Get(std::string("/api/visibility?date=") + bad);
    EXPECT_EQ(wrong.status, 400) << bad;
    EXPECT_EQ(wrong.Json()["field"], "date") << wrong.body;
  }

  // The CLI does not read a directory the server holds, and says where to ask instead.
  auto cli = RunPingan({"visibility", "--data-dir", data, "--date", today});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.out.find("in use by another pingan process"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("/api/visibility"), std::string::npos) << cli.out;
  EXPECT_EQ(server.Stop(), 0);

  // Once it stops, the CLI finds the same targets (the risk map as of midnight, the places).
  auto offline = RunPingan(
      {"visibility", "--data-dir", data, "--date", today, "--json", dir.File("visibility.json")});
  ASSERT_EQ(offline.exit_code, 0) << offline.out;
  EXPECT_NE(offline.out.find("school posts"), std::string::npos) << offline.out;
  std::ifstream in(dir.File("visibility.json"));
  json written = json::parse(in, nullptr, false);
  ASSERT_TRUE(written.is_object());
  ASSERT_EQ(written["rows"].size(), v["rows"].size());
  for (size_t i = 0; i < v["rows"].size(); ++i) {
    EXPECT_EQ(written["rows"][i]["station_id"], v["rows"][i]["station_id"]);
    EXPECT_EQ(written["rows"][i]["kind"], v["rows"][i]["kind"]);
    EXPECT_EQ(written["rows"][i]["targets"], v["rows"][i]["targets"]);
  }
}

}  // namespace
}  // namespace pingan::test
