#include "cases/callback_runner.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "core/check.h"
#include "core/district_time.h"
#include "core/pii.h"

namespace pingan::cases {
namespace {

constexpr int kQuietFromHour = 22;
constexpr int kQuietToHour = 8;
constexpr double kDay = 86400;

// 12 characters from a 31-letter alphabet without look-alikes (59 bits) drawn from the
// system's CSPRNG: a code seen in one SMS says nothing of the next one.
std::string NewLinkCode() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
  static const bool kReady = sodium_init() >= 0;
  PINGAN_CHECK(kReady);
  std::string code(12, ' ');
  for (char& c : code) c = kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
  return code;
}

double HourOfDay(TimePoint t) {
  double local = DistrictSeconds(t);
  double day_start = std::floor(local / kDay) * kDay;
  return (local - day_start) / 3600;
}

struct Job {
  enum Kind { kSend, kRemind, kPhoneTask } kind;
  CaseId id;
  std::string phone;  // the caller's, as the incident has it
  IncidentId incident;
  TimePoint received_at;
  std::string link_code;
};

}  // namespace

bool InQuietHours(TimePoint t) {
  double h = HourOfDay(t);
  return h >= kQuietFromHour || h < kQuietToHour;
}

TimePoint QuietHoursEnd(TimePoint t) {
  double local = DistrictSeconds(t);
  double day_start = std::floor(local / kDay) * kDay;
  double end = day_start + kQuietToHour * 3600.0;
  if (local >= end) end += kDay;  // evening: tomorrow morning
  return FromDistrictSeconds(end);
}

std::string CallbackText(IncidentId incident, TimePoint received_at, const std::string& link) {
  double local = DistrictSeconds(received_at);
  auto days = static_cast<long long>(std::floor(local / kDay));
  std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  double h = HourOfDay(received_at);
  int hour = static_cast<int>(h);
  int minute = static_cast<int>((h - hour) * 60);
  return fmt::format(
      "您好！您{}月{}日{:02}:{:02}向110求助的事项（警情号{}）已处理完毕。请对民警的处置作出评价，"
      "回复数字：1 满意，2 基本满意，3 不满意；或点击 {} 评价。感谢您的监督！",
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), hour, minute,
      incident, link);
}

CallbackRunner::CallbackRunner(engine::Engine& engine, sms::SmsGateway& gateway,
                               CallbackRunnerOptions options)
    : engine_(engine), gateway_(gateway), options_(std::move(options)) {}

CallbackRunner::~CallbackRunner() {
  Stop();
}

void CallbackRunner::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      RunOnce();
      lock.lock();
      cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
    }
  });
}

void CallbackRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

CallbackPass CallbackRunner::RunOnce() {
  std::lock_guard pass_lock(pass_mu_);
  CallbackPass pass;
  const TimePoint now = engine_.clock().Now();
  const CaseCatalog& catalog = engine_.case_catalog();
  const std::string kind = catalog.on_incident_closed;
  if (kind.empty()) return pass;

  if (engine_.stats().is_failed) return pass;  // nothing can be recorded until a restart

  std::vector<Job> jobs;
  engine_.Read([&](const engine::ReadView& v) {
    for (const auto& [id, c] : v.cases) {
      if (c->kind != kind || !c->IsOpen()) continue;
      auto retry = retry_after_.find(id);
      if (retry != retry_after_.end() && retry->second > now) continue;
      auto incident = v.incidents.find(c->incident_id);
      if (incident == v.incidents.end()) continue;
      Job job{Job::kSend,
              id,
              incident->second->caller_phone,
              c->incident_id,
              incident->second->received_at,
              FieldText(c->fields, "link_code")};
      if (c->state == "scheduled") {
        auto send_at = c->fields.find("send_at");
        TimePoint due = send_at != c->fields.end() && send_at->is_number_integer()
                            ? FromMillis(send_at->get<long long>())
                            : c->opened_at;
        // Scheduled "at once" (no delay) goes at once; a delayed one waits out the night.
        if (options_.quiet_hours && due > c->opened_at && InQuietHours(due))
          due = QuietHoursEnd(due);
        if (due <= now) jobs.push_back(job);
      } else if (c->state == "sms_sent") {
        int level = 0;
        for (const SlaTimer& t : c->slas) level = std::max(level, t.escalation_level);
        if (level >= 2) {
          job.kind = Job::kPhoneTask;
          jobs.push_back(job);
        } else if (level >= 1 && FieldText(c->fields, "reminder_sms_id").empty() &&
                   !(options_.quiet_hours && InQuietHours(now))) {
          job.kind = Job::kRemind;
          jobs.push_back(job);
        }
      }
    }
  });

  // A step the ledger did not take is tried again after retry_after, not on the next pass:
  // an SMS already sent must not go out every second while the ledger refuses writes.
  auto record = [&](CaseId id, std::string action, nlohmann::json fields) {
    auto done = engine_.Execute(Command{"system", CaseAction{id, std::move(action), fields}});
    if (!done) {
      retry_after_[id] = now + options_.retry_after;
      spdlog::warn("callback {}: {} not recorded: {}", id, fields.dump(), done.error().message);
    }
    return done.has_value();
  };
  for (Job& job : jobs) {
    if (job.kind == Job::kPhoneTask) {
      pass.phone_tasks += record(job.id, "assign_phone", {{"reason", "短信48小时未回复"}});
      continue;
    }
    auto number = sms::NormalizeMobileNumber(job.phone);
    if (!number) {  // a landline or a garbled number: a person calls instead
      pass.phone_tasks += record(job.id, "assign_phone", {{"reason", "来电号码不是手机号"}});
      continue;
    }
    if (job.link_code.empty()) job.link_code = fmt::format("{}-{}", job.id, NewLinkCode());
    std::string link = options_.link_base + "/hf/?c=" + job.link_code;
    std::string text = CallbackText(job.incident, job.received_at, link);
    if (job.kind == Job::kRemind) text = "（提醒）" + text;
    auto sent = gateway_.Send({*number, text, "callback"});
    if (!sent) {
      ++pass.failed;
      retry_after_[job.id] = now + options_.retry_after;
      spdlog::warn("callback {}: the SMS gateway failed: {}", job.id, sent.error().message);
      continue;
    }
    retry_after_.erase(job.id);
    if (job.kind == Job::kSend) {
      pass.sent +=
          record(job.id, "send_sms",
                 {{"to", MaskPhone(*number)}, {"sms_id", sent->id}, {"link_code", job.link_code}});
    } else {
      pass.reminded +=
          record(job.id, "remind", {{"to", MaskPhone(*number)}, {"reminder_sms_id", sent->id}});
    }
  }
  return pass;
}

}  // namespace pingan::cases
