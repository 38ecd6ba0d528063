#include "api/repeat_routes.h"

#include <algorithm>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "api/auth.h"
#include "api/fund_warning_routes.h"
#include "api/json_codec.h"
#include "api/route_support.h"
#include "cases/case_kinds.h"
#include "cases/disputes.h"
#include "core/json_support.h"
#include "core/pii.h"
#include "core/time_format.h"

namespace pingan::api {

using nlohmann::json;

namespace {

using Context = std::shared_ptr<CaseWorkRoutesContext>;
using IncidentPtr = std::shared_ptr<const Incident>;

constexpr int kMaxDays = 366;
constexpr std::size_t kMaxDisputeIncidents = 500;
constexpr std::size_t kMaxNoteBytes = 4096;
// Incident ids follow receipt; a walk from the newest stops this far before its period's start
// (as the heat layer's does), which allows for incidents entered late.
constexpr auto kLateEntrySlack = std::chrono::hours(24);

json LocationJson(const std::optional<LonLat>& p) {
  return p ? json{{"lon", p->lon}, {"lat", p->lat}} : json(nullptr);
}

bool HasCaller(const Incident& i) {
  return !i.caller_name.empty() || !i.caller_phone.empty();
}

// The open disputes of `view`, by each incident they name.
std::unordered_map<IncidentId, CaseId> OpenDisputesByIncident(const engine::ReadView& view) {
  std::unordered_map<IncidentId, CaseId> out;
  const std::string& kind = cases::DisputeKind().workflow.kind;
  for (const auto& [id, record] : view.cases) {
    if (record->kind != kind || !record->IsOpen()) continue;
    for (IncidentId incident : cases::CaseIncidentIds(*record)) out.emplace(incident, id);
  }
  return out;
}

// Incidents received in [from, to], newest first.
std::vector<IncidentPtr> IncidentsBetween(const engine::ReadView& view, TimePoint from,
                                          TimePoint to) {
  std::vector<IncidentPtr> out;
  for (auto it = view.incidents.rbegin(); it != view.incidents.rend(); ++it) {
    const Incident& i = *it->second;
    if (i.received_at < from - kLateEntrySlack) break;
    if (i.received_at >= from && i.received_at <= to) out.push_back(it->second);
  }
  return out;
}

// ---- GET /api/repeats ----

struct RepeatQuery {
  int days = 30;
  std::string station_id;
  std::optional<cases::RepeatReason> reason;
  std::size_t limit = 100;
};

Result<RepeatQuery> ParseRepeatQuery(const HttpRequest& req) {
  RepeatQuery q;
  auto days = QueryInteger(req, "days");
  if (!days) return days.error();
  if (*days) {
    if (**days < 1 || **days > kMaxDays) {
      return InvalidInput("days", fmt::format("days is 1 to {}", kMaxDays));
    }
    q.days = static_cast<int>(**days);
  }
  q.station_id = QueryString(req, "station_id");
  if (std::string reason = QueryString(req, "reason"); !reason.empty()) {
    q.reason = cases::ParseRepeatReason(reason);
    if (!q.reason) return InvalidInput("reason", "reason is place, phone or party");
  }
  auto limit = QueryInteger(req, "limit");
  if (!limit) return limit.error();
  if (*limit) {
    if (**limit < 1 || **limit > 500) return InvalidInput("limit", "limit is 1 to 500");
    q.limit = static_cast<std::size_t>(**limit);
  }
  return q;
}

// The callers of a group's incidents, latest first, one entry per phone (or name without one).
json CallersJson(const std::vector<const Incident*>& incidents, bool reveal) {
  json out = json::array();
  std::vector<std::string> seen;
  for (auto it = incidents.rbegin(); it != incidents.rend(); ++it) {
    const Incident& i = **it;
    if (!HasCaller(i)) continue;
    std::string key = cases::NormalizePhone(i.caller_phone);
    if (key.empty()) key = "name:" + cases::NormalizeParty(i.caller_name);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    out.push_back({{"name", reveal ? i.caller_name : MaskName(i.caller_name)},
                   {"phone", reveal ? i.caller_phone : MaskPhone(i.caller_phone)}});
    if (out.size() >= 20) break;
  }
  return out;
}

void ListRepeats(const Context& ctx, const Call& call, const RepeatQuery& q) {
  const TimePoint now = ctx->engine.clock().Now();
  const TimePoint from = now - std::chrono::days(q.days);
  std::vector<IncidentPtr> incidents;
  std::unordered_map<IncidentId, CaseId> open_disputes;
  ctx->engine.Read([&](const engine::ReadView& view) {
    incidents = IncidentsBetween(view, from, now);
    open_disputes = OpenDisputesByIncident(view);
  });
  std::vector<cases::RepeatSubject> subjects;
  subjects.reserve(incidents.size());
  std::unordered_map<IncidentId, const Incident*> by_id;
  by_id.reserve(incidents.size());
  for (const IncidentPtr& i : incidents) {
    subjects.push_back(cases::SubjectOf(*i));
    by_id.emplace(i->id, i.get());
  }
  cases::RepeatResult result = cases::FindRepeats(subjects, ctx->repeat_options);
  std::vector<const cases::RepeatGroup*> groups;
  for (const cases::RepeatGroup& g : result.groups) {
    if (!q.station_id.empty() && g.station_id != q.station_id) continue;
    if (q.reason && g.reason != *q.reason) continue;
    groups.push_back(&g);
  }
  // Newest first: the groups that called last are the ones to follow up now.
  std::stable_sort(
      groups.begin(), groups.end(), [](const cases::RepeatGroup* a, const cases::RepeatGroup* b) {
        return a->last_at != b->last_at ? a->last_at > b->last_at : a->count > b->count;
      });
  const std::size_t total = groups.size();
  if (groups.size() > q.limit) groups.resize(q.limit);

  std::vector<std::int64_t> personal_ids;
  for (const cases::RepeatGroup* g : groups) {
    for (IncidentId id : g->ids) {
      if (HasCaller(*by_id.at(id))) personal_ids.push_back(id);
    }
  }
  std::sort(personal_ids.begin(), personal_ids.end());
  personal_ids.erase(std::unique(personal_ids.begin(), personal_ids.end()), personal_ids.end());

  // The groups and incidents stay alive in the closure until the reply is built.
  auto keep = std::make_shared<std::pair<std::vector<IncidentPtr>, cases::RepeatResult>>(
      std::move(incidents), std::move(result));
  ReplyWithPersonalData(
      *ctx, call, 200, "incident", std::move(personal_ids), "GET /api/repeats",
      [=, by_id = std::move(by_id), open_disputes = std::move(open_disputes),
       options = ctx->repeat_options](bool reveal) {
        (void)keep;
        json list = json::array();
        for (const cases::RepeatGroup* g : groups) {
          std::vector<const Incident*> members;
          json open_dispute = nullptr;
          for (IncidentId id : g->ids) {
            members.push_back(by_id.at(id));
            if (auto d = open_disputes.find(id); d != open_disputes.end() && open_dispute.is_null())
              open_dispute = d->second;
          }
          json item = cases::RepeatGroupToJson(*g);
          item["address"] = cases::DraftDispute(members, "", "").fields["address"];
          item["callers"] = CallersJson(members, reveal);
          item["open_dispute_id"] = open_dispute;
          list.push_back(std::move(item));
        }
        return json{{"from", FormatIso8601(from)},
                    {"to", FormatIso8601(now)},
                    {"days", q.days},
                    {"distance_m", options.distance_m},
                    {"window_days", options.window.count() / 86400.0},
                    {"total", total},
                    {"personal_data_masked", !reveal},
                    {"groups", std::move(list)}};
      });
}

// ---- POST /api/repeats/dispute ----

struct DisputeRequest {
  std::vector<IncidentId> ids;
  std::string station_id;
  std::string note;
  std::string reason;  // "" until inferred
};

Result<DisputeRequest> ParseDisputeRequest(const json& body) {
  DisputeRequest r;
  auto ids = body.find("incident_ids");
  if (ids == body.end() || !ids->is_array() || ids->empty()) {
    return InvalidInput("incident_ids", "incident_ids is a non-empty array of incident ids");
  }
  if (ids->size() > kMaxDisputeIncidents) {
    return InvalidInput("incident_ids",
                        fmt::format("at most {} incidents in one dispute", kMaxDisputeIncidents));
  }
  for (std::size_t k = 0; k < ids->size(); ++k) {
    const json& id = (*ids)[k];
    if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) {
      return InvalidInput(fmt::format("incident_ids[{}]", k),
                          "an incident id is a positive integer");
    }
    r.ids.push_back(id.get<IncidentId>());
  }
  std::sort(r.ids.begin(), r.ids.end());
  r.ids.erase(std::unique(r.ids.begin(), r.ids.end()), r.ids.end());
  auto station = OptionalString(body, "station_id", 64);
  if (!station) return station.error();
  r.station_id = station->value_or("");
  auto note = OptionalString(body, "note", kMaxNoteBytes);
  if (!note) return note.error();
  r.note = note->value_or("");
  auto reason = OptionalString(body, "reason", 16);
  if (!reason) return reason.error();
  r.reason = reason->value_or("");
  if (!r.reason.empty() && r.reason != "manual" && !cases::ParseRepeatReason(r.reason)) {
    return InvalidInput("reason", "reason is place, phone, party or manual");
  }
  return r;
}

// The reason that links all of `incidents` into one group, in the order place, phone, party;
// "manual" when none does (incidents picked by hand).
std::string InferReason(const std::vector<IncidentPtr>& incidents,
                        const cases::RepeatOptions& options) {
  std::vector<cases::RepeatSubject> subjects;
  for (const IncidentPtr& i : incidents) subjects.push_back(cases::SubjectOf(*i));
  cases::RepeatOptions all = options;
  all.min_group = incidents.size();
  cases::RepeatResult result = cases::FindRepeats(subjects, all);
  for (cases::RepeatReason reason :
       {cases::RepeatReason::kPlace, cases::RepeatReason::kPhone, cases::RepeatReason::kParty}) {
    for (const cases::RepeatGroup& g : result.groups) {
      if (g.reason == reason && g.count == incidents.size()) return std::string(ToString(reason));
    }
  }
  return "manual";
}

void OpenDisputeFromGroup(const Context& ctx, Call& call) {
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  auto request = ParseDisputeRequest(*body);
  if (!request) return call.Fail(request.error());

  std::vector<IncidentPtr> incidents;
  std::unique_lock lock(ctx->dispute_mu);
  for (IncidentId id : request->ids) {
    if (ctx->disputes_in_flight.contains(id)) {
      return call.Fail(Conflict(
          fmt::format("a dispute for incident {} is being opened right now", id), "incident_ids"));
    }
  }
  Status checked = ctx->engine.Read([&](const engine::ReadView& view) -> Status {
    for (IncidentId id : request->ids) {
      auto it = view.incidents.find(id);
      if (it == view.incidents.end()) {
        return InvalidInput("incident_ids", fmt::format("no incident {}", id));
      }
      incidents.push_back(it->second);
    }
    std::unordered_map<IncidentId, CaseId> open = OpenDisputesByIncident(view);
    std::vector<std::string> taken;
    CaseId dispute = 0;
    for (IncidentId id : request->ids) {
      if (auto d = open.find(id); d != open.end()) {
        taken.push_back(std::to_string(id));
        dispute = d->second;
      }
    }
    if (!taken.empty()) {
      return Conflict(
          fmt::format("incident {} already has open dispute {}", fmt::join(taken, ", "), dispute),
          "incident_ids");
    }
    return {};
  });
  if (!checked) return call.Fail(checked.error());
  ctx->disputes_in_flight.insert(request->ids.begin(), request->ids.end());
  lock.unlock();

  const std::string reason =
      request->reason.empty() ? InferReason(incidents, ctx->repeat_options) : request->reason;
  std::vector<const Incident*> members;
  for (const IncidentPtr& i : incidents) members.push_back(i.get());
  cases::DisputeDraft draft = cases::DraftDispute(members, reason, request->note);
  CreateCase cmd;
  cmd.kind = cases::DisputeKind().workflow.kind;
  cmd.station_id = request->station_id.empty() ? draft.station_id : request->station_id;
  cmd.incident_id = draft.incident_id;
  cmd.location = draft.location;
  cmd.fields = std::move(draft.fields);
  const bool has_party_names = !cmd.fields["party_names"].empty();
  std::string actor = call.user ? call.user->username : "anonymous";
  ctx->engine.Submit(
      Command{std::move(actor), std::move(cmd)},
      [ctx, call, ids = request->ids, has_party_names](Result<CommandOutcome> result) {
        {
          std::lock_guard release(ctx->dispute_mu);
          for (IncidentId id : ids) ctx->disputes_in_flight.erase(id);
        }
        boost::asio::post(ctx->workers, [ctx, call, ids, has_party_names, result] {
          if (!result) return call.Fail(result.error());
          const CaseId id = result->id;
          auto record = ctx->engine.Read([&](const engine::ReadView& view) {
            auto it = view.cases.find(id);
            return it == view.cases.end() ? nullptr : it->second;
          });
          if (!record) return call.Fail(NotFound(fmt::format("no case {}", id)));
          std::vector<std::int64_t> audit;
          if (has_party_names) audit.assign(ids.begin(), ids.end());
          ReplyWithPersonalData(*ctx, call, 201, "incident", std::move(audit),
                                "POST /api/repeats/dispute", [ctx, record](bool reveal) {
                                  return CaseWorkView(*record, reveal, ctx->engine.clock().Now());
                                });
        });
      });
}

// ---- GET /api/cases/{id}/related ----

void RelatedIncidents(const Context& ctx, const Call& call, CaseId id, std::size_t limit) {
  const TimePoint now = ctx->engine.clock().Now();
  std::shared_ptr<const CaseRecord> record;
  cases::DisputeSubject subject;
  std::vector<IncidentPtr> incidents;
  ctx->engine.Read([&](const engine::ReadView& view) {
    auto it = view.cases.find(id);
    if (it == view.cases.end()) return;
    record = it->second;
    if (record->kind != cases::DisputeKind().workflow.kind) return;
    auto find = [&](IncidentId incident) -> const Incident* {
      auto found = view.incidents.find(incident);
      return found == view.incidents.end() ? nullptr : found->second.get();
    };
    subject = cases::DisputeSubjectOf(*record, find, ctx->repeat_options, now);
    incidents = IncidentsBetween(view, subject.from, subject.to);
    // Its own incidents count whenever they were received.
    for (IncidentId linked : subject.linked) {
      auto found = view.incidents.find(linked);
      if (found == view.incidents.end()) continue;
      const TimePoint at = found->second->received_at;
      if (at < subject.from || at > subject.to) incidents.push_back(found->second);
    }
  });
  if (!record) return call.Fail(NotFound(fmt::format("no case {}", id)));
  if (record->kind != cases::DisputeKind().workflow.kind) {
    return call.Fail(
        InvalidInput("id", fmt::format("case {} is a {}; related incidents are found for disputes",
                                       id, record->kind)));
  }
  std::vector<cases::RepeatSubject> subjects;
  std::unordered_map<IncidentId, IncidentPtr> by_id;
  for (const IncidentPtr& i : incidents) {
    cases::RepeatSubject s = cases::SubjectOf(*i);
    // Incidents do not record their parties yet; the caller is usually one of them.
    if (!i->caller_name.empty()) s.parties.push_back(i->caller_name);
    subjects.push_back(std::move(s));
    by_id.emplace(i->id, i);
  }
  std::vector<cases::RelatedIncident> related =
      cases::FindRelatedIncidents(subject, subjects, ctx->repeat_options);
  const std::size_t total = related.size();
  if (related.size() > limit) related.resize(limit);
  std::vector<std::int64_t> personal_ids;
  for (const cases::RelatedIncident& r : related) {
    if (HasCaller(*by_id.at(r.id))) personal_ids.push_back(r.id);
  }
  std::sort(personal_ids.begin(), personal_ids.end());
  ReplyWithPersonalData(*ctx, call, 200, "incident", std::move(personal_ids),
                        fmt::format("GET /api/cases/{}/related", id),
                        [ctx, id, subject, related = std::move(related), by_id = std::move(by_id),
                         total, now](bool reveal) {
                          json list = json::array();
                          for (const cases::RelatedIncident& r : related) {
                            json view = IncidentView(
                                *by_id.at(r.id), ctx->engine.incident_workflow(), now,
                                {.reveal_personal_data = reveal, .with_timeline = false});
                            json reasons = json::array();
                            for (cases::RepeatReason reason : r.reasons)
                              reasons.push_back(ToString(reason));
                            view["related_by"] = std::move(reasons);
                            view["is_linked"] = r.is_linked;
                            list.push_back(std::move(view));
                          }
                          return json{{"case_id", id},
                                      {"from", FormatIso8601(subject.from)},
                                      {"to", FormatIso8601(subject.to)},
                                      {"distance_m", ctx->repeat_options.distance_m},
                                      {"window_days", ctx->repeat_options.window.count() / 86400.0},
                                      {"linked", subject.linked},
                                      {"total", total},
                                      {"personal_data_masked", !reveal},
                                      {"incidents", std::move(list)}};
                        });
}

void AddRepeatRoutes(Router& router, const Context& ctx) {
  router.Add(
      {"GET", "/api/repeats",
       "Repeat incidents (重复警情) for follow-up: groups of one reason each (place, phone, "
       "party), "
       "newest first",
       "cases", false, Permission::kReadIncidents, nullptr,
       json::array(
           {QueryParam("station_id", "the station of the group's latest incident (default: all)"),
            QueryParam("days", "incidents received in the last N days, 1-366 (default 30)",
                       IntegerSchema()),
            QueryParam("reason", "place, phone or party (default: all)"),
            QueryParam("limit", "at most this many groups, 1-500 (default 100)", IntegerSchema())}),
       "200 {from, to, days, total, groups: [{reason, ids, count, first_at, last_at, station_id, "
       "address, location, categories, callers, open_dispute_id}]}; callers masked unless the "
       "role may see personal data (then audited)",
       [ctx](Call& call) {
         auto q = ParseRepeatQuery(call.request);
         if (!q) return call.Fail(q.error());
         boost::asio::post(ctx->workers, [ctx, call, q = *q] { ListRepeats(ctx, call, q); });
       }});
  router.Add(
      {"POST", "/api/repeats/dispute",
       "Turn a repeat group into a dispute case (纠纷); 409 when one of its incidents already has "
       "an open dispute",
       "cases", false, Permission::kOpenCases,
       ObjectSchema({{"incident_ids", {{"type", "array"}, {"items", IntegerSchema()}}},
                     {"station_id", StringSchema()},
                     {"note", StringSchema()},
                     {"reason", {{"enum", {"place", "phone", "party", "manual"}}}}},
                    {"incident_ids"}),
       nullptr,
       "201 the dispute {id, kind, state, station_id, incident_id, fields: {incident_ids, reason, "
       "address, party_names, note}, ...}",
       [ctx](Call& call) { OpenDisputeFromGroup(ctx, call); }});
  router.Add(
      {"GET", "/api/cases/{id}/related",
       "Incidents related to a dispute: at its place, from its callers' phones or with its "
       "parties, within the repeat window",
       "cases", false, Permission::kReadIncidents, nullptr,
       json::array(
           {QueryParam("limit", "at most this many, 1-1000 (default 200)", IntegerSchema())}),
       "200 {case_id, from, to, linked, total, incidents: [incident + related_by, is_linked]}",
       [ctx](Call& call) {
         auto id = call.IdParam("id");
         if (!id) return call.Fail(id.error());
         auto limit = QueryInteger(call.request, "limit");
         if (!limit) return call.Fail(limit.error());
         const std::int64_t n = limit->value_or(200);
         if (n < 1 || n > 1000) return call.Fail(InvalidInput("limit", "limit is 1 to 1000"));
         boost::asio::post(ctx->workers, [ctx, call, id = *id, n] {
           RelatedIncidents(ctx, call, id, static_cast<std::size_t>(n));
         });
       }});
}

}  // namespace

void ReplyWithPersonalData(const CaseWorkRoutesContext& context, const Call& call, int status,
                           std::string what, std::vector<std::int64_t> ids, std::string purpose,
                           std::function<json(bool reveal)> build) {
  const bool reveal =
      call.user != nullptr && HasPermission(call.user->role, Permission::kSeePersonalData);
  if (!reveal || ids.empty()) return call.Reply(status, build(reveal));
  // Personal data is shown only once the read is on the audit trail.
  SubmitAsCaller(context.engine, context.workers, call,
                 RecordPersonalDataRead{std::move(what), std::move(ids), std::move(purpose)},
                 [status, build = std::move(build)](const Call& c, CommandOutcome) {
                   c.Reply(status, build(true));
                 });
}

json CaseWorkView(const CaseRecord& record, bool reveal, TimePoint now) {
  const CaseKind* kind = cases::FindCaseKind(record.kind);
  json slas = json::array();
  for (const SlaTimer& t : record.slas) {
    slas.push_back({{"name", t.name},
                    {"deadline", FormatIso8601(t.deadline)},
                    {"met_at", TimeOrNull(t.met_at)},
                    {"is_void", t.is_void},
                    {"overdue", IsOverdue(t, now)},
                    {"escalation_level", t.escalation_level}});
  }
  json escalations = json::array();
  for (const CaseEvent& e : record.timeline) {
    if (e.action != "escalate") continue;
    escalations.push_back({{"at", FormatIso8601(e.at)},
                           {"sla", FieldText(e.fields, "sla")},
                           {"level", e.fields.value("level", 0)},
                           {"notify", FieldText(e.fields, "notify")}});
  }
  return {{"id", record.id},
          {"kind", record.kind},
          {"state", record.state},
          {"is_open", record.IsOpen()},
          {"owner", kind ? OwnerOf(*kind, record) : ""},
          {"station_id", record.station_id},
          {"priority", record.priority},
          {"incident_id", record.incident_id},
          {"opened_at", FormatIso8601(record.opened_at)},
          {"closed_at", TimeOrNull(record.closed_at)},
          {"location", LocationJson(record.location)},
          {"overdue", record.IsOpen() && IsOverdue(record, now)},
          {"slas", std::move(slas)},
          {"escalations", std::move(escalations)},
          {"personal_data_masked", !reveal},
          {"fields", reveal ? record.fields : MaskPersonalFields(record.fields)}};
}

void AddCaseWorkRoutes(Router& router, std::shared_ptr<CaseWorkRoutesContext> context) {
  AddRepeatRoutes(router, context);
  AddFundWarningRoutes(router, std::move(context));
}

}  // namespace pingan::api
