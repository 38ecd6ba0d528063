// Reads the protocol vectors in ../shared/data/protocol-vectors in place (see their README).
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pingan::test {

// One row of a vectors TSV file, split at tabs; the header row is skipped.
inline std::vector<std::vector<std::string>> ReadTsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  bool is_header = true;
  while (std::getline(in, line)) {
    if (is_header) {
      is_header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> columns;
    std::size_t start = 0;
    while (true) {
      std::size_t tab = line.find('\t', start);
      columns.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    rows.push_back(std::move(columns));
  }
  return rows;
}

// "7e0200" → {0x7e, 0x02, 0x00}. Odd lengths and non-hex characters are a bug in the test.
inline std::vector<std::uint8_t> FromHex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::string ToHex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

}  // namespace pingan::test
