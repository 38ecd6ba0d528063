#include "api/json_codec.h"

#include <cmath>

#include <fmt/format.h>

#include "core/incident_workflow.h"
#include "core/json_support.h"
#include "core/pii.h"
#include "core/time_format.h"

namespace pingan::api {

using nlohmann::json;

namespace {

std::string TypeName(const json& value) {
  return value.is_number() ? "number" : std::string(value.type_name());
}

json SecondsBetween(const std::optional<TimePoint>& from, const std::optional<TimePoint>& to) {
  if (!from || !to) return nullptr;
  return std::chrono::duration<double>(*to - *from).count();
}

}  // namespace

Result<std::optional<std::string>> OptionalString(const json& body, const std::string& field,
                                                  size_t max_bytes) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return InvalidInput(field, fmt::format("'{}' must be a string, not {}", field, TypeName(*it)));
  }
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    return InvalidInput(field, fmt::format("'{}' is longer than {} bytes", field, max_bytes));
  }
  return std::optional<std::string>(text);
}

Result<std::string> RequiredString(const json& body, const std::string& field, size_t max_bytes) {
  auto value = OptionalString(body, field, max_bytes);
  if (!value) return value.error();
  if (!*value || (*value)->empty()) {
    return InvalidInput(field, fmt::format("'{}' is required", field));
  }
  return std::move(**value);
}

Result<std::optional<std::int64_t>> OptionalInteger(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) {
    return InvalidInput(field,
                        fmt::format("'{}' must be a whole number, not {}", field, TypeName(*it)));
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<std::int64_t> RequiredInteger(const json& body, const std::string& field) {
  auto value = OptionalInteger(body, field);
  if (!value) return value.error();
  if (!*value) return InvalidInput(field, fmt::format("'{}' is required", field));
  return **value;
}

Result<std::optional<LonLat>> OptionalLonLat(const json& body) {
  bool has_lon = body.contains("lon") && !body["lon"].is_null();
  bool has_lat = body.contains("lat") && !body["lat"].is_null();
  if (!has_lon && !has_lat) return std::optional<LonLat>();
  for (const char* field : {"lon", "lat"}) {
    if (!body.contains(field) || !body[field].is_number()) {
      return InvalidInput(field, fmt::format("'{}' must be a number (WGS84 degrees)", field));
    }
  }
  LonLat p{body["lon"].get<double>(), body["lat"].get<double>()};
  if (!std::isfinite(p.lon) || p.lon < -180 || p.lon > 180) {
    return InvalidInput("lon", "longitude must be within ±180");
  }
  if (!std::isfinite(p.lat) || p.lat < -90 || p.lat > 90) {
    return InvalidInput("lat", "latitude must be within ±90");
  }
  return std::optional<LonLat>(p);
}

json TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? json(FormatIso8601(*t)) : json(nullptr);
}

json IncidentView(const Incident& incident, const WorkflowDefinition& workflow, TimePoint now,
                  const ViewOptions& options) {
  const IncidentCategory* category = FindIncidentCategory(incident.category);
  std::string subtype_label;
  if (category != nullptr) {
    for (const auto& s : category->subtypes) {
      if (s.code == incident.subtype) subtype_label = s.label;
    }
  }
  json assignments = json::array();
  for (const Assignment& a : incident.assignments) {
    assignments.push_back({{"unit_id", a.unit_id},
                           {"callsign", a.callsign},
                           {"status", a.status},
                           {"dispatched_at", FormatIso8601(a.dispatched_at)},
                           {"en_route_at", TimeOrNull(a.en_route_at)},
                           {"on_scene_at", TimeOrNull(a.on_scene_at)},
                           {"cleared_at", TimeOrNull(a.cleared_at)},
                           {"travel_time_s", SecondsBetween(a.dispatched_at, a.on_scene_at)}});
  }
  json slas = json::array();
  bool is_overdue = false;
  for (const SlaTimer& t : incident.slas) {
    bool overdue = IsOverdue(t, now);
    is_overdue = is_overdue || (overdue && !t.met_at);
    slas.push_back({{"name", t.name},
                    {"deadline", FormatIso8601(t.deadline)},
                    {"met_at", TimeOrNull(t.met_at)},
                    {"void", t.is_void},
                    {"overdue", overdue},
                    {"escalation_level", t.escalation_level}});
  }
  bool reveal = options.reveal_personal_data;
  json view = {
      {"id", incident.id},
      {"status", incident.status},
      {"terminal", workflow.IsTerminal(incident.status)},
      {"channel", incident.channel},
      {"category", incident.category},
      {"category_label", category ? category->label : std::string()},
      {"subtype", incident.subtype},
      {"subtype_label", subtype_label},
      {"priority", incident.priority},
      {"lon", incident.location ? json(incident.location->lon) : json(nullptr)},
      {"lat", incident.location ? json(incident.location->lat) : json(nullptr)},
      {"address", incident.address},
      {"caller_name", reveal ? incident.caller_name : MaskName(incident.caller_name)},
      {"caller_phone", reveal ? incident.caller_phone : MaskPhone(incident.caller_phone)},
      {"personal_data_masked", !reveal},
      {"narrative", incident.narrative},
      {"station_id", incident.station_id},
      {"post_id", incident.post_id},
      {"grid_id", incident.grid_id},
      {"disposition", incident.disposition},
      {"received_at", FormatIso8601(incident.received_at)},
      {"received_by", incident.received_by},
      {"dispatched_at", TimeOrNull(incident.first_dispatched_at)},
      {"on_scene_at", TimeOrNull(incident.first_on_scene_at)},
      {"closed_at", TimeOrNull(incident.closed_at)},
      {"response_time_s", SecondsBetween(incident.received_at, incident.first_on_scene_at)},
      {"handling_time_s", SecondsBetween(incident.first_on_scene_at, incident.closed_at)},
      {"overdue", is_overdue},
      {"assignments", std::move(assignments)},
      {"sla", std::move(slas)},
  };
  if (options.with_timeline) {
    json timeline = json::array();
    for (const TimelineEntry& e : incident.timeline) {
      timeline.push_back({{"seq", e.seq},
                          {"at", FormatIso8601(e.at)},
                          {"actor", e.actor},
                          {"type", e.type},
                          {"detail", e.detail}});
    }
    view["timeline"] = std::move(timeline);
  }
  return view;
}

json UnitView(const Unit& unit, const std::optional<Position>& latest) {
  json position = nullptr;
  std::optional<Position> p = unit.position;
  if (latest && (!p || latest->time >= p->time)) p = latest;
  if (p) {
    position = {{"lon", p->at.lon}, {"lat", p->at.lat}, {"time", FormatIso8601(p->time)}};
  }
  return {{"id", unit.id},
          {"callsign", unit.callsign},
          {"force", unit.force},
          {"mode", unit.mode},
          {"station_id", unit.station_id},
          {"members", unit.members},
          {"status", unit.status},
          {"status_at", FormatIso8601(unit.status_at)},
          {"active_incident_id",
           unit.active_incident_id ? json(unit.active_incident_id) : json(nullptr)},
          {"position", std::move(position)},
          {"created_at", FormatIso8601(unit.created_at)}};
}

json RecommendationsJson(const dispatch::Recommendations& r) {
  json recommendations = json::array();
  for (const auto& u : r.recommendations) {
    json coordinates = json::array();
    for (LonLat p : u.route) coordinates.push_back({p.lon, p.lat});
    recommendations.push_back({{"unit_id", u.unit_id},
                               {"callsign", u.callsign},
                               {"force", u.force},
                               {"mode", u.mode},
                               {"eta_s", std::round(u.eta_s * 10) / 10},
                               {"distance_m", std::round(u.distance_m)},
                               {"straight_line_m", std::round(u.straight_line_m)},
                               {"reason", u.reason},
                               {"detail", u.detail},
                               {"route", {{"type", "LineString"}, {"coordinates", coordinates}}}});
  }
  json passed = json::array();
  for (const auto& p : r.passed_over) {
    passed.push_back({{"unit_id", p.unit_id},
                      {"callsign", p.callsign},
                      {"reason", p.reason},
                      {"detail", p.detail}});
  }
  return {{"recommendations", std::move(recommendations)},
          {"passed_over", std::move(passed)},
          {"units_needed", r.units_needed},
          {"units_available", r.units_available},
          {"shortfall", r.shortfall},
          {"units_not_ranked", r.units_not_ranked},
          {"scene_snap_distance_m", std::round(r.scene_snap_distance_m * 10) / 10},
          {"scene_off_road", r.scene_off_road}};
}

}  // namespace pingan::api
