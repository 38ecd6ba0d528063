#include "core/case_record.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/json_support.h"

namespace pingan {
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
    std::string value = FieldText(fields, name);
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
      return InvalidInput(name, fmt::format("one of: {}", fmt::join(allowed, ", ")));
  }
  return {};
}

}  // namespace

const CaseKind* CaseCatalog::Find(std::string_view kind) const {
  for (const CaseKind& k : kinds)
    if (k.workflow.kind == kind) return &k;
  return nullptr;
}

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
  record.location = request.location;
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
        timer.deadline = SlaDueAt(rules[i], record.priority, now);
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
  for (const DueEscalation& d : due)
    MarkEscalated(record, record.slas[d.timer_index].name, d.level, d.notify, d.due_at);
  return due;
}

void MarkEscalated(CaseRecord& record, const std::string& sla, int level, const std::string& notify,
                   TimePoint at) {
  for (SlaTimer& timer : record.slas)
    if (timer.name == sla) timer.escalation_level = std::max(timer.escalation_level, level);
  record.timeline.push_back({at,
                             "system",
                             "escalate",
                             record.state,
                             record.state,
                             {{"sla", sla}, {"level", level}, {"notify", notify}}});
}

std::vector<const CaseFollowOn*> FollowOnsOf(const CaseKind& kind, std::string_view action,
                                             const nlohmann::json& fields) {
  std::vector<const CaseFollowOn*> out;
  for (const CaseFollowOn& f : kind.follow_ons)
    if (f.action == action && FieldText(fields, f.field) == f.equals) out.push_back(&f);
  return out;
}

std::string FieldText(const nlohmann::json& fields, std::string_view name) {
  if (!fields.is_object()) return "";
  auto it = fields.find(std::string(name));
  if (it == fields.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
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

}  // namespace pingan

namespace pingan {

void to_json(nlohmann::json& j, const CaseEvent& e) {
  j = {{"at", e.at},     {"actor", e.actor}, {"action", e.action},
       {"from", e.from}, {"to", e.to},       {"fields", e.fields}};
}

void from_json(const nlohmann::json& j, CaseEvent& e) {
  j.at("at").get_to(e.at);
  j.at("actor").get_to(e.actor);
  j.at("action").get_to(e.action);
  j.at("from").get_to(e.from);
  j.at("to").get_to(e.to);
  e.fields = j.at("fields");
}

void to_json(nlohmann::json& j, const CaseRecord& c) {
  j = {{"id", c.id},
       {"kind", c.kind},
       {"state", c.state},
       {"station_id", c.station_id},
       {"priority", c.priority},
       {"incident_id", c.incident_id},
       {"parent_id", c.parent_id},
       {"opened_at", c.opened_at},
       {"closed_at", c.closed_at},
       {"location", c.location},
       {"fields", c.fields},
       {"slas", c.slas},
       {"timeline", c.timeline}};
}

void from_json(const nlohmann::json& j, CaseRecord& c) {
  j.at("id").get_to(c.id);
  j.at("kind").get_to(c.kind);
  j.at("state").get_to(c.state);
  j.at("station_id").get_to(c.station_id);
  j.at("priority").get_to(c.priority);
  j.at("incident_id").get_to(c.incident_id);
  j.at("parent_id").get_to(c.parent_id);
  j.at("opened_at").get_to(c.opened_at);
  j.at("closed_at").get_to(c.closed_at);
  c.location = j.value("location", std::optional<LonLat>{});
  c.fields = j.at("fields");
  j.at("slas").get_to(c.slas);
  j.at("timeline").get_to(c.timeline);
}

}  // namespace pingan
