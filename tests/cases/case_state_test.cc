// Cases kept by the district state: opened by an incident's close or a command, acted on,
// escalated by the deadline check, with follow-ons, replay and checkpoints — the ledger side of
// the workflows that case_workflow_test drives record by record.
#include <algorithm>

#include <gtest/gtest.h>

#include "cases/case_kinds.h"
#include "core/district_state.h"
#include "core/incident_workflow.h"
#include "core/json_support.h"
#include "support/jurisdiction_squares.h"

namespace pingan {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kT0 = FromMillis(1'790'000'000'000);

using test::Square;

class CaseStateTest : public testing::Test {
 protected:
  void SetUp() override {
    Ok(DefineJurisdictions{
        {Square("B", "", JurisdictionLevel::kBureau, 121, 37, 121.2, 37.1),
         Square("S1", "B", JurisdictionLevel::kStation, 121, 37, 121.1, 37.1),
         Square("S2", "B", JurisdictionLevel::kStation, 121.1, 37, 121.2, 37.1)}});
    unit_ =
        Ok(CreateUnit{"P-01", Force::kPatrol, TravelMode::kCar, "S2", {}, UnitStatus::kAvailable})
            .id;
  }

  CommandOutcome Ok(CommandBody body, std::string actor = "li") {
    auto r = state_.Execute(Command{std::move(actor), std::move(body)}, now_, events_);
    EXPECT_TRUE(r.has_value()) << r.error().field << ": " << r.error().message;
    return r.has_value() ? *r : CommandOutcome{};
  }
  Error Refused(CommandBody body) {
    size_t before = events_.size();
    auto r = state_.Execute(Command{"li", std::move(body)}, now_, events_);
    EXPECT_FALSE(r.has_value());
    EXPECT_EQ(events_.size(), before) << "a refused command must emit nothing";
    return r.has_value() ? Error{} : r.error();
  }

  // An incident in S2's area, handled by P-01 and closed `how` ("close" or "cancel").
  IncidentId HandledIncident(std::string phone = "13812345678", std::string how = "close") {
    CreateIncident c;
    c.category = "criminal";
    c.subtype = "theft";
    c.location = LonLat{121.15, 37.05};
    c.caller_phone = std::move(phone);
    IncidentId id = Ok(c).id;
    if (how == "cancel") {
      Ok(IncidentAction{id, "cancel", {}, "duplicate call", "duplicate", ""});
      return id;
    }
    IncidentAction a{id, "dispatch", unit_, "", "", ""};
    Ok(a);
    a.action = "arrive";
    Ok(a);
    a.action = how;
    a.unit_id.reset();
    a.disposition = "resolved";
    a.note = "reason";
    Ok(a);
    return id;
  }

  std::vector<const CaseRecord*> CasesOf(IncidentId incident, std::string_view kind) {
    std::vector<const CaseRecord*> out;
    for (CaseId id = 1; state_.FindCase(id) != nullptr; ++id) {
      const CaseRecord* c = state_.FindCase(id);
      if (c->incident_id == incident && c->kind == kind) out.push_back(c);
    }
    return out;
  }

  DistrictState state_{IncidentWorkflow(), cases::DefaultCaseCatalog(minutes(30))};
  std::vector<Event> events_;
  UnitId unit_ = 0;
  TimePoint now_ = kT0;
};

TEST_F(CaseStateTest, ClosingAnIncidentSchedulesOneCallbackAtItsStation) {
  IncidentId id = HandledIncident();
  auto callbacks = CasesOf(id, "callback");
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0]->state, "scheduled");
  EXPECT_EQ(callbacks[0]->station_id, "S2");
  EXPECT_EQ(callbacks[0]->fields.at("send_at").get<long long>(), ToMillis(kT0 + minutes(30)));
  EXPECT_EQ(events_.back().type, "case.opened");
  EXPECT_EQ(events_.back().stream, "case/1");

  // Reopened and closed again while the callback is still open: no second callback.
  Ok(IncidentAction{id, "reopen", {}, "caller rang again", "", ""});
  IncidentAction a{id, "dispatch", unit_, "", "", ""};
  Ok(a);
  a.action = "arrive";
  Ok(a);
  a.action = "close";
  a.unit_id.reset();
  a.disposition = "resolved";
  Ok(a);
  EXPECT_EQ(CasesOf(id, "callback").size(), 1u);
}

TEST_F(CaseStateTest, NoCallbackWithoutACallerOrForACancelledIncident) {
  EXPECT_TRUE(CasesOf(HandledIncident(""), "callback").empty());
  EXPECT_TRUE(CasesOf(HandledIncident("13812345678", "cancel"), "callback").empty());
}

TEST_F(CaseStateTest, DissatisfiedAnswerOpensARectificationOrderThatClosesOnSignOff) {
  IncidentId id = HandledIncident();
  CaseId callback = CasesOf(id, "callback")[0]->id;
  Ok(CaseAction{callback, "send_sms", {{"to", "138****5678"}}}, "system");
  now_ += hours(2);
  Ok(CaseAction{callback, "reply", {{"satisfaction", "3"}, {"text", "3 没人管"}}}, "system");
  EXPECT_EQ(state_.FindCase(callback)->state, "answered");

  auto orders = CasesOf(id, "rectification");
  ASSERT_EQ(orders.size(), 1u);
  const CaseId order = orders[0]->id;
  EXPECT_EQ(orders[0]->station_id, "S2");
  EXPECT_EQ(orders[0]->parent_id, callback);
  EXPECT_EQ(orders[0]->state, "open");

  // Nothing closes without its written reply and the supervisor's verdict.
  EXPECT_EQ(Refused(CaseAction{order, "reply", {{"reply", ""}}}).field, "reply");
  EXPECT_EQ(Refused(CaseAction{order, "sign_off", {{"verdict", "accepted"}}}).code,
            ErrorCode::kConflict);
  Ok(CaseAction{order, "reply", {{"reply", "已回访当事人并道歉，加强巡逻"}}}, "s2_chief");
  EXPECT_EQ(Refused(CaseAction{order, "sign_off", {{"verdict", "fine"}}}).field, "verdict");
  Ok(CaseAction{order, "sign_off", {{"verdict", "accepted"}}}, "supervisor");
  EXPECT_EQ(state_.FindCase(order)->state, "closed");
  EXPECT_TRUE(state_.FindCase(order)->closed_at.has_value());

  // Satisfied answers open nothing.
  IncidentId other = HandledIncident("13900001111");
  CaseId happy = CasesOf(other, "callback")[0]->id;
  Ok(CaseAction{happy, "send_sms", {{"to", "139****1111"}}});
  Ok(CaseAction{happy, "reply", {{"satisfaction", "1"}}});
  EXPECT_TRUE(CasesOf(other, "rectification").empty());
}

TEST_F(CaseStateTest, UnansweredCallbackEscalatesToAReminderThenAPhoneTaskOnce) {
  IncidentId id = HandledIncident();
  CaseId callback = CasesOf(id, "callback")[0]->id;
  Ok(CaseAction{callback, "send_sms", {{"to", "138****5678"}}});
  auto escalations = [&] {
    size_t n = 0;
    for (const Event& e : events_) n += e.type == "case.escalated";
    return n;
  };
  now_ += hours(23);
  Ok(CheckDeadlines{}, "system");
  EXPECT_EQ(escalations(), 0u);
  now_ += hours(2);
  Ok(CheckDeadlines{}, "system");
  Ok(CheckDeadlines{}, "system");
  ASSERT_EQ(escalations(), 1u);
  EXPECT_EQ(events_.back().data.at("notify"), "sms_reminder");
  now_ += hours(24);
  Ok(CheckDeadlines{}, "system");
  ASSERT_EQ(escalations(), 2u);
  EXPECT_EQ(events_.back().data.at("notify"), "phone_task");
  EXPECT_EQ(state_.FindCase(callback)->slas[0].escalation_level, 2);
  now_ += hours(240);
  Ok(CheckDeadlines{}, "system");
  EXPECT_EQ(escalations(), 2u);
}

TEST_F(CaseStateTest, CaseCommandsAreCheckedBeforeAnythingIsWritten) {
  EXPECT_EQ(Refused(CreateCase{"parking", "S1", 3, 0, 0, {}, {}}).field, "kind");
  EXPECT_EQ(Refused(CreateCase{"dispute", "S9", 3, 0, 0, {}, {}}).field, "station_id");
  EXPECT_EQ(Refused(CreateCase{"dispute", "S1", 7, 0, 0, {}, {}}).field, "priority");
  EXPECT_EQ(Refused(CreateCase{"dispute", "S1", 3, 999, 0, {}, {}}).field, "incident_id");
  EXPECT_EQ(Refused(CreateCase{"dispute", "", 3, 0, 0, LonLat{200, 37}, {}}).field, "location");
  EXPECT_EQ(Refused(CreateCase{"fund_warning", "S1", 1, 0, 0, {}, {{"outcome", "maybe"}}}).field,
            "outcome");
  EXPECT_EQ(Refused(CaseAction{42, "assign", {}}).code, ErrorCode::kNotFound);
  CaseId dispute = Ok(CreateCase{"dispute", "", 3, 0, 0, LonLat{121.05, 37.05}, {}}).id;
  EXPECT_EQ(state_.FindCase(dispute)->station_id, "S1");  // found from where it is
  EXPECT_EQ(Refused(CaseAction{dispute, "resolve", {{"agreement", "x"}}}).code,
            ErrorCode::kConflict);
  EXPECT_EQ(Refused(CaseAction{dispute, "assign", {{"station_id", "S9"}, {"mediator", "m"}}}).field,
            "station_id");
  EXPECT_EQ(Refused(CaseAction{dispute, "assign", {}}).field, "mediator");
}

TEST_F(CaseStateTest, SeveralCasesOpenTogetherOrNotAtAll) {
  CreateCase good{"fund_warning", "S1", 1, 0, 0, {}, {{"victim_phone", "13800000001"}}};
  CreateCase bad = good;
  bad.station_id = "S9";
  EXPECT_EQ(Refused(CreateCases{{good, good, bad}}).field, "cases[2].station_id");
  EXPECT_EQ(state_.FindCase(1), nullptr) << "nothing of a refused batch is opened";
  EXPECT_EQ(Refused(CreateCases{}).field, "cases");

  CreateCase located{"fund_warning", "", 1, 0, 0, LonLat{121.15, 37.05}, {}};
  CommandOutcome opened = Ok(CreateCases{{good, located, good}});
  ASSERT_EQ(opened.id, 1);
  // Consecutive ids, each case as CreateCase would open it, one case.opened event each.
  EXPECT_EQ(state_.FindCase(2)->station_id, "S2");
  EXPECT_EQ(state_.FindCase(3)->fields["victim_phone"], "13800000001");
  EXPECT_EQ(state_.FindCase(4), nullptr);
  EXPECT_EQ(std::count_if(events_.begin(), events_.end(),
                          [](const Event& e) { return e.type == "case.opened"; }),
            3);
}

TEST_F(CaseStateTest, ReplayAndCheckpointRebuildTheSameCases) {
  IncidentId id = HandledIncident();
  CaseId callback = CasesOf(id, "callback")[0]->id;
  Ok(CaseAction{callback, "send_sms", {{"to", "138****5678"}}});
  Ok(CaseAction{callback, "reply", {{"satisfaction", "3"}}});
  Ok(CreateCase{"fund_warning", "S1", 1, 0, 0, {}, {{"fraud_type", "刷单"}}});
  now_ += hours(30);
  Ok(CheckDeadlines{}, "system");
  auto catalog = cases::DefaultCaseCatalog(minutes(30));

  DistrictState replayed(IncidentWorkflow(), catalog);
  for (const Event& e : events_) replayed.Apply(e);
  EXPECT_EQ(replayed.ToCheckpoint(), state_.ToCheckpoint());

  auto restored = DistrictState::FromCheckpoint(state_.ToCheckpoint(), IncidentWorkflow(), catalog);
  ASSERT_TRUE(restored.has_value()) << restored.error().message;
  EXPECT_EQ((*restored)->ToCheckpoint(), state_.ToCheckpoint());
  // The escalation queue is rebuilt: the warning's next level still fires exactly once.
  size_t tail = events_.size();
  now_ += hours(1);
  std::vector<Event> after_restore;
  ASSERT_TRUE((*restored)->Execute(Command{"system", CheckDeadlines{}}, now_, after_restore));
  Ok(CheckDeadlines{}, "system");
  ASSERT_EQ(after_restore.size(), events_.size() - tail);
  for (size_t k = 0; k < after_restore.size(); ++k)
    EXPECT_EQ(after_restore[k].data, events_[tail + k].data);
}

}  // namespace
}  // namespace pingan
