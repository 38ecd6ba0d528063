// Patrol plans stored, versioned and published (docs/patrol.md, "Plans stored and published").
// Each version of a district day's plan is one JSON file, DATA_DIR/plans/YYYY-MM-DD/v0001.json,
// written whole beside its final name and renamed over it, so a crash leaves the old file or
// the new one, never half of one. A day's versions are numbered 1, 2, …; a version is a draft
// until published, and publishing one supersedes the version published before it.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/geo.h"
#include "core/result.h"
#include "patrol/plans.h"

namespace pingan::api {

enum class PlanStatus { kDraft, kPublished, kSuperseded };
std::string ToString(PlanStatus status);  // "draft", "published", "superseded"

// A version without its units, stops and duties: what lists show.
struct PlanSummary {
  std::chrono::sys_days date;  // the district day, 00:00–24:00 China Standard Time
  int version = 0;             // 1, 2, … within the date
  std::string kind;            // "risk" or "uniform"
  PlanStatus status = PlanStatus::kDraft;
  TimePoint created_at;
  std::string created_by;  // username
  std::optional<TimePoint> published_at;
  std::string published_by;
  std::optional<TimePoint> superseded_at;
  int superseded_by = 0;  // the version published in its place; 0: none
  uint64_t seed = 0;      // the planner's seed
  patrol::PlanStats stats;

  // "2026-11-23/v1".
  std::string Id() const;
};

// One version whole. In `plan`, times are local seconds (core/district_time.h), each unit's
// PlanUnit::id is the engine's UnitId, and DutyCover::unit indexes plan.units.
struct StoredPlan {
  PlanSummary summary;
  patrol::Plan plan;
  // Where each fixed duty of plan.duties is held, by FixedDuty id.
  std::map<std::string, LonLat> duty_places;
};

// The file format, which is also GET /api/plans/{date}/{version}: summary fields, `units` with
// their `stops`, `duties`. Stop and duty times are ISO 8601 with the district's offset
// ("2026-11-23T07:30:00+08:00", whole seconds).
nlohmann::json PlanJson(const StoredPlan& plan);
// {id, date, version, kind, status, created_at, created_by, published_at, published_by,
// superseded_at, superseded_by, seed, stats}.
nlohmann::json SummaryJson(const PlanSummary& summary);
// Reads what PlanJson wrote. Errors: kInvalidInput naming the first bad field
// ("units[3].stops[2].from").
Result<StoredPlan> ParsePlanJson(const nlohmann::json& doc);

// The place a duty is held at, from its id: "school_post:实验小学@07:30" → "实验小学"
// (patrol::DutiesAtPlaces); the id itself when it has no such form.
std::string DutyPlace(const std::string& duty_id);
// Local seconds as "2026-11-23T07:30:00+08:00", rounded to the second.
std::string FormatDistrictTime(double local_seconds);

class PlanStore {
 public:
  // Opens `dir` (created if missing) and reads every version in it. A file that cannot be read
  // or parsed, or whose content disagrees with its name, is skipped with a logged error and
  // listed in problems(); it is left on disk and its version number is never given again. Two
  // published versions of one date (a crash in the middle of publishing) are repaired: the one
  // published last stays published, the other is marked superseded. Errors: kUnavailable when
  // `dir` cannot be created or listed.
  static Result<std::unique_ptr<PlanStore>> Open(const std::string& dir);

  // A file skipped on opening.
  struct Problem {
    std::string file;  // relative to the store's directory: "2026-11-23/v0002.json"
    std::string error;
  };

  // Stores `plan` as the next version of its summary's date, a draft, and returns its summary
  // once the file is durable (fsync of the file, then of its directory). The summary's
  // version, status and publication fields are set here; the rest is the caller's. Errors:
  // kUnavailable when the file cannot be written (nothing is stored).
  Result<PlanSummary> Add(StoredPlan plan);

  // The versions of `date`, by version.
  std::vector<PlanSummary> Versions(std::chrono::sys_days date) const;
  // The published version of `date`, if any.
  std::optional<PlanSummary> Published(std::chrono::sys_days date) const;
  // One version whole (read from disk unless among the few kept in memory). Errors: kNotFound;
  // kUnavailable when its file can no longer be read.
  Result<std::shared_ptr<const StoredPlan>> Get(std::chrono::sys_days date, int version);

  // Publishes a version: it becomes the date's published plan and the version published before
  // it is superseded. Publishing the published version again changes nothing and returns it.
  // Errors: kNotFound; kConflict for a superseded version (versions are published once; to go
  // back to an older plan, build a new version); kUnavailable when its file cannot be written,
  // in which case nothing changed. `superseded`, if given, is set to the version superseded
  // (0: none).
  Result<PlanSummary> Publish(std::chrono::sys_days date, int version, const std::string& by,
                              TimePoint at, int* superseded = nullptr);

  std::vector<Problem> problems() const;
  // The problems of one date's directory.
  std::vector<Problem> problems(std::chrono::sys_days date) const;
  const std::string& dir() const { return dir_; }

  // Plans kept whole in memory; the others are read from their files when asked.
  static constexpr std::size_t kPlansCached = 8;

 private:
  explicit PlanStore(std::string dir) : dir_(std::move(dir)) {}
  std::string FileOf(std::chrono::sys_days date, int version) const;
  Status Write(const StoredPlan& plan) const;
  Result<std::shared_ptr<const StoredPlan>> Load(std::chrono::sys_days date, int version);
  void Remember(std::shared_ptr<const StoredPlan> plan);
  PlanSummary* Find(std::chrono::sys_days date, int version);

  std::string dir_;
  mutable std::mutex mutex_;  // guards everything below; held while files are written
  std::map<std::chrono::sys_days, std::map<int, PlanSummary>> summaries_;
  // The highest version number seen per date, unreadable files included.
  std::map<std::chrono::sys_days, int> last_version_;
  std::vector<Problem> problems_;
  std::list<std::shared_ptr<const StoredPlan>> cache_;  // most recently used first
};

}  // namespace pingan::api
