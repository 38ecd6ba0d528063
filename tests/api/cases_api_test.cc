// Case workflows over HTTP against a real `pingan serve --callback-delay 0`: an incident closed
// → the callback SMS through the simulator → the citizen replies "3" → a rectification order
// at the station that handled the incident → its reply and a leader's sign-off → closed, and
// the satisfaction figures follow. Then the case routes' own checks: masking, roles, errors.
#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/district_files.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPassword = "correct-horse-7";

class CasesApiTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    for (auto [user, role] : {std::pair{"li", "dispatcher"},
                              {"zhao", "officer"},
                              {"chen", "station_chief"},
                              {"wang", "leader"},
                              {"root", "admin"}}) {
      ASSERT_TRUE(AddUser(dir_->path(), user, role, kPassword)) << user;
    }
    auto imported = ImportJurisdictions(dir_->path(), TwoStationDistrict());
    ASSERT_EQ(imported.exit_code, 0) << imported.out;
    server_ = new ServerProcess(dir_->path(), {"--callback-delay", "0"});
    ASSERT_NE(server_->port(), 0) << server_->output();
    auto root = As("root");
    HttpResult unit = root->Post(
        "/api/units",
        {{"callsign", "黄海巡1"}, {"force", "patrol"}, {"mode", "car"}, {"station_id", "LS-02"}});
    ASSERT_EQ(unit.status, 201) << unit.body;
    unit_ = unit.Json()["id"];
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  static std::unique_ptr<HttpClient> As(const std::string& user) {
    auto client = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    HttpResult r = client->Login(user, kPassword);
    EXPECT_EQ(r.status, 201) << r.body;
    return client;
  }

  // An incident in 黄海路派出所's area from `phone`, dispatched, attended and closed.
  static std::int64_t ClosedIncident(HttpClient& li, const std::string& phone) {
    HttpResult r = li.Post("/api/incidents", {{"category", "public_order"},
                                              {"subtype", "noise"},
                                              {"priority", 3},
                                              {"lon", 121.45},
                                              {"lat", 37.5},
                                              {"address", "黄海路 8 号"},
                                              {"caller_name", "刘芳"},
                                              {"caller_phone", phone}});
    EXPECT_EQ(r.status, 201) << r.body;
    std::int64_t id = r.Json()["id"];
    const std::string actions = "/api/incidents/" + std::to_string(id) + "/actions";
    for (json step : {json{{"action", "dispatch"}, {"unit_id", unit_}},
                      json{{"action", "arrive"}, {"unit_id", unit_}},
                      json{{"action", "close"}, {"disposition", "已劝离"}}}) {
      HttpResult s = li.Post(actions, step);
      EXPECT_EQ(s.status, 200) << step.dump() << s.body;
    }
    return id;
  }

  // The incident's only case of `kind`, once it is in `state` (the callback runner works on
  // its own thread, once a second).
  static json WaitForCase(HttpClient& client, std::int64_t incident, const std::string& kind,
                          const std::string& state) {
    json found;
    for (int attempt = 0; attempt < 100; ++attempt) {
      json list =
          client.Get("/api/cases?kind=" + kind + "&incident_id=" + std::to_string(incident)).Json();
      if (list["cases"].size() == 1 && list["cases"][0]["state"] == state) return list["cases"][0];
      found = list;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "no " << kind << " case in state " << state << ": " << found.dump();
    return json();
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  static std::int64_t unit_;
};

TempDir* CasesApiTest::dir_ = nullptr;
ServerProcess* CasesApiTest::server_ = nullptr;
std::int64_t CasesApiTest::unit_ = 0;

TEST_F(CasesApiTest, ClosedIncidentToSmsToDissatisfiedReplyToSignedOffRectification) {
  auto li = As("li");
  auto root = As("root");
  std::int64_t incident = ClosedIncident(*li, "13812345678");

  // The callback goes out at once (--callback-delay 0) through the simulator.
  json callback = WaitForCase(*li, incident, "callback", "sms_sent");
  EXPECT_EQ(callback["station_id"], "LS-02");
  EXPECT_EQ(callback["fields"]["to"], "138****5678");
  json outbox = root->Get("/api/sms/outbox?to=13812345678").Json();
  ASSERT_EQ(outbox["messages"].size(), 1u) << outbox.dump();
  const std::string text = outbox["messages"][0]["text"];
  EXPECT_NE(text.find("警情号" + std::to_string(incident)), std::string::npos) << text;
  EXPECT_NE(text.find("1 满意，2 基本满意，3 不满意"), std::string::npos) << text;
  EXPECT_NE(text.find("/hf/?c="), std::string::npos) << text;
  EXPECT_EQ(outbox["messages"][0]["purpose"], "callback");

  // The citizen answers "3" (the gateway delivers the number in its own format).
  HttpClient gateway("127.0.0.1", server_->port());
  HttpResult reply =
      gateway.Post("/api/sms/inbound", {{"from", "+86 138-1234-5678"}, {"text", " 3。"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Json()["matched"], true);
  EXPECT_EQ(reply.Json()["satisfaction"], 3);
  const std::int64_t order_id = reply.Json()["rectification_id"];
  EXPECT_EQ(
      li->Get("/api/cases/" + std::to_string(callback["id"].get<std::int64_t>())).Json()["state"],
      "answered");

  // The rectification order (警情交办单) is at the station that handled the incident.
  json order = WaitForCase(*li, incident, "rectification", "open");
  EXPECT_EQ(order["id"], order_id);
  EXPECT_EQ(order["station_id"], "LS-02");
  EXPECT_EQ(order["station_name"], "黄海路派出所");
  EXPECT_EQ(order["parent_id"], callback["id"]);
  EXPECT_EQ(order["owner"], "station");
  EXPECT_TRUE(order["next_deadline"].is_string());

  const std::string act = "/api/cases/" + std::to_string(order_id) + "/actions";
  auto chen = As("chen");
  auto wang = As("wang");
  // The station cannot sign its own reply off, nor reply with nothing.
  EXPECT_EQ(chen->Post(act, {{"action", "sign_off"}, {"fields", {{"verdict", "accepted"}}}}).status,
            403);
  HttpResult empty = chen->Post(act, {{"action", "reply"}, {"fields", {{"reply", ""}}}});
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.Json()["field"], "reply");
  EXPECT_EQ(wang->Post(act, {{"action", "sign_off"}, {"fields", {{"verdict", "accepted"}}}}).status,
            409);  // nothing to sign off yet
  HttpResult replied = chen->Post(
      act,
      {{"action", "reply"}, {"fields", {{"reply", "已向报警人说明情况并致歉，夜间加强巡查"}}}});
  ASSERT_EQ(replied.status, 200) << replied.body;
  EXPECT_EQ(replied.Json()["state"], "replied");
  EXPECT_EQ(replied.Json()["owner"], "supervisor");
  HttpResult signed_off =
      wang->Post(act, {{"action", "sign_off"}, {"fields", {{"verdict", "accepted"}}}});
  ASSERT_EQ(signed_off.status, 200) << signed_off.body;
  EXPECT_EQ(signed_off.Json()["state"], "closed");
  EXPECT_TRUE(signed_off.Json()["closed_at"].is_string());
  json timeline = li->Get("/api/cases/" + std::to_string(order_id)).Json()["timeline"];
  ASSERT_EQ(timeline.size(), 3u);
  EXPECT_EQ(timeline[1]["actor"], "chen");
  EXPECT_EQ(timeline[2]["actor"], "wang");

  // Satisfaction by station: one dissatisfied answer, below the 90 % target.
  json summary = li->Get("/api/cases/summary?kind=callback").Json();
  EXPECT_EQ(summary["target"], 0.9);
  json station;
  for (const json& row : summary["stations"])
    if (row["station_id"] == "LS-02") station = row;
  ASSERT_TRUE(station.is_object()) << summary.dump();
  EXPECT_EQ(station["answered"], 1);
  EXPECT_EQ(station["dissatisfied"], 1);
  EXPECT_EQ(station["satisfaction_rate"], 0.0);
  EXPECT_EQ(station["meets_target"], false);

  // A second caller is satisfied: the rate moves to one half, no second order.
  std::int64_t second = ClosedIncident(*li, "13900001111");
  WaitForCase(*li, second, "callback", "sms_sent");
  reply = gateway.Post("/api/sms/inbound", {{"from", "13900001111"}, {"text", "满意"}});
  EXPECT_EQ(reply.Json()["satisfaction"], 1);
  EXPECT_TRUE(reply.Json()["rectification_id"].is_null());
  summary = li->Get("/api/cases/summary?kind=callback").Json();
  for (const json& row : summary["stations"])
    if (row["station_id"] == "LS-02") station = row;
  EXPECT_EQ(station["answered"], 2);
  EXPECT_EQ(station["satisfaction_rate"], 0.5);
  json orders = li->Get("/api/cases/summary?kind=rectification").Json();
  EXPECT_EQ(orders["total"]["closed"], 1);
  EXPECT_EQ(orders["total"]["on_time"], 1);
}

TEST_F(CasesApiTest, RepliesThatMatchNothingOrSayMoreAreKeptForAPerson) {
  auto li = As("li");
  auto root = As("root");
  HttpClient gateway("127.0.0.1", server_->port());
  HttpResult stranger = gateway.Post("/api/sms/inbound", {{"from", "13700000000"}, {"text", "1"}});
  ASSERT_EQ(stranger.status, 200);
  EXPECT_EQ(stranger.Json()["matched"], false);
  HttpResult bad = gateway.Post("/api/sms/inbound", {{"from", "110"}, {"text", "1"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "from");
  EXPECT_EQ(gateway.Post("/api/sms/inbound", {{"from", "13700000000"}}).Json()["field"], "text");

  std::int64_t incident = ClosedIncident(*li, "13600002222");
  json callback = WaitForCase(*li, incident, "callback", "sms_sent");
  HttpResult vague =
      gateway.Post("/api/sms/inbound", {{"from", "13600002222"}, {"text", "我不太满意，态度一般"}});
  ASSERT_EQ(vague.status, 200);
  EXPECT_EQ(vague.Json()["matched"], true);
  EXPECT_EQ(vague.Json()["understood"], false);
  json after = li->Get("/api/cases/" + std::to_string(callback["id"].get<std::int64_t>())).Json();
  EXPECT_EQ(after["state"], "sms_sent");  // still waiting for an answer it can read
  EXPECT_EQ(after["timeline"].back()["action"], "note");
  // The citizen is told how to answer.
  json outbox = root->Get("/api/sms/outbox?to=13600002222").Json();
  ASSERT_EQ(outbox["messages"].size(), 2u);
  EXPECT_NE(outbox["messages"][0]["text"].get<std::string>().find("请回复数字"), std::string::npos);
  // The outbox is the admin's.
  EXPECT_EQ(li->Get("/api/sms/outbox").status, 403);
}

TEST_F(CasesApiTest, TheSmsLinkOpensASurveyThatTakesOneAnswer) {
  auto li = As("li");
  auto root = As("root");
  std::int64_t incident = ClosedIncident(*li, "13700003333");
  json callback = WaitForCase(*li, incident, "callback", "sms_sent");
  EXPECT_EQ(callback["fields"]["link_code"], "********");  // staff cannot answer for them
  json outbox = root->Get("/api/sms/outbox?to=13700003333").Json();
  ASSERT_EQ(outbox["messages"].size(), 1u);
  const std::string text = outbox["messages"][0]["text"];
  // The code names its case and carries 12 random letters: CASEID-xxxxxxxxxxxx.
  std::smatch link;
  ASSERT_TRUE(std::regex_search(text, link, std::regex("/hf/\\?c=(\\d+)-([a-z2-9]{12})"))) << text;
  EXPECT_EQ(link[1].str(), std::to_string(callback["id"].get<std::int64_t>()));
  const std::string code = link[1].str() + "-" + link[2].str();

  HttpClient citizen("127.0.0.1", server_->port());  // no login
  HttpResult survey = citizen.Get("/api/public/callbacks/" + code);
  ASSERT_EQ(survey.status, 200) << survey.body;
  EXPECT_EQ(survey.Json()["can_answer"], true);
  EXPECT_EQ(survey.Json()["station_name"], "黄海路派出所");
  EXPECT_EQ(survey.body.find("1370000"), std::string::npos) << "no personal data";
  EXPECT_EQ(survey.body.find("刘芳"), std::string::npos) << "no personal data";
  EXPECT_EQ(citizen.Get("/api/public/callbacks/abcdefghjkmn").status, 404);
  // The right case with a wrong guess, and the right letters for another case: not found.
  std::string guess = code;
  guess.back() = guess.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(citizen.Get("/api/public/callbacks/" + guess).status, 404);
  EXPECT_EQ(citizen.Get("/api/public/callbacks/1" + code).status, 404);
  EXPECT_EQ(citizen.Post("/api/public/callbacks/" + code, {{"satisfaction", 5}}).Json()["field"],
            "satisfaction");
  HttpResult answered =
      citizen.Post("/api/public/callbacks/" + code, {{"satisfaction", 2}, {"comment", "来得挺快"}});
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(citizen.Post("/api/public/callbacks/" + code, {{"satisfaction", 3}}).status, 409);
  json after = li->Get("/api/cases/" + std::to_string(callback["id"].get<std::int64_t>())).Json();
  EXPECT_EQ(after["state"], "answered");
  EXPECT_EQ(after["fields"]["satisfaction"], "2");
  EXPECT_EQ(after["fields"]["via"], "web");
  // The survey page itself is served from the console's files.
  HttpResult page = citizen.Get("/hf/?c=" + code);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("警情回访"), std::string::npos);
  // Guessing from one address is slowed down: 429 with the wait.
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    HttpResult r = citizen.Get("/api/public/callbacks/" + guess);
    if (r.status == 429) {
      ++refused;
      EXPECT_FALSE(r.headers["retry-after"].empty()) << r.body;
    } else {
      EXPECT_EQ(r.status, 404);
    }
  }
  EXPECT_GT(refused, 0);
}

TEST_F(CasesApiTest, CasesAreOpenedCheckedMaskedAndListed) {
  auto li = As("li");
  auto wang = As("wang");
  HttpResult warning = li->Post("/api/cases", {{"kind", "fund_warning"},
                                               {"priority", 1},
                                               {"lon", 121.35},
                                               {"lat", 37.5},
                                               {"fields",
                                                {{"victim_name", "王小明"},
                                                 {"victim_phone", "13512345678"},
                                                 {"fraud_type", "刷单返利"},
                                                 {"amount_at_risk", 50000}}}});
  ASSERT_EQ(warning.status, 201) << warning.body;
  json w = warning.Json();
  EXPECT_EQ(w["station_id"], "LS-01");  // found from where the victim is
  EXPECT_EQ(w["state"], "received");
  const std::string path = "/api/cases/" + std::to_string(w["id"].get<std::int64_t>());
  // A leader sees the case without the victim's details; a dispatcher sees them (audited).
  json masked = wang->Get(path).Json();
  EXPECT_EQ(masked["fields"]["victim_phone"], "135****5678");
  EXPECT_EQ(masked["fields"]["victim_name"], "王*明");
  EXPECT_EQ(masked["fields"]["fraud_type"], "刷单返利");
  EXPECT_EQ(li->Get(path).Json()["fields"]["victim_phone"], "13512345678");
  // Lists never carry them.
  json list = li->Get("/api/cases?kind=fund_warning").Json();
  ASSERT_FALSE(list["cases"].empty());
  EXPECT_EQ(list["cases"][0]["fields"]["victim_phone"], "135****5678");

  // The contact deadline is 10 minutes for a fund warning.
  ASSERT_EQ(w["slas"].size(), 1u);
  EXPECT_EQ(w["slas"][0]["name"], "contact");

  // Errors name the field; nothing is stored for them.
  auto error_field = [&](json body) { return li->Post("/api/cases", body).Json()["field"]; };
  EXPECT_EQ(error_field({{"kind", "parking"}}), "kind");
  EXPECT_EQ(error_field({{"kind", "dispute"}, {"station_id", "LS-09"}}), "station_id");
  EXPECT_EQ(error_field({{"kind", "dispute"}, {"fields", "x"}}), "fields");
  EXPECT_EQ(error_field({{"kind", "dispute"}, {"priority", 9}}), "priority");
  EXPECT_EQ(error_field({{"kind", "fund_warning"}, {"fields", {{"outcome", "maybe"}}}}), "outcome");
  EXPECT_EQ(li->Get("/api/cases/999999").status, 404);
  EXPECT_EQ(li->Post("/api/cases/999999/actions", {{"action", "note"}}).status, 404);
  EXPECT_EQ(li->Get("/api/cases?kind=parking").Json()["field"], "kind");
  EXPECT_EQ(li->Get("/api/cases/summary").Json()["field"], "kind");

  // The workflow: contact, then an outcome with the money stopped.
  const std::string act = path + "/actions";
  EXPECT_EQ(li->Post(act, {{"action", "record_outcome"}, {"fields", {{"outcome", "dissuaded"}}}})
                .Json()["field"],
            "note");  // closing without contact needs a note saying why
  ASSERT_EQ(
      li->Post(act, {{"action", "contact"}, {"fields", {{"contact_method", "phone"}}}}).status,
      200);
  HttpResult closed =
      li->Post(act, {{"action", "record_outcome"},
                     {"fields", {{"outcome", "dissuaded"}, {"amount_stopped", 50000}}}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.Json()["state"], "closed");
  json totals = li->Get("/api/cases/summary?kind=fund_warning").Json()["total"];
  EXPECT_EQ(totals["outcomes"]["dissuaded"], 1);
  EXPECT_EQ(totals["amount_stopped"], 50000.0);
  EXPECT_EQ(totals["on_time"], 1);
}

}  // namespace
}  // namespace pingan::test
