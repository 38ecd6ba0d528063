// Patrol plans stored, versioned and published: the store on its own (api/plan_store.h), then
// the routes on a running demo district — build, list, read, publish, supersede, where a unit
// should be now, a restart, and a file cut short.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/plan_store.h"
#include "api/risk_layer.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Today in district time (China Standard Time), "YYYY-MM-DD".
std::string DistrictToday() {
  auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + 8h);
  return api::FormatDate(day);
}

// "2026-11-23T07:30:05+08:00" as epoch seconds; -1 for anything else.
int64_t EpochOf(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail[8] = {};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%6s", &y, &mo, &d, &h, &mi, &s, tail) !=
          7 ||
      std::string(tail) != "+08:00")
    return -1;
  const std::chrono::sys_days day{std::chrono::year(y) / std::chrono::month(unsigned(mo)) /
                                  std::chrono::day(unsigned(d))};
  return day.time_since_epoch().count() * 86400 + h * 3600 + mi * 60 + s - 8 * 3600;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---------------------------------------------------------------------------------------------
// The store on its own.

constexpr std::chrono::sys_days kDay{std::chrono::year(2026) / 11 / 23};
constexpr double kDayFrom = double(kDay.time_since_epoch().count()) * 86400;

// A small plan: two units, a school post held by the first.
api::StoredPlan SmallPlan(const std::string& kind) {
  api::StoredPlan p;
  p.summary.date = kDay;
  p.summary.kind = kind;
  p.summary.created_by = "chief";
  p.summary.created_at = TimePoint(std::chrono::milliseconds(1795430972123));
  p.summary.seed = 7;
  p.summary.stats.units = 2;
  p.summary.stats.duty_slots = 1;
  p.summary.stats.duty_slots_held = 1;
  p.plan.name = kind;
  patrol::PlanUnit a;
  a.id = 1;
  a.callsign = "城北巡1";
  a.station_id = "demo-cb";
  patrol::PlanUnit b;
  b.id = 2;
  b.callsign = "步巡2";
  b.mode = TravelMode::kFoot;
  b.shift_begin_hour = 18;
  b.shift_end_hour = 26;
  p.plan.units = {a, b};
  const LonLat school{121.45, 37.50};
  p.plan.stops = {
      {{kDayFrom + 7 * 3600, kDayFrom + 7.4 * 3600, {121.44, 37.49}, "", 12},
       {kDayFrom + 7.5 * 3600, kDayFrom + 8.5 * 3600, school, "school_post:实验小学@07:30", -1}},
      {{kDayFrom + 18 * 3600, kDayFrom + 18.25 * 3600, {121.46, 37.51}, "", 40}}};
  p.plan.duties = {{"school_post:实验小学@07:30", "school_post", kDayFrom + 7.5 * 3600,
                    kDayFrom + 8.5 * 3600, 0, 0}};
  p.duty_places["school_post:实验小学@07:30"] = school;
  return p;
}

TEST(PlanStore, VersionsAreNumberedPublishedOnceAndKeptAcrossReopening) {
  TempDir dir;
  const std::string plans = dir.File("plans");
  {
    auto store = api::PlanStore::Open(plans);
    ASSERT_TRUE(store) << store.error().message;
    auto v1 = (*store)->Add(SmallPlan("risk"));
    ASSERT_TRUE(v1) << v1.error().message;
    EXPECT_EQ(v1->version, 1);
    EXPECT_EQ(v1->Id(), "2026-11-23/v1");
    EXPECT_EQ(v1->status, api::PlanStatus::kDraft);
    auto v2 = (*store)->Add(SmallPlan("uniform"));
    ASSERT_TRUE(v2);
    EXPECT_EQ(v2->version, 2);
    EXPECT_TRUE(fs::exists(plans + "/2026-11-23/v0001.json"));
    EXPECT_TRUE(fs::exists(plans + "/2026-11-23/v0002.json"));

    int superseded = -1;
    const TimePoint at = TimePoint(std::chrono::milliseconds(1795440000000));
    auto p1 = (*store)->Publish(kDay, 1, "chief", at, &superseded);
    ASSERT_TRUE(p1);
    EXPECT_EQ(p1->status, api::PlanStatus::kPublished);
    EXPECT_EQ(superseded, 0);
    auto p2 = (*store)->Publish(kDay, 2, "leader", at + 1min, &superseded);
    ASSERT_TRUE(p2);
    EXPECT_EQ(superseded, 1);
    EXPECT_EQ((*store)->Published(kDay)->version, 2);
    // Publishing the published version again changes nothing.
    auto again = (*store)->Publish(kDay, 2, "someone", at + 5min, &superseded);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->published_by, "leader");
    // A superseded version is not published again.
    auto old = (*store)->Publish(kDay, 1, "chief", at + 6min);
    ASSERT_FALSE(old);
    EXPECT_EQ(old.error().code, ErrorCode::kConflict);
    EXPECT_EQ((*store)->Publish(kDay, 9, "chief", at).error().code, ErrorCode::kNotFound);
  }
  // Reopened: every version, status and stop as stored.
  auto store = api::PlanStore::Open(plans);
  ASSERT_TRUE(store);
  EXPECT_TRUE((*store)->problems().empty());
  auto versions = (*store)->Versions(kDay);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].status, api::PlanStatus::kSuperseded);
  EXPECT_EQ(versions[0].superseded_by, 2);
  EXPECT_EQ(versions[1].status, api::PlanStatus::kPublished);
  EXPECT_EQ(versions[1].published_by, "leader");
  auto whole = (*store)->Get(kDay, 1);
  ASSERT_TRUE(whole);
  const api::StoredPlan& p = **whole;
  EXPECT_EQ(p.summary.kind, "risk");
  EXPECT_EQ(p.summary.seed, 7u);
  ASSERT_EQ(p.plan.units.size(), 2u);
  EXPECT_EQ(p.plan.units[1].callsign, "步巡2");
  EXPECT_EQ(p.plan.units[1].mode, TravelMode::kFoot);
  EXPECT_EQ(p.plan.units[1].shift_end_hour, 26);
  ASSERT_EQ(p.plan.stops[0].size(), 2u);
  EXPECT_DOUBLE_EQ(p.plan.stops[0][1].from, kDayFrom + 7.5 * 3600);
  EXPECT_EQ(p.plan.stops[0][1].duty, "school_post:实验小学@07:30");
  EXPECT_EQ(p.plan.stops[0][0].cell, 12);
  ASSERT_EQ(p.plan.duties.size(), 1u);
  EXPECT_EQ(p.plan.duties[0].unit, 0);
  EXPECT_NEAR(p.duty_places.at("school_post:实验小学@07:30").lon, 121.45, 1e-9);
  // Stop times are written in the district's time.
  json file = json::parse(ReadAll(plans + "/2026-11-23/v0001.json"));
  EXPECT_EQ(file["units"][0]["stops"][1]["from"], "2026-11-23T07:30:00+08:00");
  EXPECT_EQ(file["duties"][0]["callsign"], "城北巡1");
  EXPECT_EQ(file["duties"][0]["place"], "实验小学");
  EXPECT_EQ((*store)->Add(SmallPlan("risk"))->version, 3);
}

TEST(PlanStore, AFileCutShortOrCorruptIsReportedAndSkippedNotFatal) {
  TempDir dir;
  const std::string plans = dir.File("plans");
  {
    auto store = api::PlanStore::Open(plans);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->Add(SmallPlan("risk")));
  }
  const std::string day_dir = plans + "/2026-11-23";
  const std::string good = ReadAll(day_dir + "/v0001.json");
  // Half a file (what a plain write cut by a crash would leave), garbage, a file that says it
  // is another version, and the temporary file of an interrupted write.
  std::ofstream(day_dir + "/v0002.json") << good.substr(0, good.size() / 2);
  std::ofstream(day_dir + "/v0003.json") << "\x01\x02 not a plan";
  std::ofstream(day_dir + "/v0004.json") << good;
  std::ofstream(day_dir + "/.v0005.json.tmp") << good.substr(0, 100);
  json no_units = json::parse(good);
  no_units["version"] = 6;
  no_units["units"][0]["stops"][1]["from"] = "half past seven";
  std::ofstream(day_dir + "/v0006.json") << no_units.dump();

  auto store = api::PlanStore::Open(plans);
  ASSERT_TRUE(store) << store.error().message;
  auto problems = (*store)->problems();
  ASSERT_EQ(problems.size(), 4u);
  std::map<std::string, std::string> by_file;
  for (const auto& p : problems) by_file[p.file] = p.error;
  EXPECT_NE(by_file["2026-11-23/v0002.json"].find("not JSON"), std::string::npos);
  EXPECT_NE(by_file["2026-11-23/v0003.json"].find("not JSON"), std::string::npos);
  EXPECT_NE(by_file["2026-11-23/v0004.json"].find("2026-11-23/v1"), std::string::npos);
  EXPECT_NE(by_file["2026-11-23/v0006.json"].find("units[0].stops[1].from"), std::string::npos)
      << by_file["2026-11-23/v0006.json"];
  EXPECT_EQ((*store)->problems(kDay).size(), 4u);
  EXPECT_TRUE((*store)->problems(kDay + std::chrono::days(1)).empty());
  // The good version is there; the bad files stay for someone to look at; the temporary one
  // is gone; and no bad file's number is given to a new version.
  ASSERT_EQ((*store)->Versions(kDay).size(), 1u);
  EXPECT_TRUE(fs::exists(day_dir + "/v0002.json"));
  EXPECT_FALSE(fs::exists(day_dir + "/.v0005.json.tmp"));
  auto next = (*store)->Add(SmallPlan("uniform"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->version, 7);
}

TEST(PlanStore, TwoPublishedVersionsAfterACrashKeepTheLaterOne) {
  TempDir dir;
  const std::string plans = dir.File("plans");
  {
    auto store = api::PlanStore::Open(plans);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->Add(SmallPlan("risk")));
    ASSERT_TRUE((*store)->Add(SmallPlan("risk")));
    ASSERT_TRUE((*store)->Publish(kDay, 1, "chief",
                                  TimePoint(std::chrono::hours(500000)) /* 2027-01-15 */));
  }
  // The crash between writing version 2 as published and version 1 as superseded.
  const std::string v2 = plans + "/2026-11-23/v0002.json";
  json doc = json::parse(ReadAll(v2));
  doc["status"] = "published";
  doc["published_at"] = "2030-01-01T00:00:00.000Z";  // after version 1
  doc["published_by"] = "chief";
  std::ofstream(v2) << doc.dump();

  auto store = api::PlanStore::Open(plans);
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->Published(kDay)->version, 2);
  EXPECT_EQ((*store)->Versions(kDay)[0].status, api::PlanStatus::kSuperseded);
  // And the repair is on disk.
  EXPECT_EQ(json::parse(ReadAll(plans + "/2026-11-23/v0001.json"))["status"], "superseded");
}

// ---------------------------------------------------------------------------------------------
// The routes on a demo district.

std::vector<std::string> DemoArgs(const std::string& dir) {
  return {"demo", "--data-dir",      dir,  "--listen", "127.0.0.1:0", "--speed",
          "60",   "--calls-per-day", "300"};
}

// Checks a whole plan: stops in time order without overlap, and every school post held from
// start to end by the unit the plan names. Returns the school posts seen.
int CheckPlan(const json& plan) {
  std::map<std::string, const json*> unit_of;
  for (const json& u : plan["units"]) {
    unit_of[u["callsign"]] = &u;
    std::string last_to;
    for (const json& s : u["stops"]) {
      const std::string from = s["from"], to = s["to"];
      EXPECT_GT(EpochOf(from), 0) << from;
      EXPECT_LE(from, to) << u["callsign"] << " " << s.dump();
      // Same format, same offset: text order is time order.
      EXPECT_LE(last_to, from) << u["callsign"] << " overlaps at " << from;
      last_to = to;
    }
  }
  int school_posts = 0;
  for (const json& d : plan["duties"]) {
    if (d["kind"] != "school_post") continue;
    ++school_posts;
    EXPECT_FALSE(d["callsign"].is_null()) << "unstaffed: " << d.dump();
    if (d["callsign"].is_null()) continue;
    const json& unit = *unit_of.at(d["callsign"]);
    // Held without a gap from the window's start to its end.
    std::string held_until = d["from"];
    for (const json& s : unit["stops"])
      if (s["duty"] == d["duty"] && s["from"].get<std::string>() <= held_until)
        held_until = std::max(held_until, s["to"].get<std::string>());
    EXPECT_GE(held_until, d["to"].get<std::string>()) << d.dump();
  }
  return school_posts;
}

TEST(PlansApi, BuildPublishSupersedeAndFollowAPlanAcrossARestart) {
  TempDir dir;
  const std::string data = dir.File("demo");
  const std::string today = DistrictToday();
  std::string v1_stops;  // the first unit's stops, to compare after the restart
  {
    ServerProcess server(ServerProcess::Args{DemoArgs(data)});
    ASSERT_NE(server.port(), 0) << server.output();
    HttpClient dispatcher("127.0.0.1", server.port());
    ASSERT_EQ(dispatcher.Login("demo", "demo").status, 201);
    HttpClient admin("127.0.0.1", server.port());
    std::string password = ReadAll(data + "/initial-admin-password");
    password.erase(password.find_last_not_of("\n") + 1);
    ASSERT_EQ(admin.Login("admin", password).status, 201);
    const size_t units = dispatcher.Get("/api/units").Json()["units"].size();
    ASSERT_GT(units, 10u);

    // A dispatcher reads plans but does not make them.
    auto refused = dispatcher.Post("/api/plans", {{"date", today}, {"kind", "risk"}});
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(dispatcher.Get("/api/plans?date=" + today).status, 200);
    // Bad input names its field.
    for (const auto& [body, field] : std::vector<std::pair<json, std::string>>{
             {{{"date", "2026-02-30"}, {"kind", "risk"}}, "date"},
             {{{"date", "tomorrow"}, {"kind", "risk"}}, "date"},
             {{{"kind", "risk"}}, "date"},
             {{{"date", today}, {"kind", "random"}}, "kind"},
             {{{"date", today}}, "kind"}}) {
      auto bad = admin.Post("/api/plans", body);
      EXPECT_EQ(bad.status, 400) << body.dump();
      EXPECT_EQ(bad.Json()["field"], field) << bad.body;
    }
    EXPECT_EQ(admin.Get("/api/plans?date=23-11-2026").Json()["field"], "date");
    // Nothing published yet.
    auto none = admin.Get("/api/plans/current");
    EXPECT_EQ(none.status, 404) << none.body;

    // Build a risk plan for today.
    auto created = admin.Post("/api/plans", {{"date", today}, {"kind", "risk"}});
    ASSERT_EQ(created.status, 201) << created.body;
    json v1 = created.Json();
    EXPECT_EQ(v1["id"], today + "/v1");
    EXPECT_EQ(v1["version"], 1);
    EXPECT_EQ(v1["status"], "draft");
    EXPECT_EQ(v1["kind"], "risk");
    EXPECT_EQ(v1["created_by"], "admin");
    EXPECT_EQ(v1["stats"]["units"], units);
    EXPECT_GT(v1["stats"]["covered_share"].get<double>(), 0) << v1.dump();
    EXPECT_GT(v1["stats"]["duty_slots"].get<int>(), 0) << v1.dump();

    json list = admin.Get("/api/plans?date=" + today).Json();
    ASSERT_EQ(list["versions"].size(), 1u) << list.dump();
    EXPECT_TRUE(list["published"].is_null());
    EXPECT_EQ(list["versions"][0]["id"], today + "/v1");
    EXPECT_TRUE(list["unreadable"].empty());

    auto got = dispatcher.Get("/api/plans/" + today + "/v1");
    ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
    json plan = got.Json();
    ASSERT_EQ(plan["units"].size(), units);
    EXPECT_EQ(plan["from"], today + "T00:00:00+08:00");
    // With 38 units on four stations, every school post is held at its bell.
    EXPECT_GT(CheckPlan(plan), 0) << "the demo town has schools";
    EXPECT_EQ(plan["stats"]["duty_slots_held"], plan["stats"]["duty_slots"]);
    v1_stops = plan["units"][0]["stops"].dump();
    EXPECT_EQ(dispatcher.Get("/api/plans/" + today + "/1").status, 200);

    // Publish it; a dispatcher may not.
    EXPECT_EQ(dispatcher.Post("/api/plans/" + today + "/v1/publish", json::object()).status, 403);
    auto published = admin.Post("/api/plans/" + today + "/v1/publish", json::object());
    ASSERT_EQ(published.status, 200) << published.body;
    EXPECT_EQ(published.Json()["status"], "published");
    EXPECT_TRUE(published.Json()["superseded"].is_null());
    EXPECT_EQ(published.Json()["published_by"], "admin");

    // Where a unit should be: exactly at the start of one of its stops, and between two.
    const json& unit = plan["units"][0];
    const std::string callsign = unit["callsign"];
    ASSERT_GE(unit["stops"].size(), 2u);
    const json& stop = unit["stops"][1];
    auto now_at = admin.Get("/api/plans/current?callsign=" + callsign +
                            "&at=" + std::to_string(EpochOf(stop["from"]) * 1000));
    ASSERT_EQ(now_at.status, 200) << now_at.body;
    json here = now_at.Json();
    EXPECT_EQ(here["id"], today + "/v1");
    ASSERT_EQ(here["units"].size(), 1u);
    EXPECT_EQ(here["units"][0]["state"], "at_stop");
    EXPECT_EQ(here["units"][0]["stop"]["from"], stop["from"]);
    EXPECT_EQ(here["units"][0]["stop"]["lon"], stop["lon"]);
    EXPECT_EQ(here["units"][0]["position"]["lat"], stop["lat"]);
    EXPECT_EQ(here["local_time"], stop["from"]);
    // A gap between two stops: on the way to the next.
    for (size_t k = 0; k + 1 < unit["stops"].size(); ++k) {
      const int64_t end = EpochOf(unit["stops"][k]["to"]);
      const int64_t next = EpochOf(unit["stops"][k + 1]["from"]);
      if (next - end < 4) continue;
      json between = admin
                         .Get("/api/plans/current?callsign=" + callsign +
                              "&at=" + std::to_string((end + next) / 2 * 1000))
                         .Json();
      EXPECT_EQ(between["units"][0]["state"], "moving") << between.dump();
      const json& next_stop = unit["stops"][k + 1];
      EXPECT_EQ(between["units"][0]["stop"]["from"], next_stop["from"]) << between.dump();
      EXPECT_EQ(between["units"][0]["stop"]["lon"], next_stop["lon"]) << between.dump();
      break;
    }
    // Every unit at once; a duty held shows what it is.
    json all = dispatcher.Get("/api/plans/current?at=" + today + "T07:45:00%2B08:00").Json();
    ASSERT_EQ(all["units"].size(), units) << all.dump().substr(0, 300);
    int on_school_post = 0;
    for (const json& u : all["units"])
      if (u["state"] == "at_stop" && !u["stop"]["duty"].is_null() &&
          u["stop"]["duty"]["kind"] == "school_post")
        ++on_school_post;
    EXPECT_GT(on_school_post, 0) << "07:45 is the morning bell";
    EXPECT_EQ(admin.Get("/api/plans/current?callsign=nobody").Json()["field"], "callsign");
    EXPECT_EQ(admin.Get("/api/plans/current?at=soon").Json()["field"], "at");

    // A second plan, published: the first is superseded, and stays so.
    auto second = admin.Post("/api/plans", {{"date", today}, {"kind", "uniform"}});
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(second.Json()["version"], 2);
    auto publish2 = admin.Post("/api/plans/" + today + "/v2/publish", json::object());
    ASSERT_EQ(publish2.status, 200) << publish2.body;
    EXPECT_EQ(publish2.Json()["superseded"], today + "/v1");
    json first = admin.Get("/api/plans/" + today + "/v1").Json();
    EXPECT_EQ(first["status"], "superseded");
    EXPECT_EQ(first["superseded_by"], 2);
    auto republish = admin.Post("/api/plans/" + today + "/v1/publish", json::object());
    EXPECT_EQ(republish.status, 409) << republish.body;
    EXPECT_EQ(republish.Json()["field"], "version");
    // Publishing the published one again is harmless.
    EXPECT_EQ(admin.Post("/api/plans/" + today + "/v2/publish", json::object()).status, 200);
    EXPECT_EQ(admin.Get("/api/plans/current").Json()["id"], today + "/v2");
    CheckPlan(admin.Get("/api/plans/" + today + "/v2").Json());

    // Unknown versions and malformed paths.
    EXPECT_EQ(admin.Get("/api/plans/" + today + "/v99").status, 404);
    EXPECT_EQ(admin.Post("/api/plans/" + today + "/v99/publish", json::object()).status, 404);
    EXPECT_EQ(admin.Get("/api/plans/" + today + "/latest").Json()["field"], "version");
    EXPECT_EQ(admin.Get("/api/plans/2026-13-01/v1").Json()["field"], "date");
    EXPECT_EQ(server.Stop(), 0);
  }

  // While it is stopped: a station chief joins, and a third version's file is cut short.
  ASSERT_TRUE(AddUser(data, "chief", "station_chief", "chief12345"));
  const std::string day_dir = data + "/plans/" + today;
  const std::string whole = ReadAll(day_dir + "/v0002.json");
  std::ofstream(day_dir + "/v0003.json") << whole.substr(0, whole.size() / 3);

  ServerProcess again(ServerProcess::Args{DemoArgs(data)});
  ASSERT_NE(again.port(), 0) << again.output();
  EXPECT_NE(again.output().find("skipped " + today + "/v0003.json"), std::string::npos)
      << again.output();
  HttpClient chief("127.0.0.1", again.port());
  ASSERT_EQ(chief.Login("chief", "chief12345").status, 201);
  json list = chief.Get("/api/plans?date=" + today).Json();
  ASSERT_EQ(list["versions"].size(), 2u) << list.dump();
  EXPECT_EQ(list["versions"][0]["status"], "superseded");
  EXPECT_EQ(list["versions"][1]["status"], "published");
  EXPECT_EQ(list["published"], today + "/v2");
  ASSERT_EQ(list["unreadable"].size(), 1u);
  EXPECT_EQ(list["unreadable"][0]["file"], today + "/v0003.json");
  EXPECT_EQ(chief.Get("/api/plans/" + today + "/v1").Json()["units"][0]["stops"].dump(), v1_stops);
  EXPECT_EQ(chief.Get("/api/plans/current").Json()["id"], today + "/v2");
  // The cut file's number is not reused; a station chief builds and publishes.
  auto fourth = chief.Post("/api/plans", {{"date", today}, {"kind", "risk"}});
  ASSERT_EQ(fourth.status, 201) << fourth.body;
  EXPECT_EQ(fourth.Json()["version"], 4);
  auto publish4 = chief.Post("/api/plans/" + today + "/v4/publish", json::object());
  ASSERT_EQ(publish4.status, 200) << publish4.body;
  EXPECT_EQ(publish4.Json()["superseded"], today + "/v2");
  EXPECT_EQ(publish4.Json()["published_by"], "chief");
  EXPECT_EQ(again.Stop(), 0);
}

}  // namespace
}  // namespace pingan::test
