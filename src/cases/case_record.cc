#include "cases/case_record.h"

#include <algorithm>

#include <fmt/format.h>

namespace pingan::cases {
namespace {

// A field counts as given when present and not null, "" or an empty array/object.
bool Given(const nlohmann::json& fields, std::string_view name) {
  auto it = fields.find(std::string(name));
  if (it == fields.end() || it->is_null()) return false;
  if (it->is_string()) return !it->get<std::string>().empty();
  if (it->is_array() || it->is_object()) return !it->empty();
  return true;
}

Status CheckChoices(const CaseKind& kind, const nlohmann::json& fields) {
  for (const auto& [name, allowed] : kind.choices) {
    auto it = fields.find(name);
    if (it == fields.end() || it->is_null()) continue;
    std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
      return InvalidInput(name, fmt::format("one of: {}", fmt::join(allowed, ", ")));
  }
  return {};
}

}  // namespace

Result<CaseRecord> OpenCase(const CaseKind& kind, OpenCaseRequest request, TimePoint now) {
  if (request.priority < 1 || request.priority > 4)
    return InvalidInput("priority", "1 (most urgent) to 4");
  if (request.fields.is_null()) request.fields = nlohmann::json::object();
  if (!request.fields.is_object()) return InvalidInput("fields", "must be a JSON object");
  if (auto ok = CheckChoices(kind, request.fields); !ok) return ok.error();
  CaseRecord record;
  record.id = request.id;
  record.kind = kind.workflow.kind;
  record.state = kind.workflow.initial;
  record.station_id = std::move(request.station_id);
  record.priority = request.priority;
  record.incident_id = request.incident_id;
  record.parent_id = request.parent_id;
  record.opened_at = now;
  record.fields = std::move(request.fields);
  record.slas = StartSlaTimers(kind.workflow, record.priority, now);
  record.timeline.push_back({now, request.actor, "open", "", record.state, record.fields});
  return record;
}

Status ApplyCaseAction(const CaseKind& kind, CaseRecord& record, std::string_view action,
                       const nlohmann::json& given, const std::string& actor, TimePoint now) {
  if (!given.is_object() && !given.is_null())
    return InvalidInput("fields", "must be a JSON object");
  const nlohmann::json fields = given.is_null() ? nlohmann::json::object() : given;
  auto transition = ResolveTransition(kind.workflow, record.state, action,
                                      [&](std::string_view name) { return Given(fields, name); });
  if (!transition) return transition.error();
  if (auto ok = CheckChoices(kind, fields); !ok) return ok;
  const std::string from = record.state;
  const std::string to = (*transition)->to.empty() ? from : (*transition)->to;
  for (const auto& [name, value] : fields.items()) record.fields[name] = value;
  if (fields.contains("station_id") && fields["station_id"].is_string())
    record.station_id = fields["station_id"].get<std::string>();
  record.state = to;
  if (to != from) {
    // Sent back (a reply rejected, a re-inspection failed, a request reopened): a deadline met
    // by `from`, left for an open state that does not meet it, starts again from now.
    const auto& rules = kind.workflow.slas;
    for (size_t i = 0; i < record.slas.size() && i < rules.size(); ++i) {
      SlaTimer& timer = record.slas[i];
      const auto& met_in = rules[i].met_in;
      auto in = [&](const std::string& state) {
        return std::find(met_in.begin(), met_in.end(), state) != met_in.end();
      };
      if (timer.met_at && in(from) && !in(to) && !kind.workflow.IsTerminal(to)) {
        timer.met_at.reset();
        timer.escalation_level = 0;
        timer.deadline = now + SlaDeadline(rules[i], record.priority);
      }
    }
    OnStateEntered(kind.workflow, record.slas, to, now);
  }
  if (kind.workflow.IsTerminal(to)) {
    record.closed_at = now;
  } else {
    record.closed_at.reset();  // sent back or reopened
  }
  record.timeline.push_back({now, actor, std::string(action), from, to, fields});
  return {};
}

std::vector<DueEscalation> TakeDueEscalations(const CaseKind& kind, CaseRecord& record,
                                              TimePoint now) {
  std::vector<DueEscalation> due = DueEscalations(kind.workflow, record.slas, now);
  for (const DueEscalation& d : due) {
    SlaTimer& timer = record.slas[d.timer_index];
    timer.escalation_level = std::max(timer.escalation_level, d.level);
    record.timeline.push_back({d.due_at,
                               "system",
                               "escalate",
                               record.state,
                               record.state,
                               {{"sla", timer.name}, {"level", d.level}, {"notify", d.notify}}});
  }
  return due;
}

std::string OwnerOf(const CaseKind& kind, const CaseRecord& record) {
  if (!record.IsOpen()) return "";
  auto it = kind.owner_in_state.find(record.state);
  return it == kind.owner_in_state.end() ? "" : it->second;
}

bool IsOverdue(const CaseRecord& record, TimePoint now) {
  return std::any_of(record.slas.begin(), record.slas.end(),
                     [&](const SlaTimer& t) { return pingan::IsOverdue(t, now); });
}

}  // namespace pingan::cases
