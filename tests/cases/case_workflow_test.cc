// Every case kind on the one workflow mechanism, driven with made-up times: deadlines,
// reminders, escalation, sign-off, and nothing closing without its required fields.
#include <memory>

#include <gtest/gtest.h>

#include "cases/case_kinds.h"
#include "core/case_record.h"

namespace pingan::cases {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const TimePoint t0 = TimePoint{} + std::chrono::days(20000);

CaseRecord Open(const CaseKind& kind, nlohmann::json fields = nlohmann::json::object(),
                TimePoint at = t0) {
  OpenCaseRequest request;
  request.id = 1;
  request.station_id = "cb";
  request.incident_id = 42;
  request.fields = std::move(fields);
  auto record = OpenCase(kind, request, at);
  EXPECT_TRUE(record) << record.error().message;
  return *record;
}

// Applies and expects success.
void Act(const CaseKind& kind, CaseRecord& c, std::string_view action, nlohmann::json fields,
         TimePoint at) {
  auto ok = ApplyCaseAction(kind, c, action, fields, "tester", at);
  ASSERT_TRUE(ok) << action << ": " << ok.error().field << ": " << ok.error().message;
}

// Applies and expects an error naming `field`; the record must not change.
void Refused(const CaseKind& kind, CaseRecord& c, std::string_view action, nlohmann::json fields,
             const std::string& field) {
  const std::string state = c.state;
  const size_t events = c.timeline.size();
  const nlohmann::json before = c.fields;
  auto ok = ApplyCaseAction(kind, c, action, fields, "tester", t0 + hours(1));
  ASSERT_FALSE(ok) << action;
  EXPECT_EQ(ok.error().field, field) << ok.error().message;
  EXPECT_EQ(c.state, state);
  EXPECT_EQ(c.timeline.size(), events);
  EXPECT_EQ(c.fields, before);
}

std::vector<std::string> Notified(const std::vector<DueEscalation>& due) {
  std::vector<std::string> out;
  for (const auto& d : due) out.push_back(d.notify);
  return out;
}

TEST(CaseKinds, AreAllDeclaredAndConsistent) {
  ASSERT_EQ(CaseKinds().size(), 6u);
  for (const CaseKind* kind : CaseKinds()) {
    const WorkflowDefinition& w = kind->workflow;
    SCOPED_TRACE(w.kind);
    EXPECT_EQ(FindCaseKind(w.kind), kind);
    ASSERT_NE(w.FindState(w.initial), nullptr);
    for (const auto& t : w.transitions) {
      for (const auto& from : t.from) EXPECT_NE(w.FindState(from), nullptr) << t.action;
      if (!t.to.empty()) {
        EXPECT_NE(w.FindState(t.to), nullptr) << t.action;
      }
    }
    for (const auto& sla : w.slas)
      for (const auto& s : sla.met_in) EXPECT_NE(w.FindState(s), nullptr) << sla.name;
    for (const auto& state : w.states)
      if (!state.is_terminal) {
        EXPECT_TRUE(kind->owner_in_state.contains(state.name)) << state.name;
      }
    EXPECT_FALSE(kind->label.empty());
  }
  EXPECT_EQ(FindCaseKind("parking_ticket"), nullptr);
}

TEST(CallbackCase, RemindsThenAssignsAPhoneTaskWhenNobodyAnswers) {
  const CaseKind& k = CallbackKind();
  CaseRecord c = Open(k);
  EXPECT_EQ(c.state, "scheduled");
  EXPECT_EQ(OwnerOf(k, c), "system");
  Refused(k, c, "send_sms", {}, "to");
  Act(k, c, "send_sms", {{"to", "13800138000"}, {"sms_id", "SIM-1"}}, t0 + minutes(30));
  EXPECT_EQ(c.state, "sms_sent");
  // Nothing due before the 24-hour deadline.
  EXPECT_TRUE(TakeDueEscalations(k, c, t0 + hours(23)).empty());
  EXPECT_FALSE(IsOverdue(c, t0 + hours(23)));
  // At 24 h: the reminder; at 48 h: the phone task, each once.
  EXPECT_EQ(Notified(TakeDueEscalations(k, c, t0 + hours(24))),
            std::vector<std::string>{"sms_reminder"});
  EXPECT_TRUE(TakeDueEscalations(k, c, t0 + hours(30)).empty());
  EXPECT_TRUE(IsOverdue(c, t0 + hours(30)));
  Act(k, c, "remind", {{"to", "13800138000"}}, t0 + hours(24));
  EXPECT_EQ(c.state, "sms_sent");
  EXPECT_EQ(Notified(TakeDueEscalations(k, c, t0 + hours(49))),
            std::vector<std::string>{"phone_task"});
  Act(k, c, "assign_phone", {}, t0 + hours(49));
  EXPECT_EQ(OwnerOf(k, c), "callback_clerk");
  // A call needs the answer and a note; "unreachable" closes it without one.
  Refused(k, c, "call", {{"satisfaction", "2"}}, "note");
  Refused(k, c, "call", {{"satisfaction", "5"}, {"note", "x"}}, "satisfaction");
  Act(k, c, "call", {{"satisfaction", "2"}, {"note", "基本满意，民警到得快"}}, t0 + hours(50));
  EXPECT_EQ(c.state, "answered");
  EXPECT_FALSE(c.IsOpen());
  EXPECT_EQ(c.fields["satisfaction"], "2");
  EXPECT_EQ(c.slas[0].met_at, t0 + hours(50));
  EXPECT_EQ(OwnerOf(k, c), "");
}

TEST(CallbackCase, AReplyClosesItAndAClosedCallbackTakesNoReply) {
  const CaseKind& k = CallbackKind();
  CaseRecord c = Open(k);
  Refused(k, c, "reply", {{"satisfaction", "3"}}, "status");  // no SMS sent yet
  Act(k, c, "send_sms", {{"to", "13800138000"}}, t0);
  Refused(k, c, "reply", {}, "satisfaction");
  Refused(k, c, "reply", {{"satisfaction", ""}}, "satisfaction");
  Refused(k, c, "reply", {{"satisfaction", "满意"}}, "satisfaction");  // parsed before this
  Refused(k, c, "jump", {}, "action");
  Act(k, c, "reply", {{"satisfaction", "3"}}, t0 + hours(2));
  EXPECT_EQ(c.state, "answered");
  EXPECT_FALSE(IsOverdue(c, t0 + hours(100)));
  EXPECT_TRUE(TakeDueEscalations(k, c, t0 + hours(100)).empty());
  Refused(k, c, "reply", {{"satisfaction", "1"}}, "status");
  ASSERT_EQ(c.timeline.size(), 3u);
  EXPECT_EQ(c.timeline.back().from, "sms_sent");
  EXPECT_EQ(c.timeline.back().to, "answered");
}

TEST(RectificationCase, NeedsAWrittenReplyAndASupervisorsSignOff) {
  const CaseKind& k = RectificationKind();
  CaseRecord c = Open(k, {{"complaint", "出警慢"}});
  EXPECT_EQ(OwnerOf(k, c), "station");
  Refused(k, c, "sign_off", {{"verdict", "accepted"}}, "status");  // no reply yet
  Refused(k, c, "reply", {{"reply", ""}}, "reply");
  // Overdue: the station chief at 72 h, bureau supervision a day later.
  EXPECT_EQ(Notified(TakeDueEscalations(k, c, t0 + hours(97))),
            (std::vector<std::string>{"station_chief", "bureau_supervision"}));
  Act(k, c, "reply", {{"reply", "已约谈当班民警，调整巡区"}}, t0 + hours(98));
  EXPECT_EQ(OwnerOf(k, c), "supervisor");
  EXPECT_TRUE(IsOverdue(c, t0 + hours(98)));  // replied late: stays on the record
  // Sent back: a fresh reply deadline from then.
  Refused(k, c, "send_back", {}, "note");
  Act(k, c, "send_back", {{"note", "请补充整改措施"}}, t0 + hours(100));
  EXPECT_EQ(c.state, "open");
  EXPECT_EQ(c.slas[0].deadline, t0 + hours(172));
  EXPECT_FALSE(c.slas[0].met_at.has_value());
  // The sign-off SLA (120 h from opening) fell due meanwhile; the new reply deadline not yet.
  EXPECT_EQ(Notified(TakeDueEscalations(k, c, t0 + hours(171))),
            std::vector<std::string>{"bureau_supervision"});
  Act(k, c, "reply", {{"reply", "已补充：增加夜间巡逻"}}, t0 + hours(110));
  Refused(k, c, "sign_off", {{"verdict", "fine"}}, "verdict");
  Act(k, c, "sign_off", {{"verdict", "accepted"}}, t0 + hours(111));
  EXPECT_EQ(c.state, "closed");
  EXPECT_EQ(c.closed_at, t0 + hours(111));
  EXPECT_EQ(c.fields["reply"], "已补充：增加夜间巡逻");
}

// 00:00 China Standard Time on that district day.
TimePoint DistrictMidnight(int y, unsigned m, unsigned d) {
  return DistrictDayStart(std::chrono::sys_days(std::chrono::year_month_day{
      std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)}));
}

// t0 is Friday 4 October 2024, 08:00 in the district.
TEST(RequestCase, FirstResponseWithinAnHourAndClosureWithinThreeWorkingDays) {
  const CaseKind& k = RequestKind();
  CaseRecord c = Open(k, {{"text", "小区门口夜间噪音"}});
  EXPECT_EQ(OwnerOf(k, c), "duty_desk");
  Refused(k, c, "respond", {{"response", "x"}}, "status");  // not assigned yet
  Refused(k, c, "assign", {}, "station_id");
  Act(k, c, "assign", {{"station_id", "cn"}}, t0 + minutes(10));
  EXPECT_EQ(c.station_id, "cn");
  EXPECT_EQ(Notified(TakeDueEscalations(k, c, t0 + minutes(95))),
            (std::vector<std::string>{"duty_desk", "station_chief"}));
  Act(k, c, "respond", {{"response", "已联系物业，今晚巡查"}}, t0 + minutes(100));
  EXPECT_EQ(c.slas[0].met_at, t0 + minutes(100));
  // Handled by the end of the third working day after Friday: Wednesday 9 October, 24:00.
  EXPECT_EQ(c.slas[1].deadline, DistrictMidnight(2024, 10, 10));
  Refused(k, c, "close", {{"result", "done"}}, "result");
  Act(k, c, "close", {{"result", "resolved"}}, t0 + hours(50));
  EXPECT_TRUE(IsOverdue(c, t0 + hours(55)));  // the first response came late
  EXPECT_LE(*c.slas[1].met_at, c.slas[1].deadline);
  EXPECT_EQ(c.slas[1].met_at, t0 + hours(50));
  // Reopened on Monday evening: three working days again from then, to Thursday 24:00.
  Act(k, c, "reopen", {{"note", "噪音又出现"}}, t0 + hours(84));
  EXPECT_TRUE(c.IsOpen());
  EXPECT_EQ(c.slas[1].deadline, DistrictMidnight(2024, 10, 11));
}

TEST(RequestCase, WorkingDaysFollowTheBureausHolidayCalendar) {
  // 2024's National Day: 1–7 October off, Saturday 12 October worked in their place.
  auto calendar = WorkingCalendar::FromJson(nlohmann::json::parse(
      R"({"holidays": ["2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-07"],
          "workdays": ["2024-10-12"]})"));
  ASSERT_TRUE(calendar) << calendar.error().message;
  CaseKind k = RequestKind();
  for (SlaRule& rule : k.workflow.slas)
    rule.calendar = std::make_shared<const WorkingCalendar>(*calendar);
  // Received on the holiday Friday: Tuesday, Wednesday, Thursday.
  EXPECT_EQ(Open(k).slas[1].deadline, DistrictMidnight(2024, 10, 11));
  // Received on Wednesday 9 October at 23:59: Thursday, Friday and the Saturday worked.
  CaseRecord late = Open(k, nlohmann::json::object(), DistrictMidnight(2024, 10, 10) - minutes(1));
  EXPECT_EQ(late.slas[1].deadline, DistrictMidnight(2024, 10, 13));
  // The first response is still an hour, holiday or not.
  EXPECT_EQ(late.slas[0].deadline, DistrictMidnight(2024, 10, 10) + minutes(59));
}

TEST(FundWarningCase, ContactWithinTenMinutesOrTheAntiFraudCentreIsTold) {
  const CaseKind& k = FundWarningKind();
  CaseRecord c = Open(k, {{"fraud_type", "刷单返利"}, {"amount_at_risk", 50000}});
  EXPECT_TRUE(TakeDueEscalations(k, c, t0 + minutes(9)).empty());
  EXPECT_EQ(Notified(TakeDueEscalations(k, c, t0 + minutes(10))),
            std::vector<std::string>{"anti_fraud_centre"});
  EXPECT_EQ(Notified(TakeDueEscalations(k, c, t0 + minutes(31))),
            std::vector<std::string>{"bureau_duty_chief"});
  Refused(k, c, "contact", {{"contact_method", "carrier_pigeon"}}, "contact_method");
  Act(k, c, "contact", {{"contact_method", "phone"}}, t0 + minutes(32));
  Refused(k, c, "record_outcome", {}, "outcome");
  Refused(k, c, "record_outcome", {{"outcome", "maybe"}}, "outcome");
  Act(k, c, "record_outcome", {{"outcome", "dissuaded"}, {"money_stopped", 50000}},
      t0 + minutes(40));
  EXPECT_EQ(c.state, "closed");
  EXPECT_TRUE(IsOverdue(c, t0 + hours(1)));  // contacted late, and the record shows it

  // Never reached: closing without contact needs the outcome and a note.
  CaseRecord lost = Open(k);
  Refused(k, lost, "record_outcome", {{"outcome", "not_reached"}}, "note");
  Act(k, lost, "record_outcome", {{"outcome", "not_reached"}, {"note", "三次无人接听"}},
      t0 + minutes(5));
  EXPECT_EQ(lost.state, "closed");
  EXPECT_FALSE(lost.slas[0].met_at.has_value());
  EXPECT_TRUE(lost.slas[0].is_void);  // closed unreached: never met, not counted as late
}

TEST(HazardCase, AFailedReinspectionReopensItWithAFreshDeadline) {
  const CaseKind& k = HazardKind();
  OpenCaseRequest urgent;
  urgent.priority = 1;
  urgent.station_id = "cb";
  auto c = OpenCase(k, urgent, t0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->slas[0].deadline, t0 + hours(24));  // priority 1: a day
  Refused(k, *c, "reinspect_pass", {{"inspector", "wang"}}, "status");
  Act(k, *c, "rectify", {{"rectification", "更换灭火器"}}, t0 + hours(20));
  Refused(k, *c, "reinspect_fail", {{"inspector", "wang"}}, "note");
  Act(k, *c, "reinspect_fail", {{"inspector", "wang"}, {"note", "通道仍堵塞"}}, t0 + hours(30));
  EXPECT_EQ(c->state, "open");
  EXPECT_EQ(c->slas[0].deadline, t0 + hours(54));
  Act(k, *c, "rectify", {{"rectification", "清理通道"}}, t0 + hours(40));
  Act(k, *c, "reinspect_pass", {{"inspector", "wang"}}, t0 + hours(41));
  EXPECT_EQ(c->state, "closed");
  ASSERT_EQ(c->timeline.size(), 5u);

  OpenCaseRequest bad;
  bad.priority = 7;
  EXPECT_EQ(OpenCase(k, bad, t0).error().field, "priority");
}

TEST(DisputeCase, IsMediatedThenResolvedOrReferred) {
  const CaseKind& k = DisputeKind();
  CaseRecord c = Open(k, {{"parties", {"张某", "李某"}}});
  Refused(k, c, "resolve", {{"agreement", "x"}}, "status");
  Act(k, c, "assign", {{"mediator", "社区民警老赵"}}, t0 + hours(1));
  EXPECT_EQ(OwnerOf(k, c), "mediator");
  Refused(k, c, "refer", {{"referred_to", "nowhere"}}, "referred_to");
  Act(k, c, "resolve", {{"agreement", "双方达成赔偿协议"}}, t0 + hours(48));
  EXPECT_EQ(c.state, "resolved");
  EXPECT_FALSE(IsOverdue(c, t0 + hours(24 * 30)));

  CaseRecord other = Open(k);
  EXPECT_EQ(Notified(TakeDueEscalations(k, other, t0 + hours(24 * 15))),
            std::vector<std::string>{"station_chief"});
  Act(k, other, "refer", {{"referred_to", "court"}}, t0 + hours(24 * 16));
  EXPECT_EQ(other.state, "referred");
}

TEST(CaseKinds, DeadlinesAreTheBureausToSet) {
  CaseKind request = RequestKind();  // a copy, configured
  ASSERT_TRUE(ApplySlaOverrides(
      request.workflow, nlohmann::json::parse(R"({"first_response": {"by_priority_s": [1800]}})")));
  CaseRecord c = Open(request);
  EXPECT_EQ(c.slas[0].deadline, t0 + minutes(30));
  EXPECT_EQ(c.slas[1].deadline, DistrictMidnight(2024, 10, 10));
  // Or counted in hours again.
  ASSERT_TRUE(ApplySlaOverrides(
      request.workflow, nlohmann::json::parse(R"({"handled": {"by_priority_s": [172800]}})")));
  EXPECT_EQ(Open(request).slas[1].deadline, t0 + hours(48));
  Status both = ApplySlaOverrides(
      request.workflow,
      nlohmann::json::parse(R"({"handled": {"by_priority_s": [3600], "working_days": 2}})"));
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().field, "request.handled.working_days");
  Status zero = ApplySlaOverrides(request.workflow,
                                  nlohmann::json::parse(R"({"handled": {"working_days": 0}})"));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().field, "request.handled.working_days");
}

}  // namespace
}  // namespace pingan::cases
