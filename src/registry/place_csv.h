// Places from CSV, for `pingan import places`: RFC 4180 (quoted fields may hold commas, doubled
// quotes and line breaks), UTF-8 (a byte-order mark is skipped; anything else that is not UTF-8,
// such as a GBK export, is refused with the line it is on), a header row naming the columns in
// English or Chinese (docs/registry.md lists them). Every row is checked as the API checks a
// place (NormalizePlace), and every error says FILE:LINE and the column; the caller imports
// nothing unless no row has an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv_text.h"
#include "core/jurisdiction.h"
#include "core/result.h"
#include "registry/records.h"

namespace pingan::registry {

// The CSV reader is shared (core/csv_text.h); these names stay for the registry's callers.
using pingan::CsvRecord;
using pingan::CsvSplit;
using pingan::FindInvalidUtf8;
using pingan::SplitCsv;

struct PlaceColumn {
  std::string_view name;                  // as JSON calls the field: "contact_phone"
  std::vector<std::string_view> aliases;  // other headers taken for it: "联系电话"
  bool is_required = false;
};
// The columns a places CSV may have, in the order docs/registry.md lists them.
const std::vector<PlaceColumn>& PlaceCsvColumns();

struct PlaceCsvOptions {
  // lon/lat are GCJ-02 (what Chinese map services give); converted to WGS84.
  bool is_gcj02 = false;
  // Stations and grids are found from each place's location; may be null.
  const JurisdictionIndex* jurisdictions = nullptr;
  std::size_t max_errors = 100;  // errors kept in the report; all are counted
};

struct PlaceCsv {
  std::vector<Place> places;                 // checked, located; in file order
  std::vector<std::size_t> lines;            // the line each place came from
  std::vector<std::string> ignored_columns;  // headers that are no column of ours
  std::vector<std::string> errors;  // "FILE:LINE: column 'lat': ..."; empty when all is well
  std::size_t error_count = 0;      // every error, also those past max_errors
};

PlaceCsv ReadPlaceCsv(std::string_view text, std::string_view file_name,
                      const PlaceCsvOptions& options);

}  // namespace pingan::registry
