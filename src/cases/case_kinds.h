// The case kinds of MISSION S1–S3, I2, I3 and F1 declared as data on the one workflow mechanism
// (core/workflow.h) that incidents use: states, transitions with their required fields, SLAs
// with escalation, and who owns a case in each state. Deadlines are defaults a bureau overrides
// with ApplySlaOverrides (e.g. its own 接诉即办 response times).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/case_record.h"

namespace pingan::cases {

// 回访 callback after a closed incident: scheduled → sms_sent → answered; no answer by the
// deadline (24 h) sends a reminder SMS (escalation "sms_reminder"), 24 h later a phone task
// for a person ("phone_task"); a phone call records the answer or that nobody was reached.
const CaseKind& CallbackKind();

// 警情交办单 rectification order after a dissatisfied answer: open at the station that handled
// the incident → replied (a written reply is required) → closed by a supervisor's sign-off, or
// sent back. Reply within 3 days (escalating to the station chief, then bureau supervision).
const CaseKind& RectificationKind();

// 接诉即办 citizen request: received → triaged to a station → responded → closed. First
// response within 1 hour, handled within 72 hours by default.
const CaseKind& RequestKind();

// 预警劝阻 fund warning: received → contacted → closed with an outcome. Contact within
// 10 minutes, else the anti-fraud centre is told.
const CaseKind& FundWarningKind();

// 隐患 hazard found in an inspection: open → rectified → re-inspected: passed closes it, failed
// opens it again. Rectify within 7 days.
const CaseKind& HazardKind();

// 纠纷 dispute: registered → mediating → resolved, or referred elsewhere. 15 days.
const CaseKind& DisputeKind();

// Every kind above, by workflow.kind ("callback", "rectification", "request", "fund_warning",
// "hazard", "dispute").
const std::vector<const CaseKind*>& CaseKinds();
const CaseKind* FindCaseKind(std::string_view kind);

// Every kind above, with a callback opened when an incident with a caller closes, its SMS due
// `callback_delay` after the close.
CaseCatalog DefaultCaseCatalog(std::chrono::seconds callback_delay);

}  // namespace pingan::cases
