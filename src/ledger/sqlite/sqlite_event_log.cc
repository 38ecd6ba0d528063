#include "ledger/sqlite/sqlite_event_log.h"

#include <array>
#include <vector>

#include <fmt/format.h>
#include <sqlite3.h>

namespace pingan::ledger::sqlite {

namespace {

// Each entry migrates from version i to i + 1. Never edit a released entry: add one.
constexpr std::array<const char*, 1> kMigrations = {
    R"sql(
    CREATE TABLE events (
      seq     INTEGER PRIMARY KEY,  -- contiguous from 1, the order of the log
      time_ms INTEGER NOT NULL,     -- Unix epoch milliseconds, UTC
      actor   TEXT    NOT NULL,
      type    TEXT    NOT NULL,
      stream  TEXT    NOT NULL,
      data    TEXT    NOT NULL      -- JSON
    );
    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TABLE checkpoints (
      seq     INTEGER PRIMARY KEY,  -- state includes events up to this seq
      time_ms INTEGER NOT NULL,
      state   BLOB    NOT NULL
    );
    )sql",
};

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

std::string_view ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* text = sqlite3_column_text(s, col);
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text),
                                            static_cast<size_t>(sqlite3_column_bytes(s, col)));
}

}  // namespace

int SqliteEventLog::SchemaVersion() {
  return static_cast<int>(kMigrations.size());
}

Error SqliteEventLog::SqlError(const std::string& what) const {
  return Error{ErrorCode::kInternal, fmt::format("{}: {}", what, sqlite3_errmsg(db_)), {}};
}

Status SqliteEventLog::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return Error{ErrorCode::kInternal, text, {}};
  }
  return {};
}

Result<std::unique_ptr<SqliteEventLog>> SqliteEventLog::Open(const std::string& path) {
  std::unique_ptr<SqliteEventLog> log(new SqliteEventLog());
  log->path_ = path;
  if (sqlite3_open_v2(path.c_str(), &log->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot open {}: {}", path, sqlite3_errmsg(log->db_)),
                 {}};
  }
  sqlite3_busy_timeout(log->db_, 5000);
  // WAL + synchronous=FULL: every COMMIT fsyncs the WAL, so a returned Append is durable.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA wal_autocheckpoint=10000"}) {
    if (Status s = log->Exec(pragma); !s) return s.error();
  }
  if (Status s = log->Migrate(); !s) return s.error();
  if (sqlite3_prepare_v2(log->db_,
                         "INSERT INTO events(seq, time_ms, actor, type, stream, data) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         -1, &log->insert_, nullptr) != SQLITE_OK) {
    return log->SqlError("prepare insert");
  }
  Statement last(log->db_, "SELECT COALESCE(MAX(seq), 0) FROM events");
  if (!last.ok() || sqlite3_step(last.get()) != SQLITE_ROW) return log->SqlError("read last seq");
  log->last_seq_ = sqlite3_column_int64(last.get(), 0);
  return log;
}

SqliteEventLog::~SqliteEventLog() {
  sqlite3_finalize(insert_);
  sqlite3_close_v2(db_);
  sqlite3_close_v2(checkpoint_db_);
}

Status SqliteEventLog::Migrate() {
  Statement version(db_, "PRAGMA user_version");
  if (!version.ok() || sqlite3_step(version.get()) != SQLITE_ROW) {
    return SqlError("read schema version");
  }
  int current = sqlite3_column_int(version.get(), 0);
  if (current > SchemaVersion()) {
    return Error{
        ErrorCode::kInternal,
        fmt::format("database schema {} is newer than this build's {}", current, SchemaVersion()),
        {}};
  }
  for (int v = current; v < SchemaVersion(); ++v) {
    std::string sql = fmt::format("BEGIN IMMEDIATE; {} PRAGMA user_version = {}; COMMIT;",
                                  kMigrations[static_cast<size_t>(v)], v + 1);
    if (Status s = Exec(sql.c_str()); !s) {
      (void)Exec("ROLLBACK");
      return Error{ErrorCode::kInternal,
                   fmt::format("migration to schema {} failed: {}", v + 1, s.error().message),
                   {}};
    }
  }
  return {};
}

Status SqliteEventLog::Append(std::span<const Event> events) {
  if (is_broken_) {
    return Error{ErrorCode::kUnavailable, "ledger refused: an earlier commit failed", {}};
  }
  if (events.empty()) return {};
  PINGAN_CHECK(events.front().seq == last_seq_ + 1);
  // Serialized before the transaction: text that is not UTF-8 must be refused by the callers,
  // and if some slips through it fails this append instead of throwing out of it.
  std::vector<std::string> datas;
  datas.reserve(events.size());
  for (const Event& e : events) {
    try {
      datas.push_back(e.data.dump());
    } catch (const nlohmann::json::exception& ex) {
      return Error{ErrorCode::kInternal,
                   fmt::format("event {} ({}) cannot be stored: {}", e.seq, e.type, ex.what()),
                   {}};
    }
  }
  if (Status s = Exec("BEGIN IMMEDIATE"); !s) return s;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const std::string& data = datas[i];
    sqlite3_bind_int64(insert_, 1, e.seq);
    sqlite3_bind_int64(insert_, 2, ToMillis(e.time));
    sqlite3_bind_text(insert_, 3, e.actor.data(), static_cast<int>(e.actor.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 4, e.type.data(), static_cast<int>(e.type.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 5, e.stream.data(), static_cast<int>(e.stream.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(insert_, 6, data.data(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) {
      Error error = SqlError(fmt::format("append event {}", e.seq));
      (void)Exec("ROLLBACK");
      return error;
    }
  }
  if (Status s = Exec("COMMIT"); !s) {
    // After a failed COMMIT nobody knows what reached the disk: refuse further writes.
    is_broken_ = true;
    (void)Exec("ROLLBACK");
    return Error{ErrorCode::kUnavailable, "commit failed: " + s.error().message, {}};
  }
  last_seq_ = events.back().seq;
  return {};
}

Status SqliteEventLog::ReadFrom(Sequence after, const std::function<Status(Event&&)>& fn) {
  Statement select(db_,
                   "SELECT seq, time_ms, actor, type, stream, data FROM events "
                   "WHERE seq > ? ORDER BY seq");
  if (!select.ok()) return SqlError("prepare read");
  sqlite3_bind_int64(select.get(), 1, after);
  Sequence expected = after + 1;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    Event e;
    e.seq = sqlite3_column_int64(select.get(), 0);
    if (e.seq != expected) {
      return Error{ErrorCode::kInternal,
                   fmt::format("ledger has a gap: expected event {}, found {}", expected, e.seq),
                   {}};
    }
    ++expected;
    e.time = FromMillis(sqlite3_column_int64(select.get(), 1));
    e.actor = ColumnText(select.get(), 2);
    e.type = ColumnText(select.get(), 3);
    e.stream = ColumnText(select.get(), 4);
    std::string_view data = ColumnText(select.get(), 5);
    e.data = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (e.data.is_discarded()) {
      return Error{ErrorCode::kInternal, fmt::format("event {} holds invalid JSON", e.seq), {}};
    }
    if (Status s = fn(std::move(e)); !s) return s;
  }
  if (rc != SQLITE_DONE) return SqlError("read events");
  return {};
}

Status SqliteEventLog::WriteCheckpoint(const Checkpoint& checkpoint) {
  std::lock_guard lock(checkpoint_mu_);
  sqlite3*& db = checkpoint_db_;
  if (db == nullptr) {
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      return Error{ErrorCode::kUnavailable,
                   fmt::format("checkpoint connection: {}", sqlite3_errmsg(db)),
                   {}};
    }
    // Appends and checkpoints share SQLite's single write lock; wait for it rather than fail.
    sqlite3_busy_timeout(db, 60000);
    sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  }
  auto exec = [db](const std::string& sql) -> Status {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
      return Error{ErrorCode::kInternal, "checkpoint: " + text, {}};
    }
    return {};
  };
  if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
  Statement insert(db, "INSERT OR REPLACE INTO checkpoints(seq, time_ms, state) VALUES (?, ?, ?)");
  bool ok = insert.ok();
  if (ok) {
    sqlite3_bind_int64(insert.get(), 1, checkpoint.seq);
    sqlite3_bind_int64(insert.get(), 2, ToMillis(checkpoint.written_at));
    sqlite3_bind_blob(insert.get(), 3, checkpoint.state.data(),
                      static_cast<int>(checkpoint.state.size()), SQLITE_STATIC);
    ok = sqlite3_step(insert.get()) == SQLITE_DONE;
  }
  if (!ok) {
    Error error{ErrorCode::kInternal, std::string("write checkpoint: ") + sqlite3_errmsg(db), {}};
    (void)exec("ROLLBACK");
    return error;
  }
  if (Status s = exec(fmt::format("DELETE FROM checkpoints WHERE seq < {}", checkpoint.seq)); !s) {
    (void)exec("ROLLBACK");
    return s;
  }
  return exec("COMMIT");
}

Result<std::optional<Checkpoint>> SqliteEventLog::LatestCheckpoint() {
  Statement select(db_, "SELECT seq, state FROM checkpoints ORDER BY seq DESC LIMIT 1");
  if (!select.ok()) return SqlError("prepare checkpoint read");
  int rc = sqlite3_step(select.get());
  if (rc == SQLITE_DONE) return std::optional<Checkpoint>();
  if (rc != SQLITE_ROW) return SqlError("read checkpoint");
  Checkpoint c;
  c.seq = sqlite3_column_int64(select.get(), 0);
  const void* blob = sqlite3_column_blob(select.get(), 1);
  c.state.assign(static_cast<const char*>(blob),
                 static_cast<size_t>(sqlite3_column_bytes(select.get(), 1)));
  return std::optional<Checkpoint>(std::move(c));
}

}  // namespace pingan::ledger::sqlite
