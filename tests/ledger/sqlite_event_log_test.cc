#include "ledger/sqlite/sqlite_event_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/temp_dir.h"

namespace pingan::ledger::sqlite {
namespace {

std::vector<Event> MakeEvents(Sequence first, int n) {
  std::vector<Event> events;
  for (int k = 0; k < n; ++k) {
    events.push_back(Event{first + k,
                           FromMillis(1'790'000'000'000 + k),
                           "li",
                           "incident.note",
                           "incident/1",
                           {{"note", "第" + std::to_string(k) + "条"}, {"k", k}}});
  }
  return events;
}

std::vector<Event> ReadAll(EventLog& log, Sequence after = 0) {
  std::vector<Event> out;
  Status s = log.ReadFrom(after, [&](Event&& e) -> Status {
    out.push_back(std::move(e));
    return {};
  });
  EXPECT_TRUE(s.has_value()) << s.error().message;
  return out;
}

// Runs SQL on the file directly, as an operator with the sqlite3 shell would.
int RawExec(const std::string& path, const std::string& sql, std::string* error = nullptr) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  if (error && message) *error = message;
  sqlite3_free(message);
  sqlite3_close(db);
  return rc;
}

TEST(SqliteEventLog, AppendsAndReadsBackInOrderAcrossReopen) {
  test::TempDir dir;
  std::string path = dir.File("ledger.db");
  {
    auto log = SqliteEventLog::Open(path);
    ASSERT_TRUE(log.has_value()) << log.error().message;
    EXPECT_EQ((*log)->last_seq(), 0);
    ASSERT_TRUE((*log)->Append(MakeEvents(1, 3)).has_value());
    ASSERT_TRUE((*log)->Append(MakeEvents(4, 2)).has_value());
    EXPECT_EQ((*log)->last_seq(), 5);
  }
  auto log = SqliteEventLog::Open(path);
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ((*log)->last_seq(), 5);
  std::vector<Event> all = ReadAll(**log);
  ASSERT_EQ(all.size(), 5u);
  for (size_t k = 0; k < all.size(); ++k) EXPECT_EQ(all[k].seq, static_cast<Sequence>(k + 1));
  EXPECT_EQ(all[1].data["note"], "第1条");
  EXPECT_EQ(all[1].actor, "li");
  EXPECT_EQ(all[1].stream, "incident/1");
  EXPECT_EQ(all[1].time, FromMillis(1'790'000'000'001));
  EXPECT_EQ(ReadAll(**log, 3).size(), 2u);
}

TEST(SqliteEventLog, EventsCannotBeUpdatedOrDeleted) {
  test::TempDir dir;
  std::string path = dir.File("ledger.db");
  {
    auto log = SqliteEventLog::Open(path);
    ASSERT_TRUE(log.has_value());
    ASSERT_TRUE((*log)->Append(MakeEvents(1, 2)).has_value());
  }
  std::string error;
  EXPECT_NE(RawExec(path, "UPDATE events SET actor = 'mallory'", &error), SQLITE_OK);
  EXPECT_NE(error.find("append-only"), std::string::npos);
  EXPECT_NE(RawExec(path, "DELETE FROM events WHERE seq = 2", &error), SQLITE_OK);
  auto log = SqliteEventLog::Open(path);
  EXPECT_EQ(ReadAll(**log).size(), 2u);
  EXPECT_EQ(ReadAll(**log)[0].actor, "li");
}

TEST(SqliteEventLog, MigratesToTheCurrentSchemaAndRefusesNewerOnes) {
  test::TempDir dir;
  std::string path = dir.File("ledger.db");
  { ASSERT_TRUE(SqliteEventLog::Open(path).has_value()); }
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), SqliteEventLog::SchemaVersion());
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  ASSERT_EQ(RawExec(path, "PRAGMA user_version = 99"), SQLITE_OK);
  auto log = SqliteEventLog::Open(path);
  ASSERT_FALSE(log.has_value());
  EXPECT_NE(log.error().message.find("newer"), std::string::npos);
}

TEST(SqliteEventLog, ReadingStopsAtAGapOrCorruptEvent) {
  test::TempDir dir;
  std::string path = dir.File("ledger.db");
  {
    auto log = SqliteEventLog::Open(path);
    ASSERT_TRUE((*log)->Append(MakeEvents(1, 3)).has_value());
  }
  // Simulate tampering below the triggers (they guard UPDATE/DELETE, not a dropped table).
  ASSERT_EQ(RawExec(path,
                    "DROP TRIGGER events_are_append_only_update; "
                    "UPDATE events SET data = '{broken' WHERE seq = 2"),
            SQLITE_OK);
  auto log = SqliteEventLog::Open(path);
  std::vector<Event> seen;
  Status s = (*log)->ReadFrom(0, [&](Event&& e) -> Status {
    seen.push_back(std::move(e));
    return {};
  });
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "event 2 holds invalid JSON");
  EXPECT_EQ(seen.size(), 1u);
}

TEST(SqliteEventLog, AnEventThatCannotBeSerializedIsRefusedAndTheLogCarriesOn) {
  test::TempDir dir;
  auto log = SqliteEventLog::Open(dir.File("ledger.db"));
  ASSERT_TRUE(log.has_value());
  ASSERT_TRUE((*log)->Append(MakeEvents(1, 1)).has_value());
  std::vector<Event> bad = MakeEvents(2, 2);
  bad[1].data["name"] = "\xB1\xF6";  // GBK bytes, not UTF-8
  Status s = (*log)->Append(bad);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("event 3"), std::string::npos) << s.error().message;
  // Nothing of the refused batch was written, and the log still takes the next batch.
  ASSERT_TRUE((*log)->Append(MakeEvents(2, 1)).has_value());
  std::vector<Sequence> seqs;
  ASSERT_TRUE((*log)->ReadFrom(0, [&](Event&& e) -> Status {
    seqs.push_back(e.seq);
    return {};
  }));
  EXPECT_EQ(seqs, (std::vector<Sequence>{1, 2}));
}

TEST(SqliteEventLog, KeepsOnlyTheNewestCheckpoint) {
  test::TempDir dir;
  auto log = SqliteEventLog::Open(dir.File("ledger.db"));
  ASSERT_TRUE(log.has_value());
  auto none = (*log)->LatestCheckpoint();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  for (Sequence s : {10, 20, 30}) {
    ASSERT_TRUE(
        (*log)->WriteCheckpoint({s, "state at " + std::to_string(s), FromMillis(s)}).has_value());
  }
  auto latest = (*log)->LatestCheckpoint();
  ASSERT_TRUE(latest.has_value() && latest->has_value());
  EXPECT_EQ((*latest)->seq, 30);
  EXPECT_EQ((*latest)->state, "state at 30");
  sqlite3* db = nullptr;
  sqlite3_open(dir.File("ledger.db").c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*), MIN(seq), MIN(time_ms) FROM checkpoints", -1, &stmt,
                     nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
  EXPECT_EQ(sqlite3_column_int(stmt, 1), 30);
  EXPECT_EQ(sqlite3_column_int(stmt, 2), 30);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace pingan::ledger::sqlite
