// `pingan demo` end to end: a generated district that comes alive (calls arrive, are dispatched
// and closed), answers a person's dispatch by driving the unit there, serves its base map and
// address search, and is reused on the next start.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::vector<std::string> DemoArgs(const std::string& dir, const std::string& speed) {
  return {"demo", "--data-dir",      dir,  "--listen", "127.0.0.1:0", "--speed",
          speed,  "--calls-per-day", "300"};
}

// Polls `probe` until it returns true or `limit` passes.
template <typename F>
bool Eventually(F probe, std::chrono::seconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (probe()) return true;
    std::this_thread::sleep_for(250ms);
  }
  return probe();
}

TEST(Demo, TheDistrictComesAliveAndAnswersADispatcher) {
  TempDir dir;
  const std::string data = dir.File("demo");
  ServerProcess server(ServerProcess::Args{DemoArgs(data, "120")});
  ASSERT_NE(server.port(), 0) << server.output();
  // The banner follows the "listening on" line the process runner waits for.
  EXPECT_TRUE(
      Eventually([&] { return server.output().find("DEMO MODE") != std::string::npos; }, 5s))
      << server.output();
  EXPECT_NE(server.output().find("用户 demo 密码 demo"), std::string::npos) << server.output();

  HttpClient http("127.0.0.1", server.port());
  ASSERT_EQ(http.Login("demo", "demo").status, 201);
  EXPECT_EQ(http.Get("/api/session").Json()["role"], "dispatcher");

  // The organisation and the shift.
  json units = http.Get("/api/units").Json()["units"];
  EXPECT_EQ(units.size(), 38u);
  json jurisdictions = http.Get("/api/jurisdictions").Json();
  EXPECT_EQ(jurisdictions["features"].size(), 21u);

  // Calls arrive and go through the whole workflow without anyone touching them.
  bool closed = Eventually(
      [&] {
        json list = http.Get("/api/incidents?status=closed&limit=5").Json();
        return list.contains("incidents") && !list["incidents"].empty();
      },
      90s);
  ASSERT_TRUE(closed) << server.output();
  json first = http.Get("/api/incidents?status=closed&limit=1").Json()["incidents"][0];
  json timeline =
      http.Get("/api/incidents/" + std::to_string(first["id"].get<int>()) + "/timeline").Json();
  std::vector<std::string> types;
  for (const auto& e : timeline["timeline"]) types.push_back(e["type"]);
  for (const char* step :
       {"incident.received", "incident.dispatch", "incident.arrive", "incident.close"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), step), types.end()) << step;
  }

  // Units move: a unit's position changes between two looks.
  json before = http.Get("/api/units").Json()["units"];
  std::this_thread::sleep_for(2500ms);
  json after = http.Get("/api/units").Json()["units"];
  int moved = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i]["position"] != after[i]["position"]) ++moved;
  }
  EXPECT_GT(moved, 10);

  // A person's call and dispatch: the simulated crew drives there and reports arrival.
  json search =
      http.Get("/api/map/search?q=%E4%BA%BA%E6%B0%91%E8%B7%AF%E4%B8%8E%E6%96%87%E5%8C%96%E8%B7%AF")
          .Json();  // 人民路与文化路
  ASSERT_FALSE(search["results"].empty()) << search.dump();
  EXPECT_EQ(search["results"][0]["kind"], "intersection");
  json at = search["results"][0];
  auto created = http.Post("/api/incidents", {{"category", "criminal"},
                                              {"subtype", "robbery"},
                                              {"priority", 1},
                                              {"lon", at["lon"]},
                                              {"lat", at["lat"]},
                                              {"address", "人民路与文化路路口"},
                                              {"caller_phone", "13912345678"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = std::to_string(created.Json()["id"].get<int>());
  json recs = http.Get("/api/incidents/" + id + "/recommendations?k=1").Json();
  ASSERT_FALSE(recs["recommendations"].empty()) << recs.dump();
  auto dispatched =
      http.Post("/api/incidents/" + id + "/actions",
                {{"action", "dispatch"}, {"unit_id", recs["recommendations"][0]["unit_id"]}});
  ASSERT_EQ(dispatched.status, 200) << dispatched.body;
  bool arrived = Eventually(
      [&] {
        std::string status = http.Get("/api/incidents/" + id).Json().value("status", "");
        return status == "on_scene" || status == "handling" || status == "closed";
      },
      60s);
  EXPECT_TRUE(arrived) << http.Get("/api/incidents/" + id).body;

  // The base map: tiles from the generated streets, and it says they are generated.
  json map = http.Get("/api/map").Json();
  EXPECT_TRUE(map["loaded"].get<bool>());
  EXPECT_NE(map["attribution"].get<std::string>().find("generated"), std::string::npos);
  EXPECT_GE(map["places"].get<int>(), 30);
  json heat = http.Get("/api/incidents/heat").Json();
  EXPECT_GT(heat["count"].get<int>(), 0);
  EXPECT_EQ(heat["points"].size(), size_t(heat["count"].get<int>()));
  // The risk map stands on half a year of made-up past calls (about --calls-per-day a day).
  json risk = http.Get("/api/risk?slot=20-22").Json();
  EXPECT_GT(risk["history"].get<int>(), 180 * 200) << risk.dump().substr(0, 300);
  EXPECT_FALSE(risk["features"].empty());
  double day = 0;
  for (double h : risk["hours"]) day += h;
  EXPECT_NEAR(day, 260, 60);
  EXPECT_EQ(server.Stop(), 0);

  // Started again on the same directory: the same district, not a second one.
  ServerProcess again(ServerProcess::Args{DemoArgs(data, "10")});
  ASSERT_NE(again.port(), 0) << again.output();
  HttpClient http2("127.0.0.1", again.port());
  ASSERT_EQ(http2.Login("demo", "demo").status, 201);
  EXPECT_EQ(http2.Get("/api/units").Json()["units"].size(), 38u);
  EXPECT_EQ(http2.Get("/api/incidents/" + id).status, 200);
  EXPECT_EQ(again.Stop(), 0);
}

TEST(Demo, NeverWritesIntoADirectoryThatIsNotADemo) {
  TempDir dir;
  std::ofstream(dir.File("ledger.db")) << "a bureau's data";
  auto run = RunPingan({"demo", "--data-dir", dir.path(), "--listen", "127.0.0.1:0"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.out.find("not empty"), std::string::npos) << run.out;
  std::ifstream in(dir.File("ledger.db"));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "a bureau's data");
  auto bad_speed = RunPingan({"demo", "--data-dir", dir.File("x"), "--speed", "0"});
  EXPECT_NE(bad_speed.exit_code, 0);
  EXPECT_NE(bad_speed.out.find("--speed"), std::string::npos) << bad_speed.out;
}

}  // namespace
}  // namespace pingan::test
