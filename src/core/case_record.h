// Cases of every kind (回访, 交办单, 接诉即办, 预警劝阻, 隐患, 纠纷) on the one workflow mechanism:
// a kind is data (its workflow, choices, owners and follow-ons; the kinds themselves are
// declared in cases/case_kinds.h), a case is a record, and these are the pure operations on
// it: open, act (a transition with its required fields checked and its choices enforced), and
// the escalation work due at a time. No clock and no storage: DistrictState keeps the records
// in the ledger, tests drive deadlines with made-up times.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/domain.h"
#include "core/workflow.h"

namespace pingan {

using CaseId = std::int64_t;

// When an action with `field` equal to `equals` is taken on a case of a kind, a case of
// `opens` is opened at the same station, for the same incident, with the first as its parent
// (a dissatisfied callback answer opens a rectification order).
struct CaseFollowOn {
  std::string action;
  std::string field;
  std::string equals;
  std::string opens;
};

struct CaseKind {
  WorkflowDefinition workflow;
  std::string label;  // zh-CN: "回访"
  // Fields whose value must be one of a list (e.g. "satisfaction": 1, 2, 3).
  std::map<std::string, std::vector<std::string>> choices;
  // Who is to act in each non-terminal state: a role or team ("station", "callback_clerk").
  std::map<std::string, std::string> owner_in_state;
  std::vector<CaseFollowOn> follow_ons;
};

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
  std::optional<LonLat> location;                    // where it concerns, when it has a place
  nlohmann::json fields = nlohmann::json::object();  // everything recorded so far, latest wins
  std::vector<SlaTimer> slas;
  std::vector<CaseEvent> timeline;

  bool IsOpen() const { return !closed_at.has_value(); }
};

// The kinds a district runs, and the case an incident's close opens.
struct CaseCatalog {
  std::vector<CaseKind> kinds;
  // The kind opened when an incident with a caller's phone closes ("": none), and how long
  // after the close its first step falls due (its field "send_at", in epoch milliseconds).
  std::string on_incident_closed;
  std::chrono::seconds callback_delay{0};
  const CaseKind* Find(std::string_view kind) const;
};

struct OpenCaseRequest {
  CaseId id = 0;
  std::string station_id;
  int priority = 3;
  IncidentId incident_id = 0;
  CaseId parent_id = 0;
  std::optional<LonLat> location;
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

// Marks escalation `level` of the SLA named `sla` as fired at `at`, with a timeline entry.
void MarkEscalated(CaseRecord& record, const std::string& sla, int level, const std::string& notify,
                   TimePoint at);

// The follow-on cases `action` with `fields` calls for on a case of `kind`.
std::vector<const CaseFollowOn*> FollowOnsOf(const CaseKind& kind, std::string_view action,
                                             const nlohmann::json& fields);

// A field's value as text: strings as they are, numbers and booleans as JSON ("3"), "" when
// absent or null.
std::string FieldText(const nlohmann::json& fields, std::string_view name);

void to_json(nlohmann::json& j, const CaseEvent& e);
void from_json(const nlohmann::json& j, CaseEvent& e);
void to_json(nlohmann::json& j, const CaseRecord& c);
void from_json(const nlohmann::json& j, CaseRecord& c);

}  // namespace pingan
