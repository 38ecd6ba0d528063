#include "core/working_calendar.h"

#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "core/district_time.h"

namespace pingan {

namespace {

constexpr std::chrono::seconds kUtcOffset{kDistrictUtcOffsetSeconds};

std::optional<std::chrono::sys_days> ParseDay(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

std::string FormatDay(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd(day);
  return fmt::format("{:04}-{:02}-{:02}", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()));
}

}  // namespace

std::chrono::sys_days DistrictDayOf(TimePoint t) {
  return std::chrono::floor<std::chrono::days>(t + kUtcOffset);
}

TimePoint DistrictDayStart(std::chrono::sys_days day) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(day - kUtcOffset);
}

Result<WorkingCalendar> WorkingCalendar::FromJson(const nlohmann::json& doc) {
  if (!doc.is_object()) {
    return InvalidInput("working_calendar", "expected {\"holidays\": [...], \"workdays\": [...]}");
  }
  WorkingCalendar calendar;
  for (const auto& [key, value] : doc.items()) {
    std::set<std::chrono::sys_days>* into = key == "holidays"   ? &calendar.holidays_
                                            : key == "workdays" ? &calendar.workdays_
                                                                : nullptr;
    if (into == nullptr) return InvalidInput(key, "unknown key; holidays or workdays");
    if (!value.is_array()) return InvalidInput(key, "expected an array of dates YYYY-MM-DD");
    for (size_t i = 0; i < value.size(); ++i) {
      auto day = ParseDay(value[i]);
      if (!day) {
        return InvalidInput(fmt::format("{}[{}]", key, i),
                            fmt::format("{} is not a date YYYY-MM-DD", value[i].dump()));
      }
      into->insert(*day);
    }
  }
  for (auto day : calendar.holidays_) {
    if (calendar.workdays_.contains(day)) {
      return InvalidInput("workdays", FormatDay(day) + " is also a holiday");
    }
  }
  return calendar;
}

bool WorkingCalendar::IsWorkingDay(std::chrono::sys_days district_day) const {
  if (holidays_.contains(district_day)) return false;
  if (workdays_.contains(district_day)) return true;
  std::chrono::weekday wd(district_day);
  return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
}

TimePoint WorkingCalendar::EndOfWorkingDaysAfter(TimePoint t, int n) const {
  PINGAN_CHECK(n >= 1);
  std::chrono::sys_days day = DistrictDayOf(t);
  // Even the longest holiday (Spring Festival with weekends) is well under a month.
  for (int counted = 0, guard = 0; counted < n; ++guard) {
    PINGAN_CHECK(guard < 366 * 10);
    day += std::chrono::days(1);
    if (IsWorkingDay(day)) ++counted;
  }
  return DistrictDayStart(day + std::chrono::days(1));
}

nlohmann::json WorkingCalendar::ToJson() const {
  nlohmann::json holidays = nlohmann::json::array(), workdays = nlohmann::json::array();
  for (auto d : holidays_) holidays.push_back(FormatDay(d));
  for (auto d : workdays_) workdays.push_back(FormatDay(d));
  return {{"weekend", {"Saturday", "Sunday"}}, {"holidays", holidays}, {"workdays", workdays}};
}

}  // namespace pingan
