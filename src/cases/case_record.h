// One case of any kind and the pure operations on it: open, act (a transition of its kind's
// workflow, with its required fields checked and its choices enforced), and the escalation
// work due at a time. No clock and no storage: the caller passes `now` and keeps the record
// (tests drive deadlines, reminders and escalation with made-up times).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/case_kinds.h"
#include "core/domain.h"

namespace pingan::cases {

using CaseId = uint64_t;

struct CaseEvent {
  TimePoint at;
  std::string actor;  // a username, or "system"
  std::string action;
  std::string from, to;   // states; equal when the action leaves the state
  nlohmann::json fields;  // what the action carried
};

struct CaseRecord {
  CaseId id = 0;
  std::string kind;
  std::string state;
  std::string station_id;  // the station that must act (派出所)
  int priority = 3;
  IncidentId incident_id = 0;  // the incident it follows from, 0: none
  CaseId parent_id = 0;        // e.g. the callback a rectification order came from
  TimePoint opened_at;
  std::optional<TimePoint> closed_at;
  nlohmann::json fields = nlohmann::json::object();  // everything recorded so far, latest wins
  std::vector<SlaTimer> slas;
  std::vector<CaseEvent> timeline;

  bool IsOpen() const { return !closed_at.has_value(); }
};

struct OpenCaseRequest {
  CaseId id = 0;
  std::string station_id;
  int priority = 3;
  IncidentId incident_id = 0;
  CaseId parent_id = 0;
  nlohmann::json fields = nlohmann::json::object();
  std::string actor = "system";
};

// A new case of `kind` in its initial state, its SLA timers started at `now`. Errors name the
// field: a priority outside 1–4, fields that are not an object, a choice field with a value not
// among its choices.
Result<CaseRecord> OpenCase(const CaseKind& kind, OpenCaseRequest request, TimePoint now);

// Applies `action` with `fields` (a JSON object; null: none): the kind must allow it in the case's
// state, the required fields must be present and not empty, choice fields must hold one of their
// choices. On success the fields are merged, the state moves, SLA timers are met or voided (a
// case sent back out of a deadline's states gets that deadline afresh from `now`), the timeline
// grows and closed_at is set on a terminal state. On error the record is unchanged.
Status ApplyCaseAction(const CaseKind& kind, CaseRecord& record, std::string_view action,
                       const nlohmann::json& fields, const std::string& actor, TimePoint now);

// The escalation steps due at `now` that have not fired yet, oldest first, marked fired on the
// record and written to its timeline ("escalate", with the timer and whom to tell). The caller
// acts on them: a callback's "sms_reminder" sends the reminder, its "phone_task" assigns one.
std::vector<DueEscalation> TakeDueEscalations(const CaseKind& kind, CaseRecord& record,
                                              TimePoint now);

// Who is to act now: the kind's owner of the current state ("" when closed).
std::string OwnerOf(const CaseKind& kind, const CaseRecord& record);

bool IsOverdue(const CaseRecord& record, TimePoint now);

}  // namespace pingan::cases
