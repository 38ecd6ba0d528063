// 资金预警劝阻 fund warnings (MISSION F1, F2): a warning that a resident is being defrauded
// arrives (from the anti-fraud centre, a bank, the 96110 line), becomes a fund_warning case
// routed to a station, which must reach the person within minutes, record the outcome and the
// money stopped, frozen and returned. This file holds the pure parts: reading a warning from
// JSON or CSV, deciding its station, checking amounts, and the totals of a period. No I/O, no
// clock; the routes (api/fund_warning_routes.h) supply the lookups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/case_record.h"
#include "core/geo.h"
#include "core/result.h"

namespace pingan::cases {

// Money in fen (分, 1/100 yuan), so that totals add up exactly. JSON carries yuan.
using Fen = std::int64_t;

// What a warning says when it arrives. `victim_phone` and `victim_name` are personal data.
struct FundWarning {
  std::string victim_phone;
  std::string victim_name;
  std::string fraud_type;  // free text from the source: 刷单返利, 冒充公检法, ...
  Fen amount_at_risk = 0;
  std::string source;  // who sent it: anti_fraud_centre, bank, 96110, ...
  std::string address;
  std::optional<LonLat> location;  // WGS84
  std::string station_id;          // when the sender already knows the station
};

// The largest amount accepted, in yuan: 10^12, far above any real warning.
inline constexpr double kMaxYuan = 1e12;

// Reads `field` of `fields` as an amount in yuan: a JSON number (or, when `allow_text`, a
// decimal string such as "1234.50") that is finite, at least 0, at most kMaxYuan and has at
// most two decimals. nullopt when absent or null. Errors name the field.
Result<std::optional<Fen>> AmountField(const nlohmann::json& fields, const std::string& field,
                                       bool allow_text = false);
// Fen as a JSON number of yuan: 123456 → 1234.56.
nlohmann::json YuanJson(Fen fen);

// Reads a warning from a JSON object: victim_phone (digits, '+', '-', spaces; a real number
// after NormalizePhone), victim_name, fraud_type, amount_at_risk (yuan, ≥ 0), source are
// required; address, lon/lat (both or neither), station_id are optional. Errors name the field
// (kInvalidInput); unknown fields are refused too, so a misspelt column is not lost silently.
Result<FundWarning> ParseFundWarning(const nlohmann::json& body);

// The CSV columns, in the order a template lists them; the header row names them (any order,
// the optional ones may be left out). lon and lat are numbers, amount_at_risk a decimal.
const std::vector<std::string>& FundWarningCsvColumns();

struct CsvProblem {
  std::size_t line = 0;  // 1-based line of the file where the record starts; 1 is the header
  std::string column;    // the column's name, or "" for the row as a whole
  std::string message;
};

struct FundWarningCsv {
  std::vector<FundWarning> warnings;
  std::vector<std::size_t> lines;    // the line each warning starts on
  std::vector<CsvProblem> problems;  // empty: every row is good
};

// Reads a CSV file of warnings (RFC 4180: comma-separated, fields in double quotes may hold
// commas, quotes doubled and line breaks; a UTF-8 byte-order mark and CRLF line ends are
// accepted; blank lines are skipped). Every row is checked as ParseFundWarning checks a body,
// and up to `max_problems` problems are reported, each with its line and column. At most
// `max_rows` data rows; more is a problem of line 1.
FundWarningCsv ParseFundWarningsCsv(std::string_view text, std::size_t max_problems = 50,
                                    std::size_t max_rows = 10000);

// How a warning found its station, in the order the rules are tried.
enum class RoutedBy {
  kStationId,  // the warning named it
  kLocation,   // the station whose area holds the warning's lon/lat
  kAddress,    // the station whose area holds the place the address search found
  kPhone,      // the station of the latest incident called in from the victim's phone
  kUnrouted,   // none of these: the duty desk routes it by hand
};
// "station_id", "location", "address", "phone", "unrouted".
std::string_view ToString(RoutedBy routed_by);

// Where the routing rules look things up. Any may be empty (a district without a road network
// has no address search); that rule is then skipped.
struct RoutingLookups {
  // True when `id` is a station (派出所) of the jurisdiction tree.
  std::function<bool(std::string_view id)> is_station;
  // The station whose area holds the point, "" for none.
  std::function<std::string(LonLat)> station_at;
  // The best place the address search finds for `query`: its name and point.
  std::function<std::optional<std::pair<std::string, LonLat>>(std::string_view query)> find_address;
  // The station and id of the latest incident whose caller phone, after NormalizePhone(), is
  // `phone` and that has a station.
  std::function<std::optional<std::pair<std::string, IncidentId>>(std::string_view phone)>
      phone_station;
};

struct FundWarningRoute {
  std::string station_id;  // "" when unrouted
  RoutedBy routed_by = RoutedBy::kUnrouted;
  // The case's place: the warning's lon/lat, else the point the address search found.
  std::optional<LonLat> location;
  // What the rule matched, for the record: the address found, or "incident 42".
  std::string routed_from;
};

// Decides a warning's station: its station_id, else the station whose area holds its lon/lat,
// else the station whose area holds the best place the address search finds for its address
// (tried as written, then without its house number: "幸福路12号3单元" → "幸福路"), else the
// station of the latest incident from the victim's phone (the phone's registration, as the
// district's own records know it), else unrouted. Errors: a station_id that is not a station
// (kInvalidInput, field "station_id").
Result<FundWarningRoute> RouteFundWarning(const FundWarning& warning,
                                          const RoutingLookups& lookups);

// The address search queries RouteFundWarning tries for `address`, best first, without
// duplicates or empty ones: as written, cut before its first digit, without its words that hold
// digits ("12 Main Street" → "Main Street").
std::vector<std::string> AddressQueries(std::string_view address);

// The fields of the fund_warning case opened for `warning`: victim_phone, victim_name,
// fraud_type, amount_at_risk (yuan), source, address, routed_by, routed_from.
nlohmann::json FundWarningFields(const FundWarning& warning, const FundWarningRoute& route);

// Checks the money a fund_warning action records (record_outcome, note): amount_stopped,
// amount_frozen and amount_returned, when present, are amounts in yuan as AmountField() reads
// them. Errors name the field.
Status CheckFundWarningAmounts(const nlohmann::json& fields);

// Totals of the warnings received in a period, over all stations or one.
struct FundWarningTotals {
  std::size_t received = 0;
  std::size_t contacted = 0;             // reached (the contact SLA met), in time or late
  std::size_t contacted_within_sla = 0;  // reached by the contact deadline
  std::size_t awaiting_contact = 0;      // still open and not reached
  std::size_t overdue = 0;               // of those, past the contact deadline at `now`
  std::size_t escalated = 0;             // the contact SLA escalated at least once
  std::size_t closed = 0;
  std::map<std::string, std::size_t> outcomes;  // every choice of "outcome", 0 when none
  Fen at_risk = 0, stopped = 0, frozen = 0, returned = 0;
};

struct FundWarningSummary {
  FundWarningTotals total;
  std::map<std::string, FundWarningTotals> by_station;  // "" for unrouted warnings
};

// Totals of the fund_warning cases among `cases` opened in [from, to), as they stand at `now`.
// Other kinds are skipped.
FundWarningSummary SummariseFundWarnings(std::span<const CaseRecord* const> cases, TimePoint from,
                                         TimePoint to, TimePoint now);

// {"received", "contacted", "contacted_within_sla", "contacted_within_sla_rate" (0–1, null
// when none received), "awaiting_contact", "overdue", "escalated", "closed", "outcomes",
// "money": {"at_risk", "stopped", "frozen", "returned"} in yuan}.
nlohmann::json FundWarningTotalsToJson(const FundWarningTotals& totals);

}  // namespace pingan::cases
