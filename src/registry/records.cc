#include "registry/records.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "core/district_time.h"
#include "registry/place_categories.h"

namespace pingan::registry {

namespace {

constexpr size_t kMaxHazards = 50;
constexpr size_t kMaxPhotosPerHazard = 20;

// Trims ASCII white space and the ideographic space (U+3000) that Chinese exports pad with.
std::string Trim(std::string_view s) {
  constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    size_t before = s.size();
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
      s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
      s.remove_suffix(1);
    if (s.starts_with(kIdeographicSpace)) s.remove_prefix(kIdeographicSpace.size());
    if (s.ends_with(kIdeographicSpace)) s.remove_suffix(kIdeographicSpace.size());
    if (s.size() == before) return std::string(s);
  }
}

// Trims `value` and checks it: present when `required`, at most `max_bytes`, no control
// characters (line breaks allowed when `multiline`).
Status CheckText(std::string& value, const std::string& field, size_t max_bytes, bool required,
                 bool multiline = false) {
  value = Trim(value);
  if (required && value.empty()) return InvalidInput(field, field + " is required");
  if (value.size() > max_bytes)
    return InvalidInput(field, fmt::format("{} is longer than {} bytes", field, max_bytes));
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
      return InvalidInput(field, fmt::format("{} holds a control character", field));
    if (c == 0x7F) return InvalidInput(field, fmt::format("{} holds a control character", field));
  }
  return {};
}

Status CheckLocation(const std::optional<LonLat>& location) {
  if (!location) return {};
  if (!(location->lon >= -180 && location->lon <= 180))
    return InvalidInput("lon", fmt::format("{} is not a longitude (-180 to 180)", location->lon));
  if (!(location->lat >= -90 && location->lat <= 90))
    return InvalidInput("lat", fmt::format("{} is not a latitude (-90 to 90)", location->lat));
  return {};
}

}  // namespace

std::optional<Day> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](size_t at, size_t len) -> std::optional<int> {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, v);
    if (ec != std::errc() || end != text.data() + at + len) return std::nullopt;
    return v;
  };
  auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (!y || !m || !d || *m < 1 || *d < 1) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(unsigned(*m)),
                                  std::chrono::day(unsigned(*d))};
  if (!ymd.ok()) return std::nullopt;
  return Day(ymd);
}

std::string FormatDay(Day day) {
  std::chrono::year_month_day ymd(day);
  return fmt::format("{:04d}-{:02d}-{:02d}", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()));
}

Day DistrictDay(TimePoint t) {
  return std::chrono::floor<std::chrono::days>(t + std::chrono::seconds(kDistrictUtcOffsetSeconds));
}

Status NormalizePlace(Place& p) {
  if (Status s = CheckText(p.external_id, "external_id", 64, false); !s) return s;
  if (Status s = CheckText(p.name, "name", 200, true); !s) return s;
  if (Status s = CheckText(p.category, "category", 64, true); !s) return s;
  const PlaceCategory* category = FindPlaceCategory(p.category);
  if (category == nullptr) {
    return InvalidInput(
        "category", fmt::format("unknown category '{}'; one of {}", p.category, CategoryChoices()));
  }
  p.category = std::string(category->code);
  if (Status s = CheckText(p.sub_kind, "sub_kind", 64, false); !s) return s;
  auto sub_kind = NormalizeSubKind(*category, p.sub_kind);
  if (!sub_kind) {
    return InvalidInput("sub_kind",
                        fmt::format("'{}' is not a sub-kind of {} ({}); one of {}", p.sub_kind,
                                    category->code, category->label, SubKindChoices(*category)));
  }
  p.sub_kind = *sub_kind;
  if (Status s = CheckText(p.address, "address", 500, false); !s) return s;
  if (Status s = CheckLocation(p.location); !s) return s;
  if (Status s = CheckText(p.station_id, "station_id", 64, false); !s) return s;
  if (Status s = CheckText(p.grid_id, "grid_id", 64, false); !s) return s;
  if (Status s = CheckText(p.contact_name, "contact_name", 100, false); !s) return s;
  if (Status s = CheckText(p.contact_phone, "contact_phone", 32, false); !s) return s;
  for (char c : p.contact_phone) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '+' && c != ' ' &&
        c != '(' && c != ')') {
      return InvalidInput(
          "contact_phone",
          fmt::format("'{}' is not a phone number (digits, + - ( ) and spaces)", p.contact_phone));
    }
  }
  if (Status s = CheckText(p.officer, "officer", 100, false); !s) return s;
  if (category->needs_officer && p.officer.empty()) {
    return InvalidInput("officer", fmt::format("a {} ({}) needs its officer (项目警官)",
                                               category->code, category->label));
  }
  if (Status s = CheckText(p.notes, "notes", 4000, false, /*multiline=*/true); !s) return s;
  return {};
}

void AssignJurisdiction(Place& place, const JurisdictionIndex* index) {
  if (index == nullptr || !place.location) return;
  JurisdictionPath path = index->Locate(*place.location);
  if (path.station_id.empty()) return;
  place.station_id = path.station_id;
  place.grid_id = path.grid_id;
}

CreateCase HazardCaseCommand(const Place& place, const Hazard& hazard,
                             const JurisdictionIndex* index) {
  CreateCase cmd;
  cmd.kind = "hazard";
  cmd.priority = hazard.priority;
  cmd.location = place.location;
  // A station the file named but the jurisdictions do not know would be refused; the location
  // then decides.
  const Jurisdiction* station = index ? index->Find(place.station_id) : nullptr;
  if (station != nullptr && station->level == JurisdictionLevel::kStation)
    cmd.station_id = place.station_id;
  cmd.fields = {{"place_id", place.id},
                {"inspection_id", hazard.inspection_id},
                {"hazard_id", hazard.id},
                {"description", hazard.description},
                {"photos", hazard.photos},
                {"place_name", place.name},
                {"place_category", place.category},
                {"address", place.address}};
  return cmd;
}

bool Campaign::Covers(const Place& place) const {
  auto holds = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  return holds(categories, place.category) && holds(station_ids, place.station_id);
}

Status NormalizeCampaign(Campaign& c) {
  if (Status s = CheckText(c.name, "name", 200, true); !s) return s;
  std::set<std::string> seen;
  for (size_t i = 0; i < c.categories.size(); ++i) {
    const std::string field = fmt::format("categories[{}]", i);
    const PlaceCategory* category = FindPlaceCategory(Trim(c.categories[i]));
    if (category == nullptr) {
      return InvalidInput(field, fmt::format("unknown category '{}'; one of {}", c.categories[i],
                                             CategoryChoices()));
    }
    c.categories[i] = std::string(category->code);
    if (!seen.insert(c.categories[i]).second)
      return InvalidInput(field, fmt::format("{} is listed twice", c.categories[i]));
  }
  seen.clear();
  for (size_t i = 0; i < c.station_ids.size(); ++i) {
    const std::string field = fmt::format("stations[{}]", i);
    if (Status s = CheckText(c.station_ids[i], field, 64, true); !s) return s;
    if (!seen.insert(c.station_ids[i]).second)
      return InvalidInput(field, fmt::format("{} is listed twice", c.station_ids[i]));
  }
  if (c.to < c.from) return InvalidInput("to", "the campaign ends before it begins");
  if (Status s = CheckText(c.notes, "notes", 4000, false, /*multiline=*/true); !s) return s;
  return {};
}

Status NormalizeInspection(Inspection& in) {
  if (Status s = CheckText(in.inspector, "inspector", 100, true); !s) return s;
  if (Status s = CheckText(in.notes, "notes", 4000, false, /*multiline=*/true); !s) return s;
  if (in.hazards.size() > kMaxHazards)
    return InvalidInput("hazards", fmt::format("at most {} hazards per inspection", kMaxHazards));
  if (in.result.empty())
    in.result = in.hazards.empty() ? std::string(kResultOk) : std::string(kResultHazardsFound);
  if (in.result != kResultOk && in.result != kResultHazardsFound)
    return InvalidInput("result", fmt::format("'{}': result is ok or hazards_found", in.result));
  if (in.result == kResultOk && !in.hazards.empty())
    return InvalidInput("result", "an inspection with hazards is not ok: result hazards_found");
  if (in.result == kResultHazardsFound && in.hazards.empty())
    return InvalidInput("hazards", "hazards_found needs at least one hazard");
  for (size_t i = 0; i < in.hazards.size(); ++i) {
    Hazard& h = in.hazards[i];
    const std::string at = fmt::format("hazards[{}]", i);
    if (Status s = CheckText(h.description, at + ".description", 2000, true, true); !s) return s;
    if (h.priority < 1 || h.priority > 4)
      return InvalidInput(at + ".priority", "priority is 1 (most urgent) to 4");
    if (h.photos.size() > kMaxPhotosPerHazard) {
      return InvalidInput(at + ".photos",
                          fmt::format("at most {} photos to a hazard", kMaxPhotosPerHazard));
    }
  }
  return {};
}

Status NormalizeOutreach(OutreachEvent& e) {
  if (Status s = CheckText(e.place, "place", 200, true); !s) return s;
  if (Status s = CheckLocation(e.location); !s) return s;
  if (Status s = CheckText(e.kind, "kind", 64, true); !s) return s;
  auto kind = NormalizeOutreachKind(e.kind);
  if (!kind) {
    return InvalidInput("kind",
                        fmt::format("unknown kind '{}'; one of {}", e.kind, OutreachKindChoices()));
  }
  e.kind = *kind;
  if (e.audience < 0) return InvalidInput("audience", "audience is a count of people, 0 or more");
  if (e.audience > 10'000'000)
    return InvalidInput("audience", "audience over ten million: mistyped?");
  if (Status s = CheckText(e.station_id, "station_id", 64, true); !s) return s;
  if (Status s = CheckText(e.notes, "notes", 4000, false, /*multiline=*/true); !s) return s;
  return {};
}

}  // namespace pingan::registry
