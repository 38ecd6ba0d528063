#include "cases/case_kinds.h"

namespace pingan::cases {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

}  // namespace

const CaseKind& CallbackKind() {
  static const CaseKind kind{
      .workflow =
          {
              .kind = "callback",
              .initial = "scheduled",
              .states = {{"scheduled", false},
                         {"sms_sent", false},
                         {"phone_task", false},
                         {"answered", true},
                         {"unreachable", true},
                         {"cancelled", true}},
              .transitions =
                  {
                      {"send_sms", {"scheduled"}, "sms_sent", {"to"}},
                      {"remind", {"sms_sent"}, "", {"to"}},
                      {"reply", {"sms_sent", "phone_task"}, "answered", {"satisfaction"}},
                      {"assign_phone", {"scheduled", "sms_sent"}, "phone_task", {}},
                      {"call", {"phone_task"}, "answered", {"satisfaction", "note"}},
                      {"unreachable", {"phone_task"}, "unreachable", {"note"}},
                      {"cancel", {"scheduled", "sms_sent", "phone_task"}, "cancelled", {"reason"}},
                      {"note",
                       {"scheduled", "sms_sent", "phone_task", "answered", "unreachable"},
                       "",
                       {"note"}},
                  },
              .slas = {{.name = "answer",
                        .met_in = {"answered", "unreachable"},
                        .by_priority = {hours(24)},
                        .escalation = {{seconds(0), "sms_reminder"}, {hours(24), "phone_task"}}}},
          },
      .label = "回访",
      .choices = {{"satisfaction", {"1", "2", "3"}}},
      .owner_in_state = {{"scheduled", "system"},
                         {"sms_sent", "system"},
                         {"phone_task", "callback_clerk"}},
      .follow_ons = {{"reply", "satisfaction", "3", "rectification"},
                     {"call", "satisfaction", "3", "rectification"}},
  };
  return kind;
}

const CaseKind& RectificationKind() {
  static const CaseKind kind{
      .workflow =
          {
              .kind = "rectification",
              .initial = "open",
              .states = {{"open", false}, {"replied", false}, {"closed", true}},
              .transitions =
                  {
                      {"reply", {"open"}, "replied", {"reply"}},
                      {"sign_off", {"replied"}, "closed", {"verdict"}},
                      {"send_back", {"replied"}, "open", {"note"}},
                      {"note", {"open", "replied", "closed"}, "", {"note"}},
                  },
              .slas =
                  {{.name = "reply",
                    .met_in = {"replied", "closed"},
                    .by_priority = {hours(72)},
                    .escalation = {{seconds(0), "station_chief"},
                                   {hours(24), "bureau_supervision"}}},
                   {"sign_off", {"closed"}, {hours(120)}, {{seconds(0), "bureau_supervision"}}}},
          },
      .label = "警情交办单",
      .choices = {{"verdict", {"accepted", "accepted_with_note"}}},
      .owner_in_state = {{"open", "station"}, {"replied", "supervisor"}},
      .follow_ons = {},
  };
  return kind;
}

const CaseKind& RequestKind() {
  static const CaseKind kind{
      .workflow =
          {
              .kind = "request",
              .initial = "received",
              .states = {{"received", false},
                         {"assigned", false},
                         {"responded", false},
                         {"closed", true},
                         {"rejected", true}},
              .transitions =
                  {
                      {"assign", {"received", "assigned"}, "assigned", {"station_id"}},
                      {"respond", {"assigned", "responded"}, "responded", {"response"}},
                      {"close", {"responded"}, "closed", {"result"}},
                      {"reject", {"received"}, "rejected", {"reason"}},
                      {"reopen", {"closed"}, "assigned", {"note"}},
                      {"note",
                       {"received", "assigned", "responded", "closed", "rejected"},
                       "",
                       {"note"}},
                  },
              .slas = {{.name = "first_response",
                        .met_in = {"responded", "closed"},
                        .by_priority = {hours(1)},
                        .escalation = {{seconds(0), "duty_desk"}, {minutes(30), "station_chief"}}},
                       // 3个工作日内办结: the end of the third working day after receipt.
                       {.name = "handled",
                        .met_in = {"closed"},
                        .by_priority = {hours(72)},  // used only if configured in seconds
                        .escalation = {{seconds(0), "station_chief"},
                                       {hours(24), "bureau_supervision"}},
                        .working_days = 3}},
          },
      .label = "接诉即办",
      .choices = {{"result", {"resolved", "explained", "referred", "duplicate"}}},
      .owner_in_state = {{"received", "duty_desk"},
                         {"assigned", "station"},
                         {"responded", "station"}},
      .follow_ons = {},
  };
  return kind;
}

const CaseKind& FundWarningKind() {
  static const CaseKind kind{
      .workflow =
          {
              .kind = "fund_warning",
              .initial = "received",
              .states = {{"received", false}, {"contacted", false}, {"closed", true}},
              .transitions =
                  {
                      {"assign", {"received", "contacted"}, "", {"station_id"}},
                      {"contact", {"received"}, "contacted", {"contact_method"}},
                      {"record_outcome", {"contacted"}, "closed", {"outcome"}},
                      // Not reached at all: closed without contact, saying so.
                      {"record_outcome", {"received"}, "closed", {"outcome", "note"}},
                      {"note", {"received", "contacted", "closed"}, "", {"note"}},
                  },
              // Met only by contact: a warning closed unreached voids it rather than meets it.
              .slas = {{.name = "contact",
                        .met_in = {"contacted"},
                        .by_priority = {minutes(10)},
                        .escalation = {{seconds(0), "anti_fraud_centre"},
                                       {minutes(20), "bureau_duty_chief"}}}},
          },
      .label = "预警劝阻",
      .choices = {{"outcome", {"dissuaded", "already_paid", "not_reached", "false_alarm"}},
                  {"contact_method", {"phone", "visit", "sms", "video"}}},
      .owner_in_state = {{"received", "station"}, {"contacted", "station"}},
      .follow_ons = {},
  };
  return kind;
}

const CaseKind& HazardKind() {
  static const CaseKind kind{
      .workflow =
          {
              .kind = "hazard",
              .initial = "open",
              .states = {{"open", false}, {"rectified", false}, {"closed", true}},
              .transitions =
                  {
                      {"rectify", {"open"}, "rectified", {"rectification"}},
                      {"reinspect_pass", {"rectified"}, "closed", {"inspector"}},
                      {"reinspect_fail", {"rectified"}, "open", {"inspector", "note"}},
                      {"note", {"open", "rectified", "closed"}, "", {"note"}},
                  },
              .slas = {{.name = "rectify",
                        .met_in = {"rectified", "closed"},
                        .by_priority = {hours(24), hours(72), hours(168)},
                        .escalation = {{seconds(0), "station_chief"}}}},
          },
      .label = "隐患",
      .choices = {},
      .owner_in_state = {{"open", "place"}, {"rectified", "station"}},
      .follow_ons = {},
  };
  return kind;
}

const CaseKind& DisputeKind() {
  static const CaseKind kind{
      .workflow =
          {
              .kind = "dispute",
              .initial = "registered",
              .states = {{"registered", false},
                         {"mediating", false},
                         {"resolved", true},
                         {"referred", true}},
              .transitions =
                  {
                      {"assign", {"registered", "mediating"}, "mediating", {"mediator"}},
                      {"resolve", {"mediating"}, "resolved", {"agreement"}},
                      {"refer", {"registered", "mediating"}, "referred", {"referred_to"}},
                      {"note", {"registered", "mediating", "resolved", "referred"}, "", {"note"}},
                  },
              .slas = {{.name = "mediation",
                        .met_in = {"resolved", "referred"},
                        .by_priority = {hours(24 * 15)},
                        .escalation = {{seconds(0), "station_chief"}}}},
          },
      .label = "纠纷",
      .choices = {{"referred_to", {"court", "people_mediation", "labour_arbitration", "other"}}},
      .owner_in_state = {{"registered", "station"}, {"mediating", "mediator"}},
      .follow_ons = {},
  };
  return kind;
}

const std::vector<const CaseKind*>& CaseKinds() {
  static const std::vector<const CaseKind*> kinds = {&CallbackKind(), &RectificationKind(),
                                                     &RequestKind(),  &FundWarningKind(),
                                                     &HazardKind(),   &DisputeKind()};
  return kinds;
}

const CaseKind* FindCaseKind(std::string_view kind) {
  for (const CaseKind* k : CaseKinds())
    if (k->workflow.kind == kind) return k;
  return nullptr;
}

CaseCatalog DefaultCaseCatalog(std::chrono::seconds callback_delay) {
  CaseCatalog catalog;
  for (const CaseKind* kind : CaseKinds()) catalog.kinds.push_back(*kind);
  catalog.on_incident_closed = CallbackKind().workflow.kind;
  catalog.callback_delay = callback_delay;
  return catalog;
}

}  // namespace pingan::cases
