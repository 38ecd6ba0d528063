#include "core/district_state.h"

#include <gtest/gtest.h>

#include "core/incident_workflow.h"
#include "core/json_support.h"
#include "support/jurisdiction_squares.h"

namespace pingan {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = FromMillis(1'790'000'000'000);

using test::Square;

// A district with two stations side by side, three cars and a guard team, and a clock.
class DistrictStateTest : public testing::Test {
 protected:
  void SetUp() override {
    Ok(DefineJurisdictions{{Square("B", "", JurisdictionLevel::kBureau, 121, 37, 121.2, 37.1),
                            Square("S1", "B", JurisdictionLevel::kStation, 121, 37, 121.1, 37.1),
                            Square("S2", "B", JurisdictionLevel::kStation, 121.1, 37, 121.2, 37.1),
                            Square("G1", "S1", JurisdictionLevel::kGrid, 121, 37, 121.05, 37.05)}});
    for (const char* callsign : {"P-01", "P-02", "P-03"}) {
      units_.push_back(
          Ok(CreateUnit{
                 callsign, Force::kPatrol, TravelMode::kCar, "S1", {}, UnitStatus::kAvailable})
              .id);
    }
  }

  // Executes at the current time; the command must succeed.
  CommandOutcome Ok(CommandBody body, std::string actor = "li") {
    auto r = state_.Execute(Command{std::move(actor), std::move(body)}, now_, events_);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? *r : CommandOutcome{};
  }
  Error Refused(CommandBody body) {
    size_t before = events_.size();
    auto r = state_.Execute(Command{"li", std::move(body)}, now_, events_);
    EXPECT_FALSE(r.has_value());
    EXPECT_EQ(events_.size(), before) << "a refused command must emit nothing";
    return r.has_value() ? Error{} : r.error();
  }
  IncidentId NewIncident(int priority = 2, LonLat at = {121.01, 37.01}) {
    CreateIncident c;
    c.category = "criminal";
    c.subtype = "theft";
    c.priority = priority;
    c.location = at;
    c.caller_name = "张三";
    c.caller_phone = "13812345678";
    return Ok(c).id;
  }
  IncidentAction Act(IncidentId id, std::string action, std::optional<UnitId> unit = {}) {
    IncidentAction a;
    a.incident_id = id;
    a.action = std::move(action);
    a.unit_id = unit;
    return a;
  }
  const Incident& Get(IncidentId id) { return *state_.FindIncident(id); }

  DistrictState state_{IncidentWorkflow()};
  std::vector<Event> events_;
  std::vector<UnitId> units_;
  TimePoint now_ = kT0;
};

TEST_F(DistrictStateTest, NewIncidentIsReceivedAndPlacedInItsStationAndGrid) {
  IncidentId id = NewIncident();
  const Incident& i = Get(id);
  EXPECT_EQ(i.status, "received");
  EXPECT_EQ(i.station_id, "S1");
  EXPECT_EQ(i.grid_id, "G1");
  EXPECT_EQ(i.received_at, kT0);
  EXPECT_EQ(i.received_by, "li");
  EXPECT_EQ(NewIncident(2, {121.15, 37.05}), id + 1);
  EXPECT_EQ(Get(id + 1).station_id, "S2");
  EXPECT_EQ(Get(id + 1).grid_id, "");
}

TEST_F(DistrictStateTest, FullLifecycleRecordsEachStepAndDerivesResponseTime) {
  IncidentId id = NewIncident();
  now_ += seconds(40);
  Ok(Act(id, "dispatch", units_[0]));
  EXPECT_EQ(state_.FindUnit(units_[0])->status, UnitStatus::kDispatched);
  EXPECT_EQ(state_.FindUnit(units_[0])->active_incident_id, id);
  now_ += seconds(20);
  Ok(Act(id, "en_route", units_[0]));
  now_ += seconds(200);
  Ok(Act(id, "arrive", units_[0]));
  now_ += seconds(60);
  Ok(Act(id, "handle"));
  now_ += seconds(600);
  IncidentAction close = Act(id, "close");
  close.disposition = "suspect detained";
  Ok(close);

  const Incident& i = Get(id);
  EXPECT_EQ(i.status, "closed");
  EXPECT_EQ(i.disposition, "suspect detained");
  EXPECT_EQ(i.first_dispatched_at, kT0 + seconds(40));
  EXPECT_EQ(i.first_on_scene_at, kT0 + seconds(260));
  EXPECT_EQ(i.closed_at, kT0 + seconds(920));
  ASSERT_EQ(i.assignments.size(), 1u);
  EXPECT_EQ(i.assignments[0].status, AssignmentStatus::kCleared);
  EXPECT_EQ(i.assignments[0].en_route_at, kT0 + seconds(60));
  EXPECT_EQ(i.assignments[0].cleared_at, kT0 + seconds(920));
  EXPECT_EQ(state_.FindUnit(units_[0])->status, UnitStatus::kAvailable);
  EXPECT_EQ(state_.FindUnit(units_[0])->active_incident_id, 0);

  std::vector<std::string> types;
  for (const auto& e : i.timeline) types.push_back(e.type);
  EXPECT_EQ(types,
            (std::vector<std::string>{"incident.received", "incident.dispatch", "incident.en_route",
                                      "incident.arrive", "incident.handle", "incident.close"}));
  // Timeline entries carry the ledger order.
  for (size_t k = 1; k < i.timeline.size(); ++k)
    EXPECT_GT(i.timeline[k].seq, i.timeline[k - 1].seq);
  ASSERT_EQ(i.slas.size(), 2u);
  EXPECT_EQ(i.slas[0].met_at, kT0 + seconds(40));
  EXPECT_EQ(i.slas[1].met_at, kT0 + seconds(260));
}

TEST_F(DistrictStateTest, ThreeUnitsHaveThreeIndependentTimelines) {
  IncidentId id = NewIncident(1);
  for (UnitId u : units_) {
    Ok(Act(id, "dispatch", u));
    now_ += seconds(10);
  }
  Ok(Act(id, "arrive", units_[1]));
  now_ += seconds(10);
  Ok(Act(id, "clear", units_[2]));  // recalled: the others are untouched
  now_ += seconds(10);
  Ok(Act(id, "arrive", units_[0]));

  const Incident& i = Get(id);
  ASSERT_EQ(i.assignments.size(), 3u);
  EXPECT_EQ(i.status, "on_scene");
  EXPECT_EQ(i.assignments[0].status, AssignmentStatus::kOnScene);
  EXPECT_EQ(i.assignments[0].on_scene_at, kT0 + seconds(50));
  EXPECT_EQ(i.assignments[1].status, AssignmentStatus::kOnScene);
  EXPECT_EQ(i.assignments[1].on_scene_at, kT0 + seconds(30));
  EXPECT_EQ(i.assignments[2].status, AssignmentStatus::kCleared);
  EXPECT_EQ(i.first_on_scene_at, kT0 + seconds(30));
  EXPECT_EQ(state_.FindUnit(units_[0])->status, UnitStatus::kOnScene);
  EXPECT_EQ(state_.FindUnit(units_[1])->status, UnitStatus::kOnScene);
  EXPECT_EQ(state_.FindUnit(units_[2])->status, UnitStatus::kAvailable);

  // The recalled unit can be sent elsewhere; the incident keeps its other two.
  IncidentId other = NewIncident(3);
  Ok(Act(other, "dispatch", units_[2]));
  EXPECT_EQ(Get(id).assignments[0].status, AssignmentStatus::kOnScene);
}

TEST_F(DistrictStateTest, ClosingAnUndispatchedIncidentIsRefused) {
  IncidentId id = NewIncident();
  IncidentAction close = Act(id, "close");
  close.disposition = "done";
  Error e = Refused(close);
  EXPECT_EQ(e.code, ErrorCode::kConflict);
  EXPECT_EQ(Get(id).status, "received");
}

TEST_F(DistrictStateTest, ABusyUnitCannotBeDispatchedAgain) {
  IncidentId first = NewIncident();
  IncidentId second = NewIncident();
  Ok(Act(first, "dispatch", units_[0]));
  Error e = Refused(Act(second, "dispatch", units_[0]));
  EXPECT_EQ(e.code, ErrorCode::kConflict);
  EXPECT_EQ(e.field, "unit_id");
  EXPECT_EQ(e.message, "P-01 is dispatched at incident 1, not available");
  EXPECT_EQ(Refused(Act(first, "dispatch", units_[0])).code, ErrorCode::kConflict);
  EXPECT_TRUE(Get(second).assignments.empty());
}

TEST_F(DistrictStateTest, AssignmentStepsOnlyMoveForward) {
  IncidentId id = NewIncident();
  Ok(Act(id, "dispatch", units_[0]));
  Ok(Act(id, "arrive", units_[0]));
  EXPECT_EQ(Refused(Act(id, "en_route", units_[0])).code, ErrorCode::kConflict);
  EXPECT_EQ(Refused(Act(id, "arrive", units_[0])).code, ErrorCode::kConflict);
  EXPECT_EQ(Refused(Act(id, "arrive", units_[1])).message,
            "P-02 has no active assignment on incident 1");
  EXPECT_EQ(Refused(Act(id, "arrive", 999)).code, ErrorCode::kNotFound);
}

TEST_F(DistrictStateTest, UnitStatusReportsAdvanceTheAssignment) {
  IncidentId id = NewIncident();
  Ok(Act(id, "dispatch", units_[0]));
  now_ += seconds(30);
  Ok(SetUnitStatus{units_[0], UnitStatus::kEnRoute});
  now_ += seconds(30);
  Ok(SetUnitStatus{units_[0], UnitStatus::kOnScene});
  EXPECT_EQ(Get(id).status, "on_scene");
  EXPECT_EQ(Get(id).assignments[0].on_scene_at, kT0 + seconds(60));
  EXPECT_EQ(Refused(SetUnitStatus{units_[0], UnitStatus::kOffDuty}).code, ErrorCode::kConflict);
  EXPECT_EQ(Refused(SetUnitStatus{units_[0], UnitStatus::kDispatched}).code, ErrorCode::kConflict);
  Ok(SetUnitStatus{units_[0], UnitStatus::kAvailable});  // clears its assignment
  EXPECT_EQ(Get(id).assignments[0].status, AssignmentStatus::kCleared);
  EXPECT_EQ(Get(id).status, "on_scene");  // the incident's own lifecycle is not the unit's
  Ok(SetUnitStatus{units_[0], UnitStatus::kOffDuty});
  EXPECT_EQ(state_.FindUnit(units_[0])->status, UnitStatus::kOffDuty);
  EXPECT_EQ(Refused(SetUnitStatus{units_[1], UnitStatus::kOnScene}).code, ErrorCode::kConflict);
}

TEST_F(DistrictStateTest, CancelReleasesUnitsAndVoidsDeadlines) {
  IncidentId id = NewIncident(1);
  Ok(Act(id, "dispatch", units_[0]));
  IncidentAction cancel = Act(id, "cancel");
  cancel.disposition = "duplicate call";
  Ok(cancel);
  EXPECT_EQ(Get(id).status, "cancelled");
  EXPECT_EQ(state_.FindUnit(units_[0])->status, UnitStatus::kAvailable);
  EXPECT_TRUE(Get(id).slas[1].is_void);
  EXPECT_FALSE(Get(id).next_escalation_at.has_value());
}

TEST_F(DistrictStateTest, TransferNeedsAnExistingOtherStation) {
  IncidentId id = NewIncident();
  IncidentAction t = Act(id, "transfer");
  t.station_id = "S9";
  EXPECT_EQ(Refused(t).field, "station_id");
  t.station_id = "G1";
  EXPECT_EQ(Refused(t).message, "'G1' is a grid, not a station");
  t.station_id = "S1";
  EXPECT_EQ(Refused(t).code, ErrorCode::kConflict);
  t.station_id = "S2";
  Ok(t);
  EXPECT_EQ(Get(id).station_id, "S2");
  EXPECT_EQ(Get(id).timeline.back().detail["from_station_id"], "S1");
}

TEST_F(DistrictStateTest, ReopenNeedsAReasonAndStartsOver) {
  IncidentId id = NewIncident();
  Ok(Act(id, "dispatch", units_[0]));
  Ok(Act(id, "arrive", units_[0]));
  IncidentAction close = Act(id, "close");
  close.disposition = "advice given";
  Ok(close);
  EXPECT_EQ(Refused(Act(id, "reopen")).field, "note");
  IncidentAction reopen = Act(id, "reopen");
  reopen.note = "caller rang again";
  Ok(reopen);
  EXPECT_EQ(Get(id).status, "received");
  EXPECT_FALSE(Get(id).closed_at.has_value());
  Ok(Act(id, "dispatch", units_[0]));
  EXPECT_EQ(Get(id).assignments.size(), 2u);
}

TEST_F(DistrictStateTest, BadIntakeIsRefusedWithTheField) {
  CreateIncident c;
  c.category = "alien";
  c.priority = 2;
  c.address = "x";
  EXPECT_EQ(Refused(c).field, "category");
  c.category = "traffic";
  c.subtype = "theft";
  EXPECT_EQ(Refused(c).field, "subtype");
  c.subtype = "";
  c.priority = 7;
  EXPECT_EQ(Refused(c).field, "priority");
  c.priority = 2;
  c.address = "";
  EXPECT_EQ(Refused(c).field, "address");
  c.channel = "pigeon";
  c.address = "x";
  EXPECT_EQ(Refused(c).field, "channel");
  EXPECT_EQ(state_.incident_count(), 0u);
}

TEST_F(DistrictStateTest, DuplicateCallsignIsRefused) {
  EXPECT_EQ(
      Refused(CreateUnit{"P-01", Force::kGuard, TravelMode::kFoot, "", {}, UnitStatus::kAvailable})
          .field,
      "callsign");
}

TEST_F(DistrictStateTest, OverdueIncidentsEscalateOnceAtEachLevel) {
  IncidentId urgent = NewIncident(1);
  IncidentId routine = NewIncident(4);
  now_ += seconds(59);
  EXPECT_EQ(Ok(CheckDeadlines{}, "system").id, 0);
  now_ += seconds(1);
  size_t before = events_.size();
  EXPECT_EQ(Ok(CheckDeadlines{}, "system").id, 1);
  ASSERT_EQ(events_.size(), before + 1);
  EXPECT_EQ(events_.back().type, "incident.sla_overdue");
  EXPECT_EQ(events_.back().data["sla"], "dispatch");
  EXPECT_EQ(events_.back().data["level"], 1);
  EXPECT_EQ(events_.back().data["notify"], "duty_chief");
  // Checking again at the same time fires nothing new.
  before = events_.size();
  Ok(CheckDeadlines{}, "system");
  EXPECT_EQ(events_.size(), before);
  // Dispatching meets the dispatch SLA; arrival still escalates at 300 s.
  Ok(Act(urgent, "dispatch", units_[0]));
  now_ = kT0 + seconds(300);
  before = events_.size();
  Ok(CheckDeadlines{}, "system");
  ASSERT_EQ(events_.size(), before + 1);
  EXPECT_EQ(events_.back().data["sla"], "arrival");
  EXPECT_EQ(Get(urgent).slas[1].escalation_level, 1);
  EXPECT_EQ(Get(routine).slas[0].escalation_level, 0);
}

TEST_F(DistrictStateTest, ReplayingTheEventsRebuildsTheSameState) {
  IncidentId id = NewIncident(1);
  Ok(Act(id, "dispatch", units_[0]));
  Ok(Act(id, "arrive", units_[0]));
  Ok(ReportPosition{units_[1], Position{{121.02, 37.02}, kT0}});
  Ok(AddUser{User{"wang", Role::kLeader, "王局", "", "hash", {}}});
  Ok(OpenSession{"h1", "wang", kT0 + seconds(3600)});
  now_ += seconds(400);
  Ok(CheckDeadlines{}, "system");

  DistrictState replayed(IncidentWorkflow());
  for (const Event& e : events_) replayed.Apply(e);
  EXPECT_EQ(replayed.ToCheckpoint(), state_.ToCheckpoint());
}

TEST_F(DistrictStateTest, CheckpointRoundTripsAndAcceptsTheTail) {
  IncidentId id = NewIncident(1);
  Ok(Act(id, "dispatch", units_[0]));
  auto restored = DistrictState::FromCheckpoint(state_.ToCheckpoint(), IncidentWorkflow());
  ASSERT_TRUE(restored.has_value()) << restored.error().message;
  EXPECT_EQ((*restored)->ToCheckpoint(), state_.ToCheckpoint());

  size_t tail_start = events_.size();
  Ok(Act(id, "arrive", units_[0]));
  NewIncident(2);
  for (size_t k = tail_start; k < events_.size(); ++k) (*restored)->Apply(events_[k]);
  EXPECT_EQ((*restored)->ToCheckpoint(), state_.ToCheckpoint());
  // Derived indexes survive the round trip: the call sign stays taken, the station resolves.
  std::vector<Event> scratch;
  auto dup = (*restored)->Execute(
      Command{"li",
              CreateUnit{"P-02", Force::kPatrol, TravelMode::kCar, "", {}, UnitStatus::kAvailable}},
      now_, scratch);
  EXPECT_FALSE(dup.has_value());
  EXPECT_EQ((*restored)->jurisdictions().Locate({121.15, 37.05}).station_id, "S2");
}

TEST_F(DistrictStateTest, ExpiredSessionsAreForgottenWhenTheNextOneOpens) {
  Ok(AddUser{User{"wang", Role::kLeader, "", "", "hash", {}}});
  Ok(OpenSession{"old", "wang", kT0 + seconds(60)});
  Ok(OpenSession{"fresh", "wang", kT0 + seconds(7200)});
  (void)state_.TakeChanges();
  now_ += seconds(120);
  Ok(OpenSession{"newest", "wang", now_ + seconds(7200)});
  DistrictState::Changes changes = state_.TakeChanges();
  EXPECT_EQ(changes.sessions_closed, std::vector<std::string>{"old"});
  nlohmann::json sessions = state_.ToCheckpoint()["sessions"];
  EXPECT_EQ(sessions.size(), 2u);
}

TEST_F(DistrictStateTest, JurisdictionErrorsPointAtTheImportedFeature) {
  Error e = Refused(
      DefineJurisdictions{{Square("S3", "B", JurisdictionLevel::kStation, 121, 37, 121.1, 37.1),
                           Square("G9", "NOPE", JurisdictionLevel::kGrid, 121, 37, 121.1, 37.1)}});
  EXPECT_EQ(e.field, "features[1].parent_id");
  EXPECT_EQ(state_.jurisdictions().Find("S3"), nullptr);
}

TEST_F(DistrictStateTest, PublishedObjectsAreNeverMutated) {
  IncidentId id = NewIncident();
  (void)state_.TakeChanges();
  DistrictState::Changes changes = state_.TakeChanges();
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(Refused(Act(id, "note")).field, "note");
  IncidentAction note = Act(id, "note");
  note.note = "caller is hard of hearing";
  Ok(note);
  changes = state_.TakeChanges();
  ASSERT_EQ(changes.incidents.size(), 1u);
  std::shared_ptr<const Incident> published = changes.incidents[0];
  size_t timeline = published->timeline.size();
  Ok(Act(id, "dispatch", units_[0]));
  EXPECT_EQ(published->timeline.size(), timeline);
  EXPECT_EQ(published->status, "received");
  EXPECT_EQ(state_.FindIncident(id)->status, "dispatched");
}

}  // namespace
}  // namespace pingan

namespace pingan {
namespace {

// Checkpoints from before GPS terminals have no "devices"; anything else missing is corruption.
TEST(UnitJson, OnlyDevicesMayBeMissing) {
  Unit unit;
  unit.id = 3;
  unit.callsign = "A1";
  unit.devices.push_back({"jt808", "13912345678", "gcj02"});
  nlohmann::json j = unit;
  EXPECT_EQ(j.get<Unit>().devices, unit.devices);
  j.erase("devices");
  EXPECT_EQ(j.get<Unit>().callsign, "A1");
  EXPECT_TRUE(j.get<Unit>().devices.empty());
  j.erase("callsign");
  EXPECT_THROW(j.get<Unit>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace pingan
