// EventLog on SQLite in WAL mode with synchronous=FULL: a commit returns after the WAL is
// fsynced. Group commit is the caller's: pass many events to one Append().
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "ledger/event_log.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pingan::ledger::sqlite {

class SqliteEventLog final : public EventLog {
 public:
  // Opens or creates the database at `path` and migrates its schema to the current version.
  // Errors: kUnavailable when the file cannot be opened, kInternal for a failed migration or a
  // database written by a newer version.
  static Result<std::unique_ptr<SqliteEventLog>> Open(const std::string& path);

  ~SqliteEventLog() override;
  SqliteEventLog(const SqliteEventLog&) = delete;
  SqliteEventLog& operator=(const SqliteEventLog&) = delete;

  Status Append(std::span<const Event> events) override;
  Status ReadFrom(Sequence after, const std::function<Status(Event&&)>& fn) override;
  Sequence last_seq() const override { return last_seq_; }
  Status WriteCheckpoint(const Checkpoint& checkpoint) override;
  Result<std::optional<Checkpoint>> LatestCheckpoint() override;

  // The schema version this build writes (PRAGMA user_version).
  static int SchemaVersion();

 private:
  SqliteEventLog() = default;
  Status Exec(const char* sql);
  Status Migrate();
  Error SqlError(const std::string& what) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::string path_;
  std::mutex checkpoint_mu_;
  sqlite3* checkpoint_db_ = nullptr;  // a second connection, for WriteCheckpoint only
  Sequence last_seq_ = 0;
  bool is_broken_ = false;  // a failed commit: refuse appends until reopened
};

}  // namespace pingan::ledger::sqlite
