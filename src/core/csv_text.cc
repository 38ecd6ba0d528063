#include "core/csv_text.h"

#include <cstdint>

#include <fmt/format.h>

namespace pingan {

CsvSplit SplitCsv(std::string_view text) {
  CsvSplit out;
  std::vector<CsvRecord>& records = out.records;
  CsvRecord record;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  bool record_started = false;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
  };
  auto end_record = [&] {
    end_field();
    // A blank line is no record.
    if (!(record.fields.size() == 1 && record.fields[0].empty())) records.push_back(record);
    record.fields.clear();
    record_started = false;
  };
  while (i < text.size()) {
    if (!record_started) {
      record.line = line;
      record_started = true;
    }
    char c = text[i];
    if (c == '"' && field.empty()) {
      // A quoted field: up to the closing quote; "" is a quote.
      const size_t opened_on = line;
      ++i;
      for (;;) {
        if (i >= text.size()) {
          out.error = fmt::format("a quote opened on line {} is never closed", opened_on);
          out.error_line = opened_on;
          return out;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        out.error = "text after a closing quote (a quote inside a quoted field is written \"\")";
        out.error_line = line;
        return out;
      }
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
    } else if (c == '\r' || c == '\n') {
      end_record();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
    } else {
      field += c;
      ++i;
    }
  }
  if (record_started) end_record();
  return out;
}

size_t LineOf(std::string_view text, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

CsvSplit ReadCsvText(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  if (auto bad = FindInvalidUtf8(text)) {
    CsvSplit out;
    out.error_line = LineOf(text, *bad);
    out.error = "the file is not UTF-8 (a GBK export? convert it first: iconv -f GBK -t UTF-8)";
    return out;
  }
  return SplitCsv(text);
}

}  // namespace pingan
