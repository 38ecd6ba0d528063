#include "api/open311_routes.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/api_keys.h"
#include "api/http_errors.h"
#include "core/district_time.h"
#include "core/geo.h"
#include "core/time_format.h"
#include "core/utf8.h"

namespace pingan::api {

using nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

namespace {

enum class Format { kJson, kXml };

constexpr std::string_view kXmlContentType = "text/xml; charset=utf-8";
constexpr auto kMaxSpan = std::chrono::days(90);
constexpr size_t kMaxIdsPerQuery = 200;
constexpr size_t kMaxFormFields = 100;

std::optional<Format> FormatOf(std::string_view extension) {
  if (extension == "json") return Format::kJson;
  if (extension == "xml") return Format::kXml;
  return std::nullopt;
}

// "42.json" → {"42", json}; a missing or unknown extension gives no format.
struct Target {
  std::string stem;
  std::optional<Format> format;
};
Target SplitTarget(const std::string& text) {
  size_t dot = text.rfind('.');
  if (dot == std::string::npos) return {text, std::nullopt};
  return {text.substr(0, dot), FormatOf(std::string_view(text).substr(dot + 1))};
}

// ------------------------------------------------------------------------------------------
// XML

std::string XmlItemName(std::string_view list) {
  if (list == "services") return "service";
  if (list == "attributes") return "attribute";
  if (list == "values") return "value";
  if (list == "errors") return "error";
  return "request";  // service_requests
}

void AppendXml(std::string& out, const std::string& name, const OrderedJson& value, int depth) {
  out.append(size_t(depth) * 2, ' ');
  out += "<" + name + ">";
  if (value.is_object() || value.is_array()) {
    out += "\n";
    if (value.is_object()) {
      for (const auto& [key, child] : value.items()) AppendXml(out, key, child, depth + 1);
    } else {
      for (const OrderedJson& item : value) AppendXml(out, XmlItemName(name), item, depth + 1);
    }
    out.append(size_t(depth) * 2, ' ');
  } else if (value.is_string()) {
    out += XmlEscape(value.get_ref<const std::string&>());
  } else if (!value.is_null()) {
    out += value.dump();  // numbers, true, false
  }
  out += "</" + name + ">\n";
}

HttpResponse Render(Format format, int status, const std::string& xml_root,
                    const OrderedJson& body) {
  HttpResponse response;
  response.status = status;
  if (format == Format::kXml) {
    response.content_type = kXmlContentType;
    response.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    AppendXml(response.body, xml_root, body, 0);
  } else {
    response.body = body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  }
  // Open311 data is public; browser apps of other origins may read it.
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return response;
}

HttpResponse Open311Error(Format format, int status, const std::string& description) {
  OrderedJson error = OrderedJson::object();
  error["code"] = status;
  error["description"] = description;
  OrderedJson errors = OrderedJson::array();
  errors.push_back(std::move(error));
  return Render(format, status, "errors", errors);
}

HttpResponse Open311Error(Format format, const Error& e) {
  std::string description = e.field.empty() ? e.message : e.field + ": " + e.message;
  return Open311Error(format, HttpStatusFor(e.code), description);
}

HttpResponse Open311RateLimited(Format format, std::chrono::seconds wait,
                                const std::string& description) {
  HttpResponse response = Open311Error(format, 429, description);
  response.headers.emplace_back("Retry-After", std::to_string(wait.count()));
  return response;
}

// ------------------------------------------------------------------------------------------
// Times: W3C date-times in the district's zone, to the second ("2026-11-23T16:49:32+08:00").

std::string Open311Time(TimePoint t) {
  using namespace std::chrono;
  const auto local = floor<seconds>(t) + seconds(kDistrictUtcOffsetSeconds);
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}+08:00", int(ymd.year()),
                     unsigned(ymd.month()), unsigned(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
}

OrderedJson TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? OrderedJson(Open311Time(*t)) : OrderedJson();
}

const SlaTimer* TimerNamed(const CaseRecord& c, std::string_view name) {
  for (const SlaTimer& t : c.slas)
    if (t.name == name) return &t;
  return nullptr;
}

// ------------------------------------------------------------------------------------------
// Views

OrderedJson ServiceJson(const CitizenTopic& t) {
  OrderedJson s = OrderedJson::object();
  s["service_code"] = t.code;
  s["service_name"] = t.name;
  s["description"] = t.description;
  s["metadata"] = true;
  s["type"] = "realtime";
  s["keywords"] = t.keywords;
  s["group"] = "接诉即办";
  return s;
}

OrderedJson ServiceDefinitionJson(const CitizenTopic& t) {
  OrderedJson values = OrderedJson::array();
  for (const CitizenRequestType& type : CitizenRequestTypes()) {
    OrderedJson v = OrderedJson::object();
    v["key"] = type.code;
    v["name"] = type.name;
    values.push_back(std::move(v));
  }
  OrderedJson type = OrderedJson::object();
  type["variable"] = true;
  type["code"] = "type";
  type["datatype"] = "singlevaluelist";
  type["required"] = true;
  type["datatype_description"] = "咨询、投诉或建议，选一项 (consultation, complaint or suggestion)";
  type["order"] = 1;
  type["description"] = "诉求类型 Type of request";
  type["values"] = std::move(values);
  OrderedJson d = OrderedJson::object();
  d["service_code"] = t.code;
  d["attributes"] = OrderedJson::array({std::move(type)});
  return d;
}

// A request as Open311 shows it. What came through Open311 was sent to a public system and is
// shown as sent (but never who sent it); what came from the resident page shows no text,
// address or position, and the reply only as a state.
OrderedJson RequestJson(const CaseRecord& c, const CitizenRequestDesk& desk, TimePoint now) {
  const bool is_open311 = FieldText(c.fields, "channel") == "open311";
  auto text_or_null = [&](std::string_view field) {
    std::string v = FieldText(c.fields, field);
    return is_open311 && !v.empty() ? OrderedJson(v) : OrderedJson();
  };
  const std::string topic = FieldText(c.fields, "topic");
  const CitizenTopic* topic_info = FindCitizenTopic(topic);
  const std::string station = desk.StationName(c.station_id);
  std::string notes;
  if (is_open311) {
    notes = FieldText(c.fields, c.state == "rejected" ? "reason" : "response");
  } else {
    notes = RequestStateLabel(c.state);
  }
  const SlaTimer* handled = TimerNamed(c, "handled");
  const SlaTimer* first = TimerNamed(c, "first_response");
  const TimePoint updated = c.timeline.empty() ? c.opened_at : c.timeline.back().at;

  OrderedJson r = OrderedJson::object();
  r["service_request_id"] = std::to_string(c.id);
  r["status"] = c.IsOpen() ? "open" : "closed";
  r["status_notes"] = notes.empty() ? OrderedJson() : OrderedJson(notes);
  r["service_name"] = topic_info ? OrderedJson(topic_info->name) : OrderedJson();
  r["service_code"] = topic;
  r["description"] = text_or_null("description");
  r["agency_responsible"] = station.empty() ? OrderedJson() : OrderedJson(station);
  r["service_notice"] = OrderedJson();
  r["requested_datetime"] = Open311Time(c.opened_at);
  r["updated_datetime"] = Open311Time(c.closed_at.value_or(updated));
  r["expected_datetime"] = handled ? TimeOrNull(handled->deadline) : OrderedJson();
  r["address"] = text_or_null("address");
  if (std::string id = FieldText(c.fields, "address_id"); is_open311 && !id.empty())
    r["address_id"] = id;
  r["lat"] = is_open311 && c.location ? OrderedJson(c.location->lat) : OrderedJson();
  r["long"] = is_open311 && c.location ? OrderedJson(c.location->lon) : OrderedJson();
  r["media_url"] = text_or_null("media_url");
  // Beyond the standard: the workflow state, the first-response deadline, and whether any
  // deadline has passed unmet.
  r["detailed_status"] = c.state;
  r["first_response_expected_datetime"] = first ? TimeOrNull(first->deadline) : OrderedJson();
  r["overdue"] = IsOverdue(c, now);
  return r;
}

// "1 小时" / "72 小时" / "30 分钟".
std::string Duration(std::chrono::seconds s) {
  if (s.count() % 3600 == 0) return fmt::format("{} 小时", s.count() / 3600);
  return fmt::format("{} 分钟", (s.count() + 59) / 60);
}

std::string ServiceNotice(const engine::Engine& engine) {
  const CaseKind* kind = engine.case_catalog().Find("request");
  if (kind == nullptr) return "已受理";
  std::string first, handled;
  for (const SlaRule& rule : kind->workflow.slas) {
    std::string d = rule.working_days > 0 ? fmt::format("{} 个工作日", rule.working_days)
                                          : Duration(SlaDeadline(rule, 3));
    if (rule.name == "first_response") first = d;
    if (rule.name == "handled") handled = d;
  }
  if (first.empty() || handled.empty()) return "已受理";
  return fmt::format("已受理：{}内首次答复，{}内办结。", first, handled);
}

// ------------------------------------------------------------------------------------------
// Form input

// The raw name=value pairs of a form body, empty parts skipped; a pair without '=' has an empty
// value.
std::vector<std::pair<std::string_view, std::string_view>> SplitForm(std::string_view body) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (size_t start = 0; start <= body.size();) {
    size_t amp = std::min(body.find('&', start), body.size());
    std::string_view part = body.substr(start, amp - start);
    start = amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    out.emplace_back(part.substr(0, eq),
                     eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
  }
  return out;
}

// Decodes '+' and %XX into `out`; false on a bad escape or when the result is not UTF-8.
bool FormDecode(std::string_view s, std::string& out) {
  auto hex = [](char h) {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  };
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) return false;
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return !FindInvalidUtf8(out).has_value();
}

bool IsFormContentType(const std::string& content_type) {
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.starts_with("application/x-www-form-urlencoded");
}

std::string Trimmed(std::string_view text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(b, e - b + 1));
}

// The request's fields: the query string, then the form body over it (the standard names the
// POST's arguments as query parameters; FixMyStreet and most clients send them in the body).
struct Open311Form {
  std::map<std::string, std::string> fields;
  json attributes = json::object();  // attribute[code] → "v"; attribute[code][] → ["v", ...]
  std::string Get(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : Trimmed(it->second);
  }
};

// Whether a POST's body is (or may be taken for) a form: any body without a Content-Type is.
bool HasFormBody(const HttpRequest& req) {
  std::string type = req.Header("content-type");
  return !req.body.empty() && (type.empty() || IsFormContentType(type));
}

// Query-string arguments must be UTF-8, as ParseForm requires of a body: what a POST takes from
// them goes into the ledger, whose JSON writer refuses anything else. Errors name the argument.
Status CheckQueryIsUtf8(const HttpRequest& req) {
  for (const auto& [name, value] : req.query) {
    if (FindInvalidUtf8(name)) return InvalidInput("query", "an argument's name is not UTF-8");
    if (FindInvalidUtf8(value)) return InvalidInput(name, "not UTF-8");
  }
  return {};
}

// The api_key a POST carries: the form body's, else the query string's ("" when neither has
// one). A body that is not a form carries none. In a form only the api_key pair itself must
// decode, so a client with a valid key and a bad field elsewhere is told about that field.
std::string ApiKeyOf(const HttpRequest& req) {
  std::string key;
  if (auto it = req.query.find("api_key"); it != req.query.end()) key = it->second;
  if (HasFormBody(req)) {
    std::string name, value;
    for (auto [raw_name, raw_value] : SplitForm(req.body)) {
      if (FormDecode(raw_name, name) && name == "api_key" && FormDecode(raw_value, value))
        key = value;
    }
  }
  return Trimmed(key);
}

Result<Open311Form> ReadForm(const HttpRequest& req, const PublicLimits& limits) {
  Open311Form form;
  if (Status utf8 = CheckQueryIsUtf8(req); !utf8) return utf8.error();
  std::vector<std::pair<std::string, std::string>> pairs(req.query.begin(), req.query.end());
  if (!req.body.empty()) {
    if (std::string type = req.Header("content-type"); !HasFormBody(req)) {
      return InvalidInput("body", fmt::format("a POST is application/x-www-form-urlencoded, as "
                                              "GeoReport v2 says, not {}",
                                              FirstCodePoints(type, 60)));
    }
    auto body = ParseForm(req.body);
    if (!body) return body.error();
    pairs.insert(pairs.end(), body->begin(), body->end());
  }
  if (pairs.size() > kMaxFormFields)
    return InvalidInput("body", fmt::format("more than {} fields", kMaxFormFields));
  for (auto& [name, value] : pairs) {
    if (!name.starts_with("attribute[")) {
      form.fields[name] = value;
      continue;
    }
    size_t close = name.find(']');
    std::string code = close == std::string::npos ? "" : name.substr(10, close - 10);
    std::string rest = close == std::string::npos ? "" : name.substr(close + 1);
    if (code.empty() || code.size() > 64 || (!rest.empty() && rest != "[]"))
      return InvalidInput(name, "an attribute is attribute[CODE]=VALUE or attribute[CODE][]=VALUE");
    if (CodePoints(value) > limits.max_attribute_chars) {
      return InvalidInput(name, fmt::format("at most {} characters", limits.max_attribute_chars));
    }
    if (rest == "[]") {
      json& list = form.attributes[code];
      if (!list.is_array()) list = json::array();
      list.push_back(value);
    } else {
      form.attributes[code] = value;
    }
  }
  if (form.attributes.size() > limits.max_attributes) {
    return InvalidInput("attribute", fmt::format("at most {} attributes", limits.max_attributes));
  }
  return form;
}

Result<std::optional<double>> FormNumber(const Open311Form& form, const std::string& name) {
  std::string text = form.Get(name);
  if (text.empty()) return std::optional<double>();
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
    return InvalidInput(name, fmt::format("'{}' is not a number", FirstCodePoints(text, 40)));
  return std::optional<double>(v);
}

Result<std::string> FormText(const Open311Form& form, const std::string& name, size_t max_chars) {
  std::string text = form.Get(name);
  if (CodePoints(text) > max_chars)
    return InvalidInput(name, fmt::format("at most {} characters", max_chars));
  return text;
}

// ------------------------------------------------------------------------------------------
// Handlers

class Open311Routes {
 public:
  explicit Open311Routes(std::shared_ptr<CitizenRequestDesk> desk) : desk_(std::move(desk)) {}

  // A GET's format (from the route's {format}, or the extension of a "42.json" parameter);
  // answers the error and returns nullopt when it is neither json nor xml, or when the caller's
  // address is over its read limit.
  std::optional<Format> ReadFormat(Call& call, std::optional<Format> format) {
    if (!format) {
      call.respond(Open311Error(Format::kJson, 404, "no such format: use .json or .xml"));
      return std::nullopt;
    }
    if (call.request.method == "GET") {
      if (auto wait =
              desk_->reads_per_address.Take(ClientKey(call.request.remote_address), desk_->Now())) {
        call.respond(Open311RateLimited(*format, *wait, "too many requests; slow down"));
        return std::nullopt;
      }
    }
    return format;
  }

  void Services(Call& call) {
    auto format = ReadFormat(call, FormatOf(call.params.at("format")));
    if (!format) return;
    OrderedJson list = OrderedJson::array();
    for (const CitizenTopic& t : CitizenTopics()) list.push_back(ServiceJson(t));
    call.respond(Render(*format, 200, "services", list));
  }

  void ServiceDefinition(Call& call) {
    Target target = SplitTarget(call.params.at("service_code"));
    auto format = ReadFormat(call, target.format);
    if (!format) return;
    const CitizenTopic* topic = FindCitizenTopic(target.stem);
    if (topic == nullptr) {
      return call.respond(Open311Error(
          *format, 404,
          fmt::format("service_code '{}' not found", FirstCodePoints(target.stem, 64))));
    }
    call.respond(Render(*format, 200, "service_definition", ServiceDefinitionJson(*topic)));
  }

  void GetRequest(Call& call) {
    Target target = SplitTarget(call.params.at("service_request_id"));
    auto format = ReadFormat(call, target.format);
    if (!format) return;
    auto record = FindRequest(target.stem);
    if (!record) {
      return call.respond(Open311Error(
          *format, 404,
          fmt::format("service_request_id '{}' not found", FirstCodePoints(target.stem, 64))));
    }
    OrderedJson list = OrderedJson::array({RequestJson(*record, *desk_, desk_->Now())});
    call.respond(Render(*format, 200, "service_requests", list));
  }

  void Token(Call& call) {
    Target target = SplitTarget(call.params.at("token"));
    auto format = ReadFormat(call, target.format);
    if (!format) return;
    auto record = desk_->FindByToken(target.stem);
    if (!record) {
      return call.respond(Open311Error(
          *format, 404, fmt::format("token '{}' not found", FirstCodePoints(target.stem, 64))));
    }
    OrderedJson entry = OrderedJson::object();
    entry["service_request_id"] = std::to_string(record->id);
    entry["token"] = target.stem;
    call.respond(Render(*format, 200, "service_requests", OrderedJson::array({entry})));
  }

  void ListRequests(Call& call) {
    auto format = ReadFormat(call, FormatOf(call.params.at("format")));
    if (!format) return;
    const HttpRequest& req = call.request;
    auto query = [&](const char* name) {
      auto it = req.query.find(name);
      return it == req.query.end() ? std::string() : Trimmed(it->second);
    };
    auto fail = [&](const Error& e) { call.respond(Open311Error(*format, e)); };
    if (Status utf8 = CheckQueryIsUtf8(req); !utf8) return fail(utf8.error());
    const TimePoint now = desk_->Now();
    std::vector<std::shared_ptr<const CaseRecord>> found;

    if (std::string ids = query("service_request_id"); !ids.empty()) {
      // The standard: a list of ids overrides every other argument.
      std::vector<CaseId> wanted;
      for (size_t start = 0; start <= ids.size();) {
        size_t comma = std::min(ids.find(',', start), ids.size());
        std::string one = Trimmed(std::string_view(ids).substr(start, comma - start));
        start = comma + 1;
        if (one.empty()) continue;
        CaseId id = 0;
        auto [end, ec] = std::from_chars(one.data(), one.data() + one.size(), id);
        if (ec != std::errc() || end != one.data() + one.size() || id <= 0)
          return fail(InvalidInput("service_request_id",
                                   fmt::format("'{}' is not an id", FirstCodePoints(one, 40))));
        wanted.push_back(id);
      }
      if (wanted.size() > kMaxIdsPerQuery)
        return fail(InvalidInput("service_request_id",
                                 fmt::format("at most {} ids at once", kMaxIdsPerQuery)));
      desk_->engine().Read([&](const engine::ReadView& view) {
        for (CaseId id : wanted) {
          auto it = view.cases.find(id);
          if (it != view.cases.end() && it->second->kind == "request") found.push_back(it->second);
        }
      });
    } else {
      std::vector<std::string> codes = SplitList(query("service_code"));
      for (const std::string& code : codes) {
        if (!FindCitizenTopic(code))
          return fail(InvalidInput("service_code", fmt::format("service_code '{}' not found",
                                                               FirstCodePoints(code, 64))));
      }
      std::vector<std::string> statuses = SplitList(query("status"));
      for (const std::string& s : statuses) {
        if (s != "open" && s != "closed")
          return fail(
              InvalidInput("status", "status is open or closed (or both, comma-separated)"));
      }
      std::optional<TimePoint> start, end;
      for (auto [name, target] : {std::pair{"start_date", &start}, std::pair{"end_date", &end}}) {
        std::string text = query(name);
        if (text.empty()) continue;
        // An offset's '+' sent unescaped arrives as a space ("…T08:00:00 08:00").
        if (size_t space = text.rfind(' ');
            space != std::string::npos && space + 6 >= text.size() && space > 10)
          text[space] = '+';
        *target = ParseDistrictTime(text);
        if (!*target)
          return fail(InvalidInput(
              name, fmt::format("'{}' is not a W3C date-time such as 2026-11-23T08:00:00+08:00",
                                FirstCodePoints(text, 40))));
      }
      if (!end) end = start ? *start + kMaxSpan : now;
      if (!start) start = *end - kMaxSpan;
      if (*start > *end) return fail(InvalidInput("start_date", "start_date is after end_date"));
      if (*end - *start > kMaxSpan)
        return fail(InvalidInput("end_date", "start_date to end_date may span at most 90 days"));
      // The desk's index by opening time: the window's requests only, however old it is.
      found = desk_->RequestsOpened(
          *start, *end, desk_->limits().max_open311_results, [&](const CaseRecord& c) {
            if (!codes.empty() &&
                std::find(codes.begin(), codes.end(), FieldText(c.fields, "topic")) == codes.end())
              return false;
            const char* status = c.IsOpen() ? "open" : "closed";
            return statuses.empty() ||
                   std::find(statuses.begin(), statuses.end(), status) != statuses.end();
          });
    }
    OrderedJson list = OrderedJson::array();
    for (const auto& record : found) list.push_back(RequestJson(*record, *desk_, now));
    call.respond(Render(*format, 200, "service_requests", list));
  }

  void PostRequest(Call& call) {
    std::optional<Format> format = FormatOf(call.params.at("format"));
    if (!format) {
      return call.respond(Open311Error(Format::kJson, 404, "use requests.json or requests.xml"));
    }
    const PublicLimits& limits = desk_->limits();
    const TimePoint now = desk_->Now();
    auto fail = [&](const Error& e) { call.respond(Open311Error(*format, e)); };
    if (call.request.body.size() > limits.max_body_bytes) {
      return call.respond(Open311Error(
          *format, 413, fmt::format("the body is over {} bytes", limits.max_body_bytes)));
    }
    if (auto wait = desk_->open311_per_address.Take(ClientKey(call.request.remote_address), now))
      return call.respond(Open311RateLimited(*format, *wait, "too many requests; slow down"));
    // The key before anything else about the body: without one the answer is 403, whatever
    // the body holds.
    std::optional<std::string> key_name;
    if (desk_->context().api_keys != nullptr)
      key_name = desk_->context().api_keys->Find(ApiKeyOf(call.request));
    if (!key_name) {
      return call.respond(Open311Error(
          *format, 403, "Invalid api_key received -- can't proceed with create_request."));
    }
    if (auto wait = desk_->open311_per_key.Take(*key_name, now))
      return call.respond(Open311RateLimited(*format, *wait, "too many requests for this api_key"));
    auto form = ReadForm(call.request, limits);
    if (!form) return fail(form.error());

    NewCitizenRequest request;
    request.channel = "open311";
    request.actor = "open311:" + *key_name;
    request.sender = request.actor;
    request.topic = form->Get("service_code");
    if (request.topic.empty())
      return fail(InvalidInput("service_code", "service_code is required"));
    if (!FindCitizenTopic(request.topic)) {
      return fail(InvalidInput("service_code", fmt::format("service_code '{}' not found",
                                                           FirstCodePoints(request.topic, 64))));
    }
    auto lat = FormNumber(*form, "lat");
    if (!lat) return fail(lat.error());
    auto lon = FormNumber(*form, "long");
    if (!lon) return fail(lon.error());
    if (lat->has_value() != lon->has_value())
      return fail(InvalidInput(lat->has_value() ? "long" : "lat", "lat and long come together"));
    if (lat->has_value()) {
      LonLat at{**lon, **lat};
      if (!IsValid(at)) return fail(InvalidInput("lat", "lat/long out of range"));
      request.location = at;
    }
    auto address = FormText(*form, "address_string", limits.max_address_chars);
    if (!address) return fail(address.error());
    request.address = *address;
    auto address_id = FormText(*form, "address_id", 64);
    if (!address_id) return fail(address_id.error());
    if (!request.location && request.address.empty() && address_id->empty()) {
      return fail(InvalidInput("lat",
                               "a location is required: lat and long, address_string or "
                               "address_id"));
    }
    auto description = FormText(*form, "description", limits.max_description_chars);
    if (!description) return fail(description.error());
    if (description->empty()) return fail(InvalidInput("description", "description is required"));
    request.description = *description;

    json attributes = form->attributes;
    json type = attributes.contains("type") ? attributes["type"] : json();
    if (!type.is_string() || !FindCitizenRequestType(type.get<std::string>())) {
      return fail(InvalidInput(
          "attribute[type]", "attribute[type] is required: consultation, complaint or suggestion"));
    }
    request.type = type.get<std::string>();
    attributes.erase("type");

    auto first = FormText(*form, "first_name", limits.max_name_chars);
    if (!first) return fail(first.error());
    auto last = FormText(*form, "last_name", limits.max_name_chars);
    if (!last) return fail(last.error());
    request.citizen_name = Trimmed(*first + " " + *last);
    auto phone = FormText(*form, "phone", 32);
    if (!phone) return fail(phone.error());
    if (phone->find_first_not_of("+0123456789-() ") != std::string::npos)
      return fail(InvalidInput("phone", "a phone number has digits, '+', '-', '(', ')' or spaces"));
    request.citizen_phone = *phone;
    auto email = FormText(*form, "email", 254);
    if (!email) return fail(email.error());
    if (!email->empty() && (email->find('@') == std::string::npos ||
                            email->find_first_of(" <>\"") != std::string::npos))
      return fail(InvalidInput("email", "not an e-mail address"));
    request.citizen_email = *email;
    auto media = FormText(*form, "media_url", 1024);
    if (!media) return fail(media.error());
    if (!media->empty() && ((!media->starts_with("http://") && !media->starts_with("https://")) ||
                            media->find_first_of(" <>\"\\^`{|}") != std::string::npos))
      return fail(InvalidInput("media_url", "media_url is an http(s) URL"));
    request.media_url = *media;
    json extra = json::object();
    if (!attributes.empty()) extra["attributes"] = std::move(attributes);
    if (!address_id->empty()) extra["address_id"] = *address_id;
    for (const char* name : {"device_id", "account_id"}) {
      auto value = FormText(*form, name, 128);
      if (!value) return fail(value.error());
      if (!value->empty()) extra[name] = *value;
    }
    request.extra = std::move(extra);

    if (auto earlier = desk_->FindDuplicate(request)) {
      // A client retrying after a lost answer gets the request it already made.
      if (earlier->case_id != 0) return ReplyCreated(call, *format, *earlier);
      return call.respond(
          Open311RateLimited(*format, std::chrono::seconds(1), "the same request is being saved"));
    }
    if (auto wait = desk_->submissions_overall.Take("*", now))
      return call.respond(Open311RateLimited(*format, *wait, "the desk is busy; try again"));
    desk_->Open(std::move(request),
                [this, call, format = *format](Result<CreatedCitizenRequest> created) {
                  if (!created) return call.respond(Open311Error(format, created.error()));
                  if (created->case_id == 0) {
                    return call.respond(Open311RateLimited(format, std::chrono::seconds(1),
                                                           "the same request is being saved"));
                  }
                  ReplyCreated(call, format, *created);
                });
  }

 private:
  void ReplyCreated(const Call& call, Format format, const CreatedCitizenRequest& created) const {
    OrderedJson r = OrderedJson::object();
    r["service_request_id"] = std::to_string(created.case_id);
    r["token"] = created.token;
    r["service_notice"] = ServiceNotice(desk_->engine()) +
                          (created.is_duplicate ? " (与此前提交的相同诉求合并)" : "");
    // account_id is left out: we keep no accounts, and the Swagger description types it as a
    // string, so null would not validate.
    r["tracking_no"] = created.tracking_no;
    call.respond(Render(format, 200, "service_requests", OrderedJson::array({r})));
  }

  std::shared_ptr<const CaseRecord> FindRequest(const std::string& id_text) const {
    CaseId id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size() || id <= 0) return nullptr;
    return desk_->engine().Read([&](const engine::ReadView& view) {
      auto it = view.cases.find(id);
      return it == view.cases.end() || it->second->kind != "request" ? nullptr : it->second;
    });
  }

  static std::vector<std::string> SplitList(const std::string& text) {
    std::vector<std::string> out;
    for (size_t start = 0; start < text.size();) {
      size_t comma = std::min(text.find(',', start), text.size());
      std::string one = Trimmed(std::string_view(text).substr(start, comma - start));
      if (!one.empty()) out.push_back(one);
      start = comma + 1;
    }
    return out;
  }

  std::shared_ptr<CitizenRequestDesk> desk_;
};

}  // namespace

std::string XmlEscape(std::string_view text) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            out += kReplacement;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    std::string_view sequence = text.substr(i, length);
    if (length == 0 || sequence.size() < length || FindInvalidUtf8(sequence)) {
      out += kReplacement;  // one for each byte that starts no well-formed sequence
      ++i;
      continue;
    }
    // U+FFFE and U+FFFF are well-formed UTF-8 but not XML 1.0 characters.
    if (sequence == "\xEF\xBF\xBE" || sequence == "\xEF\xBF\xBF") {
      out += kReplacement;
    } else {
      out += sequence;
    }
    i += length;
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto [raw_name, raw_value] : SplitForm(body)) {
    std::string name, value;
    if (!FormDecode(raw_name, name)) {
      return InvalidInput(FirstCodePoints(raw_name, 40),
                          "malformed field name: bad %-escape or not UTF-8");
    }
    if (name.empty()) return InvalidInput("body", "a field without a name");
    if (!FormDecode(raw_value, value))
      return InvalidInput(name, "malformed value: bad %-escape or not UTF-8");
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

void AddOpen311Routes(Router& router, std::shared_ptr<CitizenRequestDesk> desk) {
  auto routes = std::make_shared<Open311Routes>(std::move(desk));
  const json format = {{"name", "jurisdiction_id"},
                       {"description", "accepted and ignored: the bureau is one jurisdiction"},
                       {"schema", {{"type", "string"}}}};
  router.Add({"GET", "/open311/v2/services.{format}",
              "Open311: the 接诉即办 topics (format json or xml)", "open311", true, std::nullopt,
              nullptr, json::array({format}), "200 [{service_code, service_name, metadata, ...}]",
              [routes](Call& call) { routes->Services(call); }});
  router.Add({"GET", "/open311/v2/services/{service_code}",
              "Open311: a topic's definition, e.g. public_order.xml (the required attribute type)",
              "open311", true, std::nullopt, nullptr, json::array({format}),
              "200 {service_code, attributes}",
              [routes](Call& call) { routes->ServiceDefinition(call); }});
  router.Add(
      {"GET", "/open311/v2/requests.{format}",
       "Open311: requests by service_request_id (comma-separated), or by service_code, status "
       "and start_date/end_date (at most 90 days; the last 90 by default); newest first, at most "
       "1000",
       "open311", true, std::nullopt, nullptr,
       json::array({format,
                    {{"name", "service_request_id"}, {"schema", {{"type", "string"}}}},
                    {{"name", "service_code"}, {"schema", {{"type", "string"}}}},
                    {{"name", "start_date"}, {"schema", {{"type", "string"}}}},
                    {{"name", "end_date"}, {"schema", {{"type", "string"}}}},
                    {{"name", "status"}, {"schema", {{"type", "string"}}}}}),
       "200 [{service_request_id, status, status_notes, agency_responsible, expected_datetime, "
       "...}]",
       [routes](Call& call) { routes->ListRequests(call); }});
  router.Add({"POST", "/open311/v2/requests.{format}",
              "Open311: create a request (application/x-www-form-urlencoded: api_key, "
              "service_code, lat/long or address_string, description, attribute[type], ...)",
              "open311", true, std::nullopt, nullptr, nullptr,
              "200 [{service_request_id, token, service_notice, tracking_no}]; 403 without a valid "
              "api_key",
              [routes](Call& call) { routes->PostRequest(call); }});
  router.Add({"GET", "/open311/v2/requests/{service_request_id}",
              "Open311: one request, e.g. 42.json", "open311", true, std::nullopt, nullptr,
              json::array({format}), "200 [{service_request_id, status, ...}]",
              [routes](Call& call) { routes->GetRequest(call); }});
  router.Add({"GET", "/open311/v2/tokens/{token}",
              "Open311: the service_request_id of a token, e.g. 9f3c….json", "open311", true,
              std::nullopt, nullptr, json::array({format}), "200 [{service_request_id, token}]",
              [routes](Call& call) { routes->Token(call); }});
}

}  // namespace pingan::api
