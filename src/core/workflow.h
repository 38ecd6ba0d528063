// The one workflow mechanism every case kind shares: incidents (警情) first, later citizen
// requests (接诉即办), callbacks (回访), rectification orders (交办单), fund warnings (预警劝阻),
// hazards (隐患) and disputes (纠纷). A kind is declared as data — states, transitions, SLAs,
// escalation — and these functions interpret it. Pure: no clock, no I/O.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "core/working_calendar.h"

namespace pingan {

struct WorkflowState {
  std::string name;  // "received"
  bool is_terminal = false;
};

// `action` is allowed in any of `from`; it moves the case to `to`, or leaves the state as it is
// when `to` is empty (a note, or a second unit dispatched to an incident already on scene).
struct WorkflowTransition {
  std::string action;
  std::vector<std::string> from;
  std::string to;
  std::vector<std::string> required_fields;  // the command must carry these, e.g. "disposition"
};

// One step of escalation: `after` the deadline, tell `notify` (a role or team).
struct EscalationStep {
  std::chrono::seconds after{0};
  std::string notify;
};

// A service-level deadline measured from when the case opens. It is met when the case first
// enters one of `met_in`, void when it ends in a terminal state without meeting it.
struct SlaRule {
  std::string name;                 // "dispatch"
  std::vector<std::string> met_in;  // {"dispatched", "on_scene", ...}
  std::vector<std::chrono::seconds>
      by_priority;                         // [0] for priority 1; the last entry covers the rest
  std::vector<EscalationStep> escalation;  // level k fires at deadline + escalation[k-1].after
  // > 0: due at the end of the working_days-th working day after the day it opens, whatever
  // the priority (by_priority is then unused); `calendar` null means Monday to Friday.
  int working_days = 0;
  std::shared_ptr<const WorkingCalendar> calendar = nullptr;
};

struct WorkflowDefinition {
  std::string kind;
  std::string initial;
  std::vector<WorkflowState> states;
  std::vector<WorkflowTransition> transitions;
  std::vector<SlaRule> slas;

  const WorkflowState* FindState(std::string_view name) const;
  bool IsTerminal(std::string_view state) const;
  // Every action name the kind declares, in declaration order, without repeats.
  std::vector<std::string> Actions() const;
};

// Finds the transition for `action` in `state`. Errors: kInvalidInput (field "action") for an
// action the kind does not know; kConflict ("cannot dispatch a closed incident") when the
// action exists but not from this state; kInvalidInput naming the field when a required
// field is missing (`has_field` answers whether the command carries it).
Result<const WorkflowTransition*> ResolveTransition(
    const WorkflowDefinition& def, std::string_view state, std::string_view action,
    const std::function<bool(std::string_view)>& has_field);

// The running state of one SLA on one case.
struct SlaTimer {
  std::string name;
  TimePoint deadline;
  std::optional<TimePoint> met_at;
  bool is_void = false;
  int escalation_level = 0;  // how many escalation steps have fired
};

// Deadline for `priority` (1 = most urgent) under `rule`, for a rule counted in seconds.
std::chrono::seconds SlaDeadline(const SlaRule& rule, int priority);

// When a case of `priority` started (or restarted) at `from` is due under `rule`, in seconds
// or in working days.
TimePoint SlaDueAt(const SlaRule& rule, int priority, TimePoint from);

std::vector<SlaTimer> StartSlaTimers(const WorkflowDefinition& def, int priority,
                                     TimePoint opened_at);

// Updates timers after the case entered `state` at `at`: meets those listing the state, voids
// the unmet ones when the state is terminal.
void OnStateEntered(const WorkflowDefinition& def, std::vector<SlaTimer>& timers,
                    std::string_view state, TimePoint at);

struct DueEscalation {
  size_t timer_index = 0;
  int level = 0;  // 1 for the first step
  std::string notify;
  TimePoint due_at;
};

// Escalation steps that are due at `now` and have not fired yet, oldest first.
std::vector<DueEscalation> DueEscalations(const WorkflowDefinition& def,
                                          const std::vector<SlaTimer>& timers, TimePoint now);

// The earliest time a further escalation step could fall due, if any.
std::optional<TimePoint> NextEscalationAt(const WorkflowDefinition& def,
                                          const std::vector<SlaTimer>& timers);

bool IsOverdue(const SlaTimer& timer, TimePoint now);

// Replaces SLA deadlines and escalation from JSON such as
// {"dispatch": {"by_priority_s": [60, 180, 600, 1800], "escalation": [{"after_s": 0,
// "notify": "station_chief"}]}} or {"handled": {"working_days": 3}}. Errors name the field.
Status ApplySlaOverrides(WorkflowDefinition& def, const nlohmann::json& overrides);

nlohmann::json WorkflowToJson(const WorkflowDefinition& def);

}  // namespace pingan
