// The district's domain objects: units (警力), incidents (警情) with their assignments, users and
// sessions. Plain data; DistrictState changes them only by applying events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/geo.h"
#include "core/workflow.h"

namespace pingan {

using IncidentId = std::int64_t;
using UnitId = std::int64_t;
using Sequence = std::int64_t;  // position of an event in the ledger, from 1

// 警力 force a unit belongs to (三位一体 plus 警保联控 guards and 警民联防 volunteers).
enum class Force { kPatrol, kStation, kHq, kGuard, kVolunteer };
// 巡逻方式 how a unit moves.
enum class TravelMode { kCar, kMotorcycle, kFoot, kBicycle };
// A unit's availability. kDispatched/kEnRoute/kOnScene mirror its active assignment.
enum class UnitStatus { kOffDuty, kAvailable, kDispatched, kEnRoute, kOnScene, kBusy };
// Progress of one unit on one incident.
enum class AssignmentStatus { kDispatched, kEnRoute, kOnScene, kCleared };
enum class Role { kDispatcher, kOfficer, kStationChief, kLeader, kAdmin };

// Text names (the JSON form, one table in json_support.h): "patrol", "car", "on_scene", ...
std::string ToString(Force v);
std::string ToString(TravelMode v);
std::string ToString(UnitStatus v);
std::string ToString(AssignmentStatus v);
std::string ToString(Role v);
// nullopt for a name that is not in the table.
std::optional<Force> ParseForce(std::string_view text);
std::optional<TravelMode> ParseTravelMode(std::string_view text);
std::optional<UnitStatus> ParseUnitStatus(std::string_view text);
std::optional<Role> ParseRole(std::string_view text);

struct Position {
  LonLat at;
  TimePoint time;
};

// A GPS terminal bound to a unit: a JT/T 808 terminal (its phone number) or an OsmAnd app (its
// id). `coordinates` says how the device reports: "wgs84", or "gcj02" (Chinese map SDKs).
struct DeviceBinding {
  std::string protocol;  // "jt808" or "osmand"
  std::string identifier;
  std::string coordinates = "wgs84";
  bool operator==(const DeviceBinding&) const = default;
};

// Where a device's positions go: its unit, and whether to convert from GCJ-02.
struct DeviceRoute {
  UnitId unit_id = 0;
  bool is_gcj02 = false;
};
// Key "protocol:identifier" → route. Rebuilt only when a binding changes.
using DeviceIndex = std::unordered_map<std::string, DeviceRoute>;
std::string DeviceKey(std::string_view protocol, std::string_view identifier);

// 警力 a patrol resource: a car crew, a motorcycle, a foot patrol, a guard or volunteer team.
struct Unit {
  UnitId id = 0;
  std::string callsign;  // 呼号, unique
  Force force = Force::kPatrol;
  TravelMode mode = TravelMode::kCar;
  std::string station_id;
  std::vector<std::string> members;
  UnitStatus status = UnitStatus::kAvailable;
  TimePoint status_at;
  IncidentId active_incident_id = 0;  // the incident of its active assignment, 0 when none
  std::optional<Position> position;
  TimePoint created_at;
  std::vector<DeviceBinding> devices;
};

// One unit's progress on one incident: its own timeline, independent of other units.
struct Assignment {
  UnitId unit_id = 0;
  std::string callsign;
  AssignmentStatus status = AssignmentStatus::kDispatched;
  TimePoint dispatched_at;
  std::optional<TimePoint> en_route_at;
  std::optional<TimePoint> on_scene_at;
  std::optional<TimePoint> cleared_at;
  bool is_active() const { return status != AssignmentStatus::kCleared; }
};

// One line of a case's timeline: an event of the ledger as it concerns this case.
struct TimelineEntry {
  Sequence seq = 0;
  TimePoint at;
  std::string actor;
  std::string type;  // event type, e.g. "incident.dispatch"
  nlohmann::json detail;
};

// 警情 an incident: a call for police, and the first kind of case.
struct Incident {
  IncidentId id = 0;
  std::string channel;  // phone_110, walk_in, ...
  std::string category;
  std::string subtype;
  int priority = 3;  // 1 most urgent … 4
  std::optional<LonLat> location;
  std::string address;
  std::string caller_name;   // personal data
  std::string caller_phone;  // personal data
  std::string narrative;
  std::string station_id, post_id, grid_id;
  std::string status;  // a state of IncidentWorkflow()
  std::string disposition;
  TimePoint received_at;
  std::string received_by;
  std::optional<TimePoint> first_dispatched_at;
  std::optional<TimePoint> first_on_scene_at;
  std::optional<TimePoint> closed_at;
  std::vector<Assignment> assignments;
  std::vector<SlaTimer> slas;
  std::vector<TimelineEntry> timeline;
  std::optional<TimePoint> next_escalation_at;  // derived from slas, for the deadline scan

  const Assignment* FindActiveAssignment(UnitId unit) const;
};

struct User {
  std::string username;
  Role role = Role::kDispatcher;
  std::string display_name;
  std::string station_id;
  std::string password_hash;  // argon2id, libsodium's encoded form
  TimePoint created_at;
};

// A logged-in session. Only a hash of the bearer token is kept.
struct Session {
  std::string token_hash;
  std::string username;
  TimePoint expires_at;
};

}  // namespace pingan
