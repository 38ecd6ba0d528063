// Fund warnings: reading one from JSON and many from CSV (problems named by line and column),
// the routing rules in their order, the money checks, and the totals of a period.
#include "cases/fund_warnings.h"

#include <gtest/gtest.h>

#include "cases/case_kinds.h"

namespace pingan::cases {
namespace {

using nlohmann::json;
using std::chrono::minutes;

const TimePoint kT0 = FromMillis(1'790'000'000'000);

json Warning() {
  return {{"victim_phone", "13812345678"},
          {"victim_name", "张三"},
          {"fraud_type", "刷单返利"},
          {"amount_at_risk", 50000},
          {"source", "anti_fraud_centre"}};
}

TEST(FundWarnings, AWarningNeedsItsFiveFieldsAndChecksEachOne) {
  auto w = ParseFundWarning(Warning());
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->victim_phone, "13812345678");
  EXPECT_EQ(w->amount_at_risk, 5000000);  // fen
  EXPECT_FALSE(w->location);

  json full = Warning();
  full["address"] = "幸福路12号";
  full["lon"] = 121.45;
  full["lat"] = 37.46;
  full["station_id"] = "S1";
  full["amount_at_risk"] = 1234.5;
  w = ParseFundWarning(full);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->amount_at_risk, 123450);
  EXPECT_EQ(w->location, (LonLat{121.45, 37.46}));
  EXPECT_EQ(w->station_id, "S1");

  struct Row {
    const char* field;
    json value;  // null: removed
  };
  for (const Row& row : {
           Row{"victim_phone", nullptr},
           Row{"victim_phone", "call me"},
           Row{"victim_phone", "110"},
           Row{"victim_name", ""},
           Row{"fraud_type", nullptr},
           Row{"source", 7},
           Row{"amount_at_risk", nullptr},
           Row{"amount_at_risk", -1},
           Row{"amount_at_risk", 0.001},
           Row{"amount_at_risk", "500"},
           Row{"amount_at_risk", 2e12},
           Row{"lon", 121.4},
           Row{"lat", 95.0},
           Row{"nickname", "x"},
       }) {
    json body = Warning();
    if (row.value.is_null()) {
      body.erase(row.field);
    } else {
      body[row.field] = row.value;
      if (std::string(row.field) == "lat") body["lon"] = 121.4;
    }
    auto bad = ParseFundWarning(body);
    ASSERT_FALSE(bad) << row.field << " " << row.value;
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(bad.error().field, std::string(row.field) == "lon" ? "lat" : row.field)
        << bad.error().message;
  }
  json zero = Warning();
  zero["amount_at_risk"] = 0;  // nothing at risk yet is still a warning
  EXPECT_TRUE(ParseFundWarning(zero));
}

TEST(FundWarnings, AmountsAreYuanWithAtMostTwoDecimals) {
  auto fen = [](json v, bool text = false) {
    auto r = AmountField(json{{"a", v}}, "a", text);
    return r && *r ? **r : -1;
  };
  EXPECT_EQ(fen(0.1), 10);
  EXPECT_EQ(fen(19.99), 1999);
  EXPECT_EQ(fen(1e11), 10'000'000'000'000);
  EXPECT_EQ(fen(0.005), -1);
  EXPECT_EQ(fen(50000.005), -1);  // a third decimal on a large amount, too
  EXPECT_EQ(fen(999999999.99), 99999999999);
  EXPECT_EQ(fen("12.5", true), 1250);
  EXPECT_EQ(fen("12.50", true), 1250);
  for (const char* bad : {"12.", ".5", "1,234", "1e5", "-3", "12.345", " 1", ""}) {
    EXPECT_EQ(fen(bad, true), -1) << bad;
  }
  EXPECT_EQ(fen("12", false), -1);  // text only where the caller allows it
  EXPECT_EQ(YuanJson(1250), json(12.5));
  EXPECT_EQ(YuanJson(5000000), json(50000));
  EXPECT_TRUE(YuanJson(5000000).is_number_integer());

  EXPECT_TRUE(CheckFundWarningAmounts({{"outcome", "dissuaded"}, {"amount_stopped", 3000}}));
  EXPECT_TRUE(CheckFundWarningAmounts(nullptr));
  auto negative = CheckFundWarningAmounts({{"amount_frozen", -5}});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().field, "amount_frozen");
  EXPECT_EQ(CheckFundWarningAmounts({{"amount_returned", "lots"}}).error().field,
            "amount_returned");
}

TEST(FundWarnings, ACsvFileIsReadWithQuotesBomAndCrlf) {
  const std::string csv =
      "\xEF\xBB\xBFvictim_phone,victim_name,fraud_type,amount_at_risk,source,address,lon,lat\r\n"
      "13812345678,张三,刷单返利,50000,bank,\"幸福路12号, 3单元\",121.45,37.46\r\n"
      "\r\n"
      "+86 139-1234-5678,\"Li \"\"Ming\"\"\",\"冒充\n公检法\",12.5,96110,,,\r\n";
  FundWarningCsv r = ParseFundWarningsCsv(csv);
  ASSERT_TRUE(r.problems.empty()) << r.problems[0].message;
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.lines, (std::vector<std::size_t>{2, 4}));
  EXPECT_EQ(r.warnings[0].address, "幸福路12号, 3单元");
  EXPECT_EQ(r.warnings[0].location, (LonLat{121.45, 37.46}));
  EXPECT_EQ(r.warnings[1].victim_name, "Li \"Ming\"");
  EXPECT_EQ(r.warnings[1].fraud_type, "冒充\n公检法");
  EXPECT_EQ(r.warnings[1].amount_at_risk, 1250);
  EXPECT_FALSE(r.warnings[1].location);
}

TEST(FundWarnings, CsvProblemsNameTheLineAndColumnAndNothingIsKept) {
  const std::string header = "victim_phone,victim_name,fraud_type,amount_at_risk,source\n";
  struct Row {
    std::string text;
    std::size_t line;
    std::string column;
  };
  for (const Row& row : {
           Row{header + "13812345678,张三,刷单,100,bank\n13812345679,李四,刷单,-5,bank\n", 3,
               "amount_at_risk"},
           Row{header + "13812345678,张三,刷单,100,bank\n\"x\ny\",李四,刷单,5,bank\n", 3,
               "victim_phone"},
           // A quoted line break moves every later line number on.
           Row{header + "13812345678,\"张\n三\",刷单,100,bank\n13812345679,,刷单,5,bank\n", 4,
               "victim_name"},
           Row{header + "13812345678,张三,刷单,100\n", 2, ""},
           Row{header + "13812345678,张三,刷单,1,000,bank\n", 2, ""},
           Row{"victim_phone,victim_name,fraud_type,amount,source\n1,2,3,4,5\n", 1, "amount"},
           Row{"victim_phone,victim_name,fraud_type,source\n", 1, "amount_at_risk"},
           Row{header + "13812345678,张三,刷单,100,\"bank\n", 2, ""},
           Row{header, 1, ""},
           Row{"", 1, ""},
       }) {
    FundWarningCsv r = ParseFundWarningsCsv(row.text);
    ASSERT_FALSE(r.problems.empty()) << row.text;
    EXPECT_EQ(r.problems[0].line, row.line) << row.text << r.problems[0].message;
    EXPECT_EQ(r.problems[0].column, row.column) << row.text << r.problems[0].message;
    EXPECT_TRUE(r.warnings.empty()) << row.text;
  }
  // Every bad row is reported, not only the first.
  FundWarningCsv many = ParseFundWarningsCsv(header + "1,a,b,1,c\n13812345678,张三,x,y,z\n");
  ASSERT_EQ(many.problems.size(), 2u);
  EXPECT_EQ(many.problems[1].line, 3u);
  EXPECT_EQ(many.problems[1].column, "amount_at_risk");
  // Too many rows.
  std::string big = header;
  for (int i = 0; i < 4; ++i) big += "13812345678,张三,刷单,100,bank\n";
  EXPECT_EQ(ParseFundWarningsCsv(big, 50, 3).problems.at(0).line, 1u);
}

TEST(FundWarnings, AddressQueriesDropTheHouseNumber) {
  EXPECT_EQ(AddressQueries("幸福路12号3单元"),
            (std::vector<std::string>{"幸福路12号3单元", "幸福路"}));
  EXPECT_EQ(AddressQueries("幸福路１２号"), (std::vector<std::string>{"幸福路１２号", "幸福路"}));
  EXPECT_EQ(AddressQueries("12 Main Street"),
            (std::vector<std::string>{"12 Main Street", "Main Street"}));
  EXPECT_EQ(AddressQueries("人民广场"), (std::vector<std::string>{"人民广场"}));
  EXPECT_TRUE(AddressQueries("  ").empty());
}

// A district where S1 holds lon < 121.5 and S2 the rest up to 122, the address search knows
// 幸福路 (in S2) and 海边路 (outside every station), and phone 13900000001 last called in an
// incident of S3.
RoutingLookups FakeLookups() {
  RoutingLookups l;
  l.is_station = [](std::string_view id) { return id == "S1" || id == "S2" || id == "S3"; };
  l.station_at = [](LonLat p) -> std::string {
    if (p.lon < 121.5) return "S1";
    return p.lon < 122 ? "S2" : "";
  };
  l.find_address = [](std::string_view q) -> std::optional<std::pair<std::string, LonLat>> {
    if (q == "幸福路") return std::pair{std::string("幸福路"), LonLat{121.7, 37.4}};
    if (q == "海边路") return std::pair{std::string("海边路"), LonLat{123.0, 37.4}};
    return std::nullopt;
  };
  l.phone_station =
      [](std::string_view phone) -> std::optional<std::pair<std::string, IncidentId>> {
    if (phone == "13900000001") return std::pair{std::string("S3"), IncidentId{42}};
    return std::nullopt;
  };
  return l;
}

TEST(FundWarnings, RoutingTriesEachRuleInTurn) {
  struct Row {
    const char* name;
    std::string station_id;
    std::optional<LonLat> location;
    std::string address;
    std::string phone;
    std::string expected_station;
    RoutedBy expected_rule;
    std::string expected_from;
  };
  const std::string phone = "+86 139-0000-0001";
  for (const Row& row : {
           Row{"explicit wins", "S2", LonLat{121.1, 37.4}, "幸福路", phone, "S2",
               RoutedBy::kStationId, "S2"},
           Row{"location", "", LonLat{121.1, 37.4}, "幸福路", phone, "S1", RoutedBy::kLocation,
               "121.100000,37.400000"},
           Row{"location outside: address", "", LonLat{125, 37.4}, "幸福路8号", phone, "S2",
               RoutedBy::kAddress, "幸福路"},
           Row{"address outside: phone", "", std::nullopt, "海边路3号", phone, "S3",
               RoutedBy::kPhone, "incident 42"},
           Row{"unknown address: phone", "", std::nullopt, "不知道", phone, "S3", RoutedBy::kPhone,
               "incident 42"},
           Row{"nothing", "", std::nullopt, "", "13811112222", "", RoutedBy::kUnrouted, ""},
       }) {
    FundWarning w;
    w.victim_phone = row.phone;
    w.station_id = row.station_id;
    w.location = row.location;
    w.address = row.address;
    auto route = RouteFundWarning(w, FakeLookups());
    ASSERT_TRUE(route) << row.name;
    EXPECT_EQ(route->station_id, row.expected_station) << row.name;
    EXPECT_EQ(route->routed_by, row.expected_rule) << row.name;
    EXPECT_EQ(route->routed_from, row.expected_from) << row.name;
  }
  // The address's point becomes the case's place when the warning had none.
  FundWarning by_address;
  by_address.address = "幸福路";
  EXPECT_EQ(RouteFundWarning(by_address, FakeLookups())->location, (LonLat{121.7, 37.4}));
  // Without an address search, the address rule is skipped.
  RoutingLookups no_map = FakeLookups();
  no_map.find_address = nullptr;
  FundWarning w;
  w.address = "幸福路";
  w.victim_phone = phone;
  EXPECT_EQ(RouteFundWarning(w, no_map)->routed_by, RoutedBy::kPhone);
  // A station that is not one is an error, not a silent fallback.
  w.station_id = "S9";
  auto bad = RouteFundWarning(w, FakeLookups());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "station_id");
  EXPECT_EQ(ToString(RoutedBy::kUnrouted), "unrouted");
}

TEST(FundWarnings, TheFieldsOfTheCaseCarryTheWarningAndItsRouting) {
  FundWarning w = *ParseFundWarning(Warning());
  FundWarningRoute route{"S1", RoutedBy::kPhone, std::nullopt, "incident 7"};
  json f = FundWarningFields(w, route);
  EXPECT_EQ(f["victim_phone"], "13812345678");
  EXPECT_EQ(f["amount_at_risk"], 50000);
  EXPECT_EQ(f["routed_by"], "phone");
  EXPECT_EQ(f["routed_from"], "incident 7");
  // Every field a kind requires at opening is there (none for fund warnings).
  OpenCaseRequest request;
  request.station_id = "S1";
  request.fields = f;
  auto opened = OpenCase(FundWarningKind(), request, kT0);
  EXPECT_TRUE(opened) << opened.error().message;
}

CaseRecord Opened(CaseId id, const std::string& station, double at_risk, TimePoint at) {
  FundWarning w = *ParseFundWarning(Warning());
  w.amount_at_risk = static_cast<Fen>(at_risk * 100);
  OpenCaseRequest req;
  req.id = id;
  req.station_id = station;
  req.priority = 1;
  req.fields = FundWarningFields(w, {station, RoutedBy::kStationId, std::nullopt, station});
  CaseRecord c = *OpenCase(FundWarningKind(), req, at);
  c.id = id;
  return c;
}

void Act(CaseRecord& c, const std::string& action, json fields, TimePoint at) {
  Status ok = ApplyCaseAction(FundWarningKind(), c, action, fields, "li", at);
  ASSERT_TRUE(ok) << ok.error().message;
}

TEST(FundWarnings, TheSummaryCountsContactsOutcomesAndMoneyByStation) {
  // S1: one reached in 5 minutes and dissuaded (3,000 of 5,000 stopped), one reached after
  // 15 minutes and already paid (800 frozen, 200 returned later). S2: one not reached at all and
  // overdue, one closed unreached as a false alarm. One warning opened before the period.
  std::vector<CaseRecord> all;
  all.push_back(Opened(1, "S1", 5000, kT0));
  Act(all.back(), "contact", {{"contact_method", "phone"}}, kT0 + minutes(5));
  Act(all.back(), "record_outcome", {{"outcome", "dissuaded"}, {"amount_stopped", 3000}},
      kT0 + minutes(20));
  all.push_back(Opened(2, "S1", 1000.5, kT0 + minutes(1)));
  Act(all.back(), "contact", {{"contact_method", "visit"}}, kT0 + minutes(16));
  Act(all.back(), "record_outcome", {{"outcome", "already_paid"}, {"amount_frozen", 800}},
      kT0 + minutes(30));
  Act(all.back(), "note", {{"note", "bank returned part"}, {"amount_returned", 200}},
      kT0 + minutes(90));
  all.push_back(Opened(3, "S2", 20000, kT0 + minutes(2)));
  MarkEscalated(all.back(), "contact", 1, "anti_fraud_centre", kT0 + minutes(12));
  all.push_back(Opened(4, "S2", 0, kT0 + minutes(3)));
  Act(all.back(), "record_outcome", {{"outcome", "false_alarm"}, {"note", "test transfer"}},
      kT0 + minutes(4));
  all.push_back(Opened(5, "S1", 99999, kT0 - std::chrono::hours(48)));
  CaseRecord other = Opened(6, "S1", 1, kT0);
  other.kind = "dispute";
  all.push_back(other);

  std::vector<const CaseRecord*> records;
  for (const CaseRecord& c : all) records.push_back(&c);
  FundWarningSummary s =
      SummariseFundWarnings(records, kT0, kT0 + std::chrono::hours(24), kT0 + minutes(60));
  const FundWarningTotals& t = s.total;
  EXPECT_EQ(t.received, 4u);
  EXPECT_EQ(t.contacted, 2u);
  EXPECT_EQ(t.contacted_within_sla, 1u);
  EXPECT_EQ(t.awaiting_contact, 1u);
  EXPECT_EQ(t.overdue, 1u);
  EXPECT_EQ(t.escalated, 1u);
  EXPECT_EQ(t.closed, 3u);
  EXPECT_EQ(t.outcomes,
            (std::map<std::string, std::size_t>{
                {"dissuaded", 1}, {"already_paid", 1}, {"not_reached", 0}, {"false_alarm", 1}}));
  EXPECT_EQ(t.at_risk, 2600050);
  EXPECT_EQ(t.stopped, 300000);
  EXPECT_EQ(t.frozen, 80000);
  EXPECT_EQ(t.returned, 20000);
  ASSERT_EQ(s.by_station.size(), 2u);
  EXPECT_EQ(s.by_station.at("S1").received, 2u);
  EXPECT_EQ(s.by_station.at("S1").contacted_within_sla, 1u);
  EXPECT_EQ(s.by_station.at("S2").overdue, 1u);
  EXPECT_EQ(s.by_station.at("S2").at_risk, 2000000);

  json j = FundWarningTotalsToJson(t);
  EXPECT_EQ(j["money"]["at_risk"], 26000.5);
  EXPECT_EQ(j["money"]["stopped"], 3000);
  EXPECT_DOUBLE_EQ(j["contacted_within_sla_rate"].get<double>(), 0.25);
  EXPECT_TRUE(FundWarningTotalsToJson(FundWarningTotals{})["contacted_within_sla_rate"].is_null());
}

}  // namespace
}  // namespace pingan::cases
