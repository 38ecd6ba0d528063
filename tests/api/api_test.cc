// The HTTP API, exercised over real sockets against a real `pingan serve` process.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "support/district_files.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/websocket_client.h"

namespace pingan::test {
namespace {

using nlohmann::json;

constexpr const char* kPassword = "correct-horse-7";

// One server for the whole suite: starting it (and hashing passwords) is the slow part.
class ApiTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    for (auto [user, role] : {std::pair{"li", "dispatcher"},
                              {"zhao", "officer"},
                              {"chen", "station_chief"},
                              {"wang", "leader"},
                              {"sun", "leader"},
                              {"root", "admin"}}) {
      ASSERT_TRUE(AddUser(dir_->path(), user, role, kPassword)) << user;
    }
    auto imported = ImportJurisdictions(dir_->path(), TwoStationDistrict());
    ASSERT_EQ(imported.exit_code, 0) << imported.out;
    server_ = new ServerProcess(dir_->path());
    ASSERT_NE(server_->port(), 0) << server_->output();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  // A client logged in as `user`.
  static std::unique_ptr<HttpClient> As(const std::string& user) {
    auto client = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    HttpResult r = client->Login(user, kPassword);
    EXPECT_EQ(r.status, 201) << r.body;
    return client;
  }
  static json NewIncident(HttpClient& client, int priority = 2, double lon = 121.35) {
    HttpResult r = client.Post("/api/incidents", {{"category", "criminal"},
                                                  {"subtype", "theft"},
                                                  {"priority", priority},
                                                  {"lon", lon},
                                                  {"lat", 37.5},
                                                  {"address", "迎春大街 100 号"},
                                                  {"caller_name", "王小明"},
                                                  {"caller_phone", "13812345678"},
                                                  {"narrative", "电动车被盗"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json();
  }
  static std::int64_t NewUnit(const std::string& callsign) {
    auto admin = As("root");
    HttpResult r = admin->Post(
        "/api/units",
        {{"callsign", callsign}, {"force", "patrol"}, {"mode", "car"}, {"station_id", "LS-01"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("id", 0);
  }

  static TempDir* dir_;
  static ServerProcess* server_;
};

TempDir* ApiTest::dir_ = nullptr;
ServerProcess* ApiTest::server_ = nullptr;

TEST_F(ApiTest, EveryApiRouteButLoginNeedsAToken) {
  auto admin = As("root");
  HttpResult doc = admin->Get("/api/openapi.json");
  ASSERT_EQ(doc.status, 200);
  json paths = doc.Json()["paths"];
  ASSERT_GE(paths.size(), 12u);
  HttpClient anonymous("127.0.0.1", server_->port());
  int checked = 0;
  for (const auto& [path, methods] : paths.items()) {
    if (!path.starts_with("/api/")) continue;
    std::string concrete = path;
    for (size_t p; (p = concrete.find('{')) != std::string::npos;) {
      concrete.replace(p, concrete.find('}') - p + 1, "1");
    }
    for (const auto& [method, op] : methods.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      HttpResult r = anonymous.Request(upper, concrete, upper == "GET" ? "" : "{}");
      if (path == "/api/session" && upper == "POST") {
        EXPECT_EQ(r.status, 400);  // public, and the empty body is refused
        continue;
      }
      if (op.contains("security") && op["security"].empty()) {
        // Declared public: the base map's tiles (the map worker sends no token) and the
        // resident page's 接诉即办 routes and the callback survey (rate-limited, phone verified
        // by SMS, or keyed by the code an SMS carried), and the SMS gateway's delivery of
        // replies (which --sms-inbound-token locks to the gateway).
        EXPECT_TRUE(path == "/api/map/tiles/{z}/{x}/{y}" || path.starts_with("/api/public/") ||
                    path == "/api/sms/inbound")
            << upper << " " << path;
        EXPECT_NE(r.status, 401) << upper << " " << concrete;
        continue;
      }
      EXPECT_EQ(r.status, 401) << upper << " " << concrete;
      EXPECT_EQ(r.Json()["error"], "unauthorized");
      ++checked;
    }
  }
  EXPECT_GE(checked, 12);
  EXPECT_EQ(anonymous.Get("/api/incidents").headers["www-authenticate"], "Bearer");
  EXPECT_EQ(
      anonymous.Request("GET", "/api/incidents", "", "Authorization: Bearer nonsense\r\n").status,
      401);
}

TEST_F(ApiTest, LoginRefusesWrongPasswordsAndThenPauses) {
  HttpClient client("127.0.0.1", server_->port());
  for (int k = 0; k < 5; ++k) {
    HttpResult r = client.Post("/api/session",
                               {{"username", "sun"}, {"password", "guess" + std::to_string(k)}});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.Json()["message"], "wrong username or password");
  }
  HttpResult paused = client.Post("/api/session", {{"username", "sun"}, {"password", kPassword}});
  EXPECT_EQ(paused.status, 429);
  EXPECT_EQ(client.Post("/api/session", {{"username", "nobody"}, {"password", "x"}}).status, 401);
}

TEST_F(ApiTest, SessionShowsTheUserAndLogoutEndsIt) {
  auto chen = As("chen");
  HttpResult me = chen->Get("/api/session");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.Json()["role"], "station_chief");
  EXPECT_EQ(chen->Request("DELETE", "/api/session").status, 200);
  EXPECT_EQ(chen->Get("/api/session").status, 401);
}

TEST_F(ApiTest, TheWholeLifecycleOverHttp) {
  auto li = As("li");
  std::int64_t unit = NewUnit("鲁F-巡01");
  json incident = NewIncident(*li, 1);
  std::int64_t id = incident["id"];
  EXPECT_EQ(incident["status"], "received");
  EXPECT_EQ(incident["station_id"], "LS-01");
  EXPECT_EQ(incident["caller_phone"], "13812345678");  // the dispatcher who took the call

  std::string actions = "/api/incidents/" + std::to_string(id) + "/actions";
  HttpResult r = li->Post(actions, {{"action", "close"}, {"disposition", "x"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.Json()["error"], "conflict");
  EXPECT_EQ(r.Json()["message"], "cannot close a received incident");

  r = li->Post(actions, {{"action", "dispatch"}, {"unit_id", unit}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["status"], "dispatched");
  EXPECT_EQ(r.Json()["assignments"][0]["status"], "dispatched");
  EXPECT_EQ(li->Get("/api/units/" + std::to_string(unit)).Json()["status"], "dispatched");

  // Only the reply to creating an incident echoes the caller's details; replies to actions mask
  // them (the unmasked detail is the audited GET).
  EXPECT_EQ(r.Json()["caller_phone"], "138****5678");
  auto zhao = As("zhao");  // the officer in the car reports from the field
  r = zhao->Post("/api/units/" + std::to_string(unit) + "/status", {{"status", "on_scene"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["status"], "on_scene");
  EXPECT_EQ(zhao->Post(actions, {{"action", "dispatch"}, {"unit_id", unit}}).status, 403);
  r = zhao->Post(actions, {{"action", "handle"}});
  EXPECT_EQ(r.Json()["status"], "handling");
  r = zhao->Post(actions, {{"action", "close"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "disposition");
  r = zhao->Post(actions, {{"action", "close"}, {"disposition", "嫌疑人已抓获"}});
  ASSERT_EQ(r.status, 200);
  json closed = r.Json();
  EXPECT_EQ(closed["status"], "closed");
  EXPECT_TRUE(closed["response_time_s"].is_number());
  EXPECT_TRUE(closed["handling_time_s"].is_number());
  EXPECT_EQ(li->Get("/api/units/" + std::to_string(unit)).Json()["status"], "available");

  json full = li->Get("/api/incidents/" + std::to_string(id)).Json();
  std::vector<std::string> types;
  for (const auto& e : full["timeline"]) types.push_back(e["type"]);
  EXPECT_EQ(types,
            (std::vector<std::string>{"incident.received", "incident.dispatch", "incident.arrive",
                                      "incident.handle", "incident.close"}));
  EXPECT_EQ(full["timeline"][2]["actor"], "zhao");
  EXPECT_EQ(full["sla"][0]["met_at"].is_string(), true);
}

TEST_F(ApiTest, MalformedInputGetsA400NamingTheField) {
  auto li = As("li");
  HttpResult r = li->Request("POST", "/api/incidents", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "body");
  r = li->Post("/api/incidents",
               {{"category", "criminal"}, {"priority", "high"}, {"address", "x"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "priority");
  r = li->Post("/api/incidents",
               {{"category", "criminal"}, {"priority", 1}, {"lon", 500}, {"lat", 37}});
  EXPECT_EQ(r.Json()["field"], "lon");
  r = li->Post(
      "/api/incidents",
      {{"category", "criminal"}, {"priority", 1}, {"address", "x"}, {"caller_phone", "call me"}});
  EXPECT_EQ(r.Json()["field"], "caller_phone");
  r = li->Post("/api/incidents/abc/actions", {{"action", "note"}, {"note", "x"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "id");
  r = li->Post("/api/incidents/999999/actions", {{"action", "note"}, {"note", "x"}});
  EXPECT_EQ(r.status, 404);
  std::int64_t id = NewIncident(*li)["id"];
  r = li->Post("/api/incidents/" + std::to_string(id) + "/actions", {{"action", "teleport"}});
  EXPECT_EQ(r.Json()["field"], "action");
  r = li->Get("/api/incidents?limit=0");
  EXPECT_EQ(r.Json()["field"], "limit");
  r = li->Get("/api/incidents?from=yesterday");
  EXPECT_EQ(r.Json()["field"], "from");
  EXPECT_EQ(li->Get("/api/nothing-here").status, 404);
  EXPECT_EQ(li->Request("PUT", "/api/incidents", "{}").status, 405);
  // Bytes that are not UTF-8 (a GBK 宾 is B1 F6) in a path or query: a 400 naming where, even
  // without a login, and the server carries on.
  HttpClient anonymous("127.0.0.1", server_->port());
  r = anonymous.Get("/api/%B1%F6");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["field"], "path");
  r = li->Get("/api/incidents?status=%B1%F6");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["field"], "status");
  r = li->Get("/api/incidents?%FF=1");
  EXPECT_EQ(r.Json()["field"], "query");
  EXPECT_EQ(li->Get("/api/incidents?limit=1").status, 200);
}

TEST_F(ApiTest, OversizedBodiesAreRefusedAndTheServerCarriesOn) {
  auto li = As("li");
  // Announce 9 MiB and send none of it: the server must answer from the headers alone.
  HttpResult r = li->SendRaw(
      "POST /api/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 9437184\r\n\r\n");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Json()["error"], "too_large");
  auto again = As("li");
  EXPECT_EQ(again->Get("/api/incidents?limit=1").status, 200);
  r = again->Post("/api/incidents", {{"category", "criminal"},
                                     {"priority", 1},
                                     {"address", "x"},
                                     {"narrative", std::string(10000, 'y')}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["field"], "narrative");
}

TEST_F(ApiTest, PersonalDataIsMaskedForRolesThatDoNotNeedItAndReadsAreAudited) {
  auto li = As("li");
  std::int64_t id = NewIncident(*li)["id"];
  std::string path = "/api/incidents/" + std::to_string(id);
  json leader_view = As("wang")->Get(path).Json();
  EXPECT_EQ(leader_view["caller_name"], "王*明");
  EXPECT_EQ(leader_view["caller_phone"], "138****5678");
  EXPECT_EQ(leader_view["personal_data_masked"], true);
  json dispatcher_view = li->Get(path).Json();
  EXPECT_EQ(dispatcher_view["caller_phone"], "13812345678");
  json listed = li->Get("/api/incidents?limit=5").Json();
  ASSERT_FALSE(listed["incidents"].empty());
  EXPECT_EQ(listed["incidents"][0]["caller_phone"], "138****5678");  // lists never reveal

  // The unmasked read is on the audit trail, durably, before the data was sent.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir_->File("ledger.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT actor, data FROM events WHERE type = 'audit.personal_data_read' "
                     "ORDER BY seq DESC LIMIT 1",
                     -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))), "li");
  json data = json::parse(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  EXPECT_EQ(data["ids"], json::array({id}));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(ApiTest, ListsFilterAndPageNewestFirst) {
  auto li = As("li");
  std::vector<std::int64_t> mine;
  for (int k = 0; k < 7; ++k) mine.push_back(NewIncident(*li, 4, 121.45)["id"]);  // station LS-02
  std::vector<std::int64_t> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    json r = li->Get("/api/incidents?station_id=LS-02&priority=4&limit=3" + cursor).Json();
    for (const auto& i : r["incidents"]) {
      seen.push_back(i["id"]);
      EXPECT_EQ(i["station_id"], "LS-02");
      EXPECT_FALSE(i.contains("timeline"));
    }
    if (r["next_cursor"].is_null()) break;
    cursor = "&cursor=" + std::to_string(r["next_cursor"].get<std::int64_t>());
  }
  std::vector<std::int64_t> expected(mine.rbegin(), mine.rend());
  EXPECT_EQ(seen, expected);
  json none = li->Get("/api/incidents?station_id=LS-02&status=closed&priority=4").Json();
  EXPECT_TRUE(none["incidents"].empty());
  json future = li->Get("/api/incidents?from=2100-01-01").Json();
  EXPECT_TRUE(future["incidents"].empty());
}

TEST_F(ApiTest, UnitsReportPositionsAndRolesAreEnforced) {
  std::int64_t unit = NewUnit("鲁F-巡02");
  auto zhao = As("zhao");
  HttpResult r = zhao->Post("/api/units/" + std::to_string(unit) + "/position",
                            {{"lon", 121.41}, {"lat", 37.51}, {"time", "2026-11-23T10:00:00Z"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json got = zhao->Get("/api/units/" + std::to_string(unit)).Json();
  EXPECT_DOUBLE_EQ(got["position"]["lon"].get<double>(), 121.41);
  EXPECT_EQ(got["position"]["time"], "2026-11-23T10:00:00.000Z");
  EXPECT_EQ(
      zhao->Post("/api/units", {{"callsign", "x"}, {"force", "patrol"}, {"mode", "car"}}).status,
      403);
  auto admin = As("root");
  r = admin->Post("/api/units", {{"callsign", "鲁F-巡02"}, {"force", "patrol"}, {"mode", "car"}});
  EXPECT_EQ(r.status, 409);
  r = admin->Post("/api/units", {{"callsign", "G-1"}, {"force", "militia"}, {"mode", "car"}});
  EXPECT_EQ(r.Json()["field"], "force");
  json list = admin->Get("/api/units?station_id=LS-01").Json();
  EXPECT_GE(list["units"].size(), 1u);
}

TEST_F(ApiTest, JurisdictionsAreServedAndLocated) {
  auto li = As("li");
  json located = li->Get("/api/jurisdictions/locate?lon=121.45&lat=37.5").Json();
  EXPECT_EQ(located["bureau_id"], "LS");
  EXPECT_EQ(located["station_id"], "LS-02");
  EXPECT_EQ(located["station_name"], "黄海路派出所");
  json stations = li->Get("/api/jurisdictions?level=station").Json();
  EXPECT_EQ(stations["features"].size(), 2u);
  json bureau = li->Get("/api/jurisdictions/LS").Json();
  EXPECT_EQ(bureau["properties"]["children"], json::array({"LS-01", "LS-02"}));
  EXPECT_EQ(li->Get("/api/jurisdictions/locate?lon=abc&lat=1").Json()["field"], "lon");
  EXPECT_EQ(
      li->Post("/api/jurisdictions", {{"type", "FeatureCollection"}, {"features", json::array()}})
          .status,
      403);
}

TEST_F(ApiTest, TheLiveFeedPushesCommittedChangesWithoutPersonalData) {
  auto li = As("li");
  HttpResult login = HttpClient("127.0.0.1", server_->port()).Login("li", kPassword);
  std::string token = login.Json()["token"];
  WebSocketClient anonymous;
  EXPECT_EQ(anonymous.Connect("127.0.0.1", server_->port(), "/api/live"), 401);
  WebSocketClient ws;
  ASSERT_EQ(ws.Connect("127.0.0.1", server_->port(), "/api/live?access_token=" + token), 101);
  auto hello = ws.Read(5000);
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(json::parse(*hello)["type"], "hello");
  std::int64_t id = NewIncident(*li)["id"];
  bool seen = false;
  for (int k = 0; k < 20 && !seen; ++k) {
    auto message = ws.Read(5000);
    ASSERT_TRUE(message.has_value());
    json delta = json::parse(*message);
    EXPECT_EQ(delta["type"], "delta");
    for (const auto& incident : delta["incidents"]) {
      if (incident["id"] != id) continue;
      seen = true;
      EXPECT_EQ(incident["caller_phone"], "138****5678");
      EXPECT_EQ(incident["status"], "received");
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(ApiTest, DescribesItselfAndTheDomain) {
  auto li = As("li");
  json doc = li->Get("/api/openapi.json").Json();
  EXPECT_EQ(doc["openapi"], "3.0.3");
  for (const char* path :
       {"/api/session", "/api/units", "/api/units/{id}", "/api/units/{id}/status", "/api/incidents",
        "/api/incidents/{id}", "/api/incidents/{id}/actions"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
  json categories = li->Get("/api/categories").Json();
  EXPECT_EQ(categories["categories"].size(), 8u);
  json workflows = li->Get("/api/workflows").Json();
  EXPECT_EQ(workflows["workflows"][0]["kind"], "incident");
  // Every case kind follows, as configured: 接诉即办 is handled in working days.
  json request;
  for (const json& w : workflows["workflows"])
    if (w["kind"] == "request") request = w;
  ASSERT_TRUE(request.is_object()) << workflows.dump();
  EXPECT_EQ(request["label"], "接诉即办");
  EXPECT_EQ(request["slas"][1]["name"], "handled");
  EXPECT_EQ(request["slas"][1]["working_days"], 3);
  EXPECT_EQ(request["slas"][1]["calendar"]["weekend"], json({"Saturday", "Sunday"}));
  HttpResult health = HttpClient("127.0.0.1", server_->port()).Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()["status"], "ok");
  HttpResult landing = HttpClient("127.0.0.1", server_->port()).Get("/");
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("平安"), std::string::npos);
}

}  // namespace
}  // namespace pingan::test
