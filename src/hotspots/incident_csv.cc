#include "hotspots/incident_csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <proj.h>

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
    else if (key == "x")
      map.x = column;
    else if (key == "y")
      map.y = column;
    else
      return InvalidInput("columns." + key,
                          "unknown field '" + key + "' (time, lon, lat, x, y, category)");
  }
  if (map.time.empty()) return InvalidInput("columns.time", "time=COLUMN is required");
  if (map.lon.empty() != map.lat.empty())
    return InvalidInput(map.lon.empty() ? "columns.lon" : "columns.lat",
                        "lon=COLUMN and lat=COLUMN go together");
  if (map.x.empty() != map.y.empty())
    return InvalidInput(map.x.empty() ? "columns.x" : "columns.y",
                        "x=COLUMN and y=COLUMN go together");
  if (map.lon.empty() && map.x.empty())
    return InvalidInput(
        "columns.lon",
        "lon=COLUMN,lat=COLUMN (WGS84) or x=COLUMN,y=COLUMN (with --crs) is required");
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

// Projected x/y to WGS84 through PROJ, which knows every EPSG code; one per file read.
class ToWgs84 {
 public:
  static Result<std::unique_ptr<ToWgs84>> Create(const std::string& crs) {
    auto t = std::unique_ptr<ToWgs84>(new ToWgs84);
    t->ctx_ = proj_context_create();
    proj_log_level(t->ctx_, PJ_LOG_NONE);
    PJ* raw = proj_create_crs_to_crs(t->ctx_, crs.c_str(), "EPSG:4326", nullptr);
    if (raw == nullptr) {
      return InvalidInput(
          "crs", fmt::format("--crs {}: not a coordinate system PROJ knows ({})", crs,
                             proj_context_errno_string(t->ctx_, proj_context_errno(t->ctx_))));
    }
    // Longitude first, whatever the authority's axis order.
    t->pj_ = proj_normalize_for_visualization(t->ctx_, raw);
    proj_destroy(raw);
    if (t->pj_ == nullptr) return InvalidInput("crs", "cannot normalise the axes of " + crs);
    return t;
  }
  ~ToWgs84() {
    if (pj_) proj_destroy(pj_);
    if (ctx_) proj_context_destroy(ctx_);
  }
  std::optional<LonLat> operator()(double x, double y) const {
    PJ_COORD c = proj_trans(pj_, PJ_FWD, proj_coord(x, y, 0, 0));
    if (!std::isfinite(c.xy.x) || !std::isfinite(c.xy.y)) return std::nullopt;
    return LonLat{c.xy.x, c.xy.y};
  }

 private:
  ToWgs84() = default;
  PJ_CONTEXT* ctx_ = nullptr;
  PJ* pj_ = nullptr;
};

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
  std::optional<size_t> lon_col, lat_col, x_col, y_col;
  if (!columns.lon.empty()) {
    auto lon = column(columns.lon, "lon");
    if (!lon) return lon.error();
    auto lat = column(columns.lat, "lat");
    if (!lat) return lat.error();
    lon_col = *lon;
    lat_col = *lat;
  }
  std::unique_ptr<ToWgs84> to_wgs84;
  if (!columns.x.empty()) {
    if (columns.crs.empty())
      return InvalidInput(
          "crs", "x= and y= are projected coordinates: give their system, e.g. --crs EPSG:2913");
    auto x = column(columns.x, "x");
    if (!x) return x.error();
    auto y = column(columns.y, "y");
    if (!y) return y.error();
    x_col = *x;
    y_col = *y;
    auto t = ToWgs84::Create(columns.crs);
    if (!t) return t.error();
    to_wgs84 = std::move(*t);
  }
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
    // lon/lat when the row has them, else x/y through the projection.
    std::optional<double> lon, lat, x, y;
    if (lon_col) {
      lon = ParseNumber(f[*lon_col]);
      lat = ParseNumber(f[*lat_col]);
    }
    if ((!lon || !lat) && x_col) {
      x = ParseNumber(f[*x_col]);
      y = ParseNumber(f[*y_col]);
    }
    LonLat at;
    if (lon && lat) {
      at = {*lon, *lat};
      if (!IsValid(at) || (at.lon == 0 && at.lat == 0)) {
        skip("coordinates out of range",
             fmt::format("column '{}'/'{}': {}, {} is not a WGS84 position", columns.lon,
                         columns.lat, *lon, *lat));
        continue;
      }
    } else if (x && y) {
      auto p = (*to_wgs84)(*x, *y);
      if (!p || !IsValid(*p) || (*x == 0 && *y == 0)) {
        skip("coordinates out of range",
             fmt::format("column '{}'/'{}': {}, {} is not a position in {}", columns.x, columns.y,
                         *x, *y, columns.crs));
        continue;
      }
      at = *p;
    } else {
      // Name the first column that failed.
      std::string col = columns.lon, text;
      if (lon_col && !lon) {
        text = f[*lon_col];
      } else if (lon_col && !lat) {
        col = columns.lat;
        text = f[*lat_col];
      }
      if (x_col && (!lon_col || text.empty())) {
        bool bad_x = !x;
        col = bad_x ? columns.x : columns.y;
        text = bad_x ? f[*x_col] : f[*y_col];
      }
      skip("missing or unreadable coordinates",
           fmt::format("column '{}': '{}' is not a number", col, text));
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

Status WriteIncidentHistory(const std::string& path, const IncidentSet& set) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return InvalidInput("history", "cannot write " + tmp);
    out << "time,lon,lat,category\n";
    for (const Incident& i : set.incidents) {
      std::time_t secs = std::time_t(std::floor(i.t));
      std::tm tm{};
      ::gmtime_r(&secs, &tm);
      char when[32];
      std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
      std::string category = i.category >= 0 ? set.categories[size_t(i.category)] : std::string();
      if (category.find_first_of(",\"\n") != std::string::npos) {
        std::string quoted = "\"";
        for (char c : category) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        category = quoted + "\"";
      }
      out << when << ',' << fmt::format("{:.6f},{:.6f}", i.at.lon, i.at.lat) << ',' << category
          << '\n';
    }
    if (!out.flush()) return InvalidInput("history", "cannot write " + tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return InvalidInput("history", "cannot replace " + path + ": " + ec.message());
  return {};
}

Result<IncidentSet> ReadIncidentHistory(const std::string& path) {
  ColumnMap columns;
  columns.time = "time";
  columns.lon = "lon";
  columns.lat = "lat";
  columns.category = "category";
  return ReadIncidentCsv(path, columns, "%Y-%m-%d %H:%M:%S", nullptr);
}

}  // namespace pingan::hotspots
