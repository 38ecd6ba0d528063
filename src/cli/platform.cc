#include "cli/platform.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>

#include "cases/case_kinds.h"
#include "core/incident_workflow.h"
#include "ledger/sqlite/sqlite_event_log.h"

namespace pingan::cli {

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error{ErrorCode::kUnavailable, fmt::format("cannot create {}: {}", dir, ec.message()),
                 "data-dir"};
  }
  std::string path = dir + "/LOCK";
  std::unique_ptr<DataDirLock> lock(new DataDirLock());
  lock->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock->fd_ < 0) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot open {}: {}", path, std::strerror(errno)), "data-dir"};
  }
  if (::flock(lock->fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    ssize_t n = ::pread(lock->fd_, pid, sizeof pid - 1, 0);
    return Error{ErrorCode::kUnavailable,
                 fmt::format("{} is in use by another pingan process (pid {}); stop it first or "
                             "use the HTTP API",
                             dir, n > 0 ? std::string(pid, static_cast<size_t>(n)) : "unknown"),
                 "data-dir"};
  }
  std::string mine = std::to_string(::getpid());
  if (::ftruncate(lock->fd_, 0) == 0) {
    (void)!::pwrite(lock->fd_, mine.data(), mine.size(), 0);
  }
  return lock;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("cannot read {}: {}", path, std::strerror(errno)), "file"};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string PositionInFile(const std::string& path, const std::string& text, size_t byte_offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < byte_offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("{}:{}:{}", path, line, column);
}

Result<std::unique_ptr<Platform>> OpenPlatform(const std::string& data_dir,
                                               const PlatformOptions& options) {
  auto platform = std::make_unique<Platform>();
  platform->data_dir = data_dir;
  auto lock = DataDirLock::Acquire(data_dir);
  if (!lock) return lock.error();
  platform->lock = std::move(*lock);
  auto log = ledger::sqlite::SqliteEventLog::Open(data_dir + "/ledger.db");
  if (!log) return log.error();
  platform->log = std::move(*log);

  WorkflowDefinition incident_workflow = IncidentWorkflow();
  CaseCatalog cases = cases::DefaultCaseCatalog(options.callback_delay);
  if (!options.sla_config_path.empty()) {
    auto text = ReadFile(options.sla_config_path);
    if (!text) return text.error();
    auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      return InvalidInput("sla-config", options.sla_config_path + " is not a JSON object");
    }
    // {"incident": {...}, "request": {...}, ...}: each kind's deadlines under its name.
    auto apply = [&](WorkflowDefinition& workflow) -> Status {
      if (!doc.contains(workflow.kind)) return {};
      if (Status s = ApplySlaOverrides(workflow, doc[workflow.kind]); !s) {
        Error e = s.error();
        e.message = fmt::format("{}: {}.{}: {}", options.sla_config_path, workflow.kind, e.field,
                                e.message);
        return e;
      }
      return {};
    };
    if (Status s = apply(incident_workflow); !s) return s.error();
    for (CaseKind& kind : cases.kinds)
      if (Status s = apply(kind.workflow); !s) return s.error();
    // {"working_calendar": {"holidays": [...], "workdays": [...]}}: the year's public holidays
    // and the weekend days worked in their place, for deadlines counted in working days.
    if (doc.contains("working_calendar")) {
      auto calendar = WorkingCalendar::FromJson(doc["working_calendar"]);
      if (!calendar) {
        Error e = calendar.error();
        e.message =
            fmt::format("{}: working_calendar.{}: {}", options.sla_config_path, e.field, e.message);
        return e;
      }
      auto shared = std::make_shared<const WorkingCalendar>(std::move(*calendar));
      for (SlaRule& rule : incident_workflow.slas) rule.calendar = shared;
      for (CaseKind& kind : cases.kinds)
        for (SlaRule& rule : kind.workflow.slas) rule.calendar = shared;
    }
  }
  platform->engine = std::make_unique<engine::Engine>(*platform->log, platform->clock,
                                                      std::move(incident_workflow),
                                                      engine::EngineOptions{}, std::move(cases));
  if (Status s = platform->engine->Start(); !s) return s.error();
  return platform;
}

double PeakRssMib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

}  // namespace pingan::cli
