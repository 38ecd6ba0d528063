// Fund warnings (资金预警劝阻, docs/cases.md): intake by JSON and CSV, routing to a station,
// outcomes with the money stopped, frozen and returned, and the totals of a period.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/repeat_routes.h"
#include "cases/fund_warnings.h"
#include "core/commands.h"
#include "core/jurisdiction.h"
#include "engine/engine.h"

namespace pingan::map {
class AddressIndex;
}  // namespace pingan::map

namespace pingan::api {

// Adds POST /api/fund-warnings, POST /api/fund-warnings/import, GET /api/fund-warnings,
// GET /api/fund-warnings/summary, GET /api/fund-warnings/{id} and
// POST /api/fund-warnings/{id}/actions. `context` must outlive the router.
void AddFundWarningRoutes(Router& router, std::shared_ptr<CaseWorkRoutesContext> context);

// The command that opens `warning` as a fund_warning case at the station `route` found, with
// priority 1 (money may leave the account any minute) and the warning and its routing as fields.
CreateCase FundWarningCommand(const cases::FundWarning& warning,
                              const cases::FundWarningRoute& route);

// The lookups cases::RouteFundWarning uses, over `engine`'s jurisdictions, the address search
// (may be null: that rule is skipped) and the incidents with a caller's phone. The phone rule's
// first lookup scans the incidents newest first; from the second on, one index built once
// serves them all (a CSV file's warnings). The incidents are those committed when the phone rule
// is first used. Not thread-safe: one per request.
class FundWarningLookups {
 public:
  FundWarningLookups(engine::Engine& engine, const map::AddressIndex* addresses);
  FundWarningLookups(const FundWarningLookups&) = delete;
  FundWarningLookups& operator=(const FundWarningLookups&) = delete;

  // Valid while this object lives.
  cases::RoutingLookups Get();

 private:
  using Found = std::optional<std::pair<std::string, IncidentId>>;
  Found PhoneStation(std::string_view phone);

  engine::Engine& engine_;
  const map::AddressIndex* addresses_;
  std::shared_ptr<const JurisdictionIndex> places_;
  std::vector<std::shared_ptr<const Incident>> incidents_;  // with a phone and a station
  bool has_read_incidents_ = false;
  int lookups_ = 0;
  std::optional<std::unordered_map<std::string, std::pair<std::string, IncidentId>>> index_;
};

}  // namespace pingan::api
