#include "api/plan_store.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "api/durable_file.h"
#include "api/risk_layer.h"
#include "core/district_time.h"
#include "core/time_format.h"

namespace pingan::api {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "pingan.plan/1";

double Round(double v, double unit) {
  return std::round(v / unit) / std::round(1 / unit);
}

json TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? json(FormatIso8601(*t)) : json(nullptr);
}

std::optional<PlanStatus> ParsePlanStatus(std::string_view text) {
  for (PlanStatus s : {PlanStatus::kDraft, PlanStatus::kPublished, PlanStatus::kSuperseded})
    if (ToString(s) == text) return s;
  return std::nullopt;
}

json StatsJson(const patrol::PlanStats& s) {
  return {{"units", s.units},
          {"cells", s.cells},
          {"candidates", s.candidates},
          {"hours", s.hours},
          {"covered_share", Round(s.covered_share, 1e-4)},
          {"solve_ms", Round(s.solve_ms, 0.1)},
          {"coverage_ms", Round(s.coverage_ms, 0.1)},
          {"total_ms", Round(s.total_ms, 0.1)},
          {"duty_slots", s.duty_slots},
          {"duty_slots_held", s.duty_slots_held},
          {"hot_spells", s.hot_spells},
          {"hot_visits", s.hot_visits},
          {"revisit_misses", s.revisit_misses},
          {"longest_gap_s", Round(s.longest_gap_s, 1)}};
}

// Reads a document field by field, remembering where it is, so that an error names the field.
class FieldReader {
 public:
  // Throws json exceptions for a missing field or a wrong type; Parse turns them into errors.
  template <typename T>
  T Get(const json& object, const std::string& path, const char* name) {
    at_ = path.empty() ? std::string(name) : path + "." + name;
    if (!object.is_object() || !object.contains(name))
      throw std::invalid_argument(fmt::format("'{}' is missing", at_));
    return object.at(name).get<T>();
  }
  Result<double> Time(const json& object, const std::string& path, const char* name) {
    auto text = Get<std::string>(object, path, name);
    auto t = ParseTime(text);
    if (!t) return InvalidInput(at_, fmt::format("'{}' is not an ISO 8601 time", text));
    return DistrictSeconds(*t);
  }
  std::optional<TimePoint> OptionalTime(const json& object, const std::string& path,
                                        const char* name) {
    at_ = path.empty() ? std::string(name) : path + "." + name;
    if (!object.contains(name) || object.at(name).is_null()) return std::nullopt;
    auto t = ParseTime(object.at(name).get<std::string>());
    if (!t) throw std::invalid_argument(fmt::format("'{}' is not an ISO 8601 time", at_));
    return t;
  }
  const std::string& at() const { return at_; }

 private:
  std::string at_;
};

Result<StoredPlan> Parse(const json& doc) {
  FieldReader r;
  StoredPlan out;
  PlanSummary& s = out.summary;
  patrol::Plan& plan = out.plan;
  try {
    if (!doc.is_object()) return InvalidInput("", "a plan is a JSON object");
    if (auto format = r.Get<std::string>(doc, "", "format"); format != kFormat)
      return InvalidInput("format", fmt::format("unknown format '{}'", format));
    auto date = ParseDate(r.Get<std::string>(doc, "", "date"));
    if (!date) return InvalidInput("date", "not a date such as 2026-11-23");
    s.date = *date;
    s.version = r.Get<int>(doc, "", "version");
    if (s.version < 1) return InvalidInput("version", "versions start at 1");
    s.kind = r.Get<std::string>(doc, "", "kind");
    if (s.kind != "risk" && s.kind != "uniform")
      return InvalidInput("kind", fmt::format("unknown kind '{}'", s.kind));
    plan.name = s.kind;
    auto status = ParsePlanStatus(r.Get<std::string>(doc, "", "status"));
    if (!status) return InvalidInput("status", "draft, published or superseded");
    s.status = *status;
    auto created = ParseTime(r.Get<std::string>(doc, "", "created_at"));
    if (!created) return InvalidInput("created_at", "not an ISO 8601 time");
    s.created_at = *created;
    s.created_by = r.Get<std::string>(doc, "", "created_by");
    s.published_at = r.OptionalTime(doc, "", "published_at");
    if (doc.contains("published_by") && doc["published_by"].is_string())
      s.published_by = doc["published_by"].get<std::string>();
    s.superseded_at = r.OptionalTime(doc, "", "superseded_at");
    s.superseded_by = doc.value("superseded_by", json(nullptr)).is_number_integer()
                          ? doc["superseded_by"].get<int>()
                          : 0;
    if (s.status != PlanStatus::kDraft && !s.published_at)
      return InvalidInput("published_at", "a published or superseded plan was published");
    s.seed = r.Get<uint64_t>(doc, "", "seed");
    const json stats = r.Get<json>(doc, "", "stats");
    patrol::PlanStats& st = s.stats;
    st.units = r.Get<size_t>(stats, "stats", "units");
    st.cells = r.Get<size_t>(stats, "stats", "cells");
    st.candidates = r.Get<size_t>(stats, "stats", "candidates");
    st.hours = r.Get<size_t>(stats, "stats", "hours");
    st.covered_share = r.Get<double>(stats, "stats", "covered_share");
    st.solve_ms = r.Get<double>(stats, "stats", "solve_ms");
    st.coverage_ms = r.Get<double>(stats, "stats", "coverage_ms");
    st.total_ms = r.Get<double>(stats, "stats", "total_ms");
    st.duty_slots = r.Get<size_t>(stats, "stats", "duty_slots");
    st.duty_slots_held = r.Get<size_t>(stats, "stats", "duty_slots_held");
    st.hot_spells = r.Get<size_t>(stats, "stats", "hot_spells");
    st.hot_visits = r.Get<size_t>(stats, "stats", "hot_visits");
    st.revisit_misses = r.Get<size_t>(stats, "stats", "revisit_misses");
    st.longest_gap_s = r.Get<double>(stats, "stats", "longest_gap_s");

    std::map<std::string, int> unit_of;  // callsign → index
    if (!doc.contains("units") || !doc["units"].is_array())
      return InvalidInput("units", "a list of units");
    const json& units = doc["units"];
    for (size_t u = 0; u < units.size(); ++u) {
      const std::string path = fmt::format("units[{}]", u);
      const json& unit = units[u];
      patrol::PlanUnit pu;
      pu.id = r.Get<uint32_t>(unit, path, "unit_id");
      pu.callsign = r.Get<std::string>(unit, path, "callsign");
      auto mode = ParseTravelMode(r.Get<std::string>(unit, path, "mode"));
      if (!mode) return InvalidInput(path + ".mode", "car, motorcycle, foot or bicycle");
      pu.mode = *mode;
      pu.station_id = r.Get<std::string>(unit, path, "station_id");
      const json shift = r.Get<json>(unit, path, "shift");
      pu.shift_begin_hour = r.Get<int>(shift, path + ".shift", "begin_hour");
      pu.shift_end_hour = r.Get<int>(shift, path + ".shift", "end_hour");
      if (!unit_of.emplace(pu.callsign, int(u)).second)
        return InvalidInput(path + ".callsign", "two units have this callsign");
      std::vector<patrol::Stop> stops;
      if (!unit.contains("stops") || !unit["stops"].is_array())
        return InvalidInput(path + ".stops", "a list of stops");
      const json& list = unit["stops"];
      for (size_t k = 0; k < list.size(); ++k) {
        const std::string at = fmt::format("{}.stops[{}]", path, k);
        patrol::Stop stop;
        auto from = r.Time(list[k], at, "from");
        if (!from) return from.error();
        auto to = r.Time(list[k], at, "to");
        if (!to) return to.error();
        stop.from = *from;
        stop.to = *to;
        stop.at = {r.Get<double>(list[k], at, "lon"), r.Get<double>(list[k], at, "lat")};
        stop.duty = r.Get<std::string>(list[k], at, "duty");
        stop.cell = r.Get<int>(list[k], at, "cell");
        if (stop.to < stop.from) return InvalidInput(at + ".to", "a stop ends before it starts");
        if (!stops.empty() && stop.from < stops.back().to)
          return InvalidInput(at + ".from", "a stop starts before the one before it ends");
        stops.push_back(std::move(stop));
      }
      plan.units.push_back(std::move(pu));
      plan.stops.push_back(std::move(stops));
    }

    if (!doc.contains("duties") || !doc["duties"].is_array())
      return InvalidInput("duties", "a list of duties");
    const json& duties = doc["duties"];
    for (size_t d = 0; d < duties.size(); ++d) {
      const std::string path = fmt::format("duties[{}]", d);
      const json& duty = duties[d];
      patrol::DutyCover cover;
      cover.duty = r.Get<std::string>(duty, path, "duty");
      cover.kind = r.Get<std::string>(duty, path, "kind");
      auto from = r.Time(duty, path, "from");
      if (!from) return from.error();
      auto to = r.Time(duty, path, "to");
      if (!to) return to.error();
      cover.from = *from;
      cover.to = *to;
      cover.slot = r.Get<int>(duty, path, "slot");
      r.Get<json>(duty, path, "callsign");
      if (!duty["callsign"].is_null()) {
        auto it = unit_of.find(r.Get<std::string>(duty, path, "callsign"));
        if (it == unit_of.end()) return InvalidInput(path + ".callsign", "no unit of the plan");
        cover.unit = it->second;
      }
      out.duty_places[cover.duty] = {r.Get<double>(duty, path, "lon"),
                                     r.Get<double>(duty, path, "lat")};
      plan.duties.push_back(std::move(cover));
    }
  } catch (const std::exception& e) {
    // nlohmann's messages name the type, not the place: say where.
    return InvalidInput(r.at(), e.what());
  }
  return out;
}

// "v0012.json" → 12; nullopt for any other name.
std::optional<int> VersionOfFile(const std::string& name) {
  if (name.size() < 7 || name[0] != 'v' || !name.ends_with(".json")) return std::nullopt;
  std::string digits = name.substr(1, name.size() - 6);
  if (digits.empty() || digits.size() > 6 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int v = std::stoi(digits);
  return v >= 1 ? std::optional(v) : std::nullopt;
}

Result<StoredPlan> ReadPlanFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError("read", path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return InvalidInput("", fmt::format("not JSON ({} bytes; cut short?)", text.str().size()));
  return Parse(doc);
}

}  // namespace

std::string ToString(PlanStatus status) {
  switch (status) {
    case PlanStatus::kDraft: return "draft";
    case PlanStatus::kPublished: return "published";
    case PlanStatus::kSuperseded: return "superseded";
  }
  return "draft";
}

std::string DutyPlace(const std::string& id) {
  size_t colon = id.find(':');
  size_t at = id.rfind('@');
  if (colon == std::string::npos || at == std::string::npos || at <= colon) return id;
  return id.substr(colon + 1, at - colon - 1);
}

std::string PlanSummary::Id() const {
  return fmt::format("{}/v{}", FormatDate(date), version);
}

std::string FormatDistrictTime(double local_seconds) {
  const std::chrono::sys_seconds t{std::chrono::seconds(std::llround(local_seconds))};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::hh_mm_ss hms(t - day);
  return fmt::format("{}T{:02d}:{:02d}:{:02d}+08:00", FormatDate(day), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
}

json SummaryJson(const PlanSummary& s) {
  return {{"id", s.Id()},
          {"date", FormatDate(s.date)},
          {"version", s.version},
          {"kind", s.kind},
          {"status", ToString(s.status)},
          {"created_at", FormatIso8601(s.created_at)},
          {"created_by", s.created_by},
          {"published_at", TimeOrNull(s.published_at)},
          {"published_by", s.published_at ? json(s.published_by) : json(nullptr)},
          {"superseded_at", TimeOrNull(s.superseded_at)},
          {"superseded_by", s.superseded_by > 0 ? json(s.superseded_by) : json(nullptr)},
          {"seed", s.seed},
          {"stats", StatsJson(s.stats)}};
}

json PlanJson(const StoredPlan& p) {
  json out = SummaryJson(p.summary);
  out["format"] = kFormat;
  const double day = double(p.summary.date.time_since_epoch().count()) * 86400;
  out["from"] = FormatDistrictTime(day);
  out["to"] = FormatDistrictTime(day + 86400);
  json units = json::array();
  for (size_t u = 0; u < p.plan.units.size(); ++u) {
    const patrol::PlanUnit& unit = p.plan.units[u];
    json stops = json::array();
    if (u < p.plan.stops.size()) {
      for (const patrol::Stop& s : p.plan.stops[u]) {
        stops.push_back({{"from", FormatDistrictTime(s.from)},
                         {"to", FormatDistrictTime(s.to)},
                         {"lon", Round(s.at.lon, 1e-7)},
                         {"lat", Round(s.at.lat, 1e-7)},
                         {"duty", s.duty},
                         {"cell", s.cell}});
      }
    }
    units.push_back(
        {{"unit_id", unit.id},
         {"callsign", unit.callsign},
         {"mode", ToString(unit.mode)},
         {"station_id", unit.station_id},
         {"shift", {{"begin_hour", unit.shift_begin_hour}, {"end_hour", unit.shift_end_hour}}},
         {"stops", std::move(stops)}});
  }
  json duties = json::array();
  for (const patrol::DutyCover& d : p.plan.duties) {
    auto place = p.duty_places.find(d.duty);
    const LonLat at = place == p.duty_places.end() ? LonLat{} : place->second;
    const bool staffed = d.unit >= 0 && size_t(d.unit) < p.plan.units.size();
    duties.push_back(
        {{"duty", d.duty},
         {"kind", d.kind},
         {"place", DutyPlace(d.duty)},
         {"lon", Round(at.lon, 1e-7)},
         {"lat", Round(at.lat, 1e-7)},
         {"from", FormatDistrictTime(d.from)},
         {"to", FormatDistrictTime(d.to)},
         {"slot", d.slot},
         {"callsign", staffed ? json(p.plan.units[size_t(d.unit)].callsign) : json(nullptr)},
         {"unit_id", staffed ? json(p.plan.units[size_t(d.unit)].id) : json(nullptr)}});
  }
  out["units"] = std::move(units);
  out["duties"] = std::move(duties);
  return out;
}

Result<StoredPlan> ParsePlanJson(const json& doc) {
  return Parse(doc);
}

// ---------------------------------------------------------------------------------------------

Result<std::unique_ptr<PlanStore>> PlanStore::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Error{ErrorCode::kUnavailable, fmt::format("cannot create {}: {}", dir, ec.message()),
                 ""};
  std::unique_ptr<PlanStore> store(new PlanStore(dir));
  std::vector<fs::path> days;
  std::error_code entry_ec;  // an entry that cannot be looked at is passed over
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(entry_ec) && ParseDate(e.path().filename().string()))
      days.push_back(e.path());
  if (ec)
    return Error{ErrorCode::kUnavailable, fmt::format("cannot list {}: {}", dir, ec.message()), ""};
  std::sort(days.begin(), days.end());
  for (const fs::path& day_dir : days) {
    const std::chrono::sys_days date = *ParseDate(day_dir.filename().string());
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(day_dir, ec))
      if (e.is_regular_file(entry_ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string name = file.filename().string();
      const std::string relative = day_dir.filename().string() + "/" + name;
      if (name.starts_with(".") && name.ends_with(".tmp")) {
        // A write a crash cut short: its version was never stored, nor acknowledged.
        spdlog::warn("plans: removing {}, left by an interrupted write", relative);
        fs::remove(file, ec);
        continue;
      }
      auto version = VersionOfFile(name);
      if (!version) continue;
      int& last = store->last_version_[date];
      last = std::max(last, *version);
      auto plan = ReadPlanFile(file.string());
      std::string problem;
      if (!plan) {
        problem = plan.error().field.empty()
                      ? plan.error().message
                      : fmt::format("{}: {}", plan.error().field, plan.error().message);
      } else if (plan->summary.date != date || plan->summary.version != *version) {
        problem = fmt::format("it says it is {}, not {}/v{}", plan->summary.Id(), FormatDate(date),
                              *version);
      }
      if (!problem.empty()) {
        spdlog::error("plans: skipped {}: {}", relative, problem);
        store->problems_.push_back({relative, problem});
        continue;
      }
      store->summaries_[date][*version] = plan->summary;
    }
  }

  // Two published versions of a date: a crash between publishing one and superseding the other.
  for (auto& [date, versions] : store->summaries_) {
    PlanSummary* winner = nullptr;
    for (auto& [v, s] : versions) {
      if (s.status != PlanStatus::kPublished) continue;
      if (!winner || *s.published_at >= *winner->published_at) winner = &s;
    }
    for (auto& [v, s] : versions) {
      if (s.status != PlanStatus::kPublished || &s == winner) continue;
      spdlog::warn("plans: {} and {} were both published; keeping {}", s.Id(), winner->Id(),
                   winner->Id());
      s.status = PlanStatus::kSuperseded;
      s.superseded_at = winner->published_at;
      s.superseded_by = winner->version;
      auto whole = ReadPlanFile(store->FileOf(date, v));
      if (whole) {
        whole->summary = s;
        if (Status w = store->Write(*whole); !w)
          spdlog::error("plans: cannot rewrite {}: {}", s.Id(), w.error().message);
      }
    }
  }
  size_t count = 0;
  for (const auto& [date, versions] : store->summaries_) count += versions.size();
  spdlog::info(
      "plans: {} versions of {} days in {}{}", count, store->summaries_.size(), dir,
      store->problems_.empty() ? "" : fmt::format("; {} files skipped", store->problems_.size()));
  return store;
}

std::string PlanStore::FileOf(std::chrono::sys_days date, int version) const {
  return fmt::format("{}/{}/v{:04d}.json", dir_, FormatDate(date), version);
}

Status PlanStore::Write(const StoredPlan& plan) const {
  const std::string day_dir = dir_ + "/" + FormatDate(plan.summary.date);
  if (!fs::exists(day_dir)) {
    std::error_code ec;
    fs::create_directories(day_dir, ec);
    if (ec)
      return Error{ErrorCode::kUnavailable,
                   fmt::format("cannot create {}: {}", day_dir, ec.message()), ""};
    // The new directory's entry must survive a crash too.
    if (Status s = SyncDirectory(dir_); !s) return s;
  }
  return WriteFileAtomically(FileOf(plan.summary.date, plan.summary.version),
                             PlanJson(plan).dump());
}

PlanSummary* PlanStore::Find(std::chrono::sys_days date, int version) {
  auto day = summaries_.find(date);
  if (day == summaries_.end()) return nullptr;
  auto it = day->second.find(version);
  return it == day->second.end() ? nullptr : &it->second;
}

void PlanStore::Remember(std::shared_ptr<const StoredPlan> plan) {
  std::erase_if(cache_, [&](const auto& p) {
    return p->summary.date == plan->summary.date && p->summary.version == plan->summary.version;
  });
  cache_.push_front(std::move(plan));
  while (cache_.size() > kPlansCached) cache_.pop_back();
}

Result<std::shared_ptr<const StoredPlan>> PlanStore::Load(std::chrono::sys_days date, int version) {
  const PlanSummary* summary = Find(date, version);
  if (!summary)
    return NotFound(fmt::format("no plan {}/v{}", FormatDate(date), version), "version");
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if ((*it)->summary.date == date && (*it)->summary.version == version) {
      auto found = *it;
      cache_.splice(cache_.begin(), cache_, it);
      return found;
    }
  }
  auto read = ReadPlanFile(FileOf(date, version));
  if (!read)
    return Error{
        ErrorCode::kUnavailable,
        fmt::format("plan {} can no longer be read: {}", summary->Id(), read.error().message), ""};
  // What is in memory decides the status (a failed rewrite on superseding leaves the file
  // saying published; a restart repairs it the same way).
  read->summary = *summary;
  auto plan = std::make_shared<const StoredPlan>(std::move(*read));
  Remember(plan);
  return plan;
}

Result<PlanSummary> PlanStore::Add(StoredPlan plan) {
  std::lock_guard lock(mutex_);
  PlanSummary& s = plan.summary;
  s.version = last_version_[s.date] + 1;
  s.status = PlanStatus::kDraft;
  s.published_at.reset();
  s.published_by.clear();
  s.superseded_at.reset();
  s.superseded_by = 0;
  // Kept as it reads back from its file (times to the second, positions to 1e-7°), so that
  // what units are told does not change when the server restarts.
  auto normal = Parse(PlanJson(plan));
  if (!normal)
    return Error{ErrorCode::kInternal,
                 fmt::format("a built plan does not read back: {}: {}", normal.error().field,
                             normal.error().message),
                 ""};
  if (Status w = Write(*normal); !w) return w.error();
  last_version_[s.date] = s.version;
  summaries_[s.date][s.version] = normal->summary;
  PlanSummary out = normal->summary;
  Remember(std::make_shared<const StoredPlan>(std::move(*normal)));
  return out;
}

std::vector<PlanSummary> PlanStore::Versions(std::chrono::sys_days date) const {
  std::lock_guard lock(mutex_);
  std::vector<PlanSummary> out;
  if (auto day = summaries_.find(date); day != summaries_.end())
    for (const auto& [v, s] : day->second) out.push_back(s);
  return out;
}

std::optional<PlanSummary> PlanStore::Published(std::chrono::sys_days date) const {
  std::lock_guard lock(mutex_);
  if (auto day = summaries_.find(date); day != summaries_.end())
    for (const auto& [v, s] : day->second)
      if (s.status == PlanStatus::kPublished) return s;
  return std::nullopt;
}

Result<std::shared_ptr<const StoredPlan>> PlanStore::Get(std::chrono::sys_days date, int version) {
  std::lock_guard lock(mutex_);
  return Load(date, version);
}

Result<PlanSummary> PlanStore::Publish(std::chrono::sys_days date, int version,
                                       const std::string& by, TimePoint at, int* superseded) {
  std::lock_guard lock(mutex_);
  if (superseded) *superseded = 0;
  PlanSummary* target = Find(date, version);
  if (!target) return NotFound(fmt::format("no plan {}/v{}", FormatDate(date), version), "version");
  if (target->status == PlanStatus::kPublished) return *target;
  if (target->status == PlanStatus::kSuperseded) {
    return Conflict(fmt::format("{} was superseded by version {}; a version is published once: "
                                "build a new version to go back to this plan",
                                target->Id(), target->superseded_by),
                    "version");
  }
  auto whole = Load(date, version);
  if (!whole) return whole.error();
  auto published = std::make_shared<StoredPlan>(**whole);
  published->summary.status = PlanStatus::kPublished;
  published->summary.published_at = at;
  published->summary.published_by = by;
  // The new version first: should a crash follow, the date still has a published plan, and
  // the store, reopened, supersedes the older one itself.
  if (Status w = Write(*published); !w) return w.error();
  *target = published->summary;
  Remember(published);

  for (auto& [v, s] : summaries_[date]) {
    if (v == version || s.status != PlanStatus::kPublished) continue;
    s.status = PlanStatus::kSuperseded;
    s.superseded_at = at;
    s.superseded_by = version;
    if (superseded) *superseded = v;
    auto old = Load(date, v);
    if (!old) {
      spdlog::error("plans: cannot mark {} superseded: {}", s.Id(), old.error().message);
      continue;
    }
    auto marked = std::make_shared<StoredPlan>(**old);
    marked->summary = s;
    if (Status w = Write(*marked); !w)
      spdlog::error("plans: cannot mark {} superseded: {}", s.Id(), w.error().message);
    Remember(marked);
  }
  return *Find(date, version);
}

std::vector<PlanStore::Problem> PlanStore::problems() const {
  std::lock_guard lock(mutex_);
  return problems_;
}

std::vector<PlanStore::Problem> PlanStore::problems(std::chrono::sys_days date) const {
  std::lock_guard lock(mutex_);
  std::vector<Problem> out;
  const std::string prefix = FormatDate(date) + "/";
  for (const Problem& p : problems_)
    if (p.file.starts_with(prefix)) out.push_back(p);
  return out;
}

}  // namespace pingan::api
