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

#include "core/jurisdiction.h"
#include "core/result.h"
#include "registry/records.h"

namespace pingan::registry {

struct CsvRecord {
  std::size_t line = 0;  // where the record begins, from 1
  std::vector<std::string> fields;
};

struct CsvSplit {
  std::vector<CsvRecord> records;
  std::string error;           // empty when the text splits cleanly
  std::size_t error_line = 0;  // where the error is
};
// Splits `text` into records; blank lines are skipped. Errors: a quote still open at the end
// (reported on the line it opened), text after a closing quote.
CsvSplit SplitCsv(std::string_view text);

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
// forms and surrogates included), or nullopt when `text` is all UTF-8.
std::optional<std::size_t> FindInvalidUtf8(std::string_view text);

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
