// Case work that starts from the district's own incidents (docs/cases.md): repeat incidents
// (重复警情) listed by station for follow-up, a repeat group turned into a dispute (纠纷), the
// incidents related to a dispute, and — in api/fund_warning_routes.h — fund warnings (资金预警
// 劝阻): intake by JSON and CSV, routing to a station, outcomes with the money, and the totals
// of a period. Routes that show names or phone numbers mask them unless the caller's role may
// see personal data, and then record the read on the audit trail before replying.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "api/router.h"
#include "cases/repeats.h"
#include "core/case_record.h"
#include "engine/engine.h"

namespace pingan::map {
class AddressIndex;
}  // namespace pingan::map

namespace pingan::api {

struct CaseWorkRoutesContext {
  engine::Engine& engine;
  // Grouping a year of incidents takes a fraction of a second: it runs here, not on the
  // server's threads.
  boost::asio::thread_pool& workers;
  // The address search routing fund warnings by address; null without a road network (that
  // rule is then skipped).
  const map::AddressIndex* addresses = nullptr;
  // What makes incidents repeats, and what relates incidents to a dispute.
  cases::RepeatOptions repeat_options;

  // Incidents a dispute is being opened for right now, so that two requests for the same
  // group cannot both pass the "no open dispute yet" check before either is stored.
  mutable std::mutex dispute_mu;
  mutable std::set<IncidentId> disputes_in_flight;
};

// Adds GET /api/repeats, POST /api/repeats/dispute, GET /api/cases/{id}/related and the fund
// warning routes (AddFundWarningRoutes, api/fund_warning_routes.h). `context` must outlive the
// router.
void AddCaseWorkRoutes(Router& router, std::shared_ptr<CaseWorkRoutesContext> context);

// Replies `status` with `build(reveal)`. `reveal` is true only when the caller's role holds
// kSeePersonalData; then, if `ids` is not empty, the reply waits until
// RecordPersonalDataRead{what, ids, purpose} is durable (and fails if it cannot be recorded).
void ReplyWithPersonalData(const CaseWorkRoutesContext& context, const Call& call, int status,
                           std::string what, std::vector<std::int64_t> ids, std::string purpose,
                           std::function<nlohmann::json(bool reveal)> build);

// A case as these routes show it: id, kind, state, is_open, owner, station_id, priority,
// incident_id, opened_at, closed_at, location, overdue, slas (with escalation_level),
// escalations (who was told, when) and fields, personal ones masked (core/pii.h) unless `reveal`.
nlohmann::json CaseWorkView(const CaseRecord& record, bool reveal, TimePoint now);

}  // namespace pingan::api
