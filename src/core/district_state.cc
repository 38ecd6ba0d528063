#include "core/district_state.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/incident_workflow.h"
#include "core/json_support.h"

namespace pingan {

namespace {

using nlohmann::json;

std::string IncidentStream(IncidentId id) {
  return fmt::format("incident/{}", id);
}
std::string UnitStream(UnitId id) {
  return fmt::format("unit/{}", id);
}
std::string CaseStream(CaseId id) {
  return fmt::format("case/{}", id);
}

constexpr int kCheckpointFormat = 1;

// Which assignment step an incident action moves a unit to, if it concerns one unit.
std::optional<AssignmentStatus> AssignmentStepFor(std::string_view action) {
  if (action == "dispatch") return AssignmentStatus::kDispatched;
  if (action == "en_route") return AssignmentStatus::kEnRoute;
  if (action == "arrive") return AssignmentStatus::kOnScene;
  if (action == "clear") return AssignmentStatus::kCleared;
  return std::nullopt;
}

// The unit status that mirrors an active assignment at `step`.
UnitStatus UnitStatusFor(AssignmentStatus step) {
  switch (step) {
    case AssignmentStatus::kDispatched: return UnitStatus::kDispatched;
    case AssignmentStatus::kEnRoute: return UnitStatus::kEnRoute;
    case AssignmentStatus::kOnScene: return UnitStatus::kOnScene;
    case AssignmentStatus::kCleared: return UnitStatus::kAvailable;
  }
  return UnitStatus::kAvailable;
}

}  // namespace

DistrictState::DistrictState(WorkflowDefinition incident_workflow, CaseCatalog cases)
    : incident_workflow_(std::move(incident_workflow)),
      catalog_(std::move(cases)),
      jurisdictions_changed_(true) {}  // readers get an (empty) index from the first publish

void DistrictState::Emit(std::vector<Event>& out, TimePoint now, const std::string& actor,
                         std::string type, std::string stream, json data) {
  Event e{last_seq_ + 1, now, actor, std::move(type), std::move(stream), std::move(data)};
  Apply(e);
  out.push_back(std::move(e));
}

Result<CommandOutcome> DistrictState::Execute(const Command& cmd, TimePoint now,
                                              std::vector<Event>& out) {
  size_t first = out.size();
  Result<CommandOutcome> result =
      std::visit([&](const auto& body) { return Do(body, cmd.actor, now, out); }, cmd.body);
  // Handlers validate everything before their first Emit; an error after one would leave
  // applied events behind, which is a bug.
  PINGAN_CHECK(result.has_value() || out.size() == first);
  if (result && out.size() > first) result->last_seq = out.back().seq;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Decisions

Status DistrictState::CheckStation(const std::string& station_id, const std::string& field) {
  const Jurisdiction* j = jurisdictions().Find(station_id);
  if (j == nullptr) {
    return InvalidInput(field, fmt::format("no jurisdiction with id '{}'", station_id));
  }
  if (j->level != JurisdictionLevel::kStation) {
    return InvalidInput(field,
                        fmt::format("'{}' is a {}, not a station", station_id, ToString(j->level)));
  }
  return {};
}

Result<CommandOutcome> DistrictState::Do(const CreateIncident& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  const IncidentCategory* category = FindIncidentCategory(c.category);
  if (category == nullptr) {
    return InvalidInput("category", fmt::format("unknown category '{}'", c.category));
  }
  std::string subtype = c.subtype.empty() ? "other" : c.subtype;
  if (std::none_of(category->subtypes.begin(), category->subtypes.end(),
                   [&](const auto& s) { return s.code == subtype; })) {
    return InvalidInput("subtype",
                        fmt::format("'{}' is not a sub-type of {}", subtype, c.category));
  }
  if (c.priority < 1 || c.priority > 4) return InvalidInput("priority", "priority is 1 to 4");
  const auto& channels = IncidentChannels();
  if (std::find(channels.begin(), channels.end(), c.channel) == channels.end()) {
    return InvalidInput("channel", fmt::format("unknown channel '{}'", c.channel));
  }
  if (c.location && !IsValid(*c.location)) {
    return InvalidInput("lon", "longitude/latitude out of range");
  }
  if (!c.location && c.address.empty()) {
    return InvalidInput("address", "an incident needs a location or an address");
  }
  JurisdictionPath path;
  if (c.location) path = jurisdictions().Locate(*c.location);
  if (!c.station_id.empty()) {
    if (Status s = CheckStation(c.station_id, "station_id"); !s) return s.error();
    path.station_id = c.station_id;
  }
  IncidentId id = next_incident_id_;
  json data = {
      {"incident_id", id},        {"channel", c.channel},          {"category", c.category},
      {"subtype", subtype},       {"priority", c.priority},        {"location", c.location},
      {"address", c.address},     {"caller_name", c.caller_name},  {"caller_phone", c.caller_phone},
      {"narrative", c.narrative}, {"station_id", path.station_id}, {"post_id", path.post_id},
      {"grid_id", path.grid_id}};
  Emit(out, now, actor, "incident.received", IncidentStream(id), std::move(data));
  return CommandOutcome{id, 0};
}

Result<CommandOutcome> DistrictState::Do(const IncidentAction& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  auto it = incidents_.find(c.incident_id);
  if (it == incidents_.end()) {
    return NotFound(fmt::format("no incident {}", c.incident_id), "incident_id");
  }
  const Incident& incident = *it->second;
  auto transition =
      ResolveTransition(incident_workflow_, incident.status, c.action, [&](std::string_view field) {
        if (field == "unit_id") return c.unit_id.has_value();
        if (field == "note") return !c.note.empty();
        if (field == "disposition") return !c.disposition.empty();
        if (field == "station_id") return !c.station_id.empty();
        return false;
      });
  if (!transition) return transition.error();
  const std::string& to = (*transition)->to.empty() ? incident.status : (*transition)->to;

  json data = {{"incident_id", incident.id}, {"action", c.action}, {"status", to}};
  if (!c.note.empty()) data["note"] = c.note;

  std::optional<AssignmentStatus> step = AssignmentStepFor(c.action);
  const Unit* unit = nullptr;
  if (step) {
    auto u = units_.find(*c.unit_id);
    if (u == units_.end()) return NotFound(fmt::format("no unit {}", *c.unit_id), "unit_id");
    unit = u->second.get();
    const Assignment* active = incident.FindActiveAssignment(unit->id);
    if (*step == AssignmentStatus::kDispatched) {
      if (active != nullptr) {
        return Conflict(
            fmt::format("{} is already assigned to incident {}", unit->callsign, incident.id),
            "unit_id");
      }
      if (unit->status != UnitStatus::kAvailable) {
        std::string where = unit->active_incident_id != 0
                                ? fmt::format(" at incident {}", unit->active_incident_id)
                                : "";
        return Conflict(
            fmt::format("{} is {}{}, not available", unit->callsign, ToString(unit->status), where),
            "unit_id");
      }
    } else {
      if (active == nullptr) {
        return Conflict(
            fmt::format("{} has no active assignment on incident {}", unit->callsign, incident.id),
            "unit_id");
      }
      bool forward = *step == AssignmentStatus::kCleared || *step > active->status;
      if (!forward) {
        return Conflict(fmt::format("{} is already {} on incident {}", unit->callsign,
                                    ToString(active->status), incident.id),
                        "unit_id");
      }
    }
    data["unit_id"] = unit->id;
  }
  if (c.action == "transfer") {
    if (Status s = CheckStation(c.station_id, "station_id"); !s) return s.error();
    if (c.station_id == incident.station_id) {
      return Conflict(fmt::format("incident {} already belongs to {}", incident.id, c.station_id),
                      "station_id");
    }
    data["station_id"] = c.station_id;
    data["from_station_id"] = incident.station_id;
  }
  if (c.action == "close" || c.action == "cancel") data["disposition"] = c.disposition;

  // Units whose assignment ends with this action become available again.
  std::vector<UnitId> released;
  if (c.action == "close" || c.action == "cancel") {
    for (const Assignment& a : incident.assignments) {
      if (a.is_active()) released.push_back(a.unit_id);
    }
  } else if (step == AssignmentStatus::kCleared) {
    released.push_back(unit->id);
  }

  IncidentId id = incident.id;
  Emit(out, now, actor, "incident." + c.action, IncidentStream(id), std::move(data));
  if (step && *step != AssignmentStatus::kCleared) {
    Emit(out, now, actor, "unit.status_changed", UnitStream(unit->id),
         {{"unit_id", unit->id}, {"status", UnitStatusFor(*step)}, {"incident_id", id}});
  }
  for (UnitId u : released) {
    Emit(out, now, actor, "unit.status_changed", UnitStream(u),
         {{"unit_id", u}, {"status", UnitStatus::kAvailable}, {"incident_id", id}});
  }
  if (c.action == "close") OpenCaseOnClose(*incidents_.at(id), actor, now, out);
  return CommandOutcome{id, 0};
}

void DistrictState::OpenCaseOnClose(const Incident& incident, const std::string& actor,
                                    TimePoint now, std::vector<Event>& out) {
  const CaseKind* kind = catalog_.Find(catalog_.on_incident_closed);
  if (kind == nullptr || incident.caller_phone.empty()) return;
  auto [first, last] = cases_by_incident_.equal_range(incident.id);
  for (auto it = first; it != last; ++it) {
    const CaseRecord& c = *cases_.at(it->second);
    if (c.kind == kind->workflow.kind && c.IsOpen()) return;  // reopened and closed again
  }
  OpenCaseRequest request;
  request.station_id = incident.station_id;
  request.incident_id = incident.id;
  request.location = incident.location;
  request.fields = {{"send_at", ToMillis(now + catalog_.callback_delay)}};
  request.actor = actor;
  EmitCaseOpened(out, now, actor, kind->workflow.kind, request);
}

Result<CommandOutcome> DistrictState::Do(const CreateUnit& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  if (c.callsign.empty()) return InvalidInput("callsign", "a unit needs a call sign");
  if (FindUnitByCallsign(c.callsign) != nullptr) {
    return Conflict(fmt::format("call sign '{}' is taken", c.callsign), "callsign");
  }
  if (!c.station_id.empty()) {
    if (Status s = CheckStation(c.station_id, "station_id"); !s) return s.error();
  }
  if (c.status != UnitStatus::kAvailable && c.status != UnitStatus::kOffDuty) {
    return InvalidInput("status", "a new unit is available or off_duty");
  }
  UnitId id = next_unit_id_;
  Emit(out, now, actor, "unit.created", UnitStream(id),
       {{"unit_id", id},
        {"callsign", c.callsign},
        {"force", c.force},
        {"mode", c.mode},
        {"station_id", c.station_id},
        {"members", c.members},
        {"status", c.status}});
  return CommandOutcome{id, 0};
}

Result<CommandOutcome> DistrictState::Do(const SetUnitStatus& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  auto it = units_.find(c.unit_id);
  if (it == units_.end()) return NotFound(fmt::format("no unit {}", c.unit_id), "unit_id");
  const Unit& unit = *it->second;
  if (c.status == UnitStatus::kDispatched) {
    return Conflict("a unit is dispatched through an incident, not by setting its status",
                    "status");
  }
  if (unit.active_incident_id != 0) {
    // The unit reports progress on its assignment: the same path as the incident actions.
    std::string action;
    if (c.status == UnitStatus::kEnRoute) action = "en_route";
    if (c.status == UnitStatus::kOnScene) action = "arrive";
    if (c.status == UnitStatus::kAvailable) action = "clear";
    if (action.empty()) {
      return Conflict(fmt::format("{} has an active assignment at incident {}; clear it first",
                                  unit.callsign, unit.active_incident_id),
                      "status");
    }
    IncidentAction act{unit.active_incident_id, action, unit.id, {}, {}, {}};
    auto result = Do(act, actor, now, out);
    if (!result) return result.error();
    return CommandOutcome{unit.id, 0};
  }
  if (c.status == UnitStatus::kEnRoute || c.status == UnitStatus::kOnScene) {
    return Conflict(fmt::format("{} has no assignment to be {}", unit.callsign, ToString(c.status)),
                    "status");
  }
  if (c.status == unit.status) return CommandOutcome{unit.id, 0};
  UnitId id = unit.id;
  Emit(out, now, actor, "unit.status_changed", UnitStream(id),
       {{"unit_id", id}, {"status", c.status}});
  return CommandOutcome{id, 0};
}

Result<CommandOutcome> DistrictState::Do(const ReportPosition& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  if (units_.find(c.unit_id) == units_.end()) {
    return NotFound(fmt::format("no unit {}", c.unit_id), "unit_id");
  }
  if (!IsValid(c.position.at)) return InvalidInput("lon", "longitude/latitude out of range");
  Emit(out, now, actor, "unit.position_reported", UnitStream(c.unit_id),
       {{"unit_id", c.unit_id}, {"position", c.position}});
  return CommandOutcome{c.unit_id, 0};
}

Result<CommandOutcome> DistrictState::Do(const BindDevice& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  if (c.protocol != "jt808" && c.protocol != "osmand") {
    return InvalidInput("protocol", "expected jt808 or osmand");
  }
  if (c.identifier.empty() || c.identifier.size() > 64) {
    return InvalidInput("identifier", "expected 1 to 64 characters");
  }
  if (c.protocol == "jt808" &&
      (c.identifier.size() > 20 || !std::all_of(c.identifier.begin(), c.identifier.end(),
                                                [](char ch) { return ch >= '0' && ch <= '9'; }))) {
    return InvalidInput("identifier",
                        "a JT/T 808 terminal is named by its phone number: digits only");
  }
  if (c.coordinates != "wgs84" && c.coordinates != "gcj02") {
    return InvalidInput("coordinates", "expected wgs84 or gcj02");
  }
  if (units_.find(c.unit_id) == units_.end()) {
    return NotFound(fmt::format("no unit {}", c.unit_id), "unit_id");
  }
  UnitId previous = 0;
  if (auto it = device_index_.find(DeviceKey(c.protocol, c.identifier));
      it != device_index_.end()) {
    previous = it->second.unit_id;
  }
  Emit(out, now, actor, "device.bound", UnitStream(c.unit_id),
       {{"unit_id", c.unit_id},
        {"previous_unit_id", previous},
        {"protocol", c.protocol},
        {"identifier", c.identifier},
        {"coordinates", c.coordinates}});
  return CommandOutcome{c.unit_id, 0};
}

Result<CommandOutcome> DistrictState::Do(const DefineJurisdictions& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  if (c.jurisdictions.empty()) return InvalidInput("features", "no jurisdictions given");
  // Validate the tree the import would leave behind before changing anything. The existing
  // jurisdictions it keeps come first, then the request's in its order, so an error about
  // entry k >= kept maps back to features[k - kept].
  std::set<std::string> replaced;
  for (const Jurisdiction& j : c.jurisdictions) replaced.insert(j.id);
  std::vector<Jurisdiction> all;
  for (const auto& [id, j] : jurisdiction_defs_) {
    if (!replaced.count(id)) all.push_back(j);
  }
  size_t kept = all.size();
  all.insert(all.end(), c.jurisdictions.begin(), c.jurisdictions.end());
  auto index = JurisdictionIndex::Build(std::move(all));
  if (!index) {
    Error error = index.error();
    size_t open = error.field.find('['), close = error.field.find(']');
    if (open != std::string::npos && close != std::string::npos) {
      size_t k = std::stoul(error.field.substr(open + 1, close - open - 1));
      if (k >= kept) {
        error.field = fmt::format("features[{}]{}", k - kept, error.field.substr(close + 1));
      }
    }
    return error;
  }
  for (const Jurisdiction& j : c.jurisdictions) {
    Emit(out, now, actor, "jurisdiction.defined", "jurisdiction/" + j.id,
         JurisdictionToGeoJson(j, /*with_geometry=*/true));
  }
  return CommandOutcome{static_cast<std::int64_t>(c.jurisdictions.size()), 0};
}

Result<CommandOutcome> DistrictState::Do(const AddUser& c, const std::string& actor, TimePoint now,
                                         std::vector<Event>& out) {
  const User& u = c.user;
  if (u.username.empty() || u.username.size() > 64 ||
      u.username.find_first_of(" /\t\n") != std::string::npos) {
    return InvalidInput("username", "a username is 1-64 characters without spaces or '/'");
  }
  if (users_.count(u.username) != 0) {
    return Conflict(fmt::format("user '{}' exists", u.username), "username");
  }
  if (u.password_hash.empty()) return InvalidInput("password", "a user needs a password");
  if (!u.station_id.empty()) {
    if (Status s = CheckStation(u.station_id, "station_id"); !s) return s.error();
  }
  Emit(out, now, actor, "user.added", "user/" + u.username, json(u));
  return CommandOutcome{};
}

Result<CommandOutcome> DistrictState::Do(const OpenSession& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  if (users_.count(c.username) == 0) return NotFound("no such user", "username");
  Emit(out, now, actor, "session.opened", "user/" + c.username,
       json(Session{c.token_hash, c.username, c.expires_at}));
  return CommandOutcome{};
}

Result<CommandOutcome> DistrictState::Do(const CloseSession& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  auto it = sessions_.find(c.token_hash);
  if (it == sessions_.end()) return NotFound("no such session");
  Emit(out, now, actor, "session.closed", "user/" + it->second->username,
       {{"token_hash", c.token_hash}});
  return CommandOutcome{};
}

Result<CommandOutcome> DistrictState::Do(const RecordPersonalDataRead& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  Emit(out, now, actor, "audit.personal_data_read", "audit/" + actor,
       {{"what", c.what}, {"ids", c.ids}, {"purpose", c.purpose}});
  return CommandOutcome{};
}

Result<CommandOutcome> DistrictState::Do(const CheckDeadlines& /*c*/, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  std::vector<IncidentId> due;
  for (auto it = escalation_queue_.begin(); it != escalation_queue_.end() && it->first <= now;
       ++it) {
    due.push_back(it->second);
  }
  std::sort(due.begin(), due.end());  // deterministic order of the events
  for (IncidentId id : due) {
    std::vector<DueEscalation> steps =
        DueEscalations(incident_workflow_, incidents_.at(id)->slas, now);
    for (const DueEscalation& step : steps) {
      const SlaTimer& timer = incidents_.at(id)->slas[step.timer_index];
      Emit(out, now, actor, "incident.sla_overdue", IncidentStream(id),
           {{"incident_id", id},
            {"sla", timer.name},
            {"level", step.level},
            {"notify", step.notify},
            {"deadline", timer.deadline},
            {"due_at", step.due_at}});
    }
  }
  std::vector<CaseId> due_cases;
  for (auto it = case_escalation_queue_.begin();
       it != case_escalation_queue_.end() && it->first <= now; ++it) {
    due_cases.push_back(it->second);
  }
  std::sort(due_cases.begin(), due_cases.end());
  for (CaseId id : due_cases) {
    const CaseRecord& record = *cases_.at(id);
    const CaseKind& kind = *catalog_.Find(record.kind);
    for (const DueEscalation& step : DueEscalations(kind.workflow, record.slas, now)) {
      const SlaTimer& timer = record.slas[step.timer_index];
      Emit(out, now, actor, "case.escalated", CaseStream(id),
           {{"case_id", id},
            {"sla", timer.name},
            {"level", step.level},
            {"notify", step.notify},
            {"deadline", timer.deadline},
            {"due_at", step.due_at}});
    }
  }
  return CommandOutcome{static_cast<std::int64_t>(due.size() + due_cases.size()), 0};
}

Result<OpenCaseRequest> DistrictState::PrepareCase(const CreateCase& c, const std::string& actor,
                                                   TimePoint now) {
  const CaseKind* kind = catalog_.Find(c.kind);
  if (kind == nullptr) return InvalidInput("kind", fmt::format("unknown case kind '{}'", c.kind));
  const Incident* incident = nullptr;
  if (c.incident_id != 0) {
    incident = FindIncident(c.incident_id);
    if (incident == nullptr)
      return InvalidInput("incident_id", fmt::format("no incident {}", c.incident_id));
  }
  if (c.parent_id != 0 && FindCase(c.parent_id) == nullptr)
    return InvalidInput("parent_id", fmt::format("no case {}", c.parent_id));
  if (c.location && !IsValid(*c.location))
    return InvalidInput("location", "longitude/latitude out of range");
  OpenCaseRequest request;
  request.priority = c.priority;
  request.incident_id = c.incident_id;
  request.parent_id = c.parent_id;
  request.location = c.location;
  request.fields = c.fields;
  request.actor = actor;
  if (!c.station_id.empty()) {
    if (Status s = CheckStation(c.station_id, "station_id"); !s) return s.error();
    request.station_id = c.station_id;
  } else if (c.location) {
    request.station_id = jurisdictions().Locate(*c.location).station_id;
  } else if (incident != nullptr) {
    request.station_id = incident->station_id;
  }
  if (auto ok = OpenCase(*kind, request, now); !ok) return ok.error();
  return request;
}

Result<CommandOutcome> DistrictState::Do(const CreateCase& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  auto request = PrepareCase(c, actor, now);
  if (!request) return request.error();
  CaseId id = EmitCaseOpened(out, now, actor, c.kind, *request);
  return CommandOutcome{id, 0};
}

Result<CommandOutcome> DistrictState::Do(const CreateCases& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  if (c.cases.empty()) return InvalidInput("cases", "no cases to open");
  // Every case is checked before any is opened: one bad row opens none.
  std::vector<OpenCaseRequest> requests;
  requests.reserve(c.cases.size());
  for (size_t k = 0; k < c.cases.size(); ++k) {
    auto request = PrepareCase(c.cases[k], actor, now);
    if (!request) {
      Error e = request.error();
      e.field = fmt::format("cases[{}].{}", k, e.field);
      return e;
    }
    requests.push_back(std::move(*request));
  }
  CaseId first = 0;
  for (size_t k = 0; k < requests.size(); ++k) {
    CaseId id = EmitCaseOpened(out, now, actor, c.cases[k].kind, requests[k]);
    if (k == 0) first = id;
  }
  return CommandOutcome{first, 0};
}

CaseId DistrictState::EmitCaseOpened(std::vector<Event>& out, TimePoint now,
                                     const std::string& actor, const std::string& kind,
                                     const OpenCaseRequest& request) {
  CaseId id = next_case_id_;
  Emit(out, now, actor, "case.opened", CaseStream(id),
       {{"case_id", id},
        {"kind", kind},
        {"station_id", request.station_id},
        {"priority", request.priority},
        {"incident_id", request.incident_id},
        {"parent_id", request.parent_id},
        {"location", request.location},
        {"fields", request.fields}});
  return id;
}

Result<CommandOutcome> DistrictState::Do(const CaseAction& c, const std::string& actor,
                                         TimePoint now, std::vector<Event>& out) {
  const CaseRecord* record = FindCase(c.case_id);
  if (record == nullptr) return NotFound(fmt::format("no case {}", c.case_id), "case_id");
  const CaseKind* kind = catalog_.Find(record->kind);
  PINGAN_CHECK(kind != nullptr);  // the catalog opened it
  if (c.fields.is_object() && c.fields.contains("station_id")) {
    const json& station = c.fields["station_id"];
    if (!station.is_string()) return InvalidInput("station_id", "must be a station id");
    if (Status s = CheckStation(station.get<std::string>(), "station_id"); !s) return s.error();
  }
  CaseRecord trial = *record;  // decided on a copy: the record itself changes only by Apply
  if (Status ok = ApplyCaseAction(*kind, trial, c.action, c.fields, actor, now); !ok)
    return ok.error();
  const json fields = c.fields.is_null() ? json::object() : c.fields;
  Emit(out, now, actor, "case.acted", CaseStream(c.case_id),
       {{"case_id", c.case_id}, {"action", c.action}, {"fields", fields}});
  for (const CaseFollowOn* follow : FollowOnsOf(*kind, c.action, fields)) {
    const CaseKind* opens = catalog_.Find(follow->opens);
    if (opens == nullptr) continue;  // a catalog without that kind
    OpenCaseRequest request;
    request.station_id = trial.station_id;
    request.priority = trial.priority;
    request.incident_id = trial.incident_id;
    request.parent_id = trial.id;
    request.location = trial.location;
    request.actor = actor;
    EmitCaseOpened(out, now, actor, follow->opens, request);
  }
  return CommandOutcome{c.case_id, 0};
}

// ---------------------------------------------------------------------------------------------
// Applying events

void DistrictState::Apply(const Event& e) {
  PINGAN_CHECK(e.seq == last_seq_ + 1);
  last_seq_ = e.seq;
  if (e.type.starts_with("incident.")) {
    ApplyIncidentEvent(e);
  } else if (e.type.starts_with("unit.")) {
    ApplyUnitEvent(e);
  } else if (e.type.starts_with("case.")) {
    ApplyCaseEvent(e);
  } else if (e.type == "device.bound") {
    const json& d = e.data;
    DeviceBinding binding{d.at("protocol").get<std::string>(),
                          d.at("identifier").get<std::string>(),
                          d.at("coordinates").get<std::string>()};
    const std::string key = DeviceKey(binding.protocol, binding.identifier);
    if (auto old = device_index_.find(key); old != device_index_.end()) {
      auto& devices = MutableUnit(old->second.unit_id).devices;
      std::erase_if(devices, [&](const DeviceBinding& b) {
        return b.protocol == binding.protocol && b.identifier == binding.identifier;
      });
    }
    UnitId unit = d.at("unit_id").get<UnitId>();
    device_index_[key] = DeviceRoute{unit, binding.coordinates == "gcj02"};
    MutableUnit(unit).devices.push_back(std::move(binding));
    devices_changed_ = true;
  } else {
    ApplyOtherEvent(e);
  }
}

void DistrictState::ApplyIncidentEvent(const Event& e) {
  const json& d = e.data;
  IncidentId id = d.at("incident_id").get<IncidentId>();
  if (e.type == "incident.received") {
    auto incident = std::make_shared<Incident>();
    incident->id = id;
    incident->channel = d.at("channel").get<std::string>();
    incident->category = d.at("category").get<std::string>();
    incident->subtype = d.at("subtype").get<std::string>();
    incident->priority = d.at("priority").get<int>();
    incident->location = d.at("location").get<std::optional<LonLat>>();
    incident->address = d.at("address").get<std::string>();
    incident->caller_name = d.at("caller_name").get<std::string>();
    incident->caller_phone = d.at("caller_phone").get<std::string>();
    incident->narrative = d.at("narrative").get<std::string>();
    incident->station_id = d.at("station_id").get<std::string>();
    incident->post_id = d.at("post_id").get<std::string>();
    incident->grid_id = d.at("grid_id").get<std::string>();
    incident->status = incident_workflow_.initial;
    incident->received_at = e.time;
    incident->received_by = e.actor;
    incident->slas = StartSlaTimers(incident_workflow_, incident->priority, e.time);
    ScheduleEscalation(*incident, NextEscalationAt(incident_workflow_, incident->slas));
    incident->timeline.push_back({e.seq, e.time, e.actor, e.type, json::object()});
    incidents_[id] = std::move(incident);
    changed_incidents_.insert(id);
    next_incident_id_ = std::max(next_incident_id_, id + 1);
    return;
  }

  Incident& incident = MutableIncident(id);
  json detail = d;
  detail.erase("incident_id");
  incident.timeline.push_back({e.seq, e.time, e.actor, e.type, std::move(detail)});

  if (e.type == "incident.sla_overdue") {
    std::string name = d.at("sla").get<std::string>();
    for (SlaTimer& timer : incident.slas) {
      if (timer.name == name)
        timer.escalation_level = std::max(timer.escalation_level, d.at("level").get<int>());
    }
    ScheduleEscalation(incident, NextEscalationAt(incident_workflow_, incident.slas));
    return;
  }

  std::string action = e.type.substr(std::string_view("incident.").size());
  if (auto step = AssignmentStepFor(action)) {
    UnitId unit_id = d.at("unit_id").get<UnitId>();
    if (*step == AssignmentStatus::kDispatched) {
      auto unit = units_.find(unit_id);
      Assignment a;
      a.unit_id = unit_id;
      a.callsign = unit != units_.end() ? unit->second->callsign : std::string();
      a.dispatched_at = e.time;
      incident.assignments.push_back(std::move(a));
      if (!incident.first_dispatched_at) incident.first_dispatched_at = e.time;
    } else {
      for (Assignment& a : incident.assignments) {
        if (a.unit_id != unit_id || !a.is_active()) continue;
        a.status = *step;
        if (*step == AssignmentStatus::kEnRoute) a.en_route_at = e.time;
        if (*step == AssignmentStatus::kOnScene) a.on_scene_at = e.time;
        if (*step == AssignmentStatus::kCleared) a.cleared_at = e.time;
      }
      if (*step == AssignmentStatus::kOnScene && !incident.first_on_scene_at) {
        incident.first_on_scene_at = e.time;
      }
    }
  }
  if (action == "close" || action == "cancel") {
    incident.disposition = d.at("disposition").get<std::string>();
    incident.closed_at = e.time;
    for (Assignment& a : incident.assignments) {
      if (a.is_active()) {
        a.status = AssignmentStatus::kCleared;
        a.cleared_at = e.time;
      }
    }
  }
  if (action == "reopen") {
    incident.closed_at.reset();
    incident.disposition.clear();
  }
  if (action == "transfer") incident.station_id = d.at("station_id").get<std::string>();

  std::string status = d.at("status").get<std::string>();
  if (status != incident.status) {
    incident.status = status;
    OnStateEntered(incident_workflow_, incident.slas, status, e.time);
  }
  ScheduleEscalation(incident, NextEscalationAt(incident_workflow_, incident.slas));
}

void DistrictState::ScheduleEscalation(Incident& incident, std::optional<TimePoint> next) {
  if (incident.next_escalation_at == next) return;
  if (incident.next_escalation_at)
    escalation_queue_.erase({*incident.next_escalation_at, incident.id});
  incident.next_escalation_at = next;
  if (next) escalation_queue_.insert({*next, incident.id});
}

void DistrictState::ApplyUnitEvent(const Event& e) {
  const json& d = e.data;
  UnitId id = d.at("unit_id").get<UnitId>();
  if (e.type == "unit.created") {
    auto unit = std::make_shared<Unit>();
    unit->id = id;
    unit->callsign = d.at("callsign").get<std::string>();
    unit->force = d.at("force").get<Force>();
    unit->mode = d.at("mode").get<TravelMode>();
    unit->station_id = d.at("station_id").get<std::string>();
    unit->members = d.at("members").get<std::vector<std::string>>();
    unit->status = d.at("status").get<UnitStatus>();
    unit->status_at = e.time;
    unit->created_at = e.time;
    unit_by_callsign_[unit->callsign] = id;
    units_[id] = std::move(unit);
    changed_units_.insert(id);
    next_unit_id_ = std::max(next_unit_id_, id + 1);
  } else if (e.type == "unit.status_changed") {
    Unit& unit = MutableUnit(id);
    unit.status = d.at("status").get<UnitStatus>();
    unit.status_at = e.time;
    bool engaged = unit.status == UnitStatus::kDispatched || unit.status == UnitStatus::kEnRoute ||
                   unit.status == UnitStatus::kOnScene;
    unit.active_incident_id = engaged ? d.value("incident_id", IncidentId{0}) : 0;
  } else if (e.type == "unit.position_reported") {
    MutableUnit(id).position = d.at("position").get<Position>();
  }
}

void DistrictState::ApplyCaseEvent(const Event& e) {
  const json& d = e.data;
  CaseId id = d.at("case_id").get<CaseId>();
  if (e.type == "case.opened") {
    const CaseKind* kind = catalog_.Find(d.at("kind").get<std::string>());
    PINGAN_CHECK(kind != nullptr);  // a ledger written with kinds this build no longer has
    OpenCaseRequest request;
    request.id = id;
    request.station_id = d.at("station_id").get<std::string>();
    request.priority = d.at("priority").get<int>();
    request.incident_id = d.at("incident_id").get<IncidentId>();
    request.parent_id = d.at("parent_id").get<CaseId>();
    request.location = d.at("location").get<std::optional<LonLat>>();
    request.fields = d.at("fields");
    request.actor = e.actor;
    auto record = OpenCase(*kind, std::move(request), e.time);
    PINGAN_CHECK(record.has_value());
    auto ptr = std::make_shared<CaseRecord>(std::move(*record));
    if (ptr->incident_id != 0) cases_by_incident_.insert({ptr->incident_id, id});
    cases_[id] = ptr;
    changed_cases_.insert(id);
    next_case_id_ = std::max(next_case_id_, id + 1);
    ScheduleCaseEscalation(*ptr);
    return;
  }
  CaseRecord& record = MutableCase(id);
  const CaseKind& kind = *catalog_.Find(record.kind);
  if (e.type == "case.acted") {
    Status ok = ApplyCaseAction(kind, record, d.at("action").get<std::string>(), d.at("fields"),
                                e.actor, e.time);
    PINGAN_CHECK(ok.has_value());  // decided on the same record before it was emitted
  } else if (e.type == "case.escalated") {
    MarkEscalated(record, d.at("sla").get<std::string>(), d.at("level").get<int>(),
                  d.at("notify").get<std::string>(), d.at("due_at").get<TimePoint>());
  }
  ScheduleCaseEscalation(record);
}

void DistrictState::ScheduleCaseEscalation(const CaseRecord& record) {
  const CaseKind& kind = *catalog_.Find(record.kind);
  std::optional<TimePoint> next = NextEscalationAt(kind.workflow, record.slas);
  auto it = case_escalation_at_.find(record.id);
  if (it != case_escalation_at_.end()) {
    if (next == it->second) return;
    case_escalation_queue_.erase({it->second, record.id});
    case_escalation_at_.erase(it);
  }
  if (next) {
    case_escalation_queue_.insert({*next, record.id});
    case_escalation_at_[record.id] = *next;
  }
}

CaseRecord& DistrictState::MutableCase(CaseId id) {
  auto& ptr = cases_.at(id);
  if (ptr.use_count() > 1) ptr = std::make_shared<CaseRecord>(*ptr);
  changed_cases_.insert(id);
  return *ptr;
}

const CaseRecord* DistrictState::FindCase(CaseId id) const {
  auto it = cases_.find(id);
  return it == cases_.end() ? nullptr : it->second.get();
}

void DistrictState::ApplyOtherEvent(const Event& e) {
  const json& d = e.data;
  if (e.type == "jurisdiction.defined") {
    json collection = {{"type", "FeatureCollection"}, {"features", json::array({d})}};
    auto parsed = ParseJurisdictionGeoJson(collection);
    PINGAN_CHECK(parsed.has_value() && parsed->size() == 1);
    Jurisdiction j = std::move(parsed->front());
    jurisdiction_defs_[j.id] = std::move(j);
    jurisdiction_index_.reset();  // rebuilt on next use, once per batch of definitions
    jurisdictions_changed_ = true;
  } else if (e.type == "user.added") {
    auto user = std::make_shared<User>(d.get<User>());
    user->created_at = e.time;
    changed_users_.insert(user->username);
    users_[user->username] = std::move(user);
  } else if (e.type == "session.opened") {
    // Forget sessions that expired before this event. Keyed on event time, so a replay
    // forgets exactly the same ones.
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second->expires_at <= e.time) {
        closed_sessions_.push_back(it->first);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
    auto session = std::make_shared<Session>(d.get<Session>());
    opened_sessions_.push_back(session->token_hash);
    sessions_[session->token_hash] = std::move(session);
  } else if (e.type == "session.closed") {
    std::string hash = d.at("token_hash").get<std::string>();
    sessions_.erase(hash);
    closed_sessions_.push_back(hash);
  }
  // audit.* events change no state: they are the audit trail itself.
}

// ---------------------------------------------------------------------------------------------
// Copy-on-write and publishing

Incident& DistrictState::MutableIncident(IncidentId id) {
  auto& ptr = incidents_.at(id);
  // use_count() > 1 means a reader's map (or a reader) holds it: never mutate that copy.
  if (ptr.use_count() > 1) ptr = std::make_shared<Incident>(*ptr);
  changed_incidents_.insert(id);
  return *ptr;
}

Unit& DistrictState::MutableUnit(UnitId id) {
  auto& ptr = units_.at(id);
  if (ptr.use_count() > 1) ptr = std::make_shared<Unit>(*ptr);
  changed_units_.insert(id);
  return *ptr;
}

DistrictState::Changes DistrictState::TakeChanges() {
  Changes changes;
  for (IncidentId id : changed_incidents_) changes.incidents.push_back(incidents_.at(id));
  for (UnitId id : changed_units_) changes.units.push_back(units_.at(id));
  for (CaseId id : changed_cases_) changes.cases.push_back(cases_.at(id));
  for (const std::string& name : changed_users_) changes.users.push_back(users_.at(name));
  for (const std::string& hash : opened_sessions_) {
    auto it = sessions_.find(hash);
    if (it != sessions_.end()) changes.sessions_opened.push_back(it->second);
  }
  changes.sessions_closed = std::move(closed_sessions_);
  if (jurisdictions_changed_) {
    jurisdictions();  // rebuilds the index once for all definitions applied since
    changes.jurisdictions = jurisdiction_index_;
  }
  if (devices_changed_) changes.devices = std::make_shared<const DeviceIndex>(device_index_);
  devices_changed_ = false;
  changed_incidents_.clear();
  changed_units_.clear();
  changed_cases_.clear();
  changed_users_.clear();
  opened_sessions_.clear();
  closed_sessions_.clear();
  jurisdictions_changed_ = false;
  return changes;
}

const JurisdictionIndex& DistrictState::jurisdictions() {
  if (!jurisdiction_index_) {
    std::vector<Jurisdiction> all;
    all.reserve(jurisdiction_defs_.size());
    for (const auto& [id, j] : jurisdiction_defs_) all.push_back(j);
    auto index = JurisdictionIndex::Build(std::move(all));
    // Definitions were validated as a whole before they were emitted.
    PINGAN_CHECK(index.has_value());
    jurisdiction_index_ = std::move(*index);
  }
  return *jurisdiction_index_;
}

const Incident* DistrictState::FindIncident(IncidentId id) const {
  auto it = incidents_.find(id);
  return it == incidents_.end() ? nullptr : it->second.get();
}

const Unit* DistrictState::FindUnit(UnitId id) const {
  auto it = units_.find(id);
  return it == units_.end() ? nullptr : it->second.get();
}

const Unit* DistrictState::FindUnitByCallsign(const std::string& callsign) const {
  auto it = unit_by_callsign_.find(callsign);
  return it == unit_by_callsign_.end() ? nullptr : FindUnit(it->second);
}

const User* DistrictState::FindUser(const std::string& username) const {
  auto it = users_.find(username);
  return it == users_.end() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

DistrictState::Snapshot DistrictState::TakeSnapshot() {
  Snapshot snap;
  snap.last_seq = last_seq_;
  snap.next_incident_id = next_incident_id_;
  snap.next_unit_id = next_unit_id_;
  snap.next_case_id = next_case_id_;
  snap.incidents.reserve(incidents_.size());
  for (const auto& [id, incident] : incidents_) snap.incidents.push_back(incident);
  for (const auto& [id, unit] : units_) snap.units.push_back(unit);
  for (const auto& [id, record] : cases_) snap.cases.push_back(record);
  for (const auto& [name, user] : users_) snap.users.push_back(user);
  for (const auto& [hash, session] : sessions_) snap.sessions.push_back(session);
  // Sessions come from an unordered map: order them so equal states give equal JSON.
  std::sort(snap.sessions.begin(), snap.sessions.end(),
            [](const auto& a, const auto& b) { return a->token_hash < b->token_hash; });
  jurisdictions();
  snap.jurisdictions = jurisdiction_index_;
  return snap;
}

json DistrictState::CheckpointJson(const Snapshot& snap) {
  json incidents = json::array();
  for (const auto& incident : snap.incidents) incidents.push_back(*incident);
  json units = json::array();
  for (const auto& unit : snap.units) units.push_back(*unit);
  json cases = json::array();
  for (const auto& record : snap.cases) cases.push_back(*record);
  json users = json::array();
  for (const auto& user : snap.users) users.push_back(*user);
  json sessions = json::array();
  for (const auto& session : snap.sessions) sessions.push_back(*session);
  json jurisdictions = json::array();
  for (const Jurisdiction& j : snap.jurisdictions->all()) {
    jurisdictions.push_back(JurisdictionToGeoJson(j, /*with_geometry=*/true));
  }
  return {{"format", kCheckpointFormat},
          {"last_seq", snap.last_seq},
          {"next_incident_id", snap.next_incident_id},
          {"next_unit_id", snap.next_unit_id},
          {"incidents", std::move(incidents)},
          {"units", std::move(units)},
          {"next_case_id", snap.next_case_id},
          {"cases", std::move(cases)},
          {"users", std::move(users)},
          {"sessions", std::move(sessions)},
          {"jurisdictions", std::move(jurisdictions)}};
}

Result<std::unique_ptr<DistrictState>> DistrictState::FromCheckpoint(
    const json& doc, WorkflowDefinition incident_workflow, CaseCatalog cases) {
  if (doc.value("format", 0) != kCheckpointFormat) {
    return Error{ErrorCode::kInternal, "unsupported checkpoint format", "format"};
  }
  auto state = std::make_unique<DistrictState>(std::move(incident_workflow), std::move(cases));
  try {
    state->last_seq_ = doc.at("last_seq").get<Sequence>();
    state->next_incident_id_ = doc.at("next_incident_id").get<IncidentId>();
    state->next_unit_id_ = doc.at("next_unit_id").get<UnitId>();
    for (const auto& j : doc.at("incidents")) {
      auto incident = std::make_shared<Incident>(j.get<Incident>());
      if (incident->next_escalation_at) {
        state->escalation_queue_.insert({*incident->next_escalation_at, incident->id});
      }
      state->changed_incidents_.insert(incident->id);
      state->incidents_[incident->id] = std::move(incident);
    }
    for (const auto& j : doc.at("units")) {
      auto unit = std::make_shared<Unit>(j.get<Unit>());
      state->unit_by_callsign_[unit->callsign] = unit->id;
      for (const DeviceBinding& b : unit->devices) {
        state->device_index_[DeviceKey(b.protocol, b.identifier)] =
            DeviceRoute{unit->id, b.coordinates == "gcj02"};
      }
      state->changed_units_.insert(unit->id);
      state->units_[unit->id] = std::move(unit);
    }
    // Checkpoints from before cases existed have none.
    state->next_case_id_ = doc.value("next_case_id", CaseId{1});
    for (const auto& j : doc.value("cases", json::array())) {
      auto record = std::make_shared<CaseRecord>(j.get<CaseRecord>());
      if (state->catalog_.Find(record->kind) == nullptr) {
        return Error{
            ErrorCode::kInternal,
            fmt::format("checkpoint has case {} of unknown kind '{}'", record->id, record->kind),
            "cases"};
      }
      if (record->incident_id != 0)
        state->cases_by_incident_.insert({record->incident_id, record->id});
      state->ScheduleCaseEscalation(*record);
      state->changed_cases_.insert(record->id);
      state->cases_[record->id] = std::move(record);
    }
    for (const auto& j : doc.at("users")) {
      auto user = std::make_shared<User>(j.get<User>());
      state->changed_users_.insert(user->username);
      state->users_[user->username] = std::move(user);
    }
    for (const auto& j : doc.at("sessions")) {
      auto session = std::make_shared<Session>(j.get<Session>());
      state->opened_sessions_.push_back(session->token_hash);
      state->sessions_[session->token_hash] = std::move(session);
    }
    json collection = {{"type", "FeatureCollection"}, {"features", doc.at("jurisdictions")}};
    auto parsed = ParseJurisdictionGeoJson(collection);
    if (!parsed) return parsed.error();
    for (Jurisdiction& j : *parsed) state->jurisdiction_defs_[j.id] = std::move(j);
    state->jurisdictions_changed_ = true;
  } catch (const json::exception& ex) {
    return Error{ErrorCode::kInternal, std::string("corrupt checkpoint: ") + ex.what(), {}};
  }
  return state;
}

}  // namespace pingan
