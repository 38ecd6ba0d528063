// The pingan command line, run as a user would run it.
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(Cli, HelpNamesEverySubcommand) {
  CommandResult r = RunPingan({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"serve", "import", "user"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
  r = RunPingan({"serve", "--help"});
  EXPECT_NE(r.out.find("--data-dir"), std::string::npos);
  EXPECT_NE(r.out.find("--listen"), std::string::npos);
  EXPECT_NE(RunPingan({"frobnicate"}).exit_code, 0);
}

TEST(Cli, UserAddChecksItsInput) {
  TempDir dir;
  CommandResult weak = RunPingan(
      {"user", "add", "--data-dir", dir.path(), "--username", "li", "--role", "dispatcher"},
      "short\n");
  EXPECT_EQ(weak.exit_code, 1);
  EXPECT_NE(weak.out.find("at least 8 characters"), std::string::npos) << weak.out;
  CommandResult role =
      RunPingan({"user", "add", "--data-dir", dir.path(), "--username", "li", "--role", "sheriff"},
                "long-enough-1\n");
  EXPECT_EQ(role.exit_code, 1);
  EXPECT_NE(role.out.find("--role sheriff"), std::string::npos) << role.out;
  EXPECT_TRUE(AddUser(dir.path(), "li", "dispatcher", "long-enough-1"));
  CommandResult again =
      RunPingan({"user", "add", "--data-dir", dir.path(), "--username", "li", "--role", "officer"},
                "long-enough-2\n");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("user 'li' exists"), std::string::npos) << again.out;
}

TEST(Cli, ImportReportsWhereAFileIsWrong) {
  TempDir dir;
  WriteFile(dir.File("bad.json"),
            "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [,]\n}\n");
  CommandResult r =
      RunPingan({"import", "jurisdictions", dir.File("bad.json"), "--data-dir", dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(dir.File("bad.json") + ":3:"), std::string::npos) << r.out;

  WriteFile(dir.File("orphan.json"), R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": "S1", "level": "station", "parent_id": "B9"},
     "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]})");
  r = RunPingan({"import", "jurisdictions", dir.File("orphan.json"), "--data-dir", dir.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("parent 'B9', which does not exist"), std::string::npos) << r.out;
}

TEST(Cli, ImportsRealDistrictsWithPropertyMapping) {
  TempDir dir;
  CommandResult r = RunPingan(
      {"import", "jurisdictions",
       std::string(PINGAN_SHARED_DATA) + "/boundaries/portland_police_districts_2016.geojson",
       "--data-dir", dir.path(), "--id-field", "DISTRICT", "--level", "station"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("imported 60 jurisdictions"), std::string::npos);
}

TEST(Cli, FirstStartCreatesAnAdminWithAPrivatePassword) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_NE(server.port(), 0) << server.output();
  std::string path = dir.File("initial-admin-password");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::string password;
  std::ifstream(path) >> password;
  HttpClient client("127.0.0.1", server.port());
  HttpResult login = client.Login("admin", password);
  EXPECT_EQ(login.status, 201) << login.body;
  EXPECT_EQ(login.Json()["role"], "admin");
}

TEST(Cli, OneDataDirHasOneWriter) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_NE(server.port(), 0) << server.output();
  CommandResult r = RunPingan(
      {"user", "add", "--data-dir", dir.path(), "--username", "li", "--role", "dispatcher"},
      "long-enough-1\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("in use by another pingan process"), std::string::npos) << r.out;
  ServerProcess second(dir.path());
  EXPECT_EQ(second.port(), 0);
  EXPECT_EQ(server.Stop(), 0);  // SIGTERM: a clean shutdown
}

TEST(Cli, SlaDeadlinesAreConfigurableAndEscalateLive) {
  TempDir dir;
  ASSERT_TRUE(AddUser(dir.path(), "li", "dispatcher", "long-enough-1"));
  WriteFile(dir.File("sla.json"),
            R"({"incident": {"dispatch": {"by_priority_s": [1, 2, 3, 4],
                "escalation": [{"after_s": 0, "notify": "duty_chief"}]}}})");
  ServerProcess server(dir.path(), {"--sla-config", dir.File("sla.json")});
  ASSERT_NE(server.port(), 0) << server.output();
  HttpClient client("127.0.0.1", server.port());
  ASSERT_EQ(client.Login("li", "long-enough-1").status, 201);
  HttpResult created = client.Post(
      "/api/incidents", {{"category", "fire"}, {"priority", 1}, {"address", "港城东大街"}});
  ASSERT_EQ(created.status, 201);
  std::string path = "/api/incidents/" + created.Json()["id"].dump();
  EXPECT_EQ(created.Json()["sla"][0]["escalation_level"], 0);
  nlohmann::json incident;
  for (int k = 0; k < 100; ++k) {
    incident = client.Get(path).Json();
    if (incident["sla"][0]["escalation_level"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(incident["sla"][0]["escalation_level"], 1);
  EXPECT_EQ(incident["overdue"], true);
  EXPECT_EQ(incident["timeline"].back()["type"], "incident.sla_overdue");

  WriteFile(dir.File("bad-sla.json"), R"({"incident": {"dispatch": {"by_priority_s": [-5]}}})");
  server.Kill();
  ServerProcess refused(dir.path(), {"--sla-config", dir.File("bad-sla.json")});
  EXPECT_EQ(refused.port(), 0);
  EXPECT_NE(refused.output().find("by_priority_s"), std::string::npos) << refused.output();
}

TEST(Cli, BenchDispatchPrintsItsFigures) {
  auto r = RunPingan({"bench", "dispatch", "--map",
                      std::string(PINGAN_SHARED_DATA) + "/maps/portland-central-2015.osm.pbf",
                      "--units", "100", "--queries", "50"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto figures = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  ASSERT_TRUE(figures.is_object()) << r.out;
  for (const char* key : {"p50_us", "p99_us", "nodes", "edges", "load_ms", "import_ms"}) {
    EXPECT_TRUE(figures.contains(key)) << key;
  }
  EXPECT_GT(figures["nodes"].get<int>(), 10000);
  EXPECT_LE(figures["p50_us"].get<double>(), figures["p99_us"].get<double>());
}

TEST(Cli, ImportRoadsAndRecommendFromTheCommandLine) {
  TempDir dir;
  auto bad = RunPingan({"import", "roads", dir.File("missing.osm.pbf"), "--data-dir", dir.path()});
  EXPECT_NE(bad.exit_code, 0);
  WriteFile(dir.File("empty.osm"), "<?xml version='1.0'?><osm version='0.6'></osm>");
  auto empty = RunPingan({"import", "roads", dir.File("empty.osm"), "--data-dir", dir.path()});
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.out.find("no roads"), std::string::npos) << empty.out;
  auto no_graph = RunPingan(
      {"dispatch", "recommend", "--data-dir", dir.path(), "--lon", "-122.67", "--lat", "45.52"});
  EXPECT_NE(no_graph.exit_code, 0);
  EXPECT_NE(no_graph.out.find("import roads"), std::string::npos) << no_graph.out;

  auto imported = RunPingan(
      {"import", "roads", std::string(PINGAN_SHARED_DATA) + "/maps/portland-central-2015.osm.pbf",
       "--data-dir", dir.path()});
  ASSERT_EQ(imported.exit_code, 0) << imported.out;
  auto r = RunPingan({"dispatch", "recommend", "--data-dir", dir.path(), "--lon", "-122.67",
                      "--lat", "45.52", "--category", "criminal", "--priority", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto body = nlohmann::json::parse(r.out.substr(r.out.find('{')), nullptr, false);
  ASSERT_TRUE(body.is_object()) << r.out;
  EXPECT_EQ(body["recommendations"].size(), 0u);
  EXPECT_EQ(body["units_needed"], 2) << "a priority-1 criminal incident needs two crews";
  EXPECT_EQ(body["shortfall"], 2);

  // A unit whose position reached the server (tracks, not the ledger) is seen offline too.
  ASSERT_TRUE(AddUser(dir.path(), "chen", "station_chief", "long-enough-1"));
  {
    ServerProcess server(dir.path());
    ASSERT_NE(server.port(), 0) << server.output();
    HttpClient chen("127.0.0.1", server.port());
    ASSERT_EQ(chen.Login("chen", "long-enough-1").status, 201);
    auto unit =
        chen.Post("/api/units", {{"callsign", "C-1"}, {"force", "patrol"}, {"mode", "car"}});
    ASSERT_EQ(unit.status, 201);
    ASSERT_EQ(chen.Post("/api/units/" + unit.Json()["id"].dump() + "/position",
                        {{"lon", -122.675}, {"lat", 45.519}})
                  .status,
              200);
    EXPECT_EQ(server.Stop(), 0);
  }
  auto with_unit = RunPingan(
      {"dispatch", "recommend", "--data-dir", dir.path(), "--lon", "-122.67", "--lat", "45.52"});
  ASSERT_EQ(with_unit.exit_code, 0) << with_unit.out;
  auto found = nlohmann::json::parse(with_unit.out.substr(with_unit.out.find('{')), nullptr, false);
  ASSERT_EQ(found["recommendations"].size(), 1u) << with_unit.out;
  EXPECT_GT(found["recommendations"][0]["eta_s"].get<double>(), 0);
}

}  // namespace
}  // namespace pingan::test
