#include "cases/fund_warnings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "cases/case_kinds.h"
#include "cases/repeats.h"
#include "core/csv_text.h"

namespace pingan::cases {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxAddress = 512;

const std::set<std::string>& KnownFields() {
  static const std::set<std::string> fields = {
      "victim_phone", "victim_name", "fraud_type", "amount_at_risk", "source",
      "address",      "lon",         "lat",        "station_id"};
  return fields;
}

// Yuan to fen, when the amount is a valid one: finite, 0 to kMaxYuan, at most two decimals.
std::optional<Fen> YuanToFen(double yuan) {
  if (!std::isfinite(yuan) || yuan < 0 || yuan > kMaxYuan) return std::nullopt;
  const double fen = yuan * 100;
  const double rounded = std::round(fen);
  // 0.1 * 100 is 10.000000000000002: allow binary rounding (a few ulps of `fen`), refuse a
  // third decimal (50000.005 is half a fen off).
  if (std::abs(fen - rounded) > std::max(1e-3, fen * 1e-15)) return std::nullopt;
  return static_cast<Fen>(rounded);
}

// A plain decimal: digits, optionally '.' and one or two digits. No sign, exponent or
// thousands separator, so a spreadsheet's "1,234" or "1e5" is refused rather than misread.
std::optional<Fen> DecimalToFen(std::string_view text) {
  const std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view cents =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 13 || !all_digits(whole) || !all_digits(cents) ||
      cents.size() > 2 || (dot != std::string_view::npos && cents.empty())) {
    return std::nullopt;
  }
  Fen fen = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), fen).ec != std::errc()) {
    return std::nullopt;
  }
  fen *= 100;
  if (!cents.empty()) fen += (cents[0] - '0') * 10 + (cents.size() == 2 ? cents[1] - '0' : 0);
  if (fen > static_cast<Fen>(kMaxYuan) * 100) return std::nullopt;
  return fen;
}

Result<std::string> TextField(const json& body, const std::string& field, bool required,
                              std::size_t max_bytes) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidInput(field, fmt::format("{} is required", field));
    return std::string();
  }
  if (!it->is_string()) return InvalidInput(field, fmt::format("{} must be text", field));
  std::string value = it->get<std::string>();
  // Surrounding blanks are noise from spreadsheets; inner ones are the sender's.
  const auto first = value.find_first_not_of(" \t");
  value = first == std::string::npos
              ? ""
              : value.substr(first, value.find_last_not_of(" \t") - first + 1);
  if (required && value.empty()) return InvalidInput(field, fmt::format("{} is empty", field));
  if (value.size() > max_bytes) {
    return InvalidInput(field, fmt::format("{} is longer than {} bytes", field, max_bytes));
  }
  return value;
}

Result<std::optional<double>> NumberField(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return InvalidInput(field, fmt::format("{} must be a number", field));
  return std::optional<double>(it->get<double>());
}

Fen AmountOr0(const json& fields, const char* name) {
  auto amount = AmountField(fields, name, /*allow_text=*/true);
  return amount && *amount ? **amount : 0;
}

}  // namespace

Result<std::optional<Fen>> AmountField(const json& fields, const std::string& field,
                                       bool allow_text) {
  if (!fields.is_object()) return std::optional<Fen>();
  auto it = fields.find(field);
  if (it == fields.end() || it->is_null()) return std::optional<Fen>();
  std::optional<Fen> fen;
  if (it->is_number()) {
    fen = YuanToFen(it->get<double>());
  } else if (allow_text && it->is_string()) {
    fen = DecimalToFen(it->get<std::string>());
  } else {
    return InvalidInput(field, fmt::format("{} must be a number of yuan", field));
  }
  if (!fen) {
    return InvalidInput(field, fmt::format("{} must be 0 to {:.0f} yuan with at most two decimals",
                                           field, kMaxYuan));
  }
  return fen;
}

json YuanJson(Fen fen) {
  if (fen % 100 == 0) return fen / 100;
  return static_cast<double>(fen) / 100;
}

Result<FundWarning> ParseFundWarning(const json& body) {
  if (!body.is_object()) return InvalidInput("body", "a warning is a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (!KnownFields().contains(key)) {
      return InvalidInput(key, fmt::format("unknown field '{}'", key));
    }
  }
  FundWarning w;
  struct Text {
    const char* name;
    std::string* target;
    bool required;
    std::size_t max_bytes;
  };
  for (const Text& t :
       {Text{"victim_phone", &w.victim_phone, true, 32},
        Text{"victim_name", &w.victim_name, true, 128}, Text{"fraud_type", &w.fraud_type, true, 64},
        Text{"source", &w.source, true, 64}, Text{"address", &w.address, false, kMaxAddress},
        Text{"station_id", &w.station_id, false, 64}}) {
    auto value = TextField(body, t.name, t.required, t.max_bytes);
    if (!value) return value.error();
    *t.target = std::move(*value);
  }
  if (w.victim_phone.find_first_not_of("+0123456789- ") != std::string::npos ||
      NormalizePhone(w.victim_phone).empty()) {
    return InvalidInput("victim_phone",
                        "victim_phone must be a phone number: digits, '+', '-' or spaces");
  }
  auto amount = AmountField(body, "amount_at_risk");
  if (!amount) return amount.error();
  if (!*amount) return InvalidInput("amount_at_risk", "amount_at_risk is required");
  w.amount_at_risk = **amount;
  auto lon = NumberField(body, "lon");
  if (!lon) return lon.error();
  auto lat = NumberField(body, "lat");
  if (!lat) return lat.error();
  if (lon->has_value() != lat->has_value()) {
    return InvalidInput(lon->has_value() ? "lat" : "lon", "give both lon and lat, or neither");
  }
  if (*lon) {
    const LonLat p{**lon, **lat};
    if (!IsValid(p)) {
      return InvalidInput(p.lat < -90 || p.lat > 90 ? "lat" : "lon",
                          "longitude/latitude out of range");
    }
    w.location = p;
  }
  return w;
}

const std::vector<std::string>& FundWarningCsvColumns() {
  static const std::vector<std::string> columns = {
      "victim_phone", "victim_name", "fraud_type", "amount_at_risk", "source",
      "address",      "lon",         "lat",        "station_id"};
  return columns;
}

FundWarningCsv ParseFundWarningsCsv(std::string_view text, std::size_t max_problems,
                                    std::size_t max_rows) {
  FundWarningCsv out;
  auto problem = [&](std::size_t line, std::string column, std::string message) {
    if (out.problems.size() < max_problems) {
      out.problems.push_back({line, std::move(column), std::move(message)});
    }
  };
  CsvSplit split = ReadCsvText(text);
  if (!split.error.empty()) {
    problem(split.error_line, "", split.error);
    return out;
  }
  const std::vector<CsvRecord>& records = split.records;
  if (records.empty()) {
    if (out.problems.empty()) problem(1, "", "the file is empty: a header row names the columns");
    return out;
  }
  const CsvRecord& header = records.front();
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (std::string name : header.fields) {
    const auto first = name.find_first_not_of(' ');
    name = first == std::string::npos ? ""
                                      : name.substr(first, name.find_last_not_of(' ') - first + 1);
    if (!KnownFields().contains(name)) {
      problem(header.line, name,
              fmt::format("unknown column '{}'; the columns are {}", name,
                          fmt::join(FundWarningCsvColumns(), ", ")));
    } else if (!seen.insert(name).second) {
      problem(header.line, name, fmt::format("column '{}' appears twice", name));
    }
    names.push_back(std::move(name));
  }
  for (const char* required :
       {"victim_phone", "victim_name", "fraud_type", "amount_at_risk", "source"}) {
    if (!seen.contains(required)) {
      problem(header.line, required, fmt::format("the header has no column '{}'", required));
    }
  }
  if (!out.problems.empty()) return out;
  if (records.size() - 1 > max_rows) {
    problem(1, "", fmt::format("{} rows; at most {} in one file", records.size() - 1, max_rows));
    return out;
  }
  if (records.size() == 1) {
    problem(header.line, "", "the file has a header row but no warnings");
    return out;
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& row = records[r];
    if (row.fields.size() != names.size()) {
      problem(row.line, "",
              fmt::format("{} fields where the header has {}", row.fields.size(), names.size()));
      continue;
    }
    json body = json::object();
    bool is_bad = false;
    for (std::size_t c = 0; c < names.size(); ++c) {
      const std::string& value = row.fields[c];
      if (value.find_first_not_of(" \t") == std::string::npos) continue;  // empty: absent
      const std::string& name = names[c];
      if (name == "lon" || name == "lat") {
        double v = 0;
        const auto first = value.find_first_not_of(' ');
        const auto last = value.find_last_not_of(' ');
        const char* begin = value.data() + first;
        const char* end = value.data() + last + 1;
        auto [ptr, ec] = std::from_chars(begin, end, v);
        if (ec != std::errc() || ptr != end) {
          problem(row.line, name, fmt::format("'{}' is not a number", value));
          is_bad = true;
          break;
        }
        body[name] = v;
      } else if (name == "amount_at_risk") {
        const auto first = value.find_first_not_of(' ');
        const std::string trimmed = value.substr(first, value.find_last_not_of(' ') - first + 1);
        auto fen = DecimalToFen(trimmed);
        if (!fen) {
          problem(row.line, name,
                  fmt::format("'{}' is not an amount of yuan such as 1234.50 (0 or more, at most "
                              "two decimals, no thousands separator)",
                              value));
          is_bad = true;
          break;
        }
        body[name] = YuanJson(*fen);
      } else {
        body[name] = value;
      }
    }
    if (is_bad) continue;
    auto warning = ParseFundWarning(body);
    if (!warning) {
      problem(row.line, warning.error().field, warning.error().message);
      continue;
    }
    out.warnings.push_back(std::move(*warning));
    out.lines.push_back(row.line);
  }
  if (!out.problems.empty()) {
    out.warnings.clear();
    out.lines.clear();
  } else if (out.warnings.empty()) {
    problem(1, "", "the file has a header but no warnings");
  }
  return out;
}

std::string_view ToString(RoutedBy routed_by) {
  switch (routed_by) {
    case RoutedBy::kStationId: return "station_id";
    case RoutedBy::kLocation: return "location";
    case RoutedBy::kAddress: return "address";
    case RoutedBy::kPhone: return "phone";
    case RoutedBy::kUnrouted: return "unrouted";
  }
  return "";
}

std::vector<std::string> AddressQueries(std::string_view address) {
  std::vector<std::string> out;
  auto add = [&](std::string q) {
    const auto first = q.find_first_not_of(' ');
    if (first == std::string::npos) return;
    q = q.substr(first, q.find_last_not_of(' ') - first + 1);
    if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(std::move(q));
  };
  // Digits here are ASCII or full-width (U+FF10–U+FF19: EF BC 90–99 in UTF-8).
  auto digit_at = [&](std::string_view s, std::size_t i) -> std::size_t {
    if (s[i] >= '0' && s[i] <= '9') return 1;
    if (i + 2 < s.size() && s.substr(i, 2) == "\xEF\xBC" &&
        static_cast<unsigned char>(s[i + 2]) >= 0x90 &&
        static_cast<unsigned char>(s[i + 2]) <= 0x99) {
      return 3;
    }
    return 0;
  };
  add(std::string(address));
  for (std::size_t i = 0; i < address.size(); ++i) {
    if (digit_at(address, i) > 0) {
      add(std::string(address.substr(0, i)));
      break;
    }
  }
  std::string words;
  for (std::size_t at = 0; at < address.size();) {
    std::size_t end = address.find(' ', at);
    if (end == std::string_view::npos) end = address.size();
    std::string_view word = address.substr(at, end - at);
    bool has_digit = false;
    for (std::size_t i = 0; i < word.size(); ++i) has_digit = has_digit || digit_at(word, i) > 0;
    if (!word.empty() && !has_digit) {
      if (!words.empty()) words += ' ';
      words += word;
    }
    at = end + 1;
  }
  add(words);
  return out;
}

Result<FundWarningRoute> RouteFundWarning(const FundWarning& warning,
                                          const RoutingLookups& lookups) {
  FundWarningRoute route;
  route.location = warning.location;
  if (!warning.station_id.empty()) {
    if (lookups.is_station && !lookups.is_station(warning.station_id)) {
      return InvalidInput("station_id", fmt::format("'{}' is not a station", warning.station_id));
    }
    route.station_id = warning.station_id;
    route.routed_by = RoutedBy::kStationId;
    route.routed_from = warning.station_id;
    return route;
  }
  if (warning.location && lookups.station_at) {
    if (std::string station = lookups.station_at(*warning.location); !station.empty()) {
      route.station_id = std::move(station);
      route.routed_by = RoutedBy::kLocation;
      route.routed_from =
          fmt::format("{:.6f},{:.6f}", warning.location->lon, warning.location->lat);
      return route;
    }
  }
  if (!warning.address.empty() && lookups.find_address && lookups.station_at) {
    for (const std::string& query : AddressQueries(warning.address)) {
      auto hit = lookups.find_address(query);
      if (!hit) continue;
      std::string station = lookups.station_at(hit->second);
      if (station.empty()) continue;
      route.station_id = std::move(station);
      route.routed_by = RoutedBy::kAddress;
      route.routed_from = hit->first;
      if (!route.location) route.location = hit->second;
      return route;
    }
  }
  if (lookups.phone_station) {
    if (auto found = lookups.phone_station(NormalizePhone(warning.victim_phone))) {
      route.station_id = found->first;
      route.routed_by = RoutedBy::kPhone;
      route.routed_from = fmt::format("incident {}", found->second);
      return route;
    }
  }
  return route;
}

json FundWarningFields(const FundWarning& warning, const FundWarningRoute& route) {
  return {{"victim_phone", warning.victim_phone},
          {"victim_name", warning.victim_name},
          {"fraud_type", warning.fraud_type},
          {"amount_at_risk", YuanJson(warning.amount_at_risk)},
          {"source", warning.source},
          {"address", warning.address},
          {"routed_by", ToString(route.routed_by)},
          {"routed_from", route.routed_from}};
}

Status CheckFundWarningAmounts(const json& fields) {
  if (fields.is_null()) return {};
  if (!fields.is_object()) return InvalidInput("fields", "fields must be an object");
  for (const char* name : {"amount_stopped", "amount_frozen", "amount_returned"}) {
    auto amount = AmountField(fields, name);
    if (!amount) return amount.error();
  }
  return {};
}

FundWarningSummary SummariseFundWarnings(std::span<const CaseRecord* const> cases, TimePoint from,
                                         TimePoint to, TimePoint now) {
  const std::string& kind = FundWarningKind().workflow.kind;
  const std::vector<std::string>& outcome_choices = FundWarningKind().choices.at("outcome");
  FundWarningSummary summary;
  auto fresh = [&] {
    FundWarningTotals t;
    for (const std::string& o : outcome_choices) t.outcomes[o] = 0;
    return t;
  };
  summary.total = fresh();
  for (const CaseRecord* c : cases) {
    if (c->kind != kind || c->opened_at < from || c->opened_at >= to) continue;
    auto [it, inserted] = summary.by_station.try_emplace(c->station_id);
    if (inserted) it->second = fresh();
    for (FundWarningTotals* t : {&summary.total, &it->second}) {
      ++t->received;
      const SlaTimer* contact = nullptr;
      for (const SlaTimer& timer : c->slas) {
        if (timer.name == "contact") contact = &timer;
      }
      if (contact != nullptr && contact->met_at) {
        ++t->contacted;
        if (*contact->met_at <= contact->deadline) ++t->contacted_within_sla;
      } else if (c->IsOpen()) {
        ++t->awaiting_contact;
        if (contact != nullptr && !contact->is_void && now > contact->deadline) ++t->overdue;
      }
      if (contact != nullptr && contact->escalation_level > 0) ++t->escalated;
      if (!c->IsOpen()) {
        ++t->closed;
        const std::string outcome = FieldText(c->fields, "outcome");
        if (!outcome.empty()) ++t->outcomes[outcome];
      }
      t->at_risk += AmountOr0(c->fields, "amount_at_risk");
      t->stopped += AmountOr0(c->fields, "amount_stopped");
      t->frozen += AmountOr0(c->fields, "amount_frozen");
      t->returned += AmountOr0(c->fields, "amount_returned");
    }
  }
  return summary;
}

json FundWarningTotalsToJson(const FundWarningTotals& t) {
  json rate = nullptr;
  if (t.received > 0) rate = static_cast<double>(t.contacted_within_sla) / double(t.received);
  return {{"received", t.received},
          {"contacted", t.contacted},
          {"contacted_within_sla", t.contacted_within_sla},
          {"contacted_within_sla_rate", rate},
          {"awaiting_contact", t.awaiting_contact},
          {"overdue", t.overdue},
          {"escalated", t.escalated},
          {"closed", t.closed},
          {"outcomes", t.outcomes},
          {"money",
           {{"at_risk", YuanJson(t.at_risk)},
            {"stopped", YuanJson(t.stopped)},
            {"frozen", YuanJson(t.frozen)},
            {"returned", YuanJson(t.returned)}}}};
}

}  // namespace pingan::cases
