// CSV as bureaus exchange it: RFC 4180 (quoted fields may hold commas, doubled quotes and line
// breaks), in UTF-8 — a byte-order mark is skipped, and anything else that is not UTF-8 (a GBK
// export from Excel) is refused with the line where it goes wrong, before one byte of it can
// reach the ledger. Every record keeps the line it starts on, so errors say FILE:LINE.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"

namespace pingan {

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

// SplitCsv after skipping a byte-order mark and checking the text is UTF-8.
CsvSplit ReadCsvText(std::string_view text);

// The line (from 1) holding byte `offset` of `text`.
std::size_t LineOf(std::string_view text, std::size_t offset);

}  // namespace pingan
