#include "hotspots/incident_csv.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

namespace pingan::hotspots {

Result<ColumnMap> ParseColumnMap(const std::string& text) {
  ColumnMap map;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(at, end - at);
    at = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return InvalidInput("columns", "expected NAME=COLUMN, got '" + item + "'");
    }
    std::string key = item.substr(0, eq), column = item.substr(eq + 1);
    if (key == "time")
      map.time = column;
    else if (key == "lon")
      map.lon = column;
    else if (key == "lat")
      map.lat = column;
    else if (key == "category")
      map.category = column;
    else if (key == "x" || key == "y")
      return InvalidInput("columns." + key,
                          "projected coordinates (x=, y= with --crs) are not read yet: give lon= "
                          "and lat= in WGS84");
    else
      return InvalidInput("columns." + key,
                          "unknown field '" + key + "' (time, lon, lat, category)");
  }
  if (map.time.empty()) return InvalidInput("columns.time", "time=COLUMN is required");
  if (map.lon.empty() || map.lat.empty())
    return InvalidInput(map.lon.empty() ? "columns.lon" : "columns.lat",
                        "lon=COLUMN and lat=COLUMN are required");
  return map;
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          fields.back().push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return fields;
}

namespace {

std::optional<double> TryFormat(const std::string& text, const char* format) {
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), format, &tm);
  if (end == nullptr) return std::nullopt;
  while (*end == ' ') ++end;
  if (*end != '\0') return std::nullopt;
  return double(::timegm(&tm));
}

std::optional<double> ParseNumber(const std::string& text) {
  double v = 0;
  const char* b = text.data();
  while (b < text.data() + text.size() && *b == ' ') ++b;
  auto [p, ec] = std::from_chars(b, text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<double> ParseTime(const std::string& text, const std::string& format,
                                bool* date_only) {
  if (date_only) *date_only = false;
  if (!format.empty()) {
    auto t = TryFormat(text, format.c_str());
    if (t && date_only)
      *date_only = format.find("%H") == std::string::npos && format.find("%T") == std::string::npos;
    return t;
  }
  static const char* kWithTime[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                                    "%Y-%m-%dT%H:%M",    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                                    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"};
  static const char* kDates[] = {"%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y"};
  std::string trimmed = text;
  // ISO 8601 with a zone or fractions: keep the local wall time, drop what follows.
  if (trimmed.size() > 19 && trimmed[10] == 'T') trimmed = trimmed.substr(0, 19);
  for (const char* f : kWithTime)
    if (auto t = TryFormat(trimmed, f)) return t;
  for (const char* f : kDates) {
    if (auto t = TryFormat(trimmed, f)) {
      if (date_only) *date_only = true;
      return t;
    }
  }
  return std::nullopt;
}

Result<IncidentSet> ReadIncidentCsv(const std::string& path, const ColumnMap& columns,
                                    const std::string& time_format, ReadReport* report) {
  ReadReport local;
  ReadReport& r = report ? *report : local;
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidInput("incidents", path + ": cannot open");
  char magic[2] = {};
  in.read(magic, 2);
  if (in.gcount() == 2 && uint8_t(magic[0]) == 0x1f && uint8_t(magic[1]) == 0x8b) {
    return InvalidInput("incidents",
                        path + ": gzip-compressed; gunzip it first (or pass <(zcat FILE))");
  }
  in.clear();
  in.seekg(0);
  std::string line;
  if (!std::getline(in, line)) return InvalidInput("incidents", path + ": empty file");
  if (line.starts_with("\xEF\xBB\xBF")) line = line.substr(3);  // a BOM from Excel
  std::vector<std::string> header = SplitCsvLine(line);
  auto column = [&](const std::string& name, const char* field) -> Result<size_t> {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      return InvalidInput(std::string("columns.") + field,
                          fmt::format("{}:1: no column '{}' (the header has: {})", path, name,
                                      fmt::join(header, ", ")));
    }
    return size_t(it - header.begin());
  };
  auto time_col = column(columns.time, "time");
  if (!time_col) return time_col.error();
  auto lon_col = column(columns.lon, "lon");
  if (!lon_col) return lon_col.error();
  auto lat_col = column(columns.lat, "lat");
  if (!lat_col) return lat_col.error();
  std::optional<size_t> cat_col;
  if (!columns.category.empty()) {
    auto c = column(columns.category, "category");
    if (!c) return c.error();
    cat_col = *c;
  }

  IncidentSet set;
  std::map<std::string, int> category_ids;
  bool all_date_only = true;
  size_t line_no = 1;
  auto skip = [&](const std::string& reason, const std::string& message) {
    r.skipped[reason]++;
    if (r.errors.size() < 50) r.errors.push_back(fmt::format("{}:{}: {}", path, line_no, message));
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    ++r.rows;
    std::vector<std::string> f = SplitCsvLine(line);
    if (f.size() != header.size()) {
      skip("wrong number of fields",
           fmt::format("{} fields where the header has {}", f.size(), header.size()));
      continue;
    }
    bool date_only = false;
    auto t = ParseTime(f[*time_col], time_format, &date_only);
    if (!t) {
      skip("unreadable time",
           fmt::format("column '{}': cannot read '{}' as a time", columns.time, f[*time_col]));
      continue;
    }
    auto lon = ParseNumber(f[*lon_col]);
    auto lat = ParseNumber(f[*lat_col]);
    if (!lon || !lat) {
      bool bad_lon = !lon;
      skip("missing or unreadable coordinates",
           fmt::format("column '{}': '{}' is not a number", bad_lon ? columns.lon : columns.lat,
                       bad_lon ? f[*lon_col] : f[*lat_col]));
      continue;
    }
    LonLat at{*lon, *lat};
    if (!IsValid(at) || (at.lon == 0 && at.lat == 0)) {
      skip("coordinates out of range",
           fmt::format("column '{}'/'{}': {}, {} is not a WGS84 position", columns.lon, columns.lat,
                       *lon, *lat));
      continue;
    }
    Incident incident{*t, at, -1};
    if (cat_col) {
      auto [it, inserted] = category_ids.emplace(f[*cat_col], int(set.categories.size()));
      if (inserted) set.categories.push_back(f[*cat_col]);
      incident.category = it->second;
    }
    all_date_only &= date_only;
    set.incidents.push_back(incident);
  }
  r.kept = set.incidents.size();
  if (set.incidents.empty()) {
    return InvalidInput("incidents",
                        fmt::format("{}: no usable rows ({} read){}", path, r.rows,
                                    r.errors.empty() ? "" : "; first problem: " + r.errors[0]));
  }
  set.date_only = all_date_only;
  std::stable_sort(set.incidents.begin(), set.incidents.end(),
                   [](const Incident& a, const Incident& b) { return a.t < b.t; });
  return set;
}

}  // namespace pingan::hotspots
