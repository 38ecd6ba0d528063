#include "ingest/osmand.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time_format.h"

namespace pingan::ingest {

namespace {

constexpr double kKnotToMps = 1852.0 / 3600.0;
// Unix times below 2^31 are seconds (up to 2038); larger values are milliseconds (from
// 1970-01-25 on). Traccar draws the line at the same place.
constexpr long long kLargestUnixSeconds = 2'147'483'647;

struct Param {
  std::string name;
  std::string value;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes and '+' (a space in form encoding). A '%' not followed by two hex digits
// is kept as it is, as browsers do.
std::string FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void AppendParams(std::string_view query, std::vector<Param>& out) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      out.push_back(Param{FormDecode(pair.substr(0, eq)), eq == std::string_view::npos
                                                              ? std::string()
                                                              : FormDecode(pair.substr(eq + 1))});
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

// The first parameter named `name`, or null.
const std::string* FindParam(const std::vector<Param>& params, std::string_view name) {
  for (const Param& p : params) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

// The first of the parameters named in `names` that is present, with its name.
std::optional<std::pair<std::string_view, const std::string*>> FindFirst(
    const std::vector<Param>& params, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (const std::string* value = FindParam(params, name)) return std::make_pair(name, value);
  }
  return std::nullopt;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A finite decimal number, the whole text; a leading '+' is allowed.
std::optional<double> ParseNumber(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

Result<double> RequireNumber(std::string_view name, std::string_view text) {
  std::optional<double> value = ParseNumber(text);
  if (!value) {
    return InvalidInput(std::string(name), fmt::format("'{}' is not a number", text));
  }
  return *value;
}

// Unix time in seconds or milliseconds (see kLargestUnixSeconds) → TimePoint.
TimePoint FromUnixNumber(double value) {
  double ms = value <= static_cast<double>(kLargestUnixSeconds) ? value * 1000.0 : value;
  return FromMillis(static_cast<long long>(std::llround(ms)));
}

Result<TimePoint> ParseTimestamp(const std::string& field, std::string_view text) {
  text = Trim(text);
  bool is_numeric =
      !text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos;
  if (is_numeric) {
    std::optional<double> value = ParseNumber(text);
    // Beyond 1e15 ms (year 33658) the number is garbage, and llround would overflow.
    if (!value || *value > 1e15) {
      return InvalidInput(field, fmt::format("timestamp '{}' is not a unix time", text));
    }
    return FromUnixNumber(*value);
  }
  std::optional<TimePoint> time =
      text.empty() || text.front() == '-' ? std::nullopt : ParseTime(text);
  if (!time) {
    return InvalidInput(field, fmt::format("timestamp '{}' is neither unix seconds or "
                                           "milliseconds nor ISO 8601",
                                           text));
  }
  return *time;
}

Status CheckLatLon(double lat, double lon, const std::string& lat_field,
                   const std::string& lon_field) {
  if (lat < -90 || lat > 90) {
    return InvalidInput(lat_field, fmt::format("latitude {} is outside -90..90", lat));
  }
  if (lon < -180 || lon > 180) {
    return InvalidInput(lon_field, fmt::format("longitude {} is outside -180..180", lon));
  }
  return {};
}

// Negative speeds and headings mean "unknown" (iOS reports -1).
double KnownOrZero(double value) {
  return value < 0 ? 0 : value;
}

double NormalizeHeading(double deg) {
  return deg < 0 ? 0 : std::fmod(deg, 360.0);
}

Result<std::string> CheckIdentifier(const std::string& field, std::string identifier) {
  if (identifier.empty()) {
    return InvalidInput(field, "device identifier is empty");
  }
  if (identifier.size() > kOsmAndMaxIdentifierBytes) {
    return InvalidInput(
        field, fmt::format("device identifier longer than {} bytes", kOsmAndMaxIdentifierBytes));
  }
  return identifier;
}

Result<OsmAndReport> ParseQueryForm(const std::vector<Param>& params, TimePoint received_at) {
  OsmAndReport report;
  auto id = FindFirst(params, {"id", "deviceid"});
  if (!id) return InvalidInput("id", "missing device identifier: give id or deviceid");
  Result<std::string> identifier = CheckIdentifier(std::string(id->first), *id->second);
  if (!identifier) return identifier.error();
  report.identifier = std::move(*identifier);

  DeviceFix fix;
  const std::string* lat = FindParam(params, "lat");
  const std::string* lon = FindParam(params, "lon");
  const std::string* location = FindParam(params, "location");
  std::string lat_field = "lat", lon_field = "lon";
  if (lat == nullptr && lon == nullptr && location != nullptr) {
    std::size_t comma = location->find(',');
    if (comma == std::string::npos) {
      return InvalidInput("location", fmt::format("location '{}' is not \"lat,lon\"", *location));
    }
    std::optional<double> lat_value = ParseNumber(std::string_view(*location).substr(0, comma));
    std::optional<double> lon_value = ParseNumber(std::string_view(*location).substr(comma + 1));
    if (!lat_value || !lon_value) {
      return InvalidInput("location", fmt::format("location '{}' is not \"lat,lon\"", *location));
    }
    fix.lat = *lat_value;
    fix.lon = *lon_value;
    lat_field = lon_field = "location";
  } else {
    if (lat == nullptr) return InvalidInput("lat", "missing lat (or location=lat,lon)");
    if (lon == nullptr) return InvalidInput("lon", "missing lon (or location=lat,lon)");
    Result<double> lat_value = RequireNumber("lat", *lat);
    if (!lat_value) return lat_value.error();
    Result<double> lon_value = RequireNumber("lon", *lon);
    if (!lon_value) return lon_value.error();
    fix.lat = *lat_value;
    fix.lon = *lon_value;
  }
  if (Status s = CheckLatLon(fix.lat, fix.lon, lat_field, lon_field); !s) return s.error();

  fix.time = received_at;
  if (const std::string* timestamp = FindParam(params, "timestamp")) {
    Result<TimePoint> time = ParseTimestamp("timestamp", *timestamp);
    if (!time) return time.error();
    fix.time = *time;
  }
  if (const std::string* speed = FindParam(params, "speed")) {
    Result<double> knots = RequireNumber("speed", *speed);
    if (!knots) return knots.error();
    fix.speed_mps = KnownOrZero(*knots) * kKnotToMps;
  }
  if (auto heading = FindFirst(params, {"bearing", "heading"})) {
    Result<double> deg = RequireNumber(heading->first, *heading->second);
    if (!deg) return deg.error();
    fix.heading_deg = NormalizeHeading(*deg);
  }
  if (auto accuracy = FindFirst(params, {"accuracy", "hacc"})) {
    Result<double> metres = RequireNumber(accuracy->first, *accuracy->second);
    if (!metres) return metres.error();
    fix.accuracy_m = KnownOrZero(*metres);
  }
  if (const std::string* altitude = FindParam(params, "altitude")) {
    Result<double> metres = RequireNumber("altitude", *altitude);
    if (!metres) return metres.error();
    fix.altitude_m = *metres;
  }
  report.fixes.push_back(fix);
  return report;
}

// An optional JSON number member: nullopt when absent or null, an error when of another type.
Result<std::optional<double>> OptionalJsonNumber(const nlohmann::json& object, const char* name,
                                                 const std::string& path) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) {
    return InvalidInput(path + "." + name, fmt::format("{} is not a number", name));
  }
  double value = it->get<double>();
  if (!std::isfinite(value)) {
    return InvalidInput(path + "." + name, fmt::format("{} is not finite", name));
  }
  return std::optional<double>(value);
}

Result<DeviceFix> ParseJsonLocation(const nlohmann::json& location, const std::string& path,
                                    TimePoint received_at) {
  if (!location.is_object()) return InvalidInput(path, "location is not an object");
  auto coords = location.find("coords");
  if (coords == location.end() || !coords->is_object()) {
    return InvalidInput(path + ".coords", "missing coords object");
  }
  std::string coords_path = path + ".coords";
  DeviceFix fix;
  Result<std::optional<double>> lat = OptionalJsonNumber(*coords, "latitude", coords_path);
  if (!lat) return lat.error();
  Result<std::optional<double>> lon = OptionalJsonNumber(*coords, "longitude", coords_path);
  if (!lon) return lon.error();
  if (!*lat) return InvalidInput(coords_path + ".latitude", "missing latitude");
  if (!*lon) return InvalidInput(coords_path + ".longitude", "missing longitude");
  fix.lat = **lat;
  fix.lon = **lon;
  if (Status s =
          CheckLatLon(fix.lat, fix.lon, coords_path + ".latitude", coords_path + ".longitude");
      !s) {
    return s.error();
  }
  struct Optional {
    const char* name;
    double* target;
    double (*convert)(double);
  };
  const Optional optionals[] = {
      {"speed", &fix.speed_mps, KnownOrZero},  // m/s in this form
      {"heading", &fix.heading_deg, NormalizeHeading},
      {"accuracy", &fix.accuracy_m, KnownOrZero},
      {"altitude", &fix.altitude_m, [](double v) { return v; }},
  };
  for (const Optional& o : optionals) {
    Result<std::optional<double>> value = OptionalJsonNumber(*coords, o.name, coords_path);
    if (!value) return value.error();
    if (*value) *o.target = o.convert(**value);
  }
  fix.time = received_at;
  auto timestamp = location.find("timestamp");
  if (timestamp != location.end() && !timestamp->is_null()) {
    std::string field = path + ".timestamp";
    if (timestamp->is_string()) {
      Result<TimePoint> time = ParseTimestamp(field, timestamp->get<std::string>());
      if (!time) return time.error();
      fix.time = *time;
    } else if (timestamp->is_number() && timestamp->get<double>() >= 0 &&
               timestamp->get<double>() <= 1e15) {
      fix.time = FromUnixNumber(timestamp->get<double>());
    } else {
      return InvalidInput(field, "timestamp is neither an ISO 8601 string nor a unix time");
    }
  }
  return fix;
}

Result<OsmAndReport> ParseJsonForm(const std::string& body, const std::vector<Param>& query,
                                   TimePoint received_at) {
  if (Trim(body).empty()) return InvalidInput("body", "empty JSON body");
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return InvalidInput("body", "body is not valid JSON");
  if (!json.is_object()) return InvalidInput("body", "JSON body is not an object");

  OsmAndReport report;
  auto device_id = json.find("device_id");
  if (device_id != json.end() && device_id->is_string()) {
    report.identifier = device_id->get<std::string>();
  } else if (device_id != json.end() && device_id->is_number_integer()) {
    report.identifier = device_id->dump();
  } else if (device_id != json.end() && !device_id->is_null()) {
    return InvalidInput("device_id", "device_id is neither a string nor an integer");
  } else if (auto id = FindFirst(query, {"id", "deviceid"})) {
    report.identifier = *id->second;
  } else {
    return InvalidInput("device_id", "missing device_id");
  }
  Result<std::string> identifier = CheckIdentifier("device_id", std::move(report.identifier));
  if (!identifier) return identifier.error();
  report.identifier = std::move(*identifier);

  auto location = json.find("location");
  if (location == json.end() || location->is_null()) {
    return InvalidInput("location", "missing location");
  }
  if (location->is_array()) {
    if (location->empty()) return InvalidInput("location", "location array is empty");
    for (std::size_t i = 0; i < location->size(); ++i) {
      Result<DeviceFix> fix =
          ParseJsonLocation((*location)[i], fmt::format("location[{}]", i), received_at);
      if (!fix) return fix.error();
      report.fixes.push_back(*fix);
    }
  } else {
    Result<DeviceFix> fix = ParseJsonLocation(*location, "location", received_at);
    if (!fix) return fix.error();
    report.fixes.push_back(*fix);
  }
  return report;
}

bool IsJson(const OsmAndRequest& request) {
  std::string_view media = request.content_type;
  media = Trim(media.substr(0, media.find(';')));
  std::string lower(media);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/json") return true;
  std::string_view body = Trim(request.body);
  return !body.empty() && body.front() == '{';
}

}  // namespace

Result<OsmAndReport> ParseOsmAndRequest(const OsmAndRequest& request, TimePoint received_at) {
  std::vector<Param> params;
  std::string_view target = request.target;
  target = target.substr(0, target.find('#'));
  if (std::size_t q = target.find('?'); q != std::string_view::npos) {
    AppendParams(target.substr(q + 1), params);
  }
  if (request.method == "POST" && IsJson(request)) {
    return ParseJsonForm(request.body, params, received_at);
  }
  if (request.method == "POST") AppendParams(Trim(request.body), params);
  return ParseQueryForm(params, received_at);
}

}  // namespace pingan::ingest
