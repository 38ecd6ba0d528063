#include "core/workflow.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pingan {

namespace {

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

TimePoint StepDueAt(const SlaRule& rule, const SlaTimer& timer, int level) {
  return timer.deadline + rule.escalation[level - 1].after;
}

}  // namespace

const WorkflowState* WorkflowDefinition::FindState(std::string_view name) const {
  for (const WorkflowState& s : states) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool WorkflowDefinition::IsTerminal(std::string_view state) const {
  const WorkflowState* s = FindState(state);
  return s != nullptr && s->is_terminal;
}

std::vector<std::string> WorkflowDefinition::Actions() const {
  std::vector<std::string> out;
  for (const WorkflowTransition& t : transitions) {
    if (!Contains(out, t.action)) out.push_back(t.action);
  }
  return out;
}

Result<const WorkflowTransition*> ResolveTransition(
    const WorkflowDefinition& def, std::string_view state, std::string_view action,
    const std::function<bool(std::string_view)>& has_field) {
  bool known = false;
  for (const WorkflowTransition& t : def.transitions) {
    if (t.action != action) continue;
    known = true;
    if (!Contains(t.from, state)) continue;
    for (const std::string& field : t.required_fields) {
      if (!has_field(field)) {
        return InvalidInput(field, fmt::format("{} of a {} needs '{}'", action, def.kind, field));
      }
    }
    return &t;
  }
  if (!known) {
    return InvalidInput("action", fmt::format("unknown action '{}' for a {}; one of: {}", action,
                                              def.kind, fmt::join(def.Actions(), ", ")));
  }
  return Conflict(fmt::format("cannot {} a {} {}", action, state, def.kind), "status");
}

std::chrono::seconds SlaDeadline(const SlaRule& rule, int priority) {
  PINGAN_CHECK(!rule.by_priority.empty());
  size_t i = static_cast<size_t>(std::max(priority, 1) - 1);
  return rule.by_priority[std::min(i, rule.by_priority.size() - 1)];
}

TimePoint SlaDueAt(const SlaRule& rule, int priority, TimePoint from) {
  if (rule.working_days > 0) {
    static const WorkingCalendar kWeekdays;
    return (rule.calendar ? *rule.calendar : kWeekdays)
        .EndOfWorkingDaysAfter(from, rule.working_days);
  }
  return from + SlaDeadline(rule, priority);
}

std::vector<SlaTimer> StartSlaTimers(const WorkflowDefinition& def, int priority,
                                     TimePoint opened_at) {
  std::vector<SlaTimer> timers;
  for (const SlaRule& rule : def.slas) {
    timers.push_back(SlaTimer{rule.name, SlaDueAt(rule, priority, opened_at), {}, false, 0});
  }
  return timers;
}

void OnStateEntered(const WorkflowDefinition& def, std::vector<SlaTimer>& timers,
                    std::string_view state, TimePoint at) {
  bool terminal = def.IsTerminal(state);
  for (size_t i = 0; i < timers.size() && i < def.slas.size(); ++i) {
    SlaTimer& timer = timers[i];
    if (timer.met_at || timer.is_void) continue;
    if (Contains(def.slas[i].met_in, state)) {
      timer.met_at = at;
    } else if (terminal) {
      timer.is_void = true;
    }
  }
}

std::vector<DueEscalation> DueEscalations(const WorkflowDefinition& def,
                                          const std::vector<SlaTimer>& timers, TimePoint now) {
  std::vector<DueEscalation> due;
  for (size_t i = 0; i < timers.size() && i < def.slas.size(); ++i) {
    const SlaTimer& timer = timers[i];
    const SlaRule& rule = def.slas[i];
    if (timer.met_at || timer.is_void) continue;
    for (int level = timer.escalation_level + 1; level <= static_cast<int>(rule.escalation.size());
         ++level) {
      TimePoint at = StepDueAt(rule, timer, level);
      if (at > now) break;
      due.push_back(DueEscalation{i, level, rule.escalation[level - 1].notify, at});
    }
  }
  std::sort(due.begin(), due.end(),
            [](const DueEscalation& a, const DueEscalation& b) { return a.due_at < b.due_at; });
  return due;
}

std::optional<TimePoint> NextEscalationAt(const WorkflowDefinition& def,
                                          const std::vector<SlaTimer>& timers) {
  std::optional<TimePoint> next;
  for (size_t i = 0; i < timers.size() && i < def.slas.size(); ++i) {
    const SlaTimer& timer = timers[i];
    const SlaRule& rule = def.slas[i];
    if (timer.met_at || timer.is_void) continue;
    int level = timer.escalation_level + 1;
    if (level > static_cast<int>(rule.escalation.size())) continue;
    TimePoint at = StepDueAt(rule, timer, level);
    if (!next || at < *next) next = at;
  }
  return next;
}

bool IsOverdue(const SlaTimer& timer, TimePoint now) {
  if (timer.is_void) return false;
  if (timer.met_at) return *timer.met_at > timer.deadline;
  return now > timer.deadline;
}

Status ApplySlaOverrides(WorkflowDefinition& def, const nlohmann::json& overrides) {
  if (!overrides.is_object()) return InvalidInput(def.kind, "SLA overrides must be an object");
  for (const auto& [name, value] : overrides.items()) {
    std::string where = def.kind + "." + name;
    auto rule = std::find_if(def.slas.begin(), def.slas.end(),
                             [&](const SlaRule& r) { return r.name == name; });
    if (rule == def.slas.end()) return InvalidInput(where, "no such SLA for " + def.kind);
    if (!value.is_object()) return InvalidInput(where, "expected an object");
    if (value.contains("by_priority_s")) {
      const auto& list = value["by_priority_s"];
      if (!list.is_array() || list.empty()) {
        return InvalidInput(where + ".by_priority_s", "expected a non-empty array of seconds");
      }
      std::vector<std::chrono::seconds> deadlines;
      for (const auto& s : list) {
        if (!s.is_number_integer() || s.get<long long>() <= 0) {
          return InvalidInput(where + ".by_priority_s", "deadlines are positive whole seconds");
        }
        deadlines.emplace_back(s.get<long long>());
      }
      rule->by_priority = std::move(deadlines);
      rule->working_days = 0;
    }
    if (value.contains("working_days")) {
      const auto& days = value["working_days"];
      if (value.contains("by_priority_s")) {
        return InvalidInput(where + ".working_days",
                            "give by_priority_s or working_days, not both");
      }
      if (!days.is_number_integer() || days.get<long long>() < 1 || days.get<long long>() > 60) {
        return InvalidInput(where + ".working_days", "a whole number of working days, 1 to 60");
      }
      rule->working_days = days.get<int>();
    }
    if (value.contains("escalation")) {
      const auto& list = value["escalation"];
      if (!list.is_array()) return InvalidInput(where + ".escalation", "expected an array");
      std::vector<EscalationStep> steps;
      for (const auto& step : list) {
        if (!step.is_object() || !step.contains("after_s") ||
            !step["after_s"].is_number_integer() || step["after_s"].get<long long>() < 0 ||
            !step.contains("notify") || !step["notify"].is_string()) {
          return InvalidInput(where + ".escalation",
                              "each step is {\"after_s\": seconds >= 0, \"notify\": text}");
        }
        steps.push_back({std::chrono::seconds(step["after_s"].get<long long>()),
                         step["notify"].get<std::string>()});
      }
      if (!std::is_sorted(steps.begin(), steps.end(),
                          [](const auto& a, const auto& b) { return a.after < b.after; })) {
        return InvalidInput(where + ".escalation", "steps must be in increasing after_s");
      }
      rule->escalation = std::move(steps);
    }
  }
  return {};
}

nlohmann::json WorkflowToJson(const WorkflowDefinition& def) {
  nlohmann::json states = nlohmann::json::array();
  for (const auto& s : def.states)
    states.push_back({{"name", s.name}, {"terminal", s.is_terminal}});
  nlohmann::json transitions = nlohmann::json::array();
  for (const auto& t : def.transitions) {
    transitions.push_back({{"action", t.action},
                           {"from", t.from},
                           {"to", t.to.empty() ? nlohmann::json() : nlohmann::json(t.to)},
                           {"required", t.required_fields}});
  }
  nlohmann::json slas = nlohmann::json::array();
  for (const auto& r : def.slas) {
    nlohmann::json deadlines = nlohmann::json::array();
    for (auto d : r.by_priority) deadlines.push_back(d.count());
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& e : r.escalation)
      steps.push_back({{"after_s", e.after.count()}, {"notify", e.notify}});
    nlohmann::json sla = {{"name", r.name},
                          {"met_in", r.met_in},
                          {"by_priority_s", deadlines},
                          {"escalation", steps}};
    if (r.working_days > 0) {
      sla["working_days"] = r.working_days;
      sla["calendar"] = r.calendar ? r.calendar->ToJson() : WorkingCalendar().ToJson();
    }
    slas.push_back(std::move(sla));
  }
  return {{"kind", def.kind},
          {"initial", def.initial},
          {"states", states},
          {"transitions", transitions},
          {"slas", slas}};
}

}  // namespace pingan
