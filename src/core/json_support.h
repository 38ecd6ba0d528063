// nlohmann::json conversions for the domain types, used for event payloads and checkpoints.
// Enums are written by name, times as epoch milliseconds, absent optionals as null.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/domain.h"
#include "core/geo.h"

namespace nlohmann {

template <>
struct adl_serializer<pingan::TimePoint> {
  static void to_json(json& j, const pingan::TimePoint& t) { j = pingan::ToMillis(t); }
  static void from_json(const json& j, pingan::TimePoint& t) {
    t = pingan::FromMillis(j.get<long long>());
  }
};

template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};

}  // namespace nlohmann

namespace pingan {

NLOHMANN_JSON_SERIALIZE_ENUM(Force, {{Force::kPatrol, "patrol"},
                                     {Force::kStation, "station"},
                                     {Force::kHq, "hq"},
                                     {Force::kGuard, "guard"},
                                     {Force::kVolunteer, "volunteer"}})
NLOHMANN_JSON_SERIALIZE_ENUM(TravelMode, {{TravelMode::kCar, "car"},
                                          {TravelMode::kMotorcycle, "motorcycle"},
                                          {TravelMode::kFoot, "foot"},
                                          {TravelMode::kBicycle, "bicycle"}})
NLOHMANN_JSON_SERIALIZE_ENUM(UnitStatus, {{UnitStatus::kOffDuty, "off_duty"},
                                          {UnitStatus::kAvailable, "available"},
                                          {UnitStatus::kDispatched, "dispatched"},
                                          {UnitStatus::kEnRoute, "en_route"},
                                          {UnitStatus::kOnScene, "on_scene"},
                                          {UnitStatus::kBusy, "busy"}})
NLOHMANN_JSON_SERIALIZE_ENUM(AssignmentStatus, {{AssignmentStatus::kDispatched, "dispatched"},
                                                {AssignmentStatus::kEnRoute, "en_route"},
                                                {AssignmentStatus::kOnScene, "on_scene"},
                                                {AssignmentStatus::kCleared, "cleared"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Role, {{Role::kDispatcher, "dispatcher"},
                                    {Role::kOfficer, "officer"},
                                    {Role::kStationChief, "station_chief"},
                                    {Role::kLeader, "leader"},
                                    {Role::kAdmin, "admin"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LonLat, lon, lat)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Position, at, time)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SlaTimer, name, deadline, met_at, is_void, escalation_level)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Assignment, unit_id, callsign, status, dispatched_at,
                                   en_route_at, on_scene_at, cleared_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TimelineEntry, seq, at, actor, type, detail)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DeviceBinding, protocol, identifier, coordinates)
// Written by hand so that only `devices` (added with GPS terminals) may be missing: a
// checkpoint without some other field is corrupt and must fail, forcing a full replay.
inline void to_json(nlohmann::json& j, const Unit& u) {
  j = {{"id", u.id},
       {"callsign", u.callsign},
       {"force", u.force},
       {"mode", u.mode},
       {"station_id", u.station_id},
       {"members", u.members},
       {"status", u.status},
       {"status_at", u.status_at},
       {"active_incident_id", u.active_incident_id},
       {"position", u.position},
       {"created_at", u.created_at},
       {"devices", u.devices}};
}
inline void from_json(const nlohmann::json& j, Unit& u) {
  j.at("id").get_to(u.id);
  j.at("callsign").get_to(u.callsign);
  j.at("force").get_to(u.force);
  j.at("mode").get_to(u.mode);
  j.at("station_id").get_to(u.station_id);
  j.at("members").get_to(u.members);
  j.at("status").get_to(u.status);
  j.at("status_at").get_to(u.status_at);
  j.at("active_incident_id").get_to(u.active_incident_id);
  j.at("position").get_to(u.position);
  j.at("created_at").get_to(u.created_at);
  u.devices = j.value("devices", std::vector<DeviceBinding>{});
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Incident, id, channel, category, subtype, priority, location,
                                   address, caller_name, caller_phone, narrative, station_id,
                                   post_id, grid_id, status, disposition, received_at, received_by,
                                   first_dispatched_at, first_on_scene_at, closed_at, assignments,
                                   slas, timeline, next_escalation_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(User, username, role, display_name, station_id, password_hash,
                                   created_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Session, token_hash, username, expires_at)

}  // namespace pingan
