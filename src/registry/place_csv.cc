#include "registry/place_csv.h"

#include <cctype>
#include <charconv>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "core/gcj02.h"

namespace pingan::registry {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string TrimAscii(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::optional<double> ParseNumber(const std::string& text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

const std::vector<PlaceColumn>& PlaceCsvColumns() {
  static const std::vector<PlaceColumn> columns = {
      {"external_id", {"id", "编号", "场所编号"}, true},
      {"name", {"名称", "场所名称", "单位名称"}, true},
      {"category", {"类别", "场所类别"}, true},
      {"sub_kind", {"子类", "类型", "行业类型"}},
      {"address", {"地址", "详细地址"}},
      {"lon", {"longitude", "经度"}},
      {"lat", {"latitude", "纬度"}},
      {"station_id", {"派出所", "所属派出所"}},
      {"grid_id", {"网格", "所属网格"}},
      {"contact_name", {"联系人", "负责人"}},
      {"contact_phone", {"联系电话", "电话"}},
      {"officer", {"责任民警", "项目警官", "民警"}},
      {"notes", {"备注"}},
  };
  return columns;
}

PlaceCsv ReadPlaceCsv(std::string_view text, std::string_view file_name,
                      const PlaceCsvOptions& options) {
  PlaceCsv out;
  auto report = [&](size_t line, const std::string& message) {
    if (out.errors.size() < options.max_errors)
      out.errors.push_back(fmt::format("{}:{}: {}", file_name, line, message));
    ++out.error_count;
  };
  CsvSplit split = ReadCsvText(text);
  if (!split.error.empty()) {
    report(split.error_line, split.error);
    return out;
  }
  const std::vector<CsvRecord>* records = &split.records;
  if (records->empty()) {
    report(1, "the file is empty: a header row is needed (docs/registry.md)");
    return out;
  }

  // The header: which file column holds which of ours.
  const CsvRecord& header = records->front();
  std::unordered_map<std::string, size_t> index_of;    // our name → file column
  std::unordered_map<std::string, std::string> shown;  // our name → the header as written
  for (size_t col = 0; col < header.fields.size(); ++col) {
    const std::string written = TrimAscii(header.fields[col]);
    const std::string key = Lower(written);
    const PlaceColumn* match = nullptr;
    for (const PlaceColumn& c : PlaceCsvColumns()) {
      if (c.name == key) match = &c;
      for (std::string_view alias : c.aliases)
        if (alias == key || alias == written) match = &c;
      if (match) break;
    }
    if (match == nullptr) {
      out.ignored_columns.push_back(written);
      continue;
    }
    const std::string name(match->name);
    if (index_of.contains(name)) {
      report(header.line,
             fmt::format("columns '{}' and '{}' are both {}", shown[name], written, name));
      continue;
    }
    index_of[name] = col;
    shown[name] = written;
  }
  for (const PlaceColumn& c : PlaceCsvColumns()) {
    if (c.is_required && !index_of.contains(std::string(c.name)))
      report(header.line, fmt::format("no column '{}' in the header", c.name));
  }
  if (index_of.contains("lon") != index_of.contains("lat"))
    report(header.line, "lon and lat come together: one of them is missing");
  if (out.error_count > 0) return out;

  auto column = [&](const std::string& name) {
    auto it = shown.find(name);
    if (it == shown.end()) return fmt::format("column '{}' (not in the file)", name);
    if (it->second == name) return fmt::format("column '{}'", name);
    return fmt::format("column '{}' ({})", it->second, name);
  };
  std::unordered_map<std::string, size_t> line_of_id;
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    if (rec.fields.size() != header.fields.size()) {
      report(rec.line, fmt::format("{} fields, but the header has {}", rec.fields.size(),
                                   header.fields.size()));
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = index_of.find(name);
      return it == index_of.end() ? std::string() : rec.fields[it->second];
    };
    Place p;
    p.external_id = get("external_id");
    p.name = get("name");
    p.category = get("category");
    p.sub_kind = get("sub_kind");
    p.address = get("address");
    p.station_id = get("station_id");
    p.grid_id = get("grid_id");
    p.contact_name = get("contact_name");
    p.contact_phone = get("contact_phone");
    p.officer = get("officer");
    p.notes = get("notes");
    const std::string lon_text = TrimAscii(get("lon")), lat_text = TrimAscii(get("lat"));
    if (!lon_text.empty() || !lat_text.empty()) {
      auto lon = ParseNumber(lon_text);
      auto lat = ParseNumber(lat_text);
      if (!lon) {
        report(rec.line, fmt::format("{}: '{}' is not a number", column("lon"), lon_text));
        continue;
      }
      if (!lat) {
        report(rec.line, fmt::format("{}: '{}' is not a number", column("lat"), lat_text));
        continue;
      }
      p.location = LonLat{*lon, *lat};
    }
    if (Status s = NormalizePlace(p); !s) {
      report(rec.line, fmt::format("{}: {}", column(s.error().field), s.error().message));
      continue;
    }
    if (p.external_id.empty()) {
      report(rec.line, fmt::format("{}: every row needs its id, so that importing the file again "
                                   "updates rather than duplicates",
                                   column("external_id")));
      continue;
    }
    if (auto [it, is_new] = line_of_id.emplace(p.external_id, rec.line); !is_new) {
      report(rec.line, fmt::format("{}: {} is also on line {}", column("external_id"),
                                   p.external_id, it->second));
      continue;
    }
    if (p.location && options.is_gcj02)
      p.location = ToWgs84(Gcj02LonLat{p.location->lon, p.location->lat});
    AssignJurisdiction(p, options.jurisdictions);
    out.places.push_back(std::move(p));
    out.lines.push_back(rec.line);
  }
  return out;
}

}  // namespace pingan::registry
