// The forces on duty as data (FORCES.json, docs/patrol.md): units per shift with their mode and
// home station, and the fixed duties a plan must staff. Shared by `pingan simulate` and the
// plans API.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "patrol/plans.h"

namespace pingan::patrol {

struct Forces {
  std::vector<PlanUnit> units;
  std::vector<FixedDuty> duties;
};

// {"units": [{"callsign", "mode", "count", "shift": "8-20", "station"}],
//  "duties": [{"id", "kind", "lon", "lat", "from": "07:30", "to": "08:30", "units", "modes"}]}.
// Errors name the field ("units[1].mode", "duties[0].from").
Result<Forces> ParseForces(const nlohmann::json& doc);

nlohmann::json ForcesToJson(const Forces& forces);

// "07:30" → 450; "24:00" and later allowed for windows past midnight (up to "48:00").
std::optional<int> ParseClockMinutes(std::string_view text);

}  // namespace pingan::patrol
