// The case routes (docs/api.md, "Cases"): every case kind through one set of routes — list,
// read (personal data masked unless the role needs it, and then audited), open, act, and the
// figures by station (closure, on-time and, for callbacks, satisfaction against the 90 %
// target) — plus the SMS edge of callbacks: replies delivered by the gateway and the
// simulator's outbox.
#pragma once

#include <memory>

#include <boost/asio/thread_pool.hpp>

#include "api/router.h"
#include "engine/engine.h"

namespace pingan::sms {
class SmsGateway;
class SimulatorGateway;
}  // namespace pingan::sms

namespace pingan::api {

struct CaseRoutesContext {
  engine::Engine& engine;
  boost::asio::thread_pool& workers;
  // Sends the "reply 1, 2 or 3" hint to a callback reply nobody could read; may be null.
  sms::SmsGateway* sms = nullptr;
  // The simulator behind `sms`, if it is one: GET /api/sms/outbox lists it; null: 404.
  const sms::SimulatorGateway* outbox = nullptr;
  // When not empty, POST /api/sms/inbound needs this token (header X-Pingan-Sms-Token), so only
  // the gateway may deliver replies. Empty: anyone may (the simulator, the demo, tests).
  std::string sms_inbound_token;
};

// Adds GET /api/cases, GET /api/cases/summary, GET /api/cases/{id}, POST /api/cases,
// POST /api/cases/{id}/actions, POST /api/sms/inbound and GET /api/sms/outbox. `context` must
// outlive the router.
void AddCaseRoutes(Router& router, std::shared_ptr<const CaseRoutesContext> context);

// The reply a callback SMS is answered with: matches it to the newest open callback to that
// number and records it. Shared by POST /api/sms/inbound and the demo.
struct InboundSmsResult {
  bool matched = false;     // an open callback to that number was waiting
  bool understood = false;  // the text was 1, 2, 3 or 满意 / 基本满意 / 不满意
  CaseId case_id = 0;
  int satisfaction = 0;
  CaseId rectification_id = 0;  // opened by a dissatisfied answer
};
Result<InboundSmsResult> DeliverInboundSms(engine::Engine& engine, const std::string& from,
                                           const std::string& text);

}  // namespace pingan::api
