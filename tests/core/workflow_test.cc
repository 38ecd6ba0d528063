#include "core/workflow.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/incident_workflow.h"
#include "core/time_format.h"
#include "core/working_calendar.h"

namespace pingan {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = FromMillis(1'790'000'000'000);

bool HasAll(std::string_view) {
  return true;
}

// Every (state, action) pair of the incident workflow and what it must do: a new state, "="
// for "allowed, state unchanged", or "409" for refused. Written out by hand, not derived from
// the definition, so a change to the declaration that breaks the lifecycle fails here.
struct Row {
  const char* state;
  const char* action;
  const char* expected;
};

constexpr Row kIncidentTable[] = {
    {"received", "dispatch", "dispatched"},
    {"received", "en_route", "409"},
    {"received", "arrive", "409"},
    {"received", "clear", "409"},
    {"received", "handle", "409"},
    {"received", "close", "409"},
    {"received", "cancel", "cancelled"},
    {"received", "reopen", "409"},
    {"received", "transfer", "="},
    {"received", "note", "="},

    {"dispatched", "dispatch", "="},
    {"dispatched", "en_route", "="},
    {"dispatched", "arrive", "on_scene"},
    {"dispatched", "clear", "="},
    {"dispatched", "handle", "409"},
    {"dispatched", "close", "409"},
    {"dispatched", "cancel", "cancelled"},
    {"dispatched", "reopen", "409"},
    {"dispatched", "transfer", "="},
    {"dispatched", "note", "="},

    {"on_scene", "dispatch", "="},
    {"on_scene", "en_route", "="},
    {"on_scene", "arrive", "="},
    {"on_scene", "clear", "="},
    {"on_scene", "handle", "handling"},
    {"on_scene", "close", "closed"},
    {"on_scene", "cancel", "409"},
    {"on_scene", "reopen", "409"},
    {"on_scene", "transfer", "="},
    {"on_scene", "note", "="},

    {"handling", "dispatch", "="},
    {"handling", "en_route", "="},
    {"handling", "arrive", "="},
    {"handling", "clear", "="},
    {"handling", "handle", "409"},
    {"handling", "close", "closed"},
    {"handling", "cancel", "409"},
    {"handling", "reopen", "409"},
    {"handling", "transfer", "="},
    {"handling", "note", "="},

    {"closed", "dispatch", "409"},
    {"closed", "en_route", "409"},
    {"closed", "arrive", "409"},
    {"closed", "clear", "409"},
    {"closed", "handle", "409"},
    {"closed", "close", "409"},
    {"closed", "cancel", "409"},
    {"closed", "reopen", "received"},
    {"closed", "transfer", "409"},
    {"closed", "note", "="},

    {"cancelled", "dispatch", "409"},
    {"cancelled", "en_route", "409"},
    {"cancelled", "arrive", "409"},
    {"cancelled", "clear", "409"},
    {"cancelled", "handle", "409"},
    {"cancelled", "close", "409"},
    {"cancelled", "cancel", "409"},
    {"cancelled", "reopen", "received"},
    {"cancelled", "transfer", "409"},
    {"cancelled", "note", "="},
};

class IncidentTransitionTest : public testing::TestWithParam<Row> {};

TEST_P(IncidentTransitionTest, FollowsTheLifecycleTable) {
  const Row& row = GetParam();
  WorkflowDefinition def = IncidentWorkflow();
  auto t = ResolveTransition(def, row.state, row.action, HasAll);
  std::string expected = row.expected;
  if (expected == "409") {
    ASSERT_FALSE(t.has_value()) << row.state << " + " << row.action;
    EXPECT_EQ(t.error().code, ErrorCode::kConflict);
    EXPECT_NE(t.error().message.find(row.state), std::string::npos) << t.error().message;
  } else {
    ASSERT_TRUE(t.has_value()) << row.state << " + " << row.action << ": " << t.error().message;
    std::string to = (*t)->to.empty() ? std::string(row.state) : (*t)->to;
    EXPECT_EQ(to, expected == "=" ? std::string(row.state) : expected);
  }
}

INSTANTIATE_TEST_SUITE_P(AllPairs, IncidentTransitionTest, testing::ValuesIn(kIncidentTable));

TEST(IncidentWorkflow, TheTableCoversEveryStateAndAction) {
  WorkflowDefinition def = IncidentWorkflow();
  EXPECT_EQ(std::size(kIncidentTable), def.states.size() * def.Actions().size());
}

TEST(IncidentWorkflow, ClosingAnUndispatchedIncidentIsRefused) {
  auto t = ResolveTransition(IncidentWorkflow(), "received", "close", HasAll);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kConflict);
  EXPECT_EQ(t.error().message, "cannot close a received incident");
}

TEST(IncidentWorkflow, MissingRequiredFieldIsNamed) {
  auto t = ResolveTransition(IncidentWorkflow(), "on_scene", "close",
                             [](std::string_view field) { return field != "disposition"; });
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(t.error().field, "disposition");
}

TEST(IncidentWorkflow, UnknownActionListsTheKnownOnes) {
  auto t = ResolveTransition(IncidentWorkflow(), "received", "teleport", HasAll);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(t.error().field, "action");
  EXPECT_NE(t.error().message.find("dispatch"), std::string::npos);
}

// Another case kind declared in a few lines: the mechanism is not incident-specific.
WorkflowDefinition CallbackLikeWorkflow() {
  return {.kind = "callback",
          .initial = "scheduled",
          .states = {{"scheduled", false}, {"answered", true}, {"unreachable", true}},
          .transitions = {{"answer", {"scheduled"}, "answered", {"note"}},
                          {"give_up", {"scheduled"}, "unreachable", {}}},
          .slas = {{"answer", {"answered"}, {seconds(3600)}, {{seconds(0), "station"}}}}};
}

TEST(Workflow, AnotherCaseKindReusesTheMechanism) {
  WorkflowDefinition def = CallbackLikeWorkflow();
  auto answer = ResolveTransition(def, "scheduled", "answer", HasAll);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ((*answer)->to, "answered");
  auto again = ResolveTransition(def, "answered", "answer", HasAll);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().message, "cannot answer a answered callback");

  std::vector<SlaTimer> timers = StartSlaTimers(def, /*priority=*/3, kT0);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].deadline, kT0 + seconds(3600));  // one deadline serves every priority
}

TEST(Sla, DeadlinesDependOnPriority) {
  WorkflowDefinition def = IncidentWorkflow();
  auto p1 = StartSlaTimers(def, 1, kT0);
  auto p4 = StartSlaTimers(def, 4, kT0);
  ASSERT_EQ(p1.size(), 2u);
  EXPECT_EQ(p1[0].name, "dispatch");
  EXPECT_EQ(p1[0].deadline, kT0 + seconds(60));
  EXPECT_EQ(p1[1].name, "arrival");
  EXPECT_EQ(p1[1].deadline, kT0 + seconds(300));
  EXPECT_EQ(p4[0].deadline, kT0 + seconds(1800));
}

TEST(Sla, EscalatesAtTheDeadlineThenToTheNextLevel) {
  WorkflowDefinition def = IncidentWorkflow();
  auto timers = StartSlaTimers(def, 1, kT0);
  EXPECT_TRUE(DueEscalations(def, timers, kT0 + seconds(59)).empty());
  EXPECT_EQ(NextEscalationAt(def, timers), kT0 + seconds(60));

  auto due = DueEscalations(def, timers, kT0 + seconds(60));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].timer_index, 0u);
  EXPECT_EQ(due[0].level, 1);
  EXPECT_EQ(due[0].notify, "duty_chief");
  timers[0].escalation_level = 1;

  // Level 2 of dispatch fires 120 s after its deadline; arrival's level 1 at 300 s.
  due = DueEscalations(def, timers, kT0 + seconds(300));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].due_at, kT0 + seconds(180));
  EXPECT_EQ(due[0].notify, "command_centre");
  EXPECT_EQ(due[1].timer_index, 1u);
  EXPECT_TRUE(IsOverdue(timers[0], kT0 + seconds(61)));
}

TEST(Sla, MeetingTheDeadlineStopsEscalation) {
  WorkflowDefinition def = IncidentWorkflow();
  auto timers = StartSlaTimers(def, 1, kT0);
  OnStateEntered(def, timers, "dispatched", kT0 + seconds(30));
  EXPECT_EQ(timers[0].met_at, kT0 + seconds(30));
  EXPECT_FALSE(timers[1].met_at.has_value());
  EXPECT_FALSE(IsOverdue(timers[0], kT0 + seconds(1000)));
  auto due = DueEscalations(def, timers, kT0 + seconds(1000));
  ASSERT_EQ(due.size(), 2u);  // arrival still late, at both levels
  EXPECT_EQ(due[0].timer_index, 1u);
}

TEST(Sla, MetLateStaysOverdueForTheRecord) {
  WorkflowDefinition def = IncidentWorkflow();
  auto timers = StartSlaTimers(def, 1, kT0);
  OnStateEntered(def, timers, "dispatched", kT0 + seconds(90));
  EXPECT_TRUE(IsOverdue(timers[0], kT0 + seconds(90)));
  EXPECT_TRUE(DueEscalations(def, timers, kT0 + seconds(1000)).size() == 2u);
}

TEST(Sla, CancellingVoidsUnmetDeadlines) {
  WorkflowDefinition def = IncidentWorkflow();
  auto timers = StartSlaTimers(def, 1, kT0);
  OnStateEntered(def, timers, "cancelled", kT0 + seconds(10));
  EXPECT_TRUE(timers[0].is_void);
  EXPECT_TRUE(timers[1].is_void);
  EXPECT_TRUE(DueEscalations(def, timers, kT0 + seconds(10000)).empty());
  EXPECT_FALSE(NextEscalationAt(def, timers).has_value());
}

TEST(Sla, OverridesReplaceDeadlinesAndEscalation) {
  WorkflowDefinition def = IncidentWorkflow();
  auto overrides = nlohmann::json::parse(R"({"dispatch": {"by_priority_s": [30, 90],
      "escalation": [{"after_s": 0, "notify": "chief"}]}})");
  ASSERT_TRUE(ApplySlaOverrides(def, overrides).has_value());
  EXPECT_EQ(SlaDeadline(def.slas[0], 1), seconds(30));
  EXPECT_EQ(SlaDeadline(def.slas[0], 4), seconds(90));  // last entry covers the rest
  ASSERT_EQ(def.slas[0].escalation.size(), 1u);
  EXPECT_EQ(def.slas[0].escalation[0].notify, "chief");
}

TEST(Sla, BadOverridesNameTheField) {
  WorkflowDefinition def = IncidentWorkflow();
  auto status = ApplySlaOverrides(def, nlohmann::json::parse(R"({"lunch": {}})"));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().field, "incident.lunch");
  status = ApplySlaOverrides(def, nlohmann::json::parse(R"({"dispatch": {"by_priority_s": [0]}})"));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().field, "incident.dispatch.by_priority_s");
  EXPECT_EQ(SlaDeadline(def.slas[0], 1), seconds(60));  // unchanged after a refusal
}

// ---------------------------------------------------------------------------------------------
// Working days (working_calendar.h)

std::chrono::sys_days Day(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(std::chrono::year_month_day{
      std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)});
}

TEST(WorkingCalendar, CountsWholeDistrictDaysAfterTheDayOfReceipt) {
  WorkingCalendar weekdays;
  EXPECT_TRUE(weekdays.IsWorkingDay(Day(2026, 11, 20)));   // Friday
  EXPECT_FALSE(weekdays.IsWorkingDay(Day(2026, 11, 21)));  // Saturday
  EXPECT_FALSE(weekdays.IsWorkingDay(Day(2026, 11, 22)));  // Sunday
  // Friday 23:30 in the district is still Friday, though UTC says 15:30: Mon, Tue, Wed.
  const TimePoint friday_night = DistrictDayStart(Day(2026, 11, 21)) - std::chrono::minutes(30);
  EXPECT_EQ(DistrictDayOf(friday_night), Day(2026, 11, 20));
  EXPECT_EQ(weekdays.EndOfWorkingDaysAfter(friday_night, 3), DistrictDayStart(Day(2026, 11, 26)));
  // Saturday 00:10 counts the same three days.
  EXPECT_EQ(weekdays.EndOfWorkingDaysAfter(friday_night + std::chrono::minutes(40), 3),
            DistrictDayStart(Day(2026, 11, 26)));
  // A day's 00:00 is 16:00 UTC the day before.
  EXPECT_EQ(FormatIso8601(DistrictDayStart(Day(2026, 11, 26))), "2026-11-25T16:00:00.000Z");
}

TEST(WorkingCalendar, HolidaysAndWorkedWeekendsComeFromConfiguration) {
  // The 2026 Spring Festival: 15–23 February off, Saturday 14 and 28 February worked.
  auto calendar = WorkingCalendar::FromJson(nlohmann::json::parse(R"({
      "holidays": ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
                   "2026-02-23"],
      "workdays": ["2026-02-14", "2026-02-28"]})"));
  ASSERT_TRUE(calendar) << calendar.error().message;
  EXPECT_TRUE(calendar->IsWorkingDay(Day(2026, 2, 14)));
  EXPECT_FALSE(calendar->IsWorkingDay(Day(2026, 2, 16)));
  // Received Friday 13 February: Saturday 14, then Tuesday 24 and Wednesday 25.
  EXPECT_EQ(calendar->EndOfWorkingDaysAfter(DistrictDayStart(Day(2026, 2, 13)), 3),
            DistrictDayStart(Day(2026, 2, 26)));
  EXPECT_EQ(calendar->ToJson()["workdays"], nlohmann::json({"2026-02-14", "2026-02-28"}));

  auto bad = [](const char* text) {
    auto c = WorkingCalendar::FromJson(nlohmann::json::parse(text));
    return c ? std::string("accepted") : c.error().field;
  };
  EXPECT_EQ(bad(R"({"holidays": ["2026-02-16", "2026-02-30"]})"), "holidays[1]");
  EXPECT_EQ(bad(R"({"holidays": ["16/02/2026"]})"), "holidays[0]");
  EXPECT_EQ(bad(R"({"workdays": "2026-02-14"})"), "workdays");
  EXPECT_EQ(bad(R"({"holiday": []})"), "holiday");
  EXPECT_EQ(bad(R"({"holidays": ["2026-02-14"], "workdays": ["2026-02-14"]})"), "workdays");
  EXPECT_EQ(bad(R"([])"), "working_calendar");
}

TEST(Sla, ARuleInWorkingDaysIgnoresPriorityAndShowsItsCalendar) {
  WorkflowDefinition def = IncidentWorkflow();
  ASSERT_TRUE(
      ApplySlaOverrides(def, nlohmann::json::parse(R"({"dispatch": {"working_days": 1}})")));
  const TimePoint monday_noon = DistrictDayStart(Day(2026, 11, 23)) + std::chrono::hours(12);
  for (int priority : {1, 4}) {
    EXPECT_EQ(StartSlaTimers(def, priority, monday_noon)[0].deadline,
              DistrictDayStart(Day(2026, 11, 25)));
  }
  nlohmann::json shown = WorkflowToJson(def)["slas"][0];
  EXPECT_EQ(shown["working_days"], 1);
  EXPECT_EQ(shown["calendar"]["holidays"], nlohmann::json::array());
}

}  // namespace
}  // namespace pingan
