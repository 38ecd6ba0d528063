#include "api/fund_warning_routes.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "api/auth.h"
#include "api/json_codec.h"
#include "api/route_support.h"
#include "cases/case_kinds.h"
#include "cases/fund_warnings.h"
#include "core/jurisdiction.h"
#include "core/pii.h"
#include "core/time_format.h"
#include "map/address_search.h"

namespace pingan::api {

using nlohmann::json;

namespace {

using Context = std::shared_ptr<CaseWorkRoutesContext>;
using CasePtr = std::shared_ptr<const CaseRecord>;

// Every warning is urgent: money may leave the victim's account any minute.
constexpr int kWarningPriority = 1;

const std::string& Kind() {
  return cases::FundWarningKind().workflow.kind;
}

bool Reveals(const Call& call) {
  return call.user != nullptr && HasPermission(call.user->role, Permission::kSeePersonalData);
}

CasePtr FindWarning(const engine::Engine& engine, CaseId id) {
  return engine.Read([&](const engine::ReadView& view) -> CasePtr {
    auto it = view.cases.find(id);
    if (it == view.cases.end() || it->second->kind != Kind()) return nullptr;
    return it->second;
  });
}

// 400 with every problem of a file: {error, field, message, problems: [{line, column, message}]}.
void FailWithProblems(const Call& call, const std::vector<cases::CsvProblem>& problems) {
  json list = json::array();
  for (const cases::CsvProblem& p : problems) {
    list.push_back({{"line", p.line}, {"column", p.column}, {"message", p.message}});
  }
  const cases::CsvProblem& first = problems.front();
  std::string message = first.column.empty() ? fmt::format("line {}: {}", first.line, first.message)
                                             : fmt::format("line {}, column {}: {}", first.line,
                                                           first.column, first.message);
  if (problems.size() > 1) message += fmt::format(" (and {} more problems)", problems.size() - 1);
  message += "; nothing was imported";
  call.Reply(
      400, {{"error", "invalid_input"},
            {"field", first.column.empty() ? fmt::format("line {}", first.line)
                                           : fmt::format("line {}: {}", first.line, first.column)},
            {"message", std::move(message)},
            {"problems", std::move(list)}});
}

void CreateWarning(const Context& ctx, Call& call) {
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  auto warning = cases::ParseFundWarning(*body);
  if (!warning) return call.Fail(warning.error());
  boost::asio::post(ctx->workers, [ctx, call, warning = *warning] {
    FundWarningLookups lookups(ctx->engine, ctx->addresses);
    auto route = cases::RouteFundWarning(warning, lookups.Get());
    if (!route) return call.Fail(route.error());
    SubmitAsCaller(ctx->engine, ctx->workers, call, FundWarningCommand(warning, *route),
                   [ctx](const Call& c, CommandOutcome o) {
                     CasePtr record = FindWarning(ctx->engine, o.id);
                     if (!record) return c.Fail(NotFound(fmt::format("no fund warning {}", o.id)));
                     // The reply echoes what the caller sent; it discloses nothing new.
                     c.Reply(201, CaseWorkView(*record, Reveals(c), ctx->engine.clock().Now()));
                   });
  });
}

void ImportWarnings(const Context& ctx, Call& call) {
  const std::string type = call.request.Header("content-type");
  if (!type.empty() && !type.starts_with("text/csv") && !type.starts_with("text/plain") &&
      !type.starts_with("application/csv")) {
    return call.Fail(
        InvalidInput("content-type", fmt::format("send the CSV file as text/csv, not {}", type)));
  }
  cases::FundWarningCsv csv = cases::ParseFundWarningsCsv(call.request.body);
  if (!csv.problems.empty()) return FailWithProblems(call, csv.problems);
  boost::asio::post(ctx->workers, [ctx, call, csv = std::move(csv)] {
    FundWarningLookups router(ctx->engine, ctx->addresses);
    cases::RoutingLookups lookups = router.Get();
    std::vector<cases::FundWarningRoute> routes;
    std::vector<cases::CsvProblem> problems;
    for (std::size_t k = 0; k < csv.warnings.size(); ++k) {
      auto route = cases::RouteFundWarning(csv.warnings[k], lookups);
      if (!route) {
        problems.push_back({csv.lines[k], route.error().field, route.error().message});
        continue;
      }
      routes.push_back(std::move(*route));
    }
    if (!problems.empty()) return FailWithProblems(call, problems);

    // One command: the rows are stored together or, if the ledger fails, not at all, so a
    // file can simply be sent again.
    CreateCases command;
    for (std::size_t k = 0; k < csv.warnings.size(); ++k)
      command.cases.push_back(FundWarningCommand(csv.warnings[k], routes[k]));
    auto lines = std::make_shared<std::vector<std::size_t>>(csv.lines);
    auto routed = std::make_shared<std::vector<cases::FundWarningRoute>>(std::move(routes));
    SubmitAsCaller(ctx->engine, ctx->workers, call, std::move(command),
                   [lines, routed](const Call& done, CommandOutcome outcome) {
                     json warnings = json::array();
                     std::map<std::string, std::size_t> by_rule;
                     for (std::size_t i = 0; i < routed->size(); ++i) {
                       const cases::FundWarningRoute& route = (*routed)[i];
                       ++by_rule[std::string(ToString(route.routed_by))];
                       warnings.push_back({{"line", (*lines)[i]},
                                           {"id", outcome.id + static_cast<CaseId>(i)},
                                           {"station_id", route.station_id},
                                           {"routed_by", ToString(route.routed_by)}});
                     }
                     done.Reply(201, {{"imported", routed->size()},
                                      {"routed_by", by_rule},
                                      {"warnings", std::move(warnings)}});
                   });
  });
}

void ListWarnings(const Context& ctx, Call& call) {
  const HttpRequest& req = call.request;
  const std::string station = QueryString(req, "station_id");
  const std::string state = QueryString(req, "state");
  const bool only_open = QueryString(req, "open") == "true";
  auto limit = QueryInteger(req, "limit");
  if (!limit) return call.Fail(limit.error());
  const std::int64_t n = limit->value_or(50);
  if (n < 1 || n > 500) return call.Fail(InvalidInput("limit", "limit is 1 to 500"));
  auto from = QueryTime(req, "from");
  if (!from) return call.Fail(from.error());
  auto to = QueryTime(req, "to");
  if (!to) return call.Fail(to.error());
  std::vector<CasePtr> found;
  ctx->engine.Read([&](const engine::ReadView& view) {
    for (auto it = view.cases.rbegin(); it != view.cases.rend(); ++it) {
      const CaseRecord& c = *it->second;
      if (c.kind != Kind()) continue;
      if (!station.empty() && c.station_id != station) continue;
      if (!state.empty() && c.state != state) continue;
      if (only_open && !c.IsOpen()) continue;
      if (*from && c.opened_at < **from) continue;
      if (*to && c.opened_at >= **to) continue;
      found.push_back(it->second);
      if (found.size() >= static_cast<std::size_t>(n)) break;
    }
  });
  std::vector<std::int64_t> ids;
  for (const CasePtr& c : found) {
    if (HasPersonalFields(c->fields)) ids.push_back(c->id);
  }
  std::sort(ids.begin(), ids.end());
  ReplyWithPersonalData(
      *ctx, call, 200, "case", std::move(ids), "GET /api/fund-warnings", [ctx, found](bool reveal) {
        const TimePoint now = ctx->engine.clock().Now();
        json list = json::array();
        for (const CasePtr& c : found) list.push_back(CaseWorkView(*c, reveal, now));
        return json{{"fund_warnings", std::move(list)}, {"personal_data_masked", !reveal}};
      });
}

void Summary(const Context& ctx, Call& call) {
  auto from = QueryTime(call.request, "from");
  if (!from) return call.Fail(from.error());
  auto to = QueryTime(call.request, "to");
  if (!to) return call.Fail(to.error());
  const TimePoint now = ctx->engine.clock().Now();
  const TimePoint end = to->value_or(now + std::chrono::milliseconds(1));
  const TimePoint begin = from->value_or(end - std::chrono::days(30));
  if (begin >= end) return call.Fail(InvalidInput("from", "from must be before to"));
  const std::string station = QueryString(call.request, "station_id");
  std::vector<CasePtr> warnings;
  ctx->engine.Read([&](const engine::ReadView& view) {
    for (const auto& [id, c] : view.cases) {
      if (c->kind == Kind() && (station.empty() || c->station_id == station)) warnings.push_back(c);
    }
  });
  std::vector<const CaseRecord*> records;
  records.reserve(warnings.size());
  for (const CasePtr& c : warnings) records.push_back(c.get());
  cases::FundWarningSummary summary = cases::SummariseFundWarnings(records, begin, end, now);
  json stations = json::array();
  for (const auto& [id, totals] : summary.by_station) {
    json row = cases::FundWarningTotalsToJson(totals);
    row["station_id"] = id;
    stations.push_back(std::move(row));
  }
  call.Reply(200, {{"from", FormatIso8601(begin)},
                   {"to", FormatIso8601(end)},
                   {"total", cases::FundWarningTotalsToJson(summary.total)},
                   {"stations", std::move(stations)}});
}

void GetWarning(const Context& ctx, Call& call) {
  auto id = call.IdParam("id");
  if (!id) return call.Fail(id.error());
  CasePtr record = FindWarning(ctx->engine, *id);
  if (!record) return call.Fail(NotFound(fmt::format("no fund warning {}", *id)));
  std::vector<std::int64_t> ids;
  if (HasPersonalFields(record->fields)) ids.push_back(*id);
  ReplyWithPersonalData(*ctx, call, 200, "case", std::move(ids),
                        fmt::format("GET /api/fund-warnings/{}", *id), [ctx, record](bool reveal) {
                          return CaseWorkView(*record, reveal, ctx->engine.clock().Now());
                        });
}

void ActOnWarning(const Context& ctx, Call& call) {
  auto id = call.IdParam("id");
  if (!id) return call.Fail(id.error());
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  auto action = RequiredString(*body, "action", 32);
  if (!action) return call.Fail(action.error());
  json fields = body->value("fields", json::object());
  if (!fields.is_object()) return call.Fail(InvalidInput("fields", "fields must be an object"));
  if (!MayPerformCaseAction(call.user->role, Kind(), *action)) {
    return call.Fail(
        Error{ErrorCode::kForbidden,
              fmt::format("a {} may not {} a fund warning", ToString(call.user->role), *action),
              "action"});
  }
  // The engine checks the workflow; the money is checked here, where the error can name it.
  if (Status ok = cases::CheckFundWarningAmounts(fields); !ok) return call.Fail(ok.error());
  if (!FindWarning(ctx->engine, *id)) {
    return call.Fail(NotFound(fmt::format("no fund warning {}", *id)));
  }
  SubmitAsCaller(ctx->engine, ctx->workers, call, CaseAction{*id, *action, std::move(fields)},
                 [ctx](const Call& c, CommandOutcome o) {
                   CasePtr record = FindWarning(ctx->engine, o.id);
                   if (!record) return c.Fail(NotFound(fmt::format("no fund warning {}", o.id)));
                   std::vector<std::int64_t> ids;
                   if (HasPersonalFields(record->fields)) ids.push_back(o.id);
                   ReplyWithPersonalData(*ctx, c, 200, "case", std::move(ids),
                                         fmt::format("POST /api/fund-warnings/{}/actions", o.id),
                                         [ctx, record](bool reveal) {
                                           return CaseWorkView(*record, reveal,
                                                               ctx->engine.clock().Now());
                                         });
                 });
}

json WarningSchema() {
  return ObjectSchema({{"victim_phone", StringSchema()},
                       {"victim_name", StringSchema()},
                       {"fraud_type", StringSchema()},
                       {"amount_at_risk", {{"type", "number"}, {"minimum", 0}}},
                       {"source", StringSchema()},
                       {"address", StringSchema()},
                       {"lon", NumberSchema()},
                       {"lat", NumberSchema()},
                       {"station_id", StringSchema()}},
                      {"victim_phone", "victim_name", "fraud_type", "amount_at_risk", "source"});
}

}  // namespace

CreateCase FundWarningCommand(const cases::FundWarning& warning,
                              const cases::FundWarningRoute& route) {
  CreateCase cmd;
  cmd.kind = Kind();
  cmd.station_id = route.station_id;
  cmd.priority = kWarningPriority;
  cmd.location = route.location;
  cmd.fields = cases::FundWarningFields(warning, route);
  return cmd;
}

FundWarningLookups::FundWarningLookups(engine::Engine& engine, const map::AddressIndex* addresses)
    : engine_(engine), addresses_(addresses), places_(engine.jurisdictions()) {}

cases::RoutingLookups FundWarningLookups::Get() {
  cases::RoutingLookups l;
  l.is_station = [this](std::string_view id) {
    const Jurisdiction* j = places_ ? places_->Find(id) : nullptr;
    return j != nullptr && j->level == JurisdictionLevel::kStation;
  };
  l.station_at = [this](LonLat p) {
    return places_ ? places_->Locate(p).station_id : std::string();
  };
  if (addresses_ != nullptr) {
    l.find_address =
        [this](std::string_view query) -> std::optional<std::pair<std::string, LonLat>> {
      auto hits = addresses_->Search(query, 1);
      if (hits.empty()) return std::nullopt;
      return std::pair{hits.front().name, hits.front().at};
    };
  }
  l.phone_station = [this](std::string_view phone) { return PhoneStation(phone); };
  return l;
}

FundWarningLookups::Found FundWarningLookups::PhoneStation(std::string_view phone) {
  if (phone.empty()) return std::nullopt;
  if (!has_read_incidents_) {
    has_read_incidents_ = true;
    // Pointers only under the read lock; the phones are compared outside it.
    engine_.Read([&](const engine::ReadView& view) {
      incidents_.reserve(view.incidents.size());
      for (auto it = view.incidents.rbegin(); it != view.incidents.rend(); ++it) {
        if (!it->second->caller_phone.empty() && !it->second->station_id.empty())
          incidents_.push_back(it->second);
      }
    });
  }
  if (++lookups_ == 1) {
    for (const auto& i : incidents_) {
      if (cases::NormalizePhone(i->caller_phone) == phone) return std::pair{i->station_id, i->id};
    }
    return std::nullopt;
  }
  if (!index_) {
    index_.emplace();
    for (const auto& i : incidents_) {
      std::string key = cases::NormalizePhone(i->caller_phone);
      if (!key.empty()) index_->try_emplace(std::move(key), i->station_id, i->id);
    }
  }
  auto it = index_->find(std::string(phone));
  if (it == index_->end()) return std::nullopt;
  return it->second;
}

void AddFundWarningRoutes(Router& router, std::shared_ptr<CaseWorkRoutesContext> context) {
  const Context ctx = std::move(context);
  router.Add({"POST", "/api/fund-warnings",
              "Receive a fund warning (资金预警): a fund_warning case routed to a station by "
              "station_id, lon/lat, address, or the victim phone's latest incident",
              "fund warnings", false, Permission::kOpenCases, WarningSchema(), nullptr,
              "201 the warning as a case, with fields.routed_by",
              [ctx](Call& call) { CreateWarning(ctx, call); }});
  router.Add({"POST", "/api/fund-warnings/import",
              "Import fund warnings from a CSV file (text/csv; header row of column names): all "
              "or nothing",
              "fund warnings", false, Permission::kOpenCases, nullptr, nullptr,
              "201 {imported, routed_by, warnings: [{line, id, station_id, routed_by}]}; 400 "
              "{problems: [{line, column, message}]} and nothing stored",
              [ctx](Call& call) { ImportWarnings(ctx, call); }});
  router.Add(
      {"GET", "/api/fund-warnings", "Fund warnings, newest first", "fund warnings", false,
       Permission::kReadIncidents, nullptr,
       json::array({QueryParam("station_id", "the station that must act"),
                    QueryParam("state", "received, contacted or closed"),
                    QueryParam("open", "true: only open warnings"),
                    QueryParam("from", "received at or after (ISO 8601)"),
                    QueryParam("to", "received before (ISO 8601)"),
                    QueryParam("limit", "1-500, default 50", IntegerSchema())}),
       "200 {fund_warnings: [...]}; victim data masked unless the role may see personal data "
       "(then audited)",
       [ctx](Call& call) { ListWarnings(ctx, call); }});
  router.Add({"GET", "/api/fund-warnings/summary",
              "Fund warning totals of a period (F1, F2): received, contacted within the SLA, "
              "outcomes, money at risk, stopped, frozen and returned; by station",
              "fund warnings", false, Permission::kReadIncidents, nullptr,
              json::array({QueryParam("from", "received at or after (default: 30 days before to)"),
                           QueryParam("to", "received before (default: now)"),
                           QueryParam("station_id", "only this station")}),
              "200 {from, to, total, stations: [{station_id, received, ...}]}",
              [ctx](Call& call) { Summary(ctx, call); }});
  router.Add({"GET", "/api/fund-warnings/{id}", "One fund warning", "fund warnings", false,
              Permission::kReadIncidents, nullptr, nullptr,
              "200 the warning; victim data masked unless the role may see personal data (then "
              "audited)",
              [ctx](Call& call) { GetWarning(ctx, call); }});
  router.Add(
      {"POST", "/api/fund-warnings/{id}/actions",
       "Act on a fund warning: contact {contact_method}, record_outcome {outcome, amount_stopped, "
       "amount_frozen, amount_returned (yuan)}, assign {station_id}, note",
       "fund warnings", false, Permission::kOpenCases,
       ObjectSchema({{"action", {{"enum", cases::FundWarningKind().workflow.Actions()}}},
                     {"fields", {{"type", "object"}}}},
                    {"action"}),
       nullptr, "200 the warning; 409 when the action is not allowed now",
       [ctx](Call& call) { ActOnWarning(ctx, call); }});
}

}  // namespace pingan::api
