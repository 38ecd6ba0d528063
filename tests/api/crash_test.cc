// Durability: kill the server with SIGKILL while clients write as fast as they can, restart it,
// and check that everything acknowledged is there, whole, and nothing half-written appeared.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace pingan::test {
namespace {

using nlohmann::json;

constexpr int kClients = 8;
constexpr int kTotalIncidents = 10000;
constexpr const char* kPassword = "durable-pass-1";

// What a client was told succeeded.
struct Acked {
  std::string narrative;
  std::vector<std::string> actions;  // in order, e.g. {"dispatch", "arrive", "close"}
};

TEST(Crash, SigkillLosesNothingAcknowledgedAndLeavesNothingHalfWritten) {
  TempDir dir;
  ASSERT_TRUE(AddUser(dir.path(), "li", "dispatcher", kPassword));
  ASSERT_TRUE(AddUser(dir.path(), "root", "admin", kPassword));
  ASSERT_TRUE(AddUser(dir.path(), "wang", "leader", kPassword));

  std::mt19937 rng(20261123);
  const int kill_after = std::uniform_int_distribution<int>(2000, 8000)(rng);

  std::map<std::int64_t, Acked> acked;
  std::mutex mu;
  std::atomic<int> acked_incidents = 0;
  std::atomic<int> started = 0;
  {
    ServerProcess server(dir.path());
    ASSERT_NE(server.port(), 0) << server.output();
    std::vector<std::int64_t> units;
    {
      HttpClient admin("127.0.0.1", server.port());
      ASSERT_EQ(admin.Login("root", kPassword).status, 201);
      for (int c = 0; c < kClients; ++c) {
        HttpResult r = admin.Post(
            "/api/units",
            {{"callsign", "U" + std::to_string(c)}, {"force", "patrol"}, {"mode", "car"}});
        ASSERT_EQ(r.status, 201);
        units.push_back(r.Json()["id"]);
      }
    }
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client("127.0.0.1", server.port());
        if (client.Login("li", kPassword).status != 201) return;
        while (started.fetch_add(1) < kTotalIncidents) {
          std::string narrative =
              "client " + std::to_string(c) + " call " + std::to_string(started.load());
          HttpResult r = client.Post("/api/incidents", {{"category", "public_order"},
                                                        {"priority", 2},
                                                        {"address", "测试路 1 号"},
                                                        {"caller_phone", "13900000000"},
                                                        {"narrative", narrative}});
          if (r.status != 201) return;  // the server is gone
          std::int64_t id = r.Json()["id"];
          {
            std::lock_guard lock(mu);
            acked[id].narrative = narrative;
          }
          ++acked_incidents;
          // Every other call is dispatched, attended and closed: multi-event commands whose
          // events must land together or not at all.
          if (id % 2 == 0) {
            std::string actions = "/api/incidents/" + std::to_string(id) + "/actions";
            for (json body :
                 {json{{"action", "dispatch"}, {"unit_id", units[static_cast<size_t>(c)]}},
                  json{{"action", "arrive"}, {"unit_id", units[static_cast<size_t>(c)]}},
                  json{{"action", "close"}, {"disposition", "处理完毕"}}}) {
              if (client.Post(actions, body).status != 200) return;
              std::lock_guard lock(mu);
              acked[id].actions.push_back(body["action"]);
            }
          }
        }
      });
    }
    while (acked_incidents.load() < kill_after)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server.Kill();
    for (auto& t : clients) t.join();
  }
  ASSERT_GE(static_cast<int>(acked.size()), kill_after);

  // The file itself is sound and the log has no gaps.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("ledger.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
  sqlite3_finalize(stmt);
  sqlite3_prepare_v2(db, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM events", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 2));
  EXPECT_EQ(sqlite3_column_int64(stmt, 1), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  ServerProcess restarted(dir.path());
  ASSERT_NE(restarted.port(), 0) << restarted.output();
  HttpClient reader("127.0.0.1", restarted.port());
  ASSERT_EQ(reader.Login("wang", kPassword).status, 201);  // a leader: reads are not audited

  std::map<std::int64_t, json> present;
  std::string cursor;
  for (;;) {
    json page = reader.Get("/api/incidents?limit=500" + cursor).Json();
    for (const auto& i : page["incidents"]) present[i["id"]] = i;
    if (page["next_cursor"].is_null()) break;
    cursor = "&cursor=" + page["next_cursor"].dump();
  }
  // Every acknowledged incident is there with everything that was acknowledged about it.
  for (const auto& [id, want] : acked) {
    ASSERT_TRUE(present.count(id)) << "acknowledged incident " << id << " was lost";
    const json& got = present[id];
    EXPECT_EQ(got["narrative"], want.narrative);
    // An action can be durable while its reply died with the server, so the status may be
    // ahead of the last acknowledged action, never behind it.
    const std::vector<std::string> order = {"received", "dispatched", "on_scene", "closed"};
    auto rank = [&](const std::string& status) {
      return std::find(order.begin(), order.end(), status) - order.begin();
    };
    std::string least = "received";
    if (!want.actions.empty()) {
      const std::string& last = want.actions.back();
      least = last == "dispatch" ? "dispatched" : last == "arrive" ? "on_scene" : "closed";
    }
    EXPECT_GE(rank(got["status"]), rank(least)) << "incident " << id << " is " << got["status"];
    EXPECT_LT(rank(got["status"]), static_cast<long>(order.size())) << got["status"];
  }
  // Nothing half-written: an incident's assignments and its units agree, everywhere.
  json units = reader.Get("/api/units").Json()["units"];
  for (const auto& unit : units) {
    std::int64_t unit_id = unit["id"];
    int active = 0;
    for (const auto& [id, incident] : present) {
      for (const auto& a : incident["assignments"]) {
        if (a["unit_id"] != unit_id || a["status"] == "cleared") continue;
        ++active;
        EXPECT_EQ(unit["active_incident_id"], id);
        EXPECT_EQ(unit["status"], a["status"]);
      }
    }
    EXPECT_LE(active, 1) << "unit " << unit_id << " is in two places";
    if (active == 0) {
      EXPECT_EQ(unit["status"], "available") << "unit " << unit_id;
    }
  }
  for (const auto& [id, incident] : present) {
    bool assigned = !incident["assignments"].empty();
    if (incident["status"] == "dispatched" || incident["status"] == "on_scene") {
      EXPECT_TRUE(assigned);
    }
  }
  // And it carries on.
  HttpClient writer("127.0.0.1", restarted.port());
  ASSERT_EQ(writer.Login("li", kPassword).status, 201);
  HttpResult after =
      writer.Post("/api/incidents", {{"category", "help"}, {"priority", 3}, {"address", "x"}});
  EXPECT_EQ(after.status, 201);
  EXPECT_GT(after.Json()["id"].get<std::int64_t>(), present.rbegin()->first);
  std::printf("killed after %d acknowledged incidents; %zu present after restart\n", kill_after,
              present.size());
}

}  // namespace
}  // namespace pingan::test
