// The district in memory: jurisdictions, units, incidents, users and sessions. It decides what a
// command means (Execute) and changes only by applying events (Apply), so a replay of the ledger
// rebuilds exactly the state that was acknowledged. No I/O, no threads, no clock of its own.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/case_record.h"
#include "core/commands.h"
#include "core/event.h"
#include "core/jurisdiction.h"
#include "core/result.h"
#include "core/workflow.h"

namespace pingan {

class DistrictState {
 public:
  // `cases`: the case kinds this district runs (none: every case command is refused).
  explicit DistrictState(WorkflowDefinition incident_workflow, CaseCatalog cases = {});

  // Decides `cmd` at time `now`. On success its events, numbered from last_seq() + 1, are
  // applied and appended to `out`. On error nothing changed and `out` is untouched.
  Result<CommandOutcome> Execute(const Command& cmd, TimePoint now, std::vector<Event>& out);

  // Applies one event from the ledger. REQUIRES: e.seq == last_seq() + 1.
  void Apply(const Event& e);

  Sequence last_seq() const { return last_seq_; }

  // Objects changed since the last call, for readers. Objects handed out here are never
  // mutated again: the next change to one copies it first (copy-on-write).
  struct Changes {
    std::vector<std::shared_ptr<const Incident>> incidents;
    std::vector<std::shared_ptr<const Unit>> units;
    std::vector<std::shared_ptr<const CaseRecord>> cases;
    std::vector<std::shared_ptr<const User>> users;
    std::vector<std::shared_ptr<const Session>> sessions_opened;
    std::vector<std::string> sessions_closed;                // token hashes
    std::shared_ptr<const JurisdictionIndex> jurisdictions;  // set when they changed
    std::shared_ptr<const DeviceIndex> devices;              // set when a binding changed
    bool empty() const {
      return incidents.empty() && units.empty() && cases.empty() && users.empty() &&
             sessions_opened.empty() && sessions_closed.empty() && !jurisdictions && !devices;
    }
  };
  Changes TakeChanges();

  // A consistent, immutable view of everything, cheap to take (pointer copies): objects in it
  // are shared, so later changes copy them first. Encode it on any thread.
  struct Snapshot {
    Sequence last_seq = 0;
    IncidentId next_incident_id = 1;
    UnitId next_unit_id = 1;
    CaseId next_case_id = 1;
    std::vector<std::shared_ptr<const Incident>> incidents;
    std::vector<std::shared_ptr<const Unit>> units;
    std::vector<std::shared_ptr<const CaseRecord>> cases;
    std::vector<std::shared_ptr<const User>> users;
    std::vector<std::shared_ptr<const Session>> sessions;
    std::shared_ptr<const JurisdictionIndex> jurisdictions;
  };
  Snapshot TakeSnapshot();
  // Everything, as JSON, for a checkpoint; FromCheckpoint() restores it exactly.
  static nlohmann::json CheckpointJson(const Snapshot& snapshot);
  nlohmann::json ToCheckpoint() { return CheckpointJson(TakeSnapshot()); }
  static Result<std::unique_ptr<DistrictState>> FromCheckpoint(const nlohmann::json& doc,
                                                               WorkflowDefinition incident_workflow,
                                                               CaseCatalog cases = {});

  const WorkflowDefinition& incident_workflow() const { return incident_workflow_; }
  const Incident* FindIncident(IncidentId id) const;
  const Unit* FindUnit(UnitId id) const;
  const CaseRecord* FindCase(CaseId id) const;
  const CaseCatalog& case_catalog() const { return catalog_; }
  const User* FindUser(const std::string& username) const;
  const JurisdictionIndex& jurisdictions();
  size_t incident_count() const { return incidents_.size(); }
  size_t unit_count() const { return units_.size(); }
  size_t user_count() const { return users_.size(); }

 private:
  // Builds an event, applies it and appends it to `out`.
  void Emit(std::vector<Event>& out, TimePoint now, const std::string& actor, std::string type,
            std::string stream, nlohmann::json data);

  Result<CommandOutcome> Do(const CreateIncident& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const IncidentAction& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const CreateUnit& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const SetUnitStatus& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const ReportPosition& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const DefineJurisdictions& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const AddUser& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const OpenSession& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const CloseSession& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const RecordPersonalDataRead& c, const std::string& actor,
                            TimePoint now, std::vector<Event>& out);
  Result<CommandOutcome> Do(const BindDevice& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const CheckDeadlines& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const CreateCase& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  Result<CommandOutcome> Do(const CreateCases& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  // Checks a CreateCase and works out its station; nothing is emitted.
  Result<OpenCaseRequest> PrepareCase(const CreateCase& c, const std::string& actor, TimePoint now);
  Result<CommandOutcome> Do(const CaseAction& c, const std::string& actor, TimePoint now,
                            std::vector<Event>& out);
  // Emits case.opened for a case already validated (OpenCase accepted it).
  CaseId EmitCaseOpened(std::vector<Event>& out, TimePoint now, const std::string& actor,
                        const std::string& kind, const OpenCaseRequest& request);
  // The callback an incident's close calls for, if the catalog asks for one and the incident
  // has a caller to call back and no such case open yet.
  void OpenCaseOnClose(const Incident& incident, const std::string& actor, TimePoint now,
                       std::vector<Event>& out);
  void ApplyCaseEvent(const Event& e);
  CaseRecord& MutableCase(CaseId id);
  void ScheduleCaseEscalation(const CaseRecord& record);

  void ApplyIncidentEvent(const Event& e);
  void ApplyUnitEvent(const Event& e);
  void ApplyOtherEvent(const Event& e);

  // Copy-on-write access: copies the object if a reader may hold it.
  Incident& MutableIncident(IncidentId id);
  Unit& MutableUnit(UnitId id);
  const Unit* FindUnitByCallsign(const std::string& callsign) const;
  Status CheckStation(const std::string& station_id, const std::string& field);

  WorkflowDefinition incident_workflow_;
  CaseCatalog catalog_;
  Sequence last_seq_ = 0;
  IncidentId next_incident_id_ = 1;
  UnitId next_unit_id_ = 1;
  std::map<IncidentId, std::shared_ptr<Incident>> incidents_;
  // Keeps escalation_queue_ in step with an incident's next_escalation_at.
  void ScheduleEscalation(Incident& incident, std::optional<TimePoint> next);

  // (next escalation time, incident) for every incident with one pending: the deadline check
  // looks only at the due front, never at every open incident.
  std::set<std::pair<TimePoint, IncidentId>> escalation_queue_;
  std::map<UnitId, std::shared_ptr<Unit>> units_;
  CaseId next_case_id_ = 1;
  std::map<CaseId, std::shared_ptr<CaseRecord>> cases_;
  std::multimap<IncidentId, CaseId> cases_by_incident_;
  // As escalation_queue_, for cases; case_escalation_at_ holds each case's entry.
  std::set<std::pair<TimePoint, CaseId>> case_escalation_queue_;
  std::unordered_map<CaseId, TimePoint> case_escalation_at_;
  std::unordered_map<std::string, UnitId> unit_by_callsign_;
  std::map<std::string, std::shared_ptr<User>> users_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
  std::map<std::string, Jurisdiction> jurisdiction_defs_;
  std::shared_ptr<const JurisdictionIndex> jurisdiction_index_;
  bool jurisdictions_changed_;
  DeviceIndex device_index_;  // every binding, kept in step with units_[*].devices
  bool devices_changed_ = true;

  std::unordered_set<IncidentId> changed_incidents_;
  std::unordered_set<UnitId> changed_units_;
  std::unordered_set<CaseId> changed_cases_;
  std::unordered_set<std::string> changed_users_;
  std::vector<std::string> opened_sessions_;
  std::vector<std::string> closed_sessions_;
};

}  // namespace pingan
