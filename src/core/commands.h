// Commands: what a caller asks the district to do. Adapters (HTTP, CLI) build them from validated
// input; DistrictState::Execute decides which events they produce, or refuses with an Error.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/case_record.h"
#include "core/domain.h"
#include "core/jurisdiction.h"

namespace pingan {

struct CreateIncident {
  std::string channel = "phone_110";
  std::string category;
  std::string subtype;
  int priority = 3;
  std::optional<LonLat> location;
  std::string address;
  std::string caller_name;
  std::string caller_phone;
  std::string narrative;
  std::string station_id;  // optional: overrides the station found from the location
};

// One action of the incident workflow ("dispatch", "arrive", "close", ...).
struct IncidentAction {
  IncidentId incident_id = 0;
  std::string action;
  std::optional<UnitId> unit_id;
  std::string note;
  std::string disposition;
  std::string station_id;
};

struct CreateUnit {
  std::string callsign;
  Force force = Force::kPatrol;
  TravelMode mode = TravelMode::kCar;
  std::string station_id;
  std::vector<std::string> members;
  UnitStatus status = UnitStatus::kAvailable;
};

// A unit reports its status. en_route/on_scene/available with an active assignment progress (or
// clear) that assignment, exactly as the incident actions do.
struct SetUnitStatus {
  UnitId unit_id = 0;
  UnitStatus status = UnitStatus::kAvailable;
};

struct ReportPosition {
  UnitId unit_id = 0;
  Position position;
};

// Adds or replaces jurisdictions; the tree they form with the existing ones must be valid.
struct DefineJurisdictions {
  std::vector<Jurisdiction> jurisdictions;
};

struct AddUser {
  User user;  // created_at is set by the engine
};

struct OpenSession {
  std::string token_hash;
  std::string username;
  TimePoint expires_at;
};

struct CloseSession {
  std::string token_hash;
};

// An audit record that personal data was shown to someone.
struct RecordPersonalDataRead {
  std::string what;  // "incident"
  std::vector<std::int64_t> ids;
  std::string purpose;  // the route, e.g. "GET /api/incidents/42"
};

// Binds a GPS terminal to a unit (moving it from another unit if it was bound elsewhere).
struct BindDevice {
  std::string protocol;    // jt808 | osmand
  std::string identifier;  // JT/T 808 terminal phone number, OsmAnd device id
  UnitId unit_id = 0;
  std::string coordinates = "wgs84";  // wgs84 | gcj02
};

// Opens a case of a kind in the state's catalog. Its station is `station_id`, else the one
// whose area holds `location`, else the incident's; it may stay empty (a citizen request
// waiting for triage).
struct CreateCase {
  std::string kind;
  std::string station_id;
  int priority = 3;
  IncidentId incident_id = 0;
  CaseId parent_id = 0;
  std::optional<LonLat> location;
  nlohmann::json fields = nlohmann::json::object();
};

// Opens several cases in one command: all of them, with consecutive ids from the outcome's id,
// or none (a refusal names the case: "cases[3].station_id"). For imports of many rows.
struct CreateCases {
  std::vector<CreateCase> cases;
};

// One action of a case's workflow, with the fields it records ("reply": {"reply": "..."}).
// Follow-on cases the kind declares are opened in the same command.
struct CaseAction {
  CaseId case_id = 0;
  std::string action;
  nlohmann::json fields = nlohmann::json::object();
};

// Fires SLA escalations that are due at the engine's current time.
struct CheckDeadlines {};

using CommandBody =
    std::variant<CreateIncident, IncidentAction, CreateUnit, SetUnitStatus, ReportPosition,
                 DefineJurisdictions, AddUser, OpenSession, CloseSession, RecordPersonalDataRead,
                 BindDevice, CheckDeadlines, CreateCase, CreateCases, CaseAction>;

struct Command {
  std::string actor;  // username, or "system"
  CommandBody body;
};

// What a command did, for the caller: the id of the thing it created or changed.
struct CommandOutcome {
  std::int64_t id = 0;
  Sequence last_seq = 0;  // the command's last event; 0 when it produced none
};

}  // namespace pingan
