#include "dispatch/dispatch_rules.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/incident_workflow.h"

namespace pingan::dispatch {

const std::vector<TravelMode>& CategoryRule::ModesFor(int priority) const {
  auto it = modes_by_priority.find(priority);
  return it == modes_by_priority.end() ? modes : it->second;
}

const CategoryRule& DispatchRules::For(const std::string& category) const {
  const CategoryRule* fallback = nullptr;
  for (const CategoryRule& rule : categories) {
    if (rule.category == category) return rule;
    if (rule.category == "*") fallback = &rule;
  }
  PINGAN_CHECK(fallback != nullptr);  // ParseDispatchRules requires a "*" rule
  return *fallback;
}

bool IsAuxiliary(Force force) {
  return force == Force::kGuard || force == Force::kVolunteer;
}

DispatchRules DefaultDispatchRules() {
  using enum Force;
  using enum TravelMode;
  const std::vector<Force> police = {kPatrol, kStation, kHq};
  const std::vector<Force> everyone = {kPatrol, kStation, kHq, kGuard, kVolunteer};
  const std::vector<TravelMode> all_modes = {kCar, kMotorcycle, kFoot, kBicycle};
  DispatchRules rules;
  rules.categories = {
      // Criminal incidents: police first; priority 1 (in progress) needs wheels and two crews.
      {"criminal", everyone, all_modes, {{1, {kCar, kMotorcycle}}}, {2, 2, 1, 1}, true},
      {"public_order", everyone, all_modes, {{1, {kCar, kMotorcycle}}}, {2, 1, 1, 1}, false},
      // Traffic: only vehicles can reach and secure a crash scene.
      {"traffic", police, {kCar, kMotorcycle}, {}, {2, 1, 1, 1}, false},
      {"fire", everyone, all_modes, {}, {1, 1, 1, 1}, false},
      {"help", everyone, all_modes, {}, {1, 1, 1, 1}, false},
      {"dispute", everyone, all_modes, {}, {1, 1, 1, 1}, false},
      {"tip_off", police, all_modes, {}, {1, 1, 1, 1}, false},
      {"*", everyone, all_modes, {}, {1, 1, 1, 1}, false},
  };
  return rules;
}

namespace {

template <typename T, typename ParseFn>
Result<std::vector<T>> ParseList(const nlohmann::json& json, const std::string& field,
                                 ParseFn parse, std::string_view expected) {
  if (!json.is_array()) return InvalidInput(field, "expected an array");
  std::vector<T> out;
  for (size_t i = 0; i < json.size(); ++i) {
    std::string item_field = fmt::format("{}[{}]", field, i);
    if (!json[i].is_string()) return InvalidInput(item_field, "expected a string");
    auto value = parse(json[i].template get<std::string>());
    if (!value) return InvalidInput(item_field, fmt::format("expected one of {}", expected));
    out.push_back(*value);
  }
  return out;
}

}  // namespace

Result<DispatchRules> ParseDispatchRules(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidInput("", "expected a JSON object");
  DispatchRules rules;
  constexpr std::string_view kForces = "patrol, station, hq, guard, volunteer";
  constexpr std::string_view kModes = "car, motorcycle, foot, bicycle";
  auto number = [&](const char* key, double min, double max) -> Result<double> {
    const auto& v = json.at(key);
    if (!v.is_number() || v.get<double>() < min || v.get<double>() > max) {
      return InvalidInput(key, fmt::format("expected a number from {} to {}", min, max));
    }
    return v.get<double>();
  };
  if (json.contains("stale_position_s")) {
    auto v = number("stale_position_s", 1, 86400);
    if (!v) return v.error();
    rules.stale_after = std::chrono::seconds(int64_t(*v));
  }
  if (json.contains("max_eta_s")) {
    auto v = number("max_eta_s", 1, 86400);
    if (!v) return v.error();
    rules.max_eta = std::chrono::seconds(int64_t(*v));
  }
  if (json.contains("max_snap_distance_m")) {
    auto v = number("max_snap_distance_m", 1, 100000);
    if (!v) return v.error();
    rules.max_snap_distance_m = *v;
  }
  if (json.contains("allow_outside_station")) {
    if (!json["allow_outside_station"].is_boolean()) {
      return InvalidInput("allow_outside_station", "expected true or false");
    }
    rules.allow_outside_station = json["allow_outside_station"].get<bool>();
  }
  if (!json.contains("categories") || !json["categories"].is_array()) {
    return InvalidInput("categories", "expected an array of category rules");
  }
  const auto& list = json["categories"];
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    std::string at = fmt::format("categories[{}]", i);
    if (!item.is_object()) return InvalidInput(at, "expected an object");
    CategoryRule rule;
    if (!item.contains("category") || !item["category"].is_string()) {
      return InvalidInput(at + ".category", "expected a category code or \"*\"");
    }
    rule.category = item["category"].get<std::string>();
    if (rule.category != "*" && FindIncidentCategory(rule.category) == nullptr) {
      // A typo would otherwise quietly fall under "*".
      return InvalidInput(at + ".category", fmt::format("unknown category '{}'", rule.category));
    }
    auto forces = ParseList<Force>(item.value("forces", nlohmann::json::array()), at + ".forces",
                                   ParseForce, kForces);
    if (!forces) return forces.error();
    if (forces->empty()) return InvalidInput(at + ".forces", "name at least one force");
    rule.forces = *forces;
    auto modes = ParseList<TravelMode>(item.value("modes", nlohmann::json::array()), at + ".modes",
                                       ParseTravelMode, kModes);
    if (!modes) return modes.error();
    if (modes->empty()) return InvalidInput(at + ".modes", "name at least one mode");
    rule.modes = *modes;
    if (item.contains("modes_by_priority")) {
      if (!item["modes_by_priority"].is_object()) {
        return InvalidInput(at + ".modes_by_priority", "expected an object keyed by priority");
      }
      for (const auto& [key, value] : item["modes_by_priority"].items()) {
        std::string field = at + ".modes_by_priority." + key;
        if (key.size() != 1 || key[0] < '1' || key[0] > '4') {
          return InvalidInput(field, "keys are priorities 1 to 4");
        }
        auto m = ParseList<TravelMode>(value, field, ParseTravelMode, kModes);
        if (!m) return m.error();
        if (m->empty()) return InvalidInput(field, "name at least one mode");
        rule.modes_by_priority[key[0] - '0'] = *m;
      }
    }
    if (item.contains("units_needed")) {
      const auto& needed = item["units_needed"];
      if (!needed.is_array() || needed.size() != 4) {
        return InvalidInput(at + ".units_needed", "expected 4 numbers, for priorities 1 to 4");
      }
      for (int p = 0; p < 4; ++p) {
        if (!needed[p].is_number_integer() || needed[p].get<int>() < 1 ||
            needed[p].get<int>() > 20) {
          return InvalidInput(fmt::format("{}.units_needed[{}]", at, p), "expected 1 to 20");
        }
        rule.units_needed[p] = needed[p].get<int>();
      }
    }
    if (item.contains("auxiliaries_need_police")) {
      if (!item["auxiliaries_need_police"].is_boolean()) {
        return InvalidInput(at + ".auxiliaries_need_police", "expected true or false");
      }
      rule.auxiliaries_need_police = item["auxiliaries_need_police"].get<bool>();
    }
    rules.categories.push_back(std::move(rule));
  }
  if (std::none_of(rules.categories.begin(), rules.categories.end(),
                   [](const CategoryRule& r) { return r.category == "*"; })) {
    return InvalidInput("categories", "add a rule for category \"*\" (every other category)");
  }
  return rules;
}

nlohmann::json DispatchRulesToJson(const DispatchRules& rules) {
  nlohmann::json categories = nlohmann::json::array();
  for (const CategoryRule& r : rules.categories) {
    nlohmann::json forces = nlohmann::json::array(), modes = nlohmann::json::array();
    for (Force f : r.forces) forces.push_back(ToString(f));
    for (TravelMode m : r.modes) modes.push_back(ToString(m));
    nlohmann::json by_priority = nlohmann::json::object();
    for (const auto& [p, list] : r.modes_by_priority) {
      nlohmann::json l = nlohmann::json::array();
      for (TravelMode m : list) l.push_back(ToString(m));
      by_priority[std::to_string(p)] = l;
    }
    categories.push_back({{"category", r.category},
                          {"forces", forces},
                          {"modes", modes},
                          {"modes_by_priority", by_priority},
                          {"units_needed", r.units_needed},
                          {"auxiliaries_need_police", r.auxiliaries_need_police}});
  }
  return {{"stale_position_s", rules.stale_after.count()},
          {"max_eta_s", rules.max_eta.count()},
          {"max_snap_distance_m", rules.max_snap_distance_m},
          {"allow_outside_station", rules.allow_outside_station},
          {"categories", categories}};
}

}  // namespace pingan::dispatch
