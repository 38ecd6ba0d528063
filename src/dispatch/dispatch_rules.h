// Dispatch rules as data: which forces and modes suit which incident categories and
// priorities, how many units an incident needs, and when a unit's position is too old.
// Defaults in dispatch_rules.cc; a bureau overrides them with JSON (docs/dispatch.md).
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/domain.h"
#include "core/result.h"

namespace pingan::dispatch {

struct CategoryRule {
  std::string category;           // an incident category code, or "*" for every other category
  std::vector<Force> forces;      // forces that may be sent
  std::vector<TravelMode> modes;  // modes that may be sent
  std::map<int, std::vector<TravelMode>> modes_by_priority;  // overrides `modes` for a priority
  std::array<int, 4> units_needed{1, 1, 1, 1};               // by priority 1..4
  // Guards and volunteers (保安, 义警) only go together with police, never alone.
  bool auxiliaries_need_police = false;

  const std::vector<TravelMode>& ModesFor(int priority) const;
};

struct DispatchRules {
  std::vector<CategoryRule> categories;
  // A position older than this is flagged stale and the unit passed over.
  std::chrono::seconds stale_after{300};
  // Units whose home station is not the incident's station may be recommended.
  bool allow_outside_station = true;
  // Give up searching beyond this travel time.
  std::chrono::seconds max_eta{3600};
  // A unit farther than this from any road it can use is not placed on the network.
  double max_snap_distance_m = 500;

  const CategoryRule& For(const std::string& category) const;
};

DispatchRules DefaultDispatchRules();
// Errors name the JSON field ("categories[2].forces[0]").
Result<DispatchRules> ParseDispatchRules(const nlohmann::json& json);
nlohmann::json DispatchRulesToJson(const DispatchRules& rules);

bool IsAuxiliary(Force force);  // guard or volunteer

}  // namespace pingan::dispatch
