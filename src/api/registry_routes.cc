#include "api/registry_routes.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/json_codec.h"
#include "api/route_support.h"
#include "core/pii.h"
#include "core/time_format.h"
#include "registry/place_categories.h"
#include "registry/registry.h"

namespace pingan::api {

using nlohmann::json;
using registry::Campaign;
using registry::Day;
using registry::Hazard;
using registry::HazardId;
using registry::Inspection;
using registry::OutreachEvent;
using registry::Place;

namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr size_t kMaxListItems = 50;

// What every route shares.
struct State {
  engine::Engine& engine;
  boost::asio::thread_pool& workers;
  registry::Registry* registry;
};
using StatePtr = std::shared_ptr<State>;

Error NoRegistry() {
  return Error{ErrorCode::kUnavailable,
               "no places registry: the server could not open DATA_DIR/registry.db (see its log)",
               ""};
}

json StringArraySchema() {
  return {{"type", "array"}, {"items", StringSchema()}};
}

struct Page {
  int limit = kDefaultPageSize;
  std::int64_t offset = 0;
};
Status PageParams(const HttpRequest& req, Page& page) {
  auto limit = QueryInteger(req, "limit");
  if (!limit) return limit.error();
  if (*limit) {
    if (**limit < 1 || **limit > kMaxPageSize)
      return InvalidInput("limit", fmt::format("limit is 1 to {}", kMaxPageSize));
    page.limit = static_cast<int>(**limit);
  }
  auto offset = QueryInteger(req, "offset");
  if (!offset) return offset.error();
  if (*offset) {
    if (**offset < 0) return InvalidInput("offset", "offset is 0 or more");
    page.offset = **offset;
  }
  return {};
}

// Reads the date query parameter `name` into `day` (left empty when absent).
Status QueryDay(const HttpRequest& req, const std::string& name, std::optional<Day>& day) {
  std::string text = QueryString(req, name);
  if (text.empty()) return {};
  day = registry::ParseDay(text);
  if (!day) return InvalidInput(name, fmt::format("'{}' is not a date such as 2026-11-23", text));
  return {};
}

// Reads ?bbox=min_lon,min_lat,max_lon,max_lat into `box` (left empty when absent).
Status QueryBbox(const HttpRequest& req, std::optional<BoundingBox>& box) {
  std::string text = QueryString(req, "bbox");
  if (text.empty()) return {};
  double v[4];
  size_t at = 0;
  for (int i = 0; i < 4; ++i) {
    size_t comma = i < 3 ? text.find(',', at) : text.size();
    if (comma == std::string::npos) break;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + comma, v[i]);
    if (ec != std::errc() || end != text.data() + comma) break;
    at = comma + 1;
    if (i == 3) {
      BoundingBox b{v[0], v[1], v[2], v[3]};
      if (b.min_lon > b.max_lon || b.min_lat > b.max_lat || b.min_lon < -180 || b.max_lon > 180 ||
          b.min_lat < -90 || b.max_lat > 90)
        return InvalidInput("bbox", "bbox is min_lon,min_lat,max_lon,max_lat within ±180/±90");
      box = b;
      return {};
    }
  }
  return InvalidInput("bbox", fmt::format("'{}' is not min_lon,min_lat,max_lon,max_lat", text));
}

// An array of strings at `field` (absent or null: empty).
Result<std::vector<std::string>> StringArray(const json& body, const std::string& field,
                                             size_t max_items, size_t max_bytes) {
  std::vector<std::string> out;
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return InvalidInput(field, fmt::format("'{}' must be an array", field));
  if (it->size() > max_items)
    return InvalidInput(field, fmt::format("at most {} entries", max_items));
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    const std::string at = fmt::format("{}[{}]", field, i);
    if (!v.is_string()) return InvalidInput(at, "must be a string");
    if (v.get_ref<const std::string&>().size() > max_bytes)
      return InvalidInput(at, fmt::format("longer than {} bytes", max_bytes));
    out.push_back(v.get<std::string>());
  }
  return out;
}

// `error` with its field put under `prefix` ("hazards[0]." + "priority").
Error Under(const std::string& prefix, const Error& error) {
  return Error{error.code, error.message, prefix + error.field};
}

// The date at `field`, or `fallback` when absent.
Result<Day> BodyDay(const json& body, const std::string& field, std::optional<Day> fallback) {
  auto text = OptionalString(body, field, 16);
  if (!text) return text.error();
  if (!*text || (*text)->empty()) {
    if (fallback) return *fallback;
    return InvalidInput(field, fmt::format("'{}' is required (YYYY-MM-DD)", field));
  }
  auto day = registry::ParseDay(**text);
  if (!day)
    return InvalidInput(field, fmt::format("'{}' is not a date such as 2026-11-23", **text));
  return *day;
}

Day Today(const engine::Engine& engine) {
  return registry::DistrictDay(engine.clock().Now());
}

bool IsKnownStation(const engine::Engine& engine, const std::string& id) {
  auto index = engine.jurisdictions();
  if (!index) return false;
  const Jurisdiction* j = index->Find(id);
  return j != nullptr && j->level == JurisdictionLevel::kStation;
}

bool HasStations(const engine::Engine& engine) {
  auto index = engine.jurisdictions();
  if (!index) return false;
  return std::any_of(index->all().begin(), index->all().end(),
                     [](const Jurisdiction& j) { return j.level == JurisdictionLevel::kStation; });
}

json LonOrNull(const std::optional<LonLat>& at) {
  return at ? json(at->lon) : json(nullptr);
}
json LatOrNull(const std::optional<LonLat>& at) {
  return at ? json(at->lat) : json(nullptr);
}

// ---------------------------------------------------------------------------------------------
// Views.

json PlaceJson(const Place& p, bool reveal) {
  const registry::PlaceCategory* category = registry::FindPlaceCategory(p.category);
  return {{"id", p.id},
          {"external_id", p.external_id.empty() ? json(nullptr) : json(p.external_id)},
          {"name", p.name},
          {"category", p.category},
          {"category_label", category ? json(category->label) : json(nullptr)},
          {"sub_kind", p.sub_kind},
          {"sub_kind_label", category && !p.sub_kind.empty()
                                 ? json(registry::SubKindLabel(*category, p.sub_kind))
                                 : json(nullptr)},
          {"address", p.address},
          {"lon", LonOrNull(p.location)},
          {"lat", LatOrNull(p.location)},
          {"station_id", p.station_id},
          {"grid_id", p.grid_id},
          {"contact_name", reveal ? p.contact_name : MaskName(p.contact_name)},
          {"contact_phone", reveal ? p.contact_phone : MaskPhone(p.contact_phone)},
          {"personal_data", reveal ? "shown" : "masked"},
          {"officer", p.officer},
          {"notes", p.notes},
          {"created_at", FormatIso8601(p.created_at)},
          {"updated_at", FormatIso8601(p.updated_at)}};
}

const char* CampaignStatus(const Campaign& c, Day today) {
  if (today < c.from) return "upcoming";
  if (today > c.to) return "ended";
  return "active";
}

json CampaignJson(const Campaign& c, Day today) {
  return {{"id", c.id},
          {"name", c.name},
          {"categories", c.categories},
          {"stations", c.station_ids},
          {"from", registry::FormatDay(c.from)},
          {"to", registry::FormatDay(c.to)},
          {"status", CampaignStatus(c, today)},
          {"notes", c.notes},
          {"created_by", c.created_by},
          {"created_at", FormatIso8601(c.created_at)}};
}

json TallyRowJson(const registry::TallyRow& r) {
  return {{"places", r.places},
          {"inspected_places", r.inspected_places},
          {"inspections", r.inspections},
          {"hazards_found", r.hazards},
          {"hazards_open", r.hazards_open},
          {"hazards_overdue", r.hazards_overdue},
          {"hazards_closed", r.hazards_closed}};
}

json TallyJson(const registry::Tally& t) {
  json by_category = json::array();
  for (const auto& row : t.by_category) {
    json r = TallyRowJson(row);
    r["category"] = row.key;
    const registry::PlaceCategory* c = registry::FindPlaceCategory(row.key);
    r["label"] = c ? json(c->label) : json(nullptr);
    by_category.push_back(std::move(r));
  }
  json by_station = json::array();
  for (const auto& row : t.by_station) {
    json r = TallyRowJson(row);
    r["station_id"] = row.key;
    by_station.push_back(std::move(r));
  }
  return {{"total", TallyRowJson(t.total)},
          {"by_category", std::move(by_category)},
          {"by_station", std::move(by_station)}};
}

// A hazard case as the registry shows it: where it stands and by when it must be rectified.
json HazardCaseJson(const CaseRecord& c, TimePoint now) {
  json deadline = nullptr;
  for (const SlaTimer& t : c.slas)
    if (t.name == "rectify") deadline = FormatIso8601(t.deadline);
  return {{"id", c.id},
          {"kind", c.kind},
          {"state", c.state},
          {"station_id", c.station_id},
          {"priority", c.priority},
          {"opened_at", FormatIso8601(c.opened_at)},
          {"rectify_by", deadline},
          {"is_overdue", IsOverdue(c, now)},
          {"closed_at", TimeOrNull(c.closed_at)}};
}

std::shared_ptr<const CaseRecord> FindCase(const engine::Engine& engine, CaseId id) {
  if (id == 0) return nullptr;
  return engine.Read([&](const engine::ReadView& v) -> std::shared_ptr<const CaseRecord> {
    auto it = v.cases.find(id);
    return it == v.cases.end() ? nullptr : it->second;
  });
}

json InspectionJson(const engine::Engine& engine, const Inspection& in) {
  const TimePoint now = engine.clock().Now();
  json hazards = json::array();
  for (const Hazard& h : in.hazards) {
    auto record = FindCase(engine, h.case_id);
    json photos = json::array();
    for (const std::string& id : h.photos)
      photos.push_back({{"id", id}, {"url", "/api/photos/" + id}});
    hazards.push_back({{"id", h.id},
                       {"description", h.description},
                       {"priority", h.priority},
                       {"photos", std::move(photos)},
                       {"case_id", h.case_id == 0 ? json(nullptr) : json(h.case_id)},
                       {"case", record ? HazardCaseJson(*record, now) : json(nullptr)}});
  }
  return {{"id", in.id},
          {"place_id", in.place_id},
          {"campaign_id", in.campaign_id == 0 ? json(nullptr) : json(in.campaign_id)},
          {"date", registry::FormatDay(in.date)},
          {"inspector", in.inspector},
          {"result", in.result},
          {"notes", in.notes},
          {"hazards", std::move(hazards)},
          {"created_by", in.created_by},
          {"created_at", FormatIso8601(in.created_at)}};
}

json OutreachJson(const OutreachEvent& e) {
  return {{"id", e.id},
          {"date", registry::FormatDay(e.date)},
          {"place", e.place},
          {"lon", LonOrNull(e.location)},
          {"lat", LatOrNull(e.location)},
          {"kind", e.kind},
          {"audience", e.audience},
          {"station_id", e.station_id},
          {"notes", e.notes},
          {"created_by", e.created_by},
          {"created_at", FormatIso8601(e.created_at)}};
}

json OutreachTotalsJson(const std::vector<registry::OutreachTotals>& rows, const char* key) {
  json out = json::array();
  for (const auto& r : rows)
    out.push_back({{key, r.key}, {"events", r.events}, {"audience", r.audience}});
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading bodies.

Result<Place> PlaceFromBody(const json& body) {
  Place p;
  for (auto [name, target] :
       {std::pair{"external_id", &p.external_id}, std::pair{"name", &p.name},
        std::pair{"category", &p.category}, std::pair{"sub_kind", &p.sub_kind},
        std::pair{"address", &p.address}, std::pair{"station_id", &p.station_id},
        std::pair{"grid_id", &p.grid_id}, std::pair{"contact_name", &p.contact_name},
        std::pair{"contact_phone", &p.contact_phone}, std::pair{"officer", &p.officer},
        std::pair{"notes", &p.notes}}) {
    auto value = OptionalString(body, name, 8192);
    if (!value) return value.error();
    if (*value) *target = **value;
  }
  auto location = OptionalLonLat(body);
  if (!location) return location.error();
  p.location = *location;
  if (Status s = registry::NormalizePlace(p); !s) return s.error();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Hazard cases.

struct CaseOutcome {
  CaseId case_id = 0;
  std::optional<Error> error;
};

// Opens the `hazard` case of each of `hazards` (all of `place`) in the ledger and records its
// id in the registry; then calls `done` on the workers with one outcome per hazard. The case is
// at the place's station (or where its location lies), with the hazard's priority setting the
// rectification deadline.
void OpenHazardCases(const StatePtr& s, const std::string& actor, const Place& place,
                     std::vector<Hazard> hazards,
                     std::function<void(std::vector<CaseOutcome>)> done) {
  if (hazards.empty()) {
    boost::asio::post(s->workers, [done = std::move(done)] { done({}); });
    return;
  }
  struct Pending {
    std::mutex mu;
    size_t remaining = 0;
    std::vector<CaseOutcome> outcomes;
    std::function<void(std::vector<CaseOutcome>)> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->remaining = hazards.size();
  pending->outcomes.resize(hazards.size());
  pending->done = std::move(done);
  const auto index = s->engine.jurisdictions();
  for (size_t i = 0; i < hazards.size(); ++i) {
    const Hazard& h = hazards[i];
    CreateCase cmd = registry::HazardCaseCommand(place, h, index.get());
    s->engine.Submit(Command{actor, std::move(cmd)}, [s, pending, i, hazard = h.id](
                                                         Result<CommandOutcome> result) {
      // The writer thread only hands over: the registry write happens on the workers.
      boost::asio::post(s->workers, [s, pending, i, hazard, result = std::move(result)] {
        CaseOutcome outcome;
        if (result) {
          outcome.case_id = result->id;
          if (Status saved = s->registry->store->SetHazardCase(hazard, result->id); !saved) {
            // The start-up repair finds the case by its hazard_id and records it then.
            spdlog::error("registry: hazard {} has case {} but it was not recorded: {}", hazard,
                          result->id, saved.error().message);
          }
        } else {
          outcome.error = result.error();
          spdlog::error("registry: the case of hazard {} was not opened: {}", hazard,
                        result.error().message);
        }
        std::function<void(std::vector<CaseOutcome>)> finish;
        std::vector<CaseOutcome> outcomes;
        {
          std::lock_guard lock(pending->mu);
          pending->outcomes[i] = std::move(outcome);
          if (--pending->remaining == 0) {
            finish = std::move(pending->done);
            outcomes = std::move(pending->outcomes);
          }
        }
        if (finish) finish(std::move(outcomes));
      });
    });
  }
}

// The repair after a crash between storing an inspection and opening its hazards' cases: a
// case already in the ledger (found by its hazard_id) is recorded, a missing one opened. Runs
// once, before any route serves: a hazard stored by a request meanwhile, its case not opened
// yet, would look the same and get a second case.
void OpenMissingHazardCases(const StatePtr& s) {
  auto missing = s->registry->store->HazardsWithoutCase();
  if (!missing) {
    spdlog::error("registry: cannot look for hazards without a case: {}", missing.error().message);
    return;
  }
  std::map<HazardId, CaseId> in_ledger;
  s->engine.Read([&](const engine::ReadView& v) {
    for (const auto& [id, c] : v.cases) {
      if (c->kind != "hazard" || !c->fields.contains("hazard_id")) continue;
      const json& h = c->fields["hazard_id"];
      if (h.is_number_integer()) in_ledger.emplace(h.get<HazardId>(), id);
    }
  });
  std::map<registry::PlaceId, std::vector<Hazard>> to_open;
  for (Hazard& h : *missing) {
    if (auto it = in_ledger.find(h.id); it != in_ledger.end()) {
      if (Status saved = s->registry->store->SetHazardCase(h.id, it->second); !saved)
        spdlog::error("registry: {}", saved.error().message);
      continue;
    }
    to_open[h.place_id].push_back(std::move(h));
  }
  for (auto& [place_id, hazards] : to_open) {
    auto place = s->registry->store->FindPlace(place_id);
    if (!place || !*place) continue;
    spdlog::info("registry: opening the cases of {} hazards of place {} left unopened",
                 hazards.size(), place_id);
    OpenHazardCases(s, "system", **place, std::move(hazards), [](std::vector<CaseOutcome>) {});
  }
}

// ---------------------------------------------------------------------------------------------
// Handlers. Each runs on the workers.

void ListPlaces(const StatePtr& s, const Call& call) {
  registry::PlaceQuery q;
  const HttpRequest& req = call.request;
  if (std::string category = QueryString(req, "category"); !category.empty()) {
    const registry::PlaceCategory* c = registry::FindPlaceCategory(category);
    if (!c) {
      return call.Fail(InvalidInput(
          "category",
          fmt::format("unknown category '{}'; one of {}", category, registry::CategoryChoices())));
    }
    q.category = std::string(c->code);
    q.sub_kind = registry::NormalizeSubKind(*c, QueryString(req, "sub_kind"))
                     .value_or(QueryString(req, "sub_kind"));
  } else {
    q.sub_kind = QueryString(req, "sub_kind");
  }
  q.station_id = QueryString(req, "station_id");
  q.grid_id = QueryString(req, "grid_id");
  q.text = QueryString(req, "q");
  if (q.text.size() > 200) return call.Fail(InvalidInput("q", "q is at most 200 bytes"));
  if (Status ok = QueryBbox(req, q.bbox); !ok) return call.Fail(ok.error());
  Page page;
  if (Status ok = PageParams(req, page); !ok) return call.Fail(ok.error());
  q.limit = page.limit;
  q.offset = page.offset;
  auto found = s->registry->store->ListPlaces(q);
  if (!found) return call.Fail(found.error());
  json places = json::array();
  for (const Place& p : found->places) places.push_back(PlaceJson(p, false));
  const std::int64_t next = q.offset + static_cast<std::int64_t>(found->places.size());
  call.Reply(200, {{"places", std::move(places)},
                   {"total", found->total},
                   {"offset", q.offset},
                   {"limit", q.limit},
                   {"next_offset", next < found->total ? json(next) : json(nullptr)}});
}

void SavePlace(const StatePtr& s, const Call& call, std::optional<registry::PlaceId> id) {
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  auto place = PlaceFromBody(*body);
  if (!place) return call.Fail(place.error());
  auto index = s->engine.jurisdictions();
  registry::AssignJurisdiction(*place, index.get());
  if (!place->station_id.empty() && index && !IsKnownStation(s->engine, place->station_id) &&
      HasStations(s->engine)) {
    return call.Fail(InvalidInput(
        "station_id", fmt::format("no station {} among the jurisdictions", place->station_id)));
  }
  const TimePoint now = s->engine.clock().Now();
  bool created = false;
  auto saved = id ? s->registry->store->UpdatePlace(*id, std::move(*place), now)
                  : s->registry->store->SavePlace(std::move(*place), now, &created);
  if (!saved) return call.Fail(saved.error());
  call.Reply(created ? 201 : 200,
             PlaceJson(*saved, HasPermission(call.user->role, Permission::kSeePersonalData)));
}

void GetPlace(const StatePtr& s, const Call& call) {
  auto id = call.IdParam("id");
  if (!id) return call.Fail(id.error());
  auto place = s->registry->store->FindPlace(*id);
  if (!place) return call.Fail(place.error());
  if (!*place) return call.Fail(NotFound(fmt::format("no place {}", *id), "id"));
  const Place& p = **place;
  if (!HasPermission(call.user->role, Permission::kSeePersonalData) ||
      (p.contact_name.empty() && p.contact_phone.empty())) {
    return call.Reply(200, PlaceJson(p, false));
  }
  // The contact is shown only once the read is on the audit trail.
  std::string actor = call.user->username;
  s->engine.Submit(
      Command{actor,
              RecordPersonalDataRead{"place", {*id}, fmt::format("GET /api/places/{}", *id)}},
      [s, call, p](Result<CommandOutcome> r) {
        boost::asio::post(s->workers, [call, p, r = std::move(r)] {
          if (!r) return call.Fail(r.error());
          call.Reply(200, PlaceJson(p, true));
        });
      });
}

registry::HazardStatusOf StatusFromLedger(const engine::Engine& engine) {
  const TimePoint now = engine.clock().Now();
  return [&engine, now](CaseId id) {
    auto record = FindCase(engine, id);
    if (!record) return registry::HazardStatus::kUnknown;
    if (!record->IsOpen()) return registry::HazardStatus::kClosed;
    return IsOverdue(*record, now) ? registry::HazardStatus::kOverdue
                                   : registry::HazardStatus::kOpen;
  };
}

void PlaceSummary(const StatePtr& s, const Call& call) {
  registry::TallyScope scope;
  if (Status ok = QueryDay(call.request, "from", scope.from); !ok) return call.Fail(ok.error());
  if (Status ok = QueryDay(call.request, "to", scope.to); !ok) return call.Fail(ok.error());
  if (scope.from && scope.to && *scope.to < *scope.from)
    return call.Fail(InvalidInput("to", "to is before from"));
  if (std::string category = QueryString(call.request, "category"); !category.empty()) {
    const registry::PlaceCategory* c = registry::FindPlaceCategory(category);
    if (!c)
      return call.Fail(InvalidInput("category", fmt::format("unknown category '{}'", category)));
    scope.categories.emplace_back(c->code);
  }
  if (std::string station = QueryString(call.request, "station_id"); !station.empty())
    scope.station_ids.push_back(station);
  auto tally = s->registry->store->Count(scope, StatusFromLedger(s->engine));
  if (!tally) return call.Fail(tally.error());
  json out = TallyJson(*tally);
  out["from"] = scope.from ? json(registry::FormatDay(*scope.from)) : json(nullptr);
  out["to"] = scope.to ? json(registry::FormatDay(*scope.to)) : json(nullptr);
  call.Reply(200, out);
}

json CategoriesJson() {
  json categories = json::array();
  for (const registry::PlaceCategory& c : registry::PlaceCategories()) {
    json sub_kinds = json::array();
    for (const registry::SubKind& k : c.sub_kinds)
      sub_kinds.push_back({{"code", k.code}, {"label", k.label}});
    categories.push_back({{"code", c.code},
                          {"label", c.label},
                          {"sub_kinds", std::move(sub_kinds)},
                          {"other_sub_kinds_allowed", c.is_open},
                          {"needs_officer", c.needs_officer}});
  }
  json kinds = json::array();
  for (const registry::OutreachKind& k : registry::OutreachKinds())
    kinds.push_back({{"code", k.code}, {"label", k.label}});
  return {{"categories", std::move(categories)}, {"outreach_kinds", std::move(kinds)}};
}

void AddCampaign(const StatePtr& s, const Call& call) {
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  Campaign c;
  auto name = RequiredString(*body, "name", 200);
  if (!name) return call.Fail(name.error());
  c.name = *name;
  auto categories = StringArray(*body, "categories", kMaxListItems, 64);
  if (!categories) return call.Fail(categories.error());
  c.categories = *categories;
  auto stations = StringArray(*body, "stations", kMaxListItems, 64);
  if (!stations) return call.Fail(stations.error());
  c.station_ids = *stations;
  auto from = BodyDay(*body, "from", std::nullopt);
  if (!from) return call.Fail(from.error());
  c.from = *from;
  auto to = BodyDay(*body, "to", std::nullopt);
  if (!to) return call.Fail(to.error());
  c.to = *to;
  auto notes = OptionalString(*body, "notes", 4000);
  if (!notes) return call.Fail(notes.error());
  c.notes = notes->value_or("");
  if (Status ok = registry::NormalizeCampaign(c); !ok) return call.Fail(ok.error());
  if (HasStations(s->engine)) {
    for (size_t i = 0; i < c.station_ids.size(); ++i) {
      if (!IsKnownStation(s->engine, c.station_ids[i])) {
        return call.Fail(InvalidInput(fmt::format("stations[{}]", i),
                                      fmt::format("no station {}", c.station_ids[i])));
      }
    }
  }
  c.created_by = call.user->username;
  auto added = s->registry->store->AddCampaign(std::move(c), s->engine.clock().Now());
  if (!added) return call.Fail(added.error());
  spdlog::info("registry: {} started campaign {} ({})", call.user->username, added->id,
               added->name);
  call.Reply(201, CampaignJson(*added, Today(s->engine)));
}

void GetCampaign(const StatePtr& s, const Call& call) {
  auto id = call.IdParam("id");
  if (!id) return call.Fail(id.error());
  auto campaign = s->registry->store->FindCampaign(*id);
  if (!campaign) return call.Fail(campaign.error());
  if (!*campaign) return call.Fail(NotFound(fmt::format("no campaign {}", *id), "id"));
  const Campaign& c = **campaign;
  registry::TallyScope scope{c.categories, c.station_ids, c.id, std::nullopt, std::nullopt};
  auto tally = s->registry->store->Count(scope, StatusFromLedger(s->engine));
  if (!tally) return call.Fail(tally.error());
  json out = CampaignJson(c, Today(s->engine));
  out["counts"] = TallyJson(*tally);
  call.Reply(200, out);
}

void AddInspection(const StatePtr& s, const Call& call) {
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  Inspection in;
  auto place_id = RequiredInteger(*body, "place_id");
  if (!place_id) return call.Fail(place_id.error());
  in.place_id = *place_id;
  auto campaign_id = OptionalInteger(*body, "campaign_id");
  if (!campaign_id) return call.Fail(campaign_id.error());
  in.campaign_id = campaign_id->value_or(0);
  const Day today = Today(s->engine);
  auto date = BodyDay(*body, "date", today);
  if (!date) return call.Fail(date.error());
  if (*date > today)
    return call.Fail(InvalidInput("date", "an inspection cannot be in the future"));
  in.date = *date;
  auto inspector = OptionalString(*body, "inspector", 100);
  if (!inspector) return call.Fail(inspector.error());
  in.inspector = inspector->value_or(call.user->display_name.empty() ? call.user->username
                                                                     : call.user->display_name);
  for (auto [name, target] : {std::pair{"result", &in.result}, std::pair{"notes", &in.notes}}) {
    auto value = OptionalString(*body, name, 4000);
    if (!value) return call.Fail(value.error());
    if (*value) *target = **value;
  }
  if (body->contains("hazards") && !(*body)["hazards"].is_null()) {
    const json& list = (*body)["hazards"];
    if (!list.is_array()) return call.Fail(InvalidInput("hazards", "hazards must be an array"));
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = fmt::format("hazards[{}].", i);
      const json& item = list[i];
      if (!item.is_object())
        return call.Fail(InvalidInput(at.substr(0, at.size() - 1), "must be an object"));
      Hazard h;
      auto description = RequiredString(item, "description", 2000);
      if (!description) return call.Fail(Under(at, description.error()));
      h.description = *description;
      auto priority = OptionalInteger(item, "priority");
      if (!priority) return call.Fail(Under(at, priority.error()));
      h.priority = static_cast<int>(std::clamp<std::int64_t>(priority->value_or(3), -1, 99));
      auto photos = StringArray(item, "photos", 100, 80);
      if (!photos) return call.Fail(Under(at, photos.error()));
      h.photos = *photos;
      for (size_t k = 0; k < h.photos.size(); ++k) {
        if (!s->registry->photos->Contains(h.photos[k])) {
          return call.Fail(InvalidInput(fmt::format("{}photos[{}]", at, k),
                                        fmt::format("no photo {}: upload it first with POST "
                                                    "/api/photos",
                                                    h.photos[k])));
        }
      }
      in.hazards.push_back(std::move(h));
    }
  }
  if (Status ok = registry::NormalizeInspection(in); !ok) return call.Fail(ok.error());
  in.created_by = call.user->username;
  auto stored = s->registry->store->AddInspection(std::move(in), s->engine.clock().Now());
  if (!stored) return call.Fail(stored.error());
  auto place = s->registry->store->FindPlace(stored->place_id);
  if (!place || !*place) return call.Fail(place ? NotFound("the place is gone") : place.error());
  OpenHazardCases(s, call.user->username, **place, stored->hazards,
                  [s, call, inspection = *stored](std::vector<CaseOutcome> outcomes) mutable {
                    json errors = json::array();
                    for (size_t i = 0; i < outcomes.size(); ++i) {
                      inspection.hazards[i].case_id = outcomes[i].case_id;
                      if (outcomes[i].error)
                        errors.push_back({{"hazard_id", inspection.hazards[i].id},
                                          {"message", outcomes[i].error->message}});
                    }
                    json out = InspectionJson(s->engine, inspection);
                    // The inspection is stored either way; a case not opened now is opened at
                    // the next start.
                    if (!errors.empty()) out["case_errors"] = std::move(errors);
                    call.Reply(201, out);
                  });
}

void InspectionsOfPlace(const StatePtr& s, const Call& call) {
  auto id = call.IdParam("id");
  if (!id) return call.Fail(id.error());
  auto place = s->registry->store->FindPlace(*id);
  if (!place) return call.Fail(place.error());
  if (!*place) return call.Fail(NotFound(fmt::format("no place {}", *id), "id"));
  auto limit = QueryInteger(call.request, "limit");
  if (!limit) return call.Fail(limit.error());
  const std::int64_t n = limit->value_or(100);
  if (n < 1 || n > kMaxPageSize)
    return call.Fail(InvalidInput("limit", fmt::format("limit is 1 to {}", kMaxPageSize)));
  auto inspections = s->registry->store->InspectionsOf(*id, static_cast<int>(n));
  if (!inspections) return call.Fail(inspections.error());
  json list = json::array();
  for (const Inspection& in : *inspections) list.push_back(InspectionJson(s->engine, in));
  call.Reply(200, {{"place_id", *id}, {"inspections", std::move(list)}});
}

void PutPhoto(const StatePtr& s, const Call& call) {
  auto stored = s->registry->photos->Put(call.request.body);
  if (!stored) return call.Fail(stored.error());
  call.Reply(stored->is_new ? 201 : 200, {{"id", stored->id},
                                          {"media_type", stored->media_type},
                                          {"bytes", stored->bytes},
                                          {"url", "/api/photos/" + stored->id}});
}

void GetPhoto(const StatePtr& s, const Call& call) {
  auto photo = s->registry->photos->Get(call.params.at("id"));
  if (!photo) return call.Fail(photo.error());
  HttpResponse response;
  response.content_type = std::string(photo->media_type);
  response.body = std::move(photo->bytes);
  // Content-addressed: the bytes behind an id never change.
  response.headers = {{"Cache-Control", "private, max-age=31536000, immutable"},
                      {"X-Content-Type-Options", "nosniff"}};
  call.respond(std::move(response));
}

void AddOutreach(const StatePtr& s, const Call& call) {
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  OutreachEvent e;
  auto date = BodyDay(*body, "date", Today(s->engine));
  if (!date) return call.Fail(date.error());
  e.date = *date;
  for (auto [name, target] :
       {std::pair{"place", &e.place}, std::pair{"kind", &e.kind},
        std::pair{"station_id", &e.station_id}, std::pair{"notes", &e.notes}}) {
    auto value = OptionalString(*body, name, 4000);
    if (!value) return call.Fail(value.error());
    if (*value) *target = **value;
  }
  auto location = OptionalLonLat(*body);
  if (!location) return call.Fail(location.error());
  e.location = *location;
  auto audience = RequiredInteger(*body, "audience");
  if (!audience) return call.Fail(audience.error());
  e.audience = *audience;
  // The station: as given, else where the event was, else the reporting officer's.
  if (e.station_id.empty() && e.location) {
    if (auto index = s->engine.jurisdictions())
      e.station_id = index->Locate(*e.location).station_id;
  }
  if (e.station_id.empty()) e.station_id = call.user->station_id;
  if (e.station_id.empty()) {
    return call.Fail(InvalidInput(
        "station_id", "which station held it? give station_id, or lon/lat inside a station"));
  }
  if (HasStations(s->engine) && !IsKnownStation(s->engine, e.station_id)) {
    return call.Fail(InvalidInput(
        "station_id", fmt::format("no station {} among the jurisdictions", e.station_id)));
  }
  if (Status ok = registry::NormalizeOutreach(e); !ok) return call.Fail(ok.error());
  e.created_by = call.user->username;
  auto added = s->registry->store->AddOutreach(std::move(e), s->engine.clock().Now());
  if (!added) return call.Fail(added.error());
  call.Reply(201, OutreachJson(*added));
}

Result<registry::OutreachQuery> OutreachQueryOf(const HttpRequest& req) {
  registry::OutreachQuery q;
  if (Status ok = QueryDay(req, "from", q.from); !ok) return ok.error();
  if (Status ok = QueryDay(req, "to", q.to); !ok) return ok.error();
  if (q.from && q.to && *q.to < *q.from) return InvalidInput("to", "to is before from");
  q.station_id = QueryString(req, "station_id");
  if (std::string kind = QueryString(req, "kind"); !kind.empty()) {
    auto code = registry::NormalizeOutreachKind(kind);
    if (!code) {
      return InvalidInput("kind", fmt::format("unknown kind '{}'; one of {}", kind,
                                              registry::OutreachKindChoices()));
    }
    q.kind = *code;
  }
  Page page;
  if (Status ok = PageParams(req, page); !ok) return ok.error();
  q.limit = page.limit;
  q.offset = page.offset;
  return q;
}

void ListOutreach(const StatePtr& s, const Call& call) {
  auto q = OutreachQueryOf(call.request);
  if (!q) return call.Fail(q.error());
  auto page = s->registry->store->ListOutreach(*q);
  if (!page) return call.Fail(page.error());
  json events = json::array();
  for (const OutreachEvent& e : page->events) events.push_back(OutreachJson(e));
  const std::int64_t next = q->offset + static_cast<std::int64_t>(page->events.size());
  call.Reply(200, {{"events", std::move(events)},
                   {"total", page->total},
                   {"offset", q->offset},
                   {"limit", q->limit},
                   {"next_offset", next < page->total ? json(next) : json(nullptr)}});
}

void OutreachSummary(const StatePtr& s, const Call& call) {
  auto q = OutreachQueryOf(call.request);
  if (!q) return call.Fail(q.error());
  auto summary = s->registry->store->SummarizeOutreach(*q);
  if (!summary) return call.Fail(summary.error());
  call.Reply(200, {{"from", q->from ? json(registry::FormatDay(*q->from)) : json(nullptr)},
                   {"to", q->to ? json(registry::FormatDay(*q->to)) : json(nullptr)},
                   {"station_id", q->station_id.empty() ? json(nullptr) : json(q->station_id)},
                   {"events", summary->total.events},
                   {"audience", summary->total.audience},
                   {"by_station", OutreachTotalsJson(summary->by_station, "station_id")},
                   {"by_kind", OutreachTotalsJson(summary->by_kind, "kind")},
                   {"by_month", OutreachTotalsJson(summary->by_month, "month")}});
}

json PlaceSchema() {
  return {{"type", "object"},
          {"properties",
           {{"external_id", StringSchema("the source system's id; saving it again updates")},
            {"name", StringSchema()},
            {"category", StringSchema("hazardous | trade | key_unit | rental_housing | "
                                      "nine_small | enterprise | key_project (or 涉危单位 …)")},
            {"sub_kind", StringSchema("e.g. hotel, internet_cafe (GET /api/places/categories)")},
            {"address", StringSchema()},
            {"lon", NumberSchema()},
            {"lat", NumberSchema()},
            {"station_id", StringSchema("used when the location is in no station's area")},
            {"grid_id", StringSchema()},
            {"contact_name", StringSchema()},
            {"contact_phone", StringSchema()},
            {"officer", StringSchema("required for key_project (项目警官)")},
            {"notes", StringSchema()}}},
          {"required", {"name", "category"}}};
}

}  // namespace

void AddRegistryRoutes(Router& router, const RegistryRoutesContext& context) {
  auto s = std::make_shared<State>(State{context.engine, context.workers, context.registry});
  // Every handler runs on the workers: counting a district's places takes tens of
  // milliseconds, which the HTTP threads should not spend.
  auto on_workers = [s](void (*handler)(const StatePtr&, const Call&)) {
    return [s, handler](Call& call) {
      if (s->registry == nullptr) return call.Fail(NoRegistry());
      boost::asio::post(s->workers, [s, handler, call] { handler(s, call); });
    };
  };

  router.Add(
      {"GET", "/api/places",
       "Places on file, by category, sub-kind, station, grid, map box or text; contacts "
       "masked",
       "registry", false, std::nullopt, nullptr,
       json::array({QueryParam("category", "a category code or label"),
                    QueryParam("sub_kind", "a sub-kind code or label"),
                    QueryParam("station_id", "the station"), QueryParam("grid_id", "the grid"),
                    QueryParam("bbox", "min_lon,min_lat,max_lon,max_lat (WGS84)"),
                    QueryParam("q", "text in the name or address, or an external id"),
                    QueryParam("limit", "1-500, default 50"),
                    QueryParam("offset", "places to skip, default 0")}),
       "200 {places: [...], total, offset, limit, next_offset}", on_workers(ListPlaces)});
  router.Add({"POST", "/api/places",
              "Add a place (or update the one with the same external_id); station and grid from "
              "its location",
              "registry", false, Permission::kOpenCases, PlaceSchema(), nullptr,
              "201 place (200 when an external_id updated one)",
              on_workers([](const StatePtr& st, const Call& call) {
                SavePlace(st, call, std::nullopt);
              })});
  router.Add({"GET", "/api/places/categories",
              "The categories of places with their sub-kinds, and the kinds of outreach events",
              "registry", false, std::nullopt, nullptr, nullptr,
              "200 {categories: [{code, label, sub_kinds}], outreach_kinds}",
              [](Call& call) { call.Reply(200, CategoriesJson()); }});
  router.Add({"GET", "/api/places/summary",
              "Counts by category and station: places, inspected, inspections, hazards found, "
              "open, overdue and closed",
              "registry", false, std::nullopt, nullptr,
              json::array({QueryParam("from", "inspections from this day (YYYY-MM-DD)"),
                           QueryParam("to", "inspections up to this day, inclusive"),
                           QueryParam("category", "only this category"),
                           QueryParam("station_id", "only this station")}),
              "200 {total, by_category, by_station, from, to}", on_workers(PlaceSummary)});
  router.Add({"GET", "/api/places/{id}",
              "One place; its contact unmasked (and the read audited) for roles that see "
              "personal data",
              "registry", false, std::nullopt, nullptr, nullptr, "200 place",
              on_workers(GetPlace)});
  router.Add({"PUT", "/api/places/{id}", "Replace a place's details", "registry", false,
              Permission::kOpenCases, PlaceSchema(), nullptr, "200 place",
              on_workers([](const StatePtr& st, const Call& call) {
                auto id = call.IdParam("id");
                if (!id) return call.Fail(id.error());
                SavePlace(st, call, *id);
              })});
  router.Add({"GET", "/api/places/{id}/inspections",
              "A place's inspections, newest first, with their hazards and how each hazard's "
              "case stands",
              "registry", false, std::nullopt, nullptr,
              json::array({QueryParam("limit", "1-500, default 100")}),
              "200 {place_id, inspections: [...]}", on_workers(InspectionsOfPlace)});

  router.Add({"POST",
              "/api/campaigns",
              "Start an inspection campaign (专项检查): categories and stations in scope (empty: "
              "all), first and last day",
              "registry",
              false,
              Permission::kManageUnits,
              {{"type", "object"},
               {"properties",
                {{"name", StringSchema()},
                 {"categories", StringArraySchema()},
                 {"stations", StringArraySchema()},
                 {"from", StringSchema("YYYY-MM-DD")},
                 {"to", StringSchema("YYYY-MM-DD, inclusive")},
                 {"notes", StringSchema()}}},
               {"required", {"name", "from", "to"}}},
              nullptr,
              "201 campaign",
              on_workers(AddCampaign)});
  router.Add({"GET", "/api/campaigns", "Inspection campaigns, latest first", "registry", false,
              std::nullopt, nullptr, nullptr, "200 {campaigns: [...]}",
              on_workers([](const StatePtr& st, const Call& call) {
                auto list = st->registry->store->ListCampaigns();
                if (!list) return call.Fail(list.error());
                const Day today = Today(st->engine);
                json out = json::array();
                for (const Campaign& c : *list) out.push_back(CampaignJson(c, today));
                call.Reply(200, {{"campaigns", std::move(out)}});
              })});
  router.Add({"GET", "/api/campaigns/{id}",
              "A campaign with its counts: places in scope, inspected, hazards found, closed and "
              "overdue, by category and station",
              "registry", false, std::nullopt, nullptr, nullptr, "200 campaign with counts",
              on_workers(GetCampaign)});

  router.Add(
      {"POST",
       "/api/inspections",
       "Record an inspection of a place; each hazard found opens a hazard case (隐患) at the "
       "place's station, to be rectified by a deadline set by its priority",
       "registry",
       false,
       Permission::kOpenCases,
       {{"type", "object"},
        {"properties",
         {{"place_id", IntegerSchema()},
          {"campaign_id", IntegerSchema()},
          {"date", StringSchema("YYYY-MM-DD; default today")},
          {"inspector", StringSchema("default: the caller")},
          {"result", {{"enum", {"ok", "hazards_found"}}}},
          {"notes", StringSchema()},
          {"hazards",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"description", StringSchema()},
                {"priority", {{"type", "integer"}, {"minimum", 1}, {"maximum", 4}}},
                {"photos", StringArraySchema()}}},
              {"required", {"description"}}}}}}}},
        {"required", {"place_id"}}},
       nullptr,
       "201 inspection with its hazards and their cases",
       on_workers(AddInspection)});

  router.Add({"POST", "/api/photos",
              "Store a photo (the body: a JPEG or PNG of at most 2 MiB); returns its id, the "
              "SHA-256 of its bytes",
              "registry", false, Permission::kOpenCases, nullptr, nullptr,
              "201 {id, media_type, bytes, url} (200 when already stored)", on_workers(PutPhoto)});
  router.Add({"GET", "/api/photos/{id}", "A stored photo", "registry", false, std::nullopt, nullptr,
              nullptr, "200 image/jpeg or image/png", on_workers(GetPhoto)});

  router.Add({"POST",
              "/api/outreach",
              "Record an anti-fraud outreach event (反诈宣传): date, place, kind, audience",
              "registry",
              false,
              Permission::kOpenCases,
              {{"type", "object"},
               {"properties",
                {{"date", StringSchema("YYYY-MM-DD; default today")},
                 {"place", StringSchema("where, in words")},
                 {"lon", NumberSchema()},
                 {"lat", NumberSchema()},
                 {"kind", StringSchema("lecture | street_stall | door_to_door | online | "
                                       "meeting | other")},
                 {"audience", IntegerSchema()},
                 {"station_id", StringSchema("default: from lon/lat, else the caller's")},
                 {"notes", StringSchema()}}},
               {"required", {"place", "kind", "audience"}}},
              nullptr,
              "201 event",
              on_workers(AddOutreach)});
  router.Add({"GET", "/api/outreach", "Outreach events, newest first", "registry", false,
              std::nullopt, nullptr,
              json::array({QueryParam("from", "YYYY-MM-DD"), QueryParam("to", "YYYY-MM-DD"),
                           QueryParam("station_id", "only this station"),
                           QueryParam("kind", "only this kind"), QueryParam("limit", "1-500"),
                           QueryParam("offset", "events to skip")}),
              "200 {events: [...], total, next_offset}", on_workers(ListOutreach)});
  router.Add(
      {"GET", "/api/outreach/summary",
       "Outreach events and audience reached in a period, by station, kind and month", "registry",
       false, std::nullopt, nullptr,
       json::array({QueryParam("from", "YYYY-MM-DD"), QueryParam("to", "YYYY-MM-DD, inclusive"),
                    QueryParam("station_id", "only this station"),
                    QueryParam("kind", "only this kind")}),
       "200 {events, audience, by_station, by_kind, by_month}", on_workers(OutreachSummary)});

  // Before the server listens (the caller constructs the routes first); the cases it opens are
  // recorded on the workers as they become durable.
  if (s->registry != nullptr) OpenMissingHazardCases(s);
}

}  // namespace pingan::api
