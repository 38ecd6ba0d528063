// Opening a data directory for one process: the lock, the ledger and a started engine.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "engine/engine.h"
#include "ledger/event_log.h"

namespace pingan::cli {

// 30 minutes after the close: long enough for the crew's report, while the call is fresh.
inline constexpr std::chrono::seconds kDefaultCallbackDelay{30 * 60};

// Holds an exclusive lock on DIR/LOCK for its lifetime, so two processes never write one ledger.
class DataDirLock {
 public:
  // Creates DIR if needed. Errors: kUnavailable when another process holds the lock.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  DataDirLock() = default;
  int fd_ = -1;
};

struct PlatformOptions {
  // Optional JSON of SLA overrides by kind: {"incident": {...}, "request": {...}, ...}.
  std::string sla_config_path;
  // How long after an incident closes its callback SMS goes out.
  std::chrono::seconds callback_delay = kDefaultCallbackDelay;
};

// A running engine on DIR/ledger.db. Members are destroyed in reverse order: engine first.
struct Platform {
  std::string data_dir;
  std::unique_ptr<DataDirLock> lock;
  std::unique_ptr<ledger::EventLog> log;
  SystemClock clock;
  std::unique_ptr<engine::Engine> engine;
};

Result<std::unique_ptr<Platform>> OpenPlatform(const std::string& data_dir,
                                               const PlatformOptions& options = {});

// Peak resident memory of this process so far, in MiB (import and benchmark reports).
double PeakRssMib();

// Reads a whole file; errors name the file.
Result<std::string> ReadFile(const std::string& path);
// "FILE:LINE:COLUMN" for a byte offset into `text`.
std::string PositionInFile(const std::string& path, const std::string& text, size_t byte_offset);

}  // namespace pingan::cli
