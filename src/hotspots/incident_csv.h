// Incidents from other systems' CSV exports, for hotspot analysis: which column holds the time,
// the place and the category is given as a mapping (`time=occ_date,lon=lon,lat=lat`); times in
// several formats, date-only files included. Every bad row is reported with file, line and
// column and skipped; nothing half-read is kept.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/result.h"

namespace pingan::hotspots {

struct Incident {
  double t = 0;  // seconds since 1970-01-01 in the file's own local time (no zone shift)
  LonLat at;
  int category = -1;  // index into IncidentSet::categories, -1 when the file has none
};

struct IncidentSet {
  std::vector<Incident> incidents;  // sorted by time
  std::vector<std::string> categories;
  bool date_only = false;  // every time was a date without a time of day
};

// The `--columns` mapping: time (required); lon and lat (WGS84), or x and y in `crs` (an EPSG
// code PROJ knows, e.g. "EPSG:2913" for Oregon North in feet), or both — then a row without
// lon/lat falls back to its x/y; and category.
struct ColumnMap {
  std::string time, lon, lat, category;
  std::string x, y, crs;
};
// Parses "time=COL,lon=COL,lat=COL[,x=COL,y=COL][,category=COL]" (crs is set apart, from
// --crs).
Result<ColumnMap> ParseColumnMap(const std::string& text);

struct ReadReport {
  size_t rows = 0;
  size_t kept = 0;
  std::map<std::string, size_t> skipped;  // reason → rows
  std::vector<std::string> errors;        // "FILE:LINE: column 'C': ...", the first 50
};

// Reads a CSV (RFC 4180 quoting; .gz not supported: gunzip first, or pass a pipe).
// `time_format` is a strptime format; empty tries ISO 8601 ("2014-01-01 01:15", with T or
// seconds), "2016-08-10", "08/10/2016 13:05" and "08/10/2016". Errors (a missing column, an
// unreadable file) name the file; bad rows are skipped and reported.
Result<IncidentSet> ReadIncidentCsv(const std::string& path, const ColumnMap& columns,
                                    const std::string& time_format, ReadReport* report);

// One time in the forms above; nullopt when none fits. `date_only` is set when the text had no
// time of day.
std::optional<double> ParseTime(const std::string& text, const std::string& format,
                                bool* date_only = nullptr);

// Where a data directory keeps incidents of the years before Pingan (imported from an earlier
// system, or a demo's made-up past) for the risk map: columns time (local, "YYYY-MM-DD
// HH:MM:SS"), lon, lat, category.
inline constexpr const char* kHistoryFile = "history/incidents.csv";
Status WriteIncidentHistory(const std::string& path, const IncidentSet& set);
Result<IncidentSet> ReadIncidentHistory(const std::string& path);

// Splits one CSV record (no line breaks inside quotes are supported across lines).
std::vector<std::string> SplitCsvLine(const std::string& line);

}  // namespace pingan::hotspots
