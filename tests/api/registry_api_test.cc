// The places registry over HTTP (api/registry_routes.h) on a real engine and a real socket,
// with a clock the test moves: a campaign, an inspection whose hazards open hazard cases at the
// place's station with their deadlines, re-inspection closing one, the campaign's counts; photos
// taken and refused; contacts masked for a role that may not see them and audited for one that
// may; outreach totals. Then `pingan import places` as a user runs it.
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/routes.h"
#include "cases/case_kinds.h"
#include "core/incident_workflow.h"
#include "core/time_format.h"
#include "engine/engine.h"
#include "ledger/sqlite/sqlite_event_log.h"
#include "registry/registry.h"
#include "registry/registry_fixtures.h"
#include "support/http_client.h"
#include "support/in_process_api.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// 2026-09-25 10:00 in the district; the holiday clean-up runs 20–27 September.
const TimePoint kNow = FromMillis(1'790'301'600'000);
constexpr const char* kPassword = "long-enough-1";

std::string TinyJpeg(char fill = 'x') {
  return std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11) + std::string(64, fill) + "\xFF\xD9";
}

class RegistryApiTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(platform_.engine_started());
    engine_ = &platform_.engine();
    platform_.Execute(DefineJurisdictions{DistrictJurisdictions()});
    platform_.AddUser("officer", Role::kOfficer, "S-N", kPassword, "民警officer");
    platform_.AddUser("chief", Role::kStationChief, "S-N", kPassword, "民警chief");
    platform_.AddUser("leader", Role::kLeader, "", kPassword, "民警leader");
    auto registry = registry::OpenRegistry(platform_.dir().path());
    ASSERT_TRUE(registry) << registry.error().message;
    registry_ = std::move(*registry);
    api::ApiServices services;
    services.registry = registry_.get();
    api::HttpServerOptions http;
    http.body_limit_bytes = 8 << 20;
    platform_.Serve(services, api::ApiOptions{}, http);
    port_ = platform_.port();
  }

  std::unique_ptr<HttpClient> LoggedIn(const std::string& username) {
    return platform_.LoggedIn(username, kPassword);
  }

  // The hazard cases in the engine, by the hazard ids in their fields.
  std::map<std::int64_t, std::shared_ptr<const CaseRecord>> HazardCases() {
    return engine_->Read([](const engine::ReadView& v) {
      std::map<std::int64_t, std::shared_ptr<const CaseRecord>> out;
      for (const auto& [id, c] : v.cases)
        if (c->kind == "hazard") out[c->fields["hazard_id"].get<std::int64_t>()] = c;
      return out;
    });
  }

  FakeClock clock_{kNow};
  std::unique_ptr<registry::Registry> registry_;
  InProcessApi platform_{clock_};  // after the registry it is handed: stops first
  const TempDir& dir_ = platform_.dir();
  engine::Engine* engine_ = nullptr;
  std::uint16_t port_ = 0;
};

json HotelBody(const std::string& id, double lon, double lat) {
  return {{"external_id", id},  {"name", "海景宾馆 " + id}, {"category", "行业场所"},
          {"sub_kind", "旅馆"}, {"address", "海滨路 1 号"}, {"lon", lon},
          {"lat", lat},         {"contact_name", "王小明"}, {"contact_phone", "13812345678"}};
}

TEST_F(RegistryApiTest, AnInspectionsHazardsOpenCasesAtThePlacesStationWithTheirDeadlines) {
  auto officer = LoggedIn("officer");
  auto chief = LoggedIn("chief");

  HttpResult hotel = officer->Post("/api/places", HotelBody("H-1", 121.42, 37.52));
  ASSERT_EQ(hotel.status, 201) << hotel.body;
  const std::int64_t hotel_id = hotel.Json()["id"];
  EXPECT_EQ(hotel.Json()["category"], "trade");
  EXPECT_EQ(hotel.Json()["station_id"], "S-N");
  EXPECT_EQ(hotel.Json()["grid_id"], "G-NW");
  // Saving the same external id again updates it.
  json renamed = HotelBody("H-1", 121.42, 37.52);
  renamed["name"] = "海景大酒店";
  HttpResult updated = officer->Post("/api/places", renamed);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["id"], hotel_id);
  const std::int64_t south_id =
      officer->Post("/api/places", HotelBody("H-2", 121.42, 37.46)).Json()["id"];

  // Only station chiefs and admin start campaigns.
  json campaign_body = {{"name", "国庆节前清查"},
                        {"categories", {"行业场所", "nine_small"}},
                        {"stations", {"S-N"}},
                        {"from", "2026-09-20"},
                        {"to", "2026-09-27"}};
  EXPECT_EQ(officer->Post("/api/campaigns", campaign_body).status, 403);
  HttpResult campaign = chief->Post("/api/campaigns", campaign_body);
  ASSERT_EQ(campaign.status, 201) << campaign.body;
  const std::int64_t campaign_id = campaign.Json()["id"];
  EXPECT_EQ(campaign.Json()["categories"], json({"trade", "nine_small"}));
  EXPECT_EQ(campaign.Json()["status"], "active");
  json bad_station = campaign_body;
  bad_station["stations"] = {"S-N", "S-X"};
  EXPECT_EQ(chief->Post("/api/campaigns", bad_station).Json()["field"], "stations[1]");

  HttpResult photo =
      officer->Request("POST", "/api/photos", TinyJpeg(), "Content-Type: image/jpeg\r\n");
  ASSERT_EQ(photo.status, 201) << photo.body;
  const std::string photo_id = photo.Json()["id"];

  // Two hazards: priority 1 (rectify within 24 h) with the photo, priority 2 (72 h).
  json inspection = {{"place_id", hotel_id},
                     {"campaign_id", campaign_id},
                     {"date", "2026-09-25"},
                     {"notes", "夜查"},
                     {"hazards",
                      {{{"description", "安全出口上锁"}, {"priority", 1}, {"photos", {photo_id}}},
                       {{"description", "灭火器过期"}, {"priority", 2}}}}};
  HttpResult recorded = officer->Post("/api/inspections", inspection);
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  json in = recorded.Json();
  EXPECT_EQ(in["result"], "hazards_found");
  EXPECT_EQ(in["inspector"], "民警officer");
  ASSERT_EQ(in["hazards"].size(), 2u);
  EXPECT_FALSE(in.contains("case_errors")) << in.dump();
  EXPECT_EQ(in["hazards"][0]["case"]["rectify_by"], FormatIso8601(kNow + 24h));
  EXPECT_EQ(in["hazards"][1]["case"]["rectify_by"], FormatIso8601(kNow + 72h));
  EXPECT_EQ(in["hazards"][0]["photos"][0]["url"], "/api/photos/" + photo_id);

  // The cases are in the engine, at the hotel's station and place, with the deadlines.
  auto cases = HazardCases();
  ASSERT_EQ(cases.size(), 2u);
  const std::int64_t first_hazard = in["hazards"][0]["id"];
  const CaseRecord& urgent = *cases.at(first_hazard);
  EXPECT_EQ(urgent.id, in["hazards"][0]["case_id"]);
  EXPECT_EQ(urgent.state, "open");
  EXPECT_EQ(urgent.station_id, "S-N");
  EXPECT_EQ(urgent.priority, 1);
  ASSERT_TRUE(urgent.location);
  EXPECT_EQ(*urgent.location, (LonLat{121.42, 37.52}));
  EXPECT_EQ(urgent.fields["place_id"], hotel_id);
  EXPECT_EQ(urgent.fields["inspection_id"], in["id"]);
  EXPECT_EQ(urgent.fields["description"], "安全出口上锁");
  EXPECT_EQ(urgent.fields["photos"], json({photo_id}));
  ASSERT_EQ(urgent.slas.size(), 1u);
  EXPECT_EQ(urgent.slas[0].deadline, kNow + 24h);
  EXPECT_EQ(cases.at(in["hazards"][1]["id"].get<std::int64_t>())->slas[0].deadline, kNow + 72h);

  // Refused: a place outside the campaign, a photo never uploaded, a day to come.
  json outside = {{"place_id", south_id}, {"campaign_id", campaign_id}};
  EXPECT_EQ(officer->Post("/api/inspections", outside).Json()["field"], "campaign_id");
  json no_photo = inspection;
  no_photo["hazards"][1]["photos"] = {std::string(64, 'a')};
  HttpResult refused = officer->Post("/api/inspections", no_photo);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.Json()["field"], "hazards[1].photos[0]");
  json tomorrow = {{"place_id", hotel_id}, {"date", "2026-09-26"}};
  EXPECT_EQ(officer->Post("/api/inspections", tomorrow).Json()["field"], "date");
  json bad_priority = {{"place_id", hotel_id},
                       {"hazards", {{{"description", "x"}, {"priority", 9}}}}};
  EXPECT_EQ(officer->Post("/api/inspections", bad_priority).Json()["field"], "hazards[0].priority");
  EXPECT_EQ(HazardCases().size(), 2u);

  // Rectified and re-inspected (the case's own actions): the first closes.
  ASSERT_TRUE(engine_->Execute(
      Command{"officer", CaseAction{urgent.id, "rectify", {{"rectification", "已更换门锁"}}}}));
  ASSERT_TRUE(engine_->Execute(
      Command{"officer", CaseAction{urgent.id, "reinspect_pass", {{"inspector", "王警官"}}}}));
  // Four days on, the second is overdue.
  clock_.Advance(96h);
  chief = LoggedIn("chief");  // sessions last 12 hours
  officer = LoggedIn("officer");
  json counts = chief->Get(fmt::format("/api/campaigns/{}", campaign_id)).Json()["counts"];
  EXPECT_EQ(counts["total"]["places"], 1) << counts.dump();
  EXPECT_EQ(counts["total"]["inspected_places"], 1);
  EXPECT_EQ(counts["total"]["inspections"], 1);
  EXPECT_EQ(counts["total"]["hazards_found"], 2);
  EXPECT_EQ(counts["total"]["hazards_closed"], 1);
  EXPECT_EQ(counts["total"]["hazards_overdue"], 1);
  EXPECT_EQ(counts["by_category"][0]["category"], "trade");
  EXPECT_EQ(counts["by_category"][0]["label"], "行业场所");
  EXPECT_EQ(counts["by_station"][0]["station_id"], "S-N");

  json history = officer->Get(fmt::format("/api/places/{}/inspections", hotel_id)).Json();
  ASSERT_EQ(history["inspections"].size(), 1u);
  EXPECT_EQ(history["inspections"][0]["hazards"][0]["case"]["state"], "closed");
  EXPECT_EQ(history["inspections"][0]["hazards"][1]["case"]["is_overdue"], true);

  json summary = chief->Get("/api/places/summary").Json();
  EXPECT_EQ(summary["total"]["places"], 2);
  EXPECT_EQ(summary["by_station"].size(), 2u);
  EXPECT_EQ(chief->Get("/api/places/summary?from=2026-09-26").Json()["total"]["inspections"], 0);
  EXPECT_EQ(chief->Get("/api/places/summary?from=26-09-2026").Json()["field"], "from");
  HttpResult backwards = chief->Get("/api/places/summary?from=2026-09-26&to=2026-09-01");
  EXPECT_EQ(backwards.status, 400) << "to before from is refused, not answered with zeros";
  EXPECT_EQ(backwards.Json()["field"], "to");
  ASSERT_EQ(chief->Get("/api/campaigns").Json()["campaigns"].size(), 1u);
  EXPECT_EQ(chief->Get("/api/campaigns/99").status, 404);
}

TEST_F(RegistryApiTest, HazardsLeftWithoutACaseByACrashGetOneAtTheNextStart) {
  // What a crash leaves: an inspection stored with three hazards, the case of the first opened
  // in the ledger but not recorded, the others never opened.
  registry::Place place;
  place.external_id = "F-1";
  place.name = "鞭炮批发部";
  place.category = "hazardous";
  place.sub_kind = "fireworks";
  place.location = LonLat{121.47, 37.46};
  ASSERT_TRUE(registry::NormalizePlace(place));
  registry::AssignJurisdiction(place, engine_->jurisdictions().get());
  auto saved = registry_->store->SavePlace(place, kNow);
  ASSERT_TRUE(saved);
  registry::Inspection in;
  in.place_id = saved->id;
  in.date = registry::DistrictDay(kNow);
  in.inspector = "王警官";
  for (const char* what : {"库存超量", "无防爆灯具", "消防栓被遮挡"})
    in.hazards.push_back({0, 0, 0, what, 1, {}, 0});
  ASSERT_TRUE(registry::NormalizeInspection(in));
  auto stored = registry_->store->AddInspection(in, kNow);
  ASSERT_TRUE(stored);
  CreateCase opened;
  opened.kind = "hazard";
  opened.location = place.location;
  opened.fields = {{"hazard_id", stored->hazards[0].id}, {"place_id", saved->id}};
  auto first = engine_->Execute(Command{"officer", opened});
  ASSERT_TRUE(first);

  // The next start: a new Api on the same engine and registry repairs it.
  api::ApiServices services;
  services.registry = registry_.get();
  auto restarted = std::make_unique<api::Api>(*engine_, api::ApiOptions{}, services);
  for (int i = 0; i < 200 && !registry_->store->HazardsWithoutCase()->empty(); ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(registry_->store->HazardsWithoutCase()->empty());
  auto cases = HazardCases();
  ASSERT_EQ(cases.size(), 3u);  // one each, none twice
  EXPECT_EQ(cases.at(stored->hazards[0].id)->id, first->id);
  EXPECT_EQ(cases.at(stored->hazards[2].id)->station_id, "S-S");
  EXPECT_EQ(cases.at(stored->hazards[2].id)->fields["description"], "消防栓被遮挡");
  auto history = registry_->store->InspectionsOf(saved->id);
  ASSERT_TRUE(history);
  EXPECT_EQ((*history)[0].hazards[0].case_id, first->id);
  restarted->Stop();
}

TEST_F(RegistryApiTest, ListsByMapBoxCategoryAndStationPageByPage) {
  auto officer = LoggedIn("officer");
  for (int i = 0; i < 30; ++i) {
    json body = HotelBody(fmt::format("H-{}", i), 121.401 + i * 0.003, 37.451 + i * 0.003);
    if (i % 3 == 0) {
      body["category"] = "rental_housing";
      body["sub_kind"] = "合租";
    }
    ASSERT_EQ(officer->Post("/api/places", body).status, 201);
  }
  json all = officer->Get("/api/places?limit=7").Json();
  EXPECT_EQ(all["total"], 30);
  EXPECT_EQ(all["places"].size(), 7u);
  EXPECT_EQ(all["next_offset"], 7);
  json last = officer->Get("/api/places?limit=7&offset=28").Json();
  EXPECT_EQ(last["places"].size(), 2u);
  EXPECT_TRUE(last["next_offset"].is_null());
  json rentals = officer->Get("/api/places?category=出租房屋&sub_kind=shared&limit=100").Json();
  EXPECT_EQ(rentals["total"], 10);
  // i = 17..29 lie north of 37.50 (S-N).
  EXPECT_EQ(officer->Get("/api/places?station_id=S-N").Json()["total"], 13);
  json box = officer->Get("/api/places?bbox=121.40,37.45,121.43,37.48&category=trade").Json();
  EXPECT_EQ(box["total"], 6) << box.dump();  // i = 0..9 minus 0, 3, 6, 9
  for (const json& p : box["places"]) {
    EXPECT_LE(p["lon"].get<double>(), 121.43);
    EXPECT_EQ(p["contact_phone"], "138****5678");
  }
  EXPECT_EQ(officer->Get("/api/places?q=H-12").Json()["total"], 1);
  for (auto [query, field] : {std::pair{"bbox=1,2,3", "bbox"}, std::pair{"bbox=3,2,1,0", "bbox"},
                              std::pair{"limit=0", "limit"}, std::pair{"offset=-1", "offset"},
                              std::pair{"category=bakery", "category"}}) {
    HttpResult r = officer->Get(std::string("/api/places?") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.Json()["field"], field) << r.body;
  }
  json categories = officer->Get("/api/places/categories").Json();
  EXPECT_EQ(categories["categories"].size(), 7u);
  EXPECT_EQ(categories["categories"][6]["needs_officer"], true);
  // A key project needs its officer; the error names the field.
  json project = {{"name", "地铁三号线"}, {"category", "key_project"}};
  EXPECT_EQ(officer->Post("/api/places", project).Json()["field"], "officer");
  project["officer"] = "李明";
  EXPECT_EQ(officer->Post("/api/places", project).status, 201);
  EXPECT_EQ(
      officer
          ->Post("/api/places", json{{"name", "x"}, {"category", "trade"}, {"station_id", "S-X"}})
          .Json()["field"],
      "station_id");
}

TEST_F(RegistryApiTest, ContactsAreMaskedUnlessTheRoleMaySeeThemAndThenTheReadIsAudited) {
  auto officer = LoggedIn("officer");
  auto chief = LoggedIn("chief");
  const std::int64_t id =
      officer->Post("/api/places", HotelBody("H-1", 121.42, 37.52)).Json()["id"];
  json masked = chief->Get(fmt::format("/api/places/{}", id)).Json();
  EXPECT_EQ(masked["contact_phone"], "138****5678");
  EXPECT_EQ(masked["contact_name"], "王*明");
  EXPECT_EQ(masked["personal_data"], "masked");
  json shown = officer->Get(fmt::format("/api/places/{}", id)).Json();
  EXPECT_EQ(shown["contact_phone"], "13812345678");
  EXPECT_EQ(shown["contact_name"], "王小明");
  EXPECT_EQ(officer->Get("/api/places?limit=5").Json()["places"][0]["contact_phone"],
            "138****5678");

  // One audit record, for the officer's read, in the ledger.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir_.File("ledger.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT actor, data FROM events WHERE type = "
                               "'audit.personal_data_read'",
                               -1, &s, nullptr),
            SQLITE_OK);
  std::vector<std::pair<std::string, json>> audits;
  while (sqlite3_step(s) == SQLITE_ROW) {
    audits.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                        json::parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 1))));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].first, "officer");
  EXPECT_EQ(audits[0].second["what"], "place");
  EXPECT_EQ(audits[0].second["ids"], json({id}));
}

TEST_F(RegistryApiTest, PhotosAreTakenByTheirBytesAndServedToStaffOnly) {
  auto officer = LoggedIn("officer");
  HttpResult first = officer->Request("POST", "/api/photos", TinyJpeg());
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string id = first.Json()["id"];
  EXPECT_EQ(first.Json()["media_type"], "image/jpeg");
  EXPECT_EQ(officer->Request("POST", "/api/photos", TinyJpeg()).status, 200);  // stored once
  // A GIF called a JPEG, an HTML page, a photo over 2 MiB.
  HttpResult gif = officer->Request("POST", "/api/photos", "GIF89a" + std::string(100, 'x'),
                                    "Content-Type: image/jpeg\r\n");
  EXPECT_EQ(gif.status, 400);
  EXPECT_EQ(gif.Json()["field"], "body");
  EXPECT_EQ(
      officer->Request("POST", "/api/photos", "<html><script>alert(1)</script></html>").status,
      400);
  HttpResult big =
      officer->Request("POST", "/api/photos", TinyJpeg() + std::string(3 << 20, 'x') + "\xFF\xD9");
  EXPECT_EQ(big.status, 413) << big.body;

  HttpResult served = officer->Get("/api/photos/" + id);
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.body, TinyJpeg());
  EXPECT_EQ(served.headers["content-type"], "image/jpeg");
  EXPECT_EQ(served.headers["x-content-type-options"], "nosniff");
  EXPECT_NE(officer->Get("/api/photos/..%2Fregistry.db").status, 200);
  EXPECT_EQ(officer->Get("/api/photos/..registry.db").status, 400);
  EXPECT_EQ(officer->Get("/api/photos/" + std::string(64, 'b')).status, 404);
  HttpClient anonymous("127.0.0.1", port_);
  EXPECT_EQ(anonymous.Get("/api/photos/" + id).status, 401);
  EXPECT_EQ(LoggedIn("leader")->Get("/api/photos/" + id).status, 200);
}

TEST_F(RegistryApiTest, OutreachTotalsByPeriodAndStation) {
  auto officer = LoggedIn("officer");
  auto leader = LoggedIn("leader");
  struct Event {
    const char* date;
    const char* kind;
    int audience;
    json where;  // station_id, or lon/lat, or nothing (the officer's station)
  };
  const std::vector<Event> events = {
      {"2026-09-01", "讲座", 150, json::object()},
      {"2026-09-10", "street_stall", 420, {{"lon", 121.45}, {"lat", 37.46}}},
      {"2026-09-18", "door_to_door", 36, {{"station_id", "S-S"}}},
      {"2026-08-30", "online", 5000, {{"station_id", "S-N"}}},
  };
  for (const Event& e : events) {
    json body = {
        {"date", e.date}, {"place", "幸福社区"}, {"kind", e.kind}, {"audience", e.audience}};
    body.update(e.where);
    HttpResult r = officer->Post("/api/outreach", body);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  EXPECT_EQ(officer->Post("/api/outreach", {{"place", "x"}, {"kind", "lecture"}, {"audience", -5}})
                .Json()["field"],
            "audience");
  EXPECT_EQ(officer->Post("/api/outreach", {{"place", "x"}, {"kind", "parade"}, {"audience", 5}})
                .Json()["field"],
            "kind");
  EXPECT_EQ(leader->Post("/api/outreach", {{"place", "x"}, {"kind", "lecture"}, {"audience", 5}})
                .Json()["field"],
            "station_id");  // a leader has no station of their own

  json september = leader->Get("/api/outreach/summary?from=2026-09-01&to=2026-09-30").Json();
  EXPECT_EQ(september["events"], 3);
  EXPECT_EQ(september["audience"], 606);
  ASSERT_EQ(september["by_station"].size(), 2u);
  EXPECT_EQ(september["by_station"][0],
            json({{"station_id", "S-N"}, {"events", 1}, {"audience", 150}}));
  EXPECT_EQ(september["by_station"][1],
            json({{"station_id", "S-S"}, {"events", 2}, {"audience", 456}}));
  json all = leader->Get("/api/outreach/summary").Json();
  EXPECT_EQ(all["audience"], 5606);
  EXPECT_EQ(all["by_month"].size(), 2u);
  json list = leader->Get("/api/outreach?station_id=S-N").Json();
  EXPECT_EQ(list["total"], 2);
  EXPECT_EQ(list["events"][0]["date"], "2026-09-01");
  EXPECT_EQ(leader->Get("/api/outreach/summary?from=2026-09-30&to=2026-09-01").Json()["field"],
            "to");
}

// ---------------------------------------------------------------------------------------------
// `pingan import places` as a user runs it.

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::int64_t CountRows(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* s = nullptr;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

TEST(ImportPlacesCli, ImportsAllOrNothingAndUpdatesOnReimport) {
  TempDir dir;
  const std::string data = dir.File("data");
  json features = json::array();
  for (const Jurisdiction& j : DistrictJurisdictions())
    features.push_back(JurisdictionToGeoJson(j, true));
  WriteFile(dir.File("district.geojson"),
            json{{"type", "FeatureCollection"}, {"features", features}}.dump());
  CommandResult j =
      RunPingan({"import", "jurisdictions", dir.File("district.geojson"), "--data-dir", data});
  ASSERT_EQ(j.exit_code, 0) << j.out;

  const std::string header = "编号,名称,类别,子类,地址,经度,纬度,联系人,联系电话\n";
  WriteFile(dir.File("bad.csv"), header +
                                     "RH-1,幸福里1号,出租房屋,整租,幸福路1号,121.42,37.52,张三,"
                                     "13812345678\n"
                                     "RH-2,幸福里2号,出租房屋,整租,幸福路2号,121.42,375.2,李四,"
                                     "13912345678\n");
  CommandResult bad = RunPingan({"import", "places", dir.File("bad.csv"), "--data-dir", data});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find(dir.File("bad.csv") + ":3: column '纬度' (lat):"), std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("nothing imported"), std::string::npos) << bad.out;
  EXPECT_EQ(CountRows(data + "/registry.db", "SELECT COUNT(*) FROM places"), -1);

  WriteFile(dir.File("good.csv"), header +
                                      "RH-1,幸福里1号,出租房屋,整租,幸福路1号,121.42,37.52,张三,"
                                      "13812345678\n"
                                      "RH-2,幸福里2号,出租房屋,合租,幸福路2号,121.47,37.46,李四,"
                                      "13912345678\n");
  CommandResult good = RunPingan({"import", "places", dir.File("good.csv"), "--data-dir", data});
  ASSERT_EQ(good.exit_code, 0) << good.out;
  EXPECT_NE(good.out.find("imported 2 places"), std::string::npos) << good.out;
  EXPECT_NE(good.out.find("2 new, 0 updated"), std::string::npos) << good.out;
  CommandResult again = RunPingan({"import", "places", dir.File("good.csv"), "--data-dir", data});
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("0 new, 2 updated"), std::string::npos) << again.out;
  const std::string db = data + "/registry.db";
  EXPECT_EQ(CountRows(db, "SELECT COUNT(*) FROM places"), 2);
  EXPECT_EQ(CountRows(db, "SELECT COUNT(*) FROM places WHERE station_id = 'S-S'"), 1);
  EXPECT_EQ(CountRows(db, "SELECT COUNT(*) FROM places WHERE grid_id = 'G-NW'"), 1);

  // The server serves them.
  ASSERT_TRUE(AddUser(data, "officer", "officer", kPassword));
  ServerProcess server(data);
  ASSERT_NE(server.port(), 0) << server.output();
  HttpClient client("127.0.0.1", server.port());
  ASSERT_EQ(client.Login("officer", kPassword).status, 201);
  json list = client.Get("/api/places?category=rental_housing").Json();
  EXPECT_EQ(list["total"], 2) << list.dump();
}

}  // namespace
}  // namespace pingan::test
