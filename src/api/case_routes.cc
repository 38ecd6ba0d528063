#include "api/case_routes.h"

#include <algorithm>
#include <map>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/citizen_requests.h"
#include "api/json_codec.h"
#include "api/route_support.h"
#include "cases/fund_warnings.h"
#include "core/pii.h"
#include "core/time_format.h"
#include "sms/reply_codes.h"
#include "sms/simulator_gateway.h"

namespace pingan::api {

using nlohmann::json;

namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr size_t kMaxFieldsBytes = 16 * 1024;
// 满意率: satisfied and basically satisfied answers over all answers; bureaus aim for 90 %.
constexpr double kSatisfactionTarget = 0.9;

// The actions the kind allows in the case's current state, for the console's buttons.
json ActionsNow(const CaseKind& kind, const CaseRecord& record) {
  json out = json::array();
  for (const WorkflowTransition& t : kind.workflow.transitions) {
    if (std::find(t.from.begin(), t.from.end(), record.state) == t.from.end()) continue;
    json fields = json::array();
    for (const std::string& f : t.required_fields) {
      json field = {{"name", f}};
      if (auto c = kind.choices.find(f); c != kind.choices.end()) field["choices"] = c->second;
      fields.push_back(std::move(field));
    }
    out.push_back({{"action", t.action},
                   {"to", t.to.empty() ? record.state : t.to},
                   {"required", std::move(fields)}});
  }
  return out;
}

json CaseView(const CaseRecord& record, const CaseKind& kind, const JurisdictionIndex* places,
              TimePoint now, bool reveal, bool with_timeline) {
  auto station_name = [&](const std::string& id) -> json {
    if (places == nullptr || id.empty()) return nullptr;
    const Jurisdiction* j = places->Find(id);
    return j ? json(j->name) : json(nullptr);
  };
  json slas = json::array();
  std::optional<TimePoint> next_deadline;
  for (const SlaTimer& t : record.slas) {
    bool pending = !t.met_at && !t.is_void;
    if (pending && (!next_deadline || t.deadline < *next_deadline)) next_deadline = t.deadline;
    slas.push_back({{"name", t.name},
                    {"deadline", FormatIso8601(t.deadline)},
                    {"met_at", TimeOrNull(t.met_at)},
                    {"is_void", t.is_void},
                    {"overdue", pingan::IsOverdue(t, now)},
                    {"escalation_level", t.escalation_level}});
  }
  json view = {{"id", record.id},
               {"kind", record.kind},
               {"kind_label", kind.label},
               {"state", record.state},
               {"is_open", record.IsOpen()},
               {"owner", OwnerOf(kind, record)},
               {"station_id", record.station_id},
               {"station_name", station_name(record.station_id)},
               {"priority", record.priority},
               {"incident_id", record.incident_id},
               {"parent_id", record.parent_id},
               {"opened_at", FormatIso8601(record.opened_at)},
               {"closed_at", TimeOrNull(record.closed_at)},
               {"location", record.location
                                ? json{{"lon", record.location->lon}, {"lat", record.location->lat}}
                                : json(nullptr)},
               {"overdue", IsOverdue(record, now) && record.IsOpen()},
               {"next_deadline", TimeOrNull(next_deadline)},
               {"slas", std::move(slas)},
               {"fields", reveal ? record.fields : MaskPersonalFields(record.fields)},
               {"actions", ActionsNow(kind, record)}};
  if (with_timeline) {
    json timeline = json::array();
    for (const CaseEvent& e : record.timeline) {
      timeline.push_back({{"at", FormatIso8601(e.at)},
                          {"actor", e.actor},
                          {"action", e.action},
                          {"from", e.from},
                          {"to", e.to},
                          {"fields", reveal ? e.fields : MaskPersonalFields(e.fields)}});
    }
    view["timeline"] = std::move(timeline);
  }
  return view;
}

// One station's (or the district's) figures for a kind.
struct Tally {
  int opened = 0, closed = 0, open = 0, overdue = 0, on_time = 0;
  // Callbacks.
  int answered = 0, satisfied = 0, basically_satisfied = 0, dissatisfied = 0, unreachable = 0;
  // Fund warnings.
  std::map<std::string, int> outcomes;
  double amount_at_risk = 0, amount_stopped = 0, amount_frozen = 0, amount_returned = 0;

  void Add(const CaseRecord& c, TimePoint now) {
    ++opened;
    const TimePoint end = c.closed_at.value_or(now);
    bool late = std::any_of(c.slas.begin(), c.slas.end(),
                            [&](const SlaTimer& t) { return pingan::IsOverdue(t, end); });
    if (c.IsOpen()) {
      ++open;
      if (late) ++overdue;
    } else {
      ++closed;
      if (!late) ++on_time;
    }
    if (c.kind == "callback") {
      const std::string s = FieldText(c.fields, "satisfaction");
      if (c.state == "answered") {
        ++answered;
        satisfied += s == "1";
        basically_satisfied += s == "2";
        dissatisfied += s == "3";
      }
      unreachable += c.state == "unreachable";
    }
    if (c.kind == "fund_warning") {
      if (std::string o = FieldText(c.fields, "outcome"); !o.empty()) ++outcomes[o];
      auto amount = [&](const char* name) {
        auto it = c.fields.find(name);
        return it != c.fields.end() && it->is_number() ? it->get<double>() : 0.0;
      };
      amount_at_risk += amount("amount_at_risk");
      amount_stopped += amount("amount_stopped");
      amount_frozen += amount("amount_frozen");
      amount_returned += amount("amount_returned");
    }
  }

  json ToJson(const std::string& kind) const {
    auto rate = [](int n, int d) { return d == 0 ? json(nullptr) : json(double(n) / d); };
    json j = {{"opened", opened},
              {"closed", closed},
              {"open", open},
              {"overdue", overdue},
              {"on_time", on_time},
              {"closure_rate", rate(closed, opened)},
              {"on_time_rate", rate(on_time, closed)}};
    if (kind == "callback") {
      json satisfaction = rate(satisfied + basically_satisfied, answered);
      j.update({{"answered", answered},
                {"satisfied", satisfied},
                {"basically_satisfied", basically_satisfied},
                {"dissatisfied", dissatisfied},
                {"unreachable", unreachable},
                {"satisfaction_rate", satisfaction},
                {"meets_target", satisfaction.is_null()
                                     ? json(nullptr)
                                     : json(satisfaction.get<double>() >= kSatisfactionTarget)}});
    }
    if (kind == "fund_warning") {
      j.update({{"outcomes", outcomes},
                {"amount_at_risk", amount_at_risk},
                {"amount_stopped", amount_stopped},
                {"amount_frozen", amount_frozen},
                {"amount_returned", amount_returned}});
    }
    return j;
  }
};

class CaseRoutes {
 public:
  explicit CaseRoutes(std::shared_ptr<const CaseRoutesContext> context)
      : ctx_(std::move(context)), engine_(ctx_->engine) {}

  void Register(Router& router, const std::shared_ptr<CaseRoutes>& self) {
    std::vector<std::string> kinds;
    for (const CaseKind& k : engine_.case_catalog().kinds) kinds.push_back(k.workflow.kind);
    router.Add(
        {"GET", "/api/cases", "List cases of any kind, newest first", "cases", false,
         Permission::kReadIncidents, nullptr,
         json::array(
             {QueryParam("kind", "callback, rectification, request, fund_warning, ..."),
              QueryParam("incident_id", "cases that follow from this incident", IntegerSchema()),
              QueryParam("parent_id", "cases opened from this case", IntegerSchema()),
              QueryParam("station_id", "the station that must act"),
              QueryParam("state", "e.g. open, replied"),
              QueryParam("open", "true: only cases not closed"),
              QueryParam("overdue", "true: only open cases past a deadline"),
              QueryParam("limit", "page size, at most 500", IntegerSchema()),
              QueryParam("cursor", "next_cursor of the previous page", IntegerSchema())}),
         "200 {cases: [...], next_cursor}", [self](Call& call) { self->List(call); }});
    router.Add({"GET", "/api/cases/summary",
                "Figures of a kind by station: closure, on time, satisfaction (target 90 %), "
                "fund-warning totals",
                "cases", false, Permission::kReadIncidents, nullptr,
                json::array({QueryParam("kind", "required"),
                             QueryParam("from", "opened at or after (ISO 8601)"),
                             QueryParam("to", "opened before (ISO 8601)")}),
                "200 {kind, target, total, stations: [...]}",
                [self](Call& call) { self->Summary(call); }});
    router.Add({"GET", "/api/cases/{id}", "One case with its deadlines, actions and timeline",
                "cases", false, Permission::kReadIncidents, nullptr, nullptr, "200 the case",
                [self](Call& call) { self->Get(call); }});
    router.Add({"POST", "/api/cases", "Open a case", "cases", false, Permission::kOpenCases,
                ObjectSchema({{"kind", {{"enum", kinds}}},
                              {"station_id", StringSchema()},
                              {"priority", {{"type", "integer"}, {"minimum", 1}, {"maximum", 4}}},
                              {"incident_id", IntegerSchema()},
                              {"parent_id", IntegerSchema()},
                              {"lon", NumberSchema()},
                              {"lat", NumberSchema()},
                              {"fields", {{"type", "object"}}}},
                             {"kind"}),
                nullptr, "201 the case", [self](Call& call) { self->Open(call); }});
    router.Add(
        {"POST", "/api/cases/{id}/actions",
         "Act on a case (its kind's actions: reply, sign_off, assign, respond, contact, "
         "...); sign_off and send_back are for leaders",
         "cases", false, Permission::kOpenCases,
         ObjectSchema({{"action", StringSchema()}, {"fields", {{"type", "object"}}}}, {"action"}),
         nullptr, "200 the case; 409 when the action is not allowed now",
         [self](Call& call) { self->Act(call); }});
    router.Add(
        {"POST", "/api/sms/inbound",
         "A citizen's SMS reply delivered by the gateway (callback answers 1/2/3)", "sms", true,
         std::nullopt,
         ObjectSchema({{"from", StringSchema()}, {"text", StringSchema()}}, {"from", "text"}),
         nullptr, "200 {matched, understood, case_id, satisfaction, rectification_id}",
         [self](Call& call) { self->Inbound(call); }});
    router.Add({"GET", "/api/public/callbacks/{code}",
                "A callback survey from its SMS link: the incident's day and station, whether it "
                "is answered (no personal data)",
                "public", true, std::nullopt, nullptr, nullptr, "200 {state, answered, ...}",
                [self](Call& call) { self->PublicCallback(call); }});
    router.Add({"POST", "/api/public/callbacks/{code}",
                "Answer a callback survey from its SMS link: 1 满意, 2 基本满意, 3 不满意",
                "public", true, std::nullopt,
                ObjectSchema({{"satisfaction", {{"enum", {1, 2, 3}}}}, {"comment", StringSchema()}},
                             {"satisfaction"}),
                nullptr, "200 the survey; 409 when it was answered already",
                [self](Call& call) { self->AnswerPublicCallback(call); }});
    router.Add({"GET", "/api/sms/outbox", "Messages the simulator gateway sent, newest first",
                "sms", false, Permission::kManageUsers, nullptr,
                json::array({QueryParam("to", "only messages to this number"),
                             QueryParam("limit", "at most 1000", IntegerSchema())}),
                "200 {gateway, sent_count, messages: [...]}",
                [self](Call& call) { self->Outbox(call); }});
  }

 private:
  const CaseKind& KindOf(const CaseRecord& record) const {
    return *engine_.case_catalog().Find(record.kind);
  }

  json View(const CaseRecord& record, bool reveal, bool with_timeline = true) const {
    auto places = engine_.jurisdictions();
    return CaseView(record, KindOf(record), places.get(), engine_.clock().Now(), reveal,
                    with_timeline);
  }

  std::shared_ptr<const CaseRecord> Find(CaseId id) const {
    return engine_.Read([&](const engine::ReadView& v) -> std::shared_ptr<const CaseRecord> {
      auto it = v.cases.find(id);
      return it == v.cases.end() ? nullptr : it->second;
    });
  }

  void List(Call& call) {
    const HttpRequest& req = call.request;
    std::string kind = QueryString(req, "kind");
    if (!kind.empty() && engine_.case_catalog().Find(kind) == nullptr)
      return call.Fail(InvalidInput("kind", fmt::format("unknown case kind '{}'", kind)));
    auto incident = QueryInteger(req, "incident_id");
    if (!incident) return call.Fail(incident.error());
    auto parent = QueryInteger(req, "parent_id");
    if (!parent) return call.Fail(parent.error());
    auto limit = QueryInteger(req, "limit");
    if (!limit) return call.Fail(limit.error());
    auto cursor = QueryInteger(req, "cursor");
    if (!cursor) return call.Fail(cursor.error());
    int page = static_cast<int>(
        std::clamp<std::int64_t>(limit->value_or(kDefaultPageSize), 1, kMaxPageSize));
    std::string station = QueryString(req, "station_id");
    std::string state = QueryString(req, "state");
    bool only_open = QueryString(req, "open") == "true";
    bool only_overdue = QueryString(req, "overdue") == "true";
    TimePoint now = engine_.clock().Now();

    std::vector<std::shared_ptr<const CaseRecord>> found;
    bool has_more = false;
    engine_.Read([&](const engine::ReadView& v) {
      auto it = cursor->has_value() ? v.cases.lower_bound(**cursor) : v.cases.end();
      while (it != v.cases.begin()) {
        --it;
        const CaseRecord& c = *it->second;
        if (!kind.empty() && c.kind != kind) continue;
        if (*incident && c.incident_id != **incident) continue;
        if (*parent && c.parent_id != **parent) continue;
        if (!station.empty() && c.station_id != station) continue;
        if (!state.empty() && c.state != state) continue;
        if (only_open && !c.IsOpen()) continue;
        if (only_overdue && !(c.IsOpen() && IsOverdue(c, now))) continue;
        if (static_cast<int>(found.size()) == page) {
          has_more = true;
          break;
        }
        found.push_back(it->second);
      }
    });
    json list = json::array();
    for (const auto& c : found) list.push_back(View(*c, false, false));
    json next = has_more ? json(found.back()->id) : json(nullptr);
    call.Reply(200, {{"cases", std::move(list)}, {"next_cursor", next}});
  }

  void Summary(Call& call) {
    const HttpRequest& req = call.request;
    std::string kind = QueryString(req, "kind");
    if (kind.empty()) return call.Fail(InvalidInput("kind", "which kind of case to count"));
    if (engine_.case_catalog().Find(kind) == nullptr)
      return call.Fail(InvalidInput("kind", fmt::format("unknown case kind '{}'", kind)));
    auto from = QueryTime(req, "from");
    if (!from) return call.Fail(from.error());
    auto to = QueryTime(req, "to");
    if (!to) return call.Fail(to.error());
    if (*from && *to && **to <= **from) return call.Fail(InvalidInput("to", "must be after from"));
    TimePoint now = engine_.clock().Now();
    Tally total;
    std::map<std::string, Tally> by_station;
    engine_.Read([&](const engine::ReadView& v) {
      for (const auto& [id, c] : v.cases) {
        if (c->kind != kind) continue;
        if (*from && c->opened_at < **from) continue;
        if (*to && c->opened_at >= **to) continue;
        total.Add(*c, now);
        by_station[c->station_id].Add(*c, now);
      }
    });
    auto places = engine_.jurisdictions();
    json stations = json::array();
    for (const auto& [station, tally] : by_station) {
      json row = tally.ToJson(kind);
      const Jurisdiction* j = places ? places->Find(station) : nullptr;
      row["station_id"] = station;
      row["station_name"] = j ? json(j->name) : json(nullptr);
      stations.push_back(std::move(row));
    }
    json reply = {{"kind", kind},
                  {"from", TimeOrNull(*from)},
                  {"to", TimeOrNull(*to)},
                  {"total", total.ToJson(kind)},
                  {"stations", std::move(stations)}};
    if (kind == "callback") reply["target"] = kSatisfactionTarget;
    call.Reply(200, reply);
  }

  void Get(Call& call) {
    auto id = call.IdParam("id");
    if (!id) return call.Fail(id.error());
    auto record = Find(*id);
    if (!record) return call.Fail(NotFound(fmt::format("no case {}", *id)));
    if (!HasPermission(call.user->role, Permission::kSeePersonalData) ||
        !HasPersonalFields(record->fields)) {
      return call.Reply(200, View(*record, false));
    }
    // Personal data is shown only once the read is on the audit trail.
    SubmitAsCaller(
        engine_, ctx_->workers, call,
        RecordPersonalDataRead{"case", {*id}, fmt::format("GET /api/cases/{}", *id)},
        [this, record](const Call& c, CommandOutcome) { c.Reply(200, View(*record, true)); });
  }

  static Result<json> FieldsOf(const json& body) {
    auto it = body.find("fields");
    if (it == body.end() || it->is_null()) return json::object();
    if (!it->is_object()) return InvalidInput("fields", "must be a JSON object");
    if (it->dump().size() > kMaxFieldsBytes)
      return InvalidInput("fields", fmt::format("at most {} bytes", kMaxFieldsBytes));
    return *it;
  }

  void Open(Call& call) {
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    CreateCase cmd;
    auto kind = RequiredString(*body, "kind", 32);
    if (!kind) return call.Fail(kind.error());
    cmd.kind = *kind;
    auto station = OptionalString(*body, "station_id", 64);
    if (!station) return call.Fail(station.error());
    cmd.station_id = station->value_or("");
    for (auto [name, target] : {std::pair{"priority", &cmd.priority}}) {
      auto value = OptionalInteger(*body, name);
      if (!value) return call.Fail(value.error());
      if (*value) *target = static_cast<int>(**value);
    }
    auto incident = OptionalInteger(*body, "incident_id");
    if (!incident) return call.Fail(incident.error());
    cmd.incident_id = incident->value_or(0);
    auto parent = OptionalInteger(*body, "parent_id");
    if (!parent) return call.Fail(parent.error());
    cmd.parent_id = parent->value_or(0);
    auto location = OptionalLonLat(*body);
    if (!location) return call.Fail(location.error());
    cmd.location = *location;
    auto fields = FieldsOf(*body);
    if (!fields) return call.Fail(fields.error());
    cmd.fields = std::move(*fields);
    // The caller typed these details: echoing them back discloses nothing new.
    SubmitAsCaller(engine_, ctx_->workers, call, std::move(cmd),
                   [this](const Call& c, CommandOutcome o) {
                     auto record = Find(o.id);
                     if (!record) return c.Fail(NotFound(fmt::format("no case {}", o.id)));
                     c.Reply(201, View(*record, true));
                   });
  }

  void Act(Call& call) {
    auto id = call.IdParam("id");
    if (!id) return call.Fail(id.error());
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    auto action = RequiredString(*body, "action", 32);
    if (!action) return call.Fail(action.error());
    auto record = Find(*id);
    if (!record) return call.Fail(NotFound(fmt::format("no case {}", *id)));
    if (!MayPerformCaseAction(call.user->role, record->kind, *action)) {
      return call.Fail(Error{ErrorCode::kForbidden,
                             fmt::format("a {} may not {} a {} case", ToString(call.user->role),
                                         *action, record->kind),
                             "action"});
    }
    auto fields = FieldsOf(*body);
    if (!fields) return call.Fail(fields.error());
    if (record->kind == "fund_warning") {
      if (Status ok = cases::CheckFundWarningAmounts(*fields); !ok) return call.Fail(ok.error());
    }
    SubmitAsCaller(engine_, ctx_->workers, call, CaseAction{*id, *action, std::move(*fields)},
                   [this](const Call& c, CommandOutcome o) {
                     auto after = Find(o.id);
                     if (!after) return c.Fail(NotFound(fmt::format("no case {}", o.id)));
                     c.Reply(200, View(*after, false));
                   });
  }

  void Inbound(Call& call) {
    if (!ctx_->sms_inbound_token.empty()) {
      auto it = call.request.headers.find("x-pingan-sms-token");
      if (it == call.request.headers.end() || it->second != ctx_->sms_inbound_token) {
        return call.Fail(Error{ErrorCode::kForbidden,
                               "only the SMS gateway delivers replies (X-Pingan-Sms-Token)",
                               "X-Pingan-Sms-Token"});
      }
    }
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    auto from = RequiredString(*body, "from", 32);
    if (!from) return call.Fail(from.error());
    auto text = RequiredString(*body, "text", 2048);
    if (!text) return call.Fail(text.error());
    // Recording the answer waits for the ledger: off the I/O thread.
    boost::asio::post(ctx_->workers, [self = ctx_, call, from = *from, text = *text] {
      auto result = DeliverInboundSms(self->engine, from, text);
      if (!result) return call.Fail(result.error());
      if (result->matched && !result->understood && self->sms != nullptr) {
        auto hint = self->sms->Send(
            {from, "抱歉，未能识别您的回复。请回复数字：1 满意，2 基本满意，3 不满意。",
             "callback"});
        if (!hint)
          spdlog::warn("sms: hint to an unreadable reply not sent: {}", hint.error().message);
      }
      call.Reply(
          200,
          {{"matched", result->matched},
           {"understood", result->understood},
           {"case_id", result->case_id == 0 ? json(nullptr) : json(result->case_id)},
           {"satisfaction", result->satisfaction == 0 ? json(nullptr) : json(result->satisfaction)},
           {"rectification_id",
            result->rectification_id == 0 ? json(nullptr) : json(result->rectification_id)}});
    });
  }

  // The callback whose SMS carried `code`, if any. A link code is "CASEID-RANDOM"
  // (callback_runner.cc): the case is found by its id and the whole code compared in constant
  // time, so a guess costs one lookup and reveals nothing.
  std::shared_ptr<const CaseRecord> FindByLinkCode(const std::string& code) const {
    if (code.size() < 8 || code.size() > 40) return nullptr;
    const size_t dash = code.find('-');
    if (dash == 0 || dash == std::string::npos || dash > 18) return nullptr;
    CaseId id = 0;
    for (size_t i = 0; i < dash; ++i) {
      if (code[i] < '0' || code[i] > '9') return nullptr;
      id = id * 10 + (code[i] - '0');
    }
    auto record = engine_.FindCase(id);
    if (!record || record->kind != engine_.case_catalog().on_incident_closed) return nullptr;
    const std::string stored = FieldText(record->fields, "link_code");
    if (stored.size() != code.size() ||
        sodium_memcmp(stored.data(), code.data(), code.size()) != 0) {
      return nullptr;
    }
    return record;
  }

  // Survey reads and answers per address: plenty for a citizen, slow for a guesser.
  std::optional<HttpResponse> Throttled(const Call& call) {
    if (auto wait = surveys_per_address_.Take(ClientKey(call.request.remote_address),
                                              engine_.clock().Now())) {
      return RateLimitedResponse(*wait, "too many survey requests from this address");
    }
    return std::nullopt;
  }

  json PublicSurvey(const CaseRecord& c) const {
    auto places = engine_.jurisdictions();
    const Jurisdiction* station = places ? places->Find(c.station_id) : nullptr;
    auto incident = engine_.FindIncident(c.incident_id);
    const std::string satisfaction = FieldText(c.fields, "satisfaction");
    return {{"state", c.state},
            {"answered", c.state == "answered"},
            {"can_answer", c.state == "sms_sent" || c.state == "phone_task"},
            {"satisfaction", satisfaction.empty() ? json(nullptr) : json(std::stoi(satisfaction))},
            {"incident_id", c.incident_id},
            {"received_at", incident ? json(FormatIso8601(incident->received_at)) : json(nullptr)},
            {"station_name", station ? json(station->name) : json(nullptr)}};
  }

  void PublicCallback(Call& call) {
    if (auto refused = Throttled(call)) return call.respond(std::move(*refused));
    auto record = FindByLinkCode(call.params["code"]);
    if (!record) return call.Fail(NotFound("no survey with this link; check the SMS", "code"));
    call.Reply(200, PublicSurvey(*record));
  }

  void AnswerPublicCallback(Call& call) {
    if (auto refused = Throttled(call)) return call.respond(std::move(*refused));
    auto record = FindByLinkCode(call.params["code"]);
    if (!record) return call.Fail(NotFound("no survey with this link; check the SMS", "code"));
    auto body = call.JsonBody();
    if (!body) return call.Fail(body.error());
    auto satisfaction = RequiredInteger(*body, "satisfaction");
    if (!satisfaction) return call.Fail(satisfaction.error());
    if (*satisfaction < 1 || *satisfaction > 3)
      return call.Fail(InvalidInput("satisfaction", "1 满意, 2 基本满意 or 3 不满意"));
    auto comment = OptionalString(*body, "comment", 1000);
    if (!comment) return call.Fail(comment.error());
    if (record->state != "sms_sent" && record->state != "phone_task")
      return call.Fail(Conflict("this survey is answered already, thank you", "satisfaction"));
    json fields = {{"satisfaction", std::to_string(*satisfaction)}, {"via", "web"}};
    if (*comment && !(*comment)->empty()) fields["text"] = **comment;
    engine_.Submit(Command{"web:survey", CaseAction{record->id, "reply", std::move(fields)}},
                   [ctx = ctx_, call, id = record->id](Result<CommandOutcome> done) {
                     boost::asio::post(ctx->workers, [call, id, done = std::move(done)] {
                       if (!done) return call.Fail(done.error());
                       call.Reply(200, {{"answered", true}, {"case_id", id}});
                     });
                   });
  }

  void Outbox(Call& call) {
    if (ctx_->outbox == nullptr) {
      return call.Fail(NotFound("the SMS gateway is not the simulator: it keeps no outbox"));
    }
    auto limit = QueryInteger(call.request, "limit");
    if (!limit) return call.Fail(limit.error());
    std::string to = QueryString(call.request, "to");
    auto sent = ctx_->outbox->Outbox(
        static_cast<size_t>(std::clamp<std::int64_t>(limit->value_or(100), 1, 1000)),
        to.empty() ? std::nullopt : std::optional<std::string>(to));
    json messages = json::array();
    for (const sms::SentSms& m : sent) {
      messages.push_back({{"id", m.id},
                          {"to", m.to},
                          {"text", m.text},
                          {"purpose", m.purpose},
                          {"sent_at", FormatIso8601(m.sent_at)},
                          {"status", m.status}});
    }
    json reply = {{"gateway", "simulator"},
                  {"sent_count", ctx_->outbox->sent_count()},
                  {"messages", std::move(messages)}};
    // The simulator's numbers are the demo's and the tests'; still, who read them is recorded.
    SubmitAsCaller(
        engine_, ctx_->workers, call,
        RecordPersonalDataRead{"sms_outbox", {}, "GET /api/sms/outbox"},
        [reply = std::move(reply)](const Call& c, CommandOutcome) { c.Reply(200, reply); });
  }

  std::shared_ptr<const CaseRoutesContext> ctx_;
  engine::Engine& engine_;
  RateLimiter surveys_per_address_{RateLimit{30, std::chrono::milliseconds(2000)}};
};

}  // namespace

Result<InboundSmsResult> DeliverInboundSms(engine::Engine& engine, const std::string& from,
                                           const std::string& text) {
  auto number = sms::NormalizeMobileNumber(from);
  if (!number) return InvalidInput("from", number.error().message);
  const std::string callback_kind = engine.case_catalog().on_incident_closed;
  // The newest callback waiting for an answer from this number.
  InboundSmsResult result;
  engine.Read([&](const engine::ReadView& v) {
    TimePoint newest{};
    for (auto it = v.cases.rbegin(); it != v.cases.rend(); ++it) {
      const CaseRecord& c = *it->second;
      if (c.kind != callback_kind || (c.state != "sms_sent" && c.state != "phone_task")) continue;
      auto incident = v.incidents.find(c.incident_id);
      if (incident == v.incidents.end()) continue;
      auto caller = sms::NormalizeMobileNumber(incident->second->caller_phone);
      if (!caller || *caller != *number) continue;
      if (!result.matched || c.opened_at > newest) {
        result.matched = true;
        result.case_id = c.id;
        newest = c.opened_at;
      }
    }
  });
  if (!result.matched) {
    spdlog::info("sms: a reply from {} matches no callback waiting for one", MaskPhone(*number));
    return result;
  }
  const std::string actor = "sms:" + MaskPhone(*number);
  auto satisfaction = sms::ParseSatisfactionReply(text);
  if (!satisfaction) {
    auto noted = engine.Execute(
        Command{actor, CaseAction{result.case_id, "note", {{"note", "短信回复：" + text}}}});
    if (!noted) return noted.error();
    return result;
  }
  result.understood = true;
  result.satisfaction = static_cast<int>(*satisfaction);
  auto answered = engine.Execute(
      Command{actor, CaseAction{result.case_id,
                                "reply",
                                {{"satisfaction", std::to_string(result.satisfaction)},
                                 {"text", text},
                                 {"via", "sms"}}}});
  if (!answered) return answered.error();
  engine.Read([&](const engine::ReadView& v) {
    for (auto it = v.cases.rbegin(); it != v.cases.rend(); ++it) {
      if (it->second->parent_id == result.case_id) {
        result.rectification_id = it->first;
        break;
      }
    }
  });
  return result;
}

void AddCaseRoutes(Router& router, std::shared_ptr<const CaseRoutesContext> context) {
  auto routes = std::make_shared<CaseRoutes>(std::move(context));
  routes->Register(router, routes);
}

}  // namespace pingan::api
