// Working days (工作日) of the district, for deadlines a bureau counts in them: "handled within 3
// working days" (3个工作日内办结). Monday to Friday, less the public holidays, plus the weekend
// days worked in their place (调休) — both published each year by the State Council, so both
// are configuration, not code. Days are the district's (China Standard Time).
#pragma once

#include <chrono>
#include <set>

#include <nlohmann/json_fwd.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace pingan {

class WorkingCalendar {
 public:
  WorkingCalendar() = default;  // Monday to Friday, no holidays

  // From {"holidays": ["2026-10-01", ...], "workdays": ["2026-09-27", ...]}, dates YYYY-MM-DD;
  // errors name the field ("holidays[2]"). A day may not be in both lists.
  static Result<WorkingCalendar> FromJson(const nlohmann::json& doc);

  bool IsWorkingDay(std::chrono::sys_days district_day) const;

  // The end (24:00) of the `n`-th working day after the district day holding `t`: a request
  // received on a Friday evening with n = 3 is due at Wednesday 24:00 (n >= 1).
  TimePoint EndOfWorkingDaysAfter(TimePoint t, int n) const;

  nlohmann::json ToJson() const;

 private:
  std::set<std::chrono::sys_days> holidays_;
  std::set<std::chrono::sys_days> workdays_;
};

// The district day holding `t`, and the instant a district day begins (its 00:00 CST).
std::chrono::sys_days DistrictDayOf(TimePoint t);
TimePoint DistrictDayStart(std::chrono::sys_days day);

}  // namespace pingan
