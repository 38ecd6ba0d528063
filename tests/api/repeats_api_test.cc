// Repeat incidents, disputes and fund warnings over HTTP, against an engine in this process
// whose clock the test moves: repeat groups by station with one reason each, masking and the
// audit, a group turned into a dispute (and the 409), a dispute's related incidents, fund
// warnings routed by each rule, CSV import problems by line with nothing stored, outcomes and
// money, the summary, and the 10-minute contact deadline escalating.
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/routes.h"
#include "cases/case_kinds.h"
#include "core/incident_workflow.h"
#include "engine/engine.h"
#include "ledger/sqlite/sqlite_event_log.h"
#include "map/address_search.h"
#include "roads/road_graph.h"
#include "support/http_client.h"
#include "support/in_process_api.h"
#include "support/jurisdiction_squares.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const TimePoint kT0 = FromMillis(1'790'000'000'000);
constexpr const char* kPassword = "correct horse battery";

// Place A in station S1, place B and 幸福路 in S2, 海边路 outside the district.
constexpr LonLat kPlaceA{121.20, 37.50};
constexpr LonLat kPlaceB{121.70, 37.50};
constexpr const char* kRepeatCaller = "13912345678";

// Two streets: 幸福路 in S2 and 海边路 outside every station.
std::unique_ptr<roads::RoadGraph> Streets() {
  std::vector<LonLat> nodes = {{121.80, 37.40}, {121.801, 37.40}, {123.0, 37.40}, {123.001, 37.40}};
  std::vector<roads::Segment> segments = {
      {0, 1, 88, 1, uint8_t(roads::RoadClass::kResidential), 0xF},
      {2, 3, 88, 2, uint8_t(roads::RoadClass::kResidential), 0xF}};
  std::array<std::vector<std::array<uint32_t, 2>>, roads::kModeCount> times;
  for (auto& t : times) t.assign(2, {1000, 1000});
  return std::make_unique<roads::RoadGraph>(
      nodes, segments, std::vector<std::string>{"", "幸福路", "海边路"}, times);
}

class RepeatsApiTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(platform_.engine_started());
    engine_ = &platform_.engine();
    Ok(DefineJurisdictions{{Square("B", "", JurisdictionLevel::kBureau, 121, 37, 122, 38),
                            Square("S1", "B", JurisdictionLevel::kStation, 121, 37, 121.5, 38),
                            Square("S2", "B", JurisdictionLevel::kStation, 121.5, 37, 122, 38)}});
    platform_.AddUser("li", Role::kDispatcher, "", kPassword, "李");
    platform_.AddUser("chief", Role::kStationChief, "S1", kPassword, "所长");
    graph_ = Streets();
    addresses_ = std::make_unique<map::AddressIndex>(*graph_, std::vector<map::Place>{});
    api::ApiServices services;
    services.addresses = addresses_.get();
    api::ApiOptions api_options;
    api_options.session_lifetime = std::chrono::hours(24 * 365);  // the tests move the clock
    platform_.Serve(services, api_options);
    port_ = platform_.port();
    li_ = Client("li");
    chief_ = Client("chief");
  }

  template <typename C>
  std::int64_t Ok(C body) {
    return platform_.Execute(std::move(body)).id;
  }
  std::unique_ptr<HttpClient> Client(const std::string& user) {
    auto c = std::make_unique<HttpClient>("127.0.0.1", port_);
    auto login = c->Login(user, kPassword);
    EXPECT_EQ(login.status, 201) << login.body;
    tokens_[user] = login.Json().value("token", "");
    return c;
  }
  // An incident received now (the clock's time) at `where`.
  IncidentId Incident(LonLat where, std::string phone = "", std::string name = "",
                      std::string address = "") {
    CreateIncident c;
    c.category = "dispute";
    c.priority = 3;
    c.location = where;
    c.caller_phone = std::move(phone);
    c.caller_name = std::move(name);
    c.address = std::move(address);
    return Ok(c);
  }
  // The audit records of personal data shown so far.
  std::vector<json> Audits() {
    std::vector<json> out;
    Status ok = platform_.log().ReadFrom(0, [&](Event&& e) -> Status {
      if (e.type == "audit.personal_data_read") out.push_back(e.data);
      return {};
    });
    EXPECT_TRUE(ok);
    return out;
  }
  HttpResult PostCsv(const std::string& user, const std::string& csv,
                     const std::string& type = "text/csv") {
    HttpClient c("127.0.0.1", port_);
    return c.SendRaw(fmt::format(
        "POST /api/fund-warnings/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        "{}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}",
        tokens_[user], type, csv.size(), csv));
  }
  std::size_t FundWarningCount() {
    return engine_->Read([](const engine::ReadView& v) {
      std::size_t n = 0;
      for (const auto& [id, c] : v.cases) n += c->kind == "fund_warning";
      return n;
    });
  }

  // A week at two places: three calls at A, three at B, and a repeat caller who rang from A
  // once and from B twice. Returns {A's ids, B's ids, the caller's ids}.
  struct Week {
    std::vector<IncidentId> a, b, caller;
  };
  Week CallsOfAWeek() {
    Week w;
    w.a.push_back(Incident(kPlaceA, "13800000001", "赵一", "和平街1号"));
    clock_.Advance(1h);
    w.a.push_back(Incident(kPlaceA, kRepeatCaller, "张三", "和平街1号"));
    w.caller.push_back(w.a.back());
    clock_.Advance(24h);
    w.b.push_back(Incident(kPlaceB, kRepeatCaller, "张三", "幸福路8号"));
    w.caller.push_back(w.b.back());
    clock_.Advance(24h);
    w.a.push_back(Incident(kPlaceA, "13800000003", "钱三", "和平街1号"));
    clock_.Advance(24h);
    w.b.push_back(Incident(kPlaceB, "13800000004", "孙四", "幸福路8号"));
    clock_.Advance(24h);
    w.b.push_back(Incident(kPlaceB, kRepeatCaller, "张三", "幸福路8号"));
    w.caller.push_back(w.b.back());
    clock_.Advance(1h);
    return w;
  }

  // Escalations are checked every 20 ms, so a moved clock is acted on at once.
  static engine::EngineOptions QuickDeadlines() {
    engine::EngineOptions options;
    options.deadline_check_interval = 20ms;
    return options;
  }

  FakeClock clock_{kT0};
  std::unique_ptr<roads::RoadGraph> graph_;
  std::unique_ptr<map::AddressIndex> addresses_;
  InProcessApi platform_{clock_, QuickDeadlines()};  // after the services it is handed
  engine::Engine* engine_ = nullptr;
  std::uint16_t port_ = 0;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<HttpClient> li_, chief_;
};

json Warning(std::string phone = "13811112222") {
  return {{"victim_phone", std::move(phone)},
          {"victim_name", "吴八"},
          {"fraud_type", "冒充公检法"},
          {"amount_at_risk", 50000},
          {"source", "anti_fraud_centre"}};
}

// `base` with `extra`'s fields added or replaced.
json With(json base, const json& extra) {
  base.update(extra);
  return base;
}

std::vector<IncidentId> Ids(const json& group) {
  return group["ids"].get<std::vector<IncidentId>>();
}

TEST_F(RepeatsApiTest, GroupsAreListedByStationWithOneReasonEach) {
  const Week w = CallsOfAWeek();
  auto all = li_->Get("/api/repeats");
  ASSERT_EQ(all.status, 200) << all.body;
  const json groups = all.Json()["groups"];
  ASSERT_EQ(groups.size(), 3u) << all.body;
  // Newest first: B's place and the caller both end with the last call; then A's place.
  std::map<std::string, std::vector<IncidentId>> by_reason_station;
  for (const json& g : groups) {
    ASSERT_TRUE(g["reason"].is_string()) << g.dump();
    by_reason_station[g["reason"].get<std::string>() + "@" + g["station_id"].get<std::string>()] =
        Ids(g);
  }
  EXPECT_EQ(by_reason_station, (std::map<std::string, std::vector<IncidentId>>{
                                   {"place@S1", w.a}, {"place@S2", w.b}, {"phone@S2", w.caller}}));
  EXPECT_EQ(Ids(groups[2]), w.a);
  EXPECT_EQ(groups[2]["address"], "和平街1号");
  EXPECT_EQ(groups[2]["count"], 3);
  EXPECT_TRUE(groups[2]["open_dispute_id"].is_null());

  auto s1 = li_->Get("/api/repeats?station_id=S1");
  ASSERT_EQ(s1.status, 200);
  ASSERT_EQ(s1.Json()["groups"].size(), 1u);
  EXPECT_EQ(Ids(s1.Json()["groups"][0]), w.a);
  auto phones = li_->Get("/api/repeats?station_id=S2&reason=phone");
  ASSERT_EQ(phones.Json()["groups"].size(), 1u);
  EXPECT_EQ(Ids(phones.Json()["groups"][0]), w.caller);
  // Only the last 2 days: A's calls are older, B's last two remain with the caller's last.
  auto recent = li_->Get("/api/repeats?days=2");
  ASSERT_EQ(recent.status, 200);
  ASSERT_EQ(recent.Json()["groups"].size(), 1u) << recent.body;
  EXPECT_EQ(recent.Json()["groups"][0]["reason"], "place");
  EXPECT_EQ(li_->Get("/api/repeats?reason=address").status, 400);
  EXPECT_EQ(li_->Get("/api/repeats?days=0").status, 400);
  EXPECT_EQ(li_->Get("/api/repeats?days=367").status, 400);
}

TEST_F(RepeatsApiTest, CallersAreMaskedWithoutPermissionAndAuditedWithIt) {
  const Week w = CallsOfAWeek();
  auto masked = chief_->Get("/api/repeats?reason=phone");
  ASSERT_EQ(masked.status, 200) << masked.body;
  EXPECT_NE(masked.body.find("139****5678"), std::string::npos) << masked.body;
  EXPECT_EQ(masked.body.find(kRepeatCaller), std::string::npos);
  EXPECT_EQ(masked.body.find("张三"), std::string::npos);
  EXPECT_TRUE(masked.Json()["personal_data_masked"].get<bool>());
  EXPECT_TRUE(Audits().empty());

  auto shown = li_->Get("/api/repeats?reason=phone");
  ASSERT_EQ(shown.status, 200);
  EXPECT_NE(shown.body.find(kRepeatCaller), std::string::npos);
  EXPECT_NE(shown.body.find("张三"), std::string::npos);
  const std::vector<json> audits = Audits();
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0]["what"], "incident");
  EXPECT_EQ(audits[0]["purpose"], "GET /api/repeats");
  EXPECT_EQ(audits[0]["ids"].get<std::vector<IncidentId>>(), w.caller);
}

TEST_F(RepeatsApiTest, AGroupBecomesADisputeOnceAndItsRelatedIncidentsAreFound) {
  const Week w = CallsOfAWeek();
  auto opened = chief_->Post("/api/repeats/dispute", {{"incident_ids", w.a}, {"note", "楼上漏水"}});
  ASSERT_EQ(opened.status, 201) << opened.body;
  const json dispute = opened.Json();
  const CaseId id = dispute["id"];
  EXPECT_EQ(dispute["kind"], "dispute");
  EXPECT_EQ(dispute["state"], "registered");
  EXPECT_EQ(dispute["station_id"], "S1");
  EXPECT_EQ(dispute["incident_id"], w.a.back());
  EXPECT_EQ(dispute["fields"]["incident_ids"].get<std::vector<IncidentId>>(), w.a);
  EXPECT_EQ(dispute["fields"]["reason"], "place");  // inferred: the three share a place
  EXPECT_EQ(dispute["fields"]["address"], "和平街1号");
  EXPECT_EQ(dispute["fields"]["note"], "楼上漏水");
  // A station chief may open it but not read the callers' names.
  EXPECT_EQ(dispute["fields"]["party_names"], json({"赵*", "张*", "钱*"}));

  // The same incidents, or some of them, again: 409.
  auto again = li_->Post("/api/repeats/dispute", {{"incident_ids", w.a}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.Json()["error"], "conflict");
  auto overlap =
      li_->Post("/api/repeats/dispute", {{"incident_ids", json::array({w.a[1], w.b[0]})}});
  EXPECT_EQ(overlap.status, 409) << overlap.body;
  EXPECT_EQ(li_->Post("/api/repeats/dispute", {{"incident_ids", json::array({999})}}).status, 400);
  EXPECT_EQ(li_->Post("/api/repeats/dispute", {{"incident_ids", json::array()}}).status, 400);
  // The group now shows its dispute; B's group is still free.
  auto listed = li_->Get("/api/repeats?station_id=S1").Json();
  EXPECT_EQ(listed["groups"][0]["open_dispute_id"], id);
  auto b = li_->Post("/api/repeats/dispute", {{"incident_ids", w.b}, {"station_id", "S1"}});
  ASSERT_EQ(b.status, 201) << b.body;
  EXPECT_EQ(b.Json()["station_id"], "S1");  // the station given wins over the latest's S2

  // A new call at A's address, and one far away from nobody related: the first is related by
  // place; the repeat caller's calls at B are related by phone (they called about A too).
  clock_.Advance(2h);
  const IncidentId later = Incident({121.2003, 37.5001}, "", "", "");
  const IncidentId unrelated = Incident({121.3, 37.6}, "13700000000", "周七", "");
  auto related = li_->Get(fmt::format("/api/cases/{}/related", id));
  ASSERT_EQ(related.status, 200) << related.body;
  std::map<IncidentId, std::set<std::string>> got;
  const json related_incidents = related.Json()["incidents"];
  for (const json& i : related_incidents) {
    got[i["id"]] = i["related_by"].get<std::set<std::string>>();
    EXPECT_EQ(i["is_linked"].get<bool>(),
              std::find(w.a.begin(), w.a.end(), i["id"].get<IncidentId>()) != w.a.end());
  }
  EXPECT_EQ(got[later], (std::set<std::string>{"place"})) << related.body;
  EXPECT_EQ(got[w.b[0]], (std::set<std::string>{"phone", "party"})) << related.body;
  EXPECT_EQ(got[w.a[1]], (std::set<std::string>{"place", "phone", "party"}));
  EXPECT_FALSE(got.contains(unrelated));
  EXPECT_FALSE(got.contains(w.b[1]));  // B, another caller
  EXPECT_EQ(got.size(), 6u);           // A's three, later, the caller's two at B
  EXPECT_EQ(related.Json()["incidents"][0]["id"], later);  // newest first
  EXPECT_FALSE(Audits().empty());                          // li saw callers: audited

  // The chief sees the same incidents with callers masked.
  auto masked = chief_->Get(fmt::format("/api/cases/{}/related", id));
  ASSERT_EQ(masked.status, 200);
  EXPECT_EQ(masked.body.find(kRepeatCaller), std::string::npos);
  // Only disputes have related incidents.
  auto warning = li_->Post("/api/fund-warnings", {{"victim_phone", "13811112222"},
                                                  {"victim_name", "吴八"},
                                                  {"fraud_type", "刷单返利"},
                                                  {"amount_at_risk", 100},
                                                  {"source", "bank"}});
  ASSERT_EQ(warning.status, 201);
  EXPECT_EQ(
      li_->Get(fmt::format("/api/cases/{}/related", warning.Json()["id"].get<CaseId>())).status,
      400);
  EXPECT_EQ(li_->Get("/api/cases/9999/related").status, 404);
}

TEST_F(RepeatsApiTest, FundWarningsAreRoutedByEachRuleInTurn) {
  CallsOfAWeek();  // the repeat caller's latest incident is at B, in S2
  struct Row {
    const char* name;
    json extra;
    std::string phone;
    std::string station;
    std::string routed_by;
  };
  for (const Row& row : {
           Row{"explicit",
               {{"station_id", "S2"}, {"lon", 121.2}, {"lat", 37.5}},
               "13811112222",
               "S2",
               "station_id"},
           Row{"location",
               {{"lon", 121.2}, {"lat", 37.5}, {"address", "幸福路1号"}},
               "13811112222",
               "S1",
               "location"},
           Row{"address", {{"address", "幸福路12号3单元"}}, kRepeatCaller, "S2", "address"},
           Row{"address outside: phone",
               {{"address", "海边路3号"}},
               "+86 139-1234-5678",
               "S2",
               "phone"},
           Row{"nothing", {{"lon", 100.0}, {"lat", 30.0}}, "13811112222", "", "unrouted"},
       }) {
    json body = Warning(row.phone);
    body.update(row.extra);
    auto r = chief_->Post("/api/fund-warnings", body);
    ASSERT_EQ(r.status, 201) << row.name << ": " << r.body;
    const json w = r.Json();
    EXPECT_EQ(w["kind"], "fund_warning") << row.name;
    EXPECT_EQ(w["station_id"], row.station) << row.name;
    EXPECT_EQ(w["fields"]["routed_by"], row.routed_by) << row.name;
    EXPECT_EQ(w["state"], "received");
    EXPECT_EQ(w["priority"], 1);
    // The chief may not read victims' phones: masked even in the reply.
    EXPECT_EQ(w["fields"]["victim_name"], "吴*") << row.name;
  }
  auto bad_station = li_->Post("/api/fund-warnings", With(Warning(), {{"station_id", "B"}}));
  EXPECT_EQ(bad_station.status, 400);
  EXPECT_EQ(bad_station.Json()["field"], "station_id");
  auto negative = li_->Post("/api/fund-warnings", With(Warning(), {{"amount_at_risk", -1}}));
  EXPECT_EQ(negative.status, 400);
  EXPECT_EQ(negative.Json()["field"], "amount_at_risk");

  // Reading one: masked for the chief (no audit), shown to the dispatcher (audited).
  auto list = chief_->Get("/api/fund-warnings?station_id=S2");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.Json()["fund_warnings"].size(), 3u);
  EXPECT_EQ(list.body.find("13811112222"), std::string::npos);
  const CaseId id = list.Json()["fund_warnings"][0]["id"];
  const std::size_t audits = Audits().size();
  auto shown = li_->Get(fmt::format("/api/fund-warnings/{}", id));
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.Json()["fields"]["victim_name"], "吴八");
  ASSERT_EQ(Audits().size(), audits + 1);
  EXPECT_EQ(Audits().back()["what"], "case");
  EXPECT_EQ(li_->Get("/api/fund-warnings/9999").status, 404);
}

TEST_F(RepeatsApiTest, ACsvImportIsAllOrNothingWithProblemsByLine) {
  const std::string header =
      "victim_phone,victim_name,fraud_type,amount_at_risk,source,address,"
      "lon,lat,station_id\n";
  const std::string bad = header +
                          "13811112222,吴八,刷单返利,5000,bank,,121.2,37.5,\n"
                          "13811113333,\"郑\n九\",冒充客服,12.345,bank,,,,\n"  // lines 3-4
                          "13811114444,王十,虚假投资,100,bank,,,,S9\n";
  auto r = PostCsv("chief", bad);
  ASSERT_EQ(r.status, 400) << r.body;
  const json problems = r.Json()["problems"];
  ASSERT_EQ(problems.size(), 1u) << r.body;  // the routing check runs once the rows are good
  EXPECT_EQ(problems[0]["line"], 3);
  EXPECT_EQ(problems[0]["column"], "amount_at_risk");
  EXPECT_NE(r.Json()["message"].get<std::string>().find("line 3, column amount_at_risk"),
            std::string::npos);
  EXPECT_EQ(FundWarningCount(), 0u);

  // With the amount fixed, the unknown station on line 5 is the problem; still nothing stored.
  std::string fixed = bad;
  fixed.replace(fixed.find("12.345"), 6, "12.34");
  r = PostCsv("chief", fixed);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["problems"][0]["line"], 5);
  EXPECT_EQ(r.Json()["problems"][0]["column"], "station_id");
  EXPECT_EQ(FundWarningCount(), 0u);
  EXPECT_EQ(PostCsv("chief", "victim_phone\n1\n").status, 400);
  EXPECT_EQ(PostCsv("chief", fixed, "application/json").status, 400);

  fixed.replace(fixed.find(",S9"), 3, ",S2");
  r = PostCsv("chief", fixed);
  ASSERT_EQ(r.status, 201) << r.body;
  const json imported = r.Json();
  EXPECT_EQ(imported["imported"], 3);
  EXPECT_EQ(imported["routed_by"], json({{"location", 1}, {"station_id", 1}, {"unrouted", 1}}));
  EXPECT_EQ(imported["warnings"][1]["line"], 3);
  EXPECT_EQ(imported["warnings"][1]["station_id"], "");
  EXPECT_EQ(FundWarningCount(), 3u);
}

TEST_F(RepeatsApiTest, OutcomesMoneyAndTheSummaryAddUp) {
  auto open = [&](json extra) {
    auto r = li_->Post("/api/fund-warnings", With(Warning(), extra));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json()["id"].get<CaseId>();
  };
  auto act = [&](CaseId id, const std::string& action, json fields) {
    return chief_->Post(fmt::format("/api/fund-warnings/{}/actions", id),
                        {{"action", action}, {"fields", std::move(fields)}});
  };
  const CaseId a = open({{"station_id", "S1"}, {"amount_at_risk", 50000}});
  const CaseId b = open({{"station_id", "S2"}, {"amount_at_risk", 8000.5}});
  clock_.Advance(3min);
  ASSERT_EQ(act(a, "contact", {{"contact_method", "phone"}}).status, 200);
  clock_.Advance(9min);  // b is reached 12 minutes after it came: late
  ASSERT_EQ(act(b, "contact", {{"contact_method", "visit"}}).status, 200);
  // Money is checked before anything is recorded.
  auto negative = act(a, "record_outcome", {{"outcome", "dissuaded"}, {"amount_stopped", -5}});
  ASSERT_EQ(negative.status, 400) << negative.body;
  EXPECT_EQ(negative.Json()["field"], "amount_stopped");
  EXPECT_EQ(act(a, "record_outcome", {{"outcome", "won"}}).status, 400);
  ASSERT_EQ(act(a, "record_outcome", {{"outcome", "dissuaded"}, {"amount_stopped", 30000}}).status,
            200);
  ASSERT_EQ(
      act(b, "record_outcome",
          {{"outcome", "already_paid"}, {"amount_frozen", 6000}, {"amount_returned", 1500.25}})
          .status,
      200);
  EXPECT_EQ(act(b, "contact", {{"contact_method", "phone"}}).status, 409);  // closed

  auto summary = li_->Get("/api/fund-warnings/summary");
  ASSERT_EQ(summary.status, 200) << summary.body;
  const json total = summary.Json()["total"];
  EXPECT_EQ(total["received"], 2);
  EXPECT_EQ(total["contacted"], 2);
  EXPECT_EQ(total["contacted_within_sla"], 1);
  EXPECT_EQ(total["closed"], 2);
  EXPECT_EQ(total["outcomes"]["dissuaded"], 1);
  EXPECT_EQ(total["outcomes"]["already_paid"], 1);
  EXPECT_EQ(total["money"]["at_risk"], 58000.5);
  EXPECT_EQ(total["money"]["stopped"], 30000);
  EXPECT_EQ(total["money"]["frozen"], 6000);
  EXPECT_EQ(total["money"]["returned"], 1500.25);
  ASSERT_EQ(summary.Json()["stations"].size(), 2u);
  EXPECT_EQ(summary.Json()["stations"][1]["station_id"], "S2");
  EXPECT_EQ(summary.Json()["stations"][1]["contacted_within_sla"], 0);
  // A period before any warning is empty; a station filter keeps one station.
  auto before = li_->Get(fmt::format("/api/fund-warnings/summary?to={}", ToMillis(kT0)));
  EXPECT_EQ(before.Json()["total"]["received"], 0);
  auto s1 = li_->Get("/api/fund-warnings/summary?station_id=S1");
  EXPECT_EQ(s1.Json()["total"]["received"], 1);
  EXPECT_EQ(li_->Get("/api/fund-warnings/summary?from=yesterday").status, 400);
}

TEST_F(RepeatsApiTest, AWarningNotContactedInTenMinutesEscalatesToTheAntiFraudCentre) {
  auto r = li_->Post("/api/fund-warnings", With(Warning(), {{"station_id", "S1"}}));
  ASSERT_EQ(r.status, 201);
  const CaseId id = r.Json()["id"];
  clock_.Advance(9min);
  std::this_thread::sleep_for(200ms);  // the deadline check runs every 20 ms
  auto early = li_->Get(fmt::format("/api/fund-warnings/{}", id)).Json();
  EXPECT_EQ(early["slas"][0]["escalation_level"], 0);
  EXPECT_FALSE(early["overdue"].get<bool>());

  clock_.Advance(2min);
  json late;
  for (int i = 0; i < 200; ++i) {
    late = li_->Get(fmt::format("/api/fund-warnings/{}", id)).Json();
    if (late["slas"][0]["escalation_level"] == 1) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(late["slas"][0]["name"], "contact");
  EXPECT_EQ(late["slas"][0]["escalation_level"], 1) << late.dump();
  EXPECT_TRUE(late["overdue"].get<bool>());
  ASSERT_EQ(late["escalations"].size(), 1u);
  EXPECT_EQ(late["escalations"][0]["notify"], "anti_fraud_centre");
  auto summary = li_->Get("/api/fund-warnings/summary").Json()["total"];
  EXPECT_EQ(summary["overdue"], 1);
  EXPECT_EQ(summary["escalated"], 1);
  EXPECT_EQ(summary["awaiting_contact"], 1);

  // 20 minutes later still unreached: the bureau's duty chief is told too.
  clock_.Advance(20min);
  for (int i = 0; i < 200; ++i) {
    late = li_->Get(fmt::format("/api/fund-warnings/{}", id)).Json();
    if (late["escalations"].size() == 2) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(late["escalations"].size(), 2u) << late.dump();
  EXPECT_EQ(late["escalations"][1]["notify"], "bureau_duty_chief");
}

}  // namespace
}  // namespace pingan::test
