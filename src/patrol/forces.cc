#include "patrol/forces.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hotspots/risk_map.h"

namespace pingan::patrol {
namespace {

std::string Clock(int minutes) {
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

}  // namespace

std::optional<int> ParseClockMinutes(std::string_view text) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0u, 1u, 3u, 4u})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  h = (text[0] - '0') * 10 + (text[1] - '0');
  m = (text[3] - '0') * 10 + (text[4] - '0');
  if (m > 59 || h * 60 + m > 48 * 60) return std::nullopt;
  return h * 60 + m;
}

Result<Forces> ParseForces(const nlohmann::json& doc) {
  if (!doc.is_object()) return InvalidInput("", "the forces must be a JSON object");
  if (!doc.contains("units") || !doc["units"].is_array())
    return InvalidInput("units", "must be an array of units");
  Forces forces;
  const auto& list = doc["units"];
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& u = list[i];
    const std::string at = fmt::format("units[{}]", i);
    if (!u.is_object()) return InvalidInput(at, "must be an object");
    auto text = [&](const char* key, const char* fallback) -> Result<std::string> {
      if (!u.contains(key)) return std::string(fallback);
      if (!u[key].is_string()) return InvalidInput(at + "." + key, "must be a string");
      return u[key].get<std::string>();
    };
    auto mode_text = text("mode", "car");
    if (!mode_text) return mode_text.error();
    auto mode = ParseTravelMode(*mode_text);
    if (!mode) return InvalidInput(at + ".mode", "car, motorcycle, foot or bicycle");
    if (u.contains("count") && !u["count"].is_number_integer())
      return InvalidInput(at + ".count", "must be a whole number");
    int count = u.value("count", 1);
    if (count < 1 || count > 1000) return InvalidInput(at + ".count", "1 to 1000");
    auto shift_text = text("shift", "0-24");
    if (!shift_text) return shift_text.error();
    auto shift = hotspots::ParseSlot(*shift_text);
    if (!shift) return InvalidInput(at + ".shift", "hours such as \"8-20\" or \"20-8\"");
    auto callsign = text("callsign", "");
    if (!callsign) return callsign.error();
    if (callsign->empty()) *callsign = fmt::format("U{}", i + 1);
    auto station = text("station", "");
    if (!station) return station.error();
    for (int k = 0; k < count; ++k) {
      PlanUnit unit;
      unit.id = uint32_t(forces.units.size() + 1);
      unit.callsign = count == 1 ? *callsign : fmt::format("{}-{}", *callsign, k + 1);
      unit.mode = *mode;
      unit.shift_begin_hour = shift->begin_hour;
      unit.shift_end_hour = shift->end_hour;
      unit.station_id = *station;
      forces.units.push_back(std::move(unit));
    }
  }
  if (forces.units.empty()) return InvalidInput("units", "name at least one unit");
  if (doc.contains("duties")) {
    if (!doc["duties"].is_array()) return InvalidInput("duties", "must be an array");
    const auto& duties = doc["duties"];
    for (size_t i = 0; i < duties.size(); ++i) {
      const auto& d = duties[i];
      const std::string at = fmt::format("duties[{}]", i);
      if (!d.is_object()) return InvalidInput(at, "must be an object");
      FixedDuty duty;
      if (!d.contains("id") || !d["id"].is_string() || d["id"].get<std::string>().empty())
        return InvalidInput(at + ".id", "a name is required");
      duty.id = d["id"].get<std::string>();
      duty.kind =
          d.contains("kind") && d["kind"].is_string() ? d["kind"].get<std::string>() : "key_area";
      for (const char* key : {"lon", "lat"})
        if (!d.contains(key) || !d[key].is_number())
          return InvalidInput(at + "." + key, "a number is required");
      duty.at = {d["lon"].get<double>(), d["lat"].get<double>()};
      if (std::abs(duty.at.lon) > 180 || std::abs(duty.at.lat) > 90)
        return InvalidInput(at + ".lon", "not a WGS84 position");
      for (const char* key : {"from", "to"}) {
        auto minutes = d.contains(key) && d[key].is_string()
                           ? ParseClockMinutes(d[key].get<std::string>())
                           : std::nullopt;
        if (!minutes) return InvalidInput(at + "." + key, "a time such as \"07:30\"");
        (std::string_view(key) == "from" ? duty.from_minute : duty.to_minute) = *minutes;
      }
      if (duty.to_minute <= duty.from_minute) duty.to_minute += 24 * 60;  // past midnight
      if (duty.to_minute - duty.from_minute > 24 * 60 || duty.from_minute >= 24 * 60)
        return InvalidInput(at + ".to", "a window within one day");
      if (d.contains("units") && !d["units"].is_number_integer())
        return InvalidInput(at + ".units", "must be a whole number");
      duty.units = d.value("units", 1);
      if (duty.units < 1 || duty.units > 50) return InvalidInput(at + ".units", "1 to 50");
      if (d.contains("modes")) {
        if (!d["modes"].is_array()) return InvalidInput(at + ".modes", "must be an array");
        for (size_t k = 0; k < d["modes"].size(); ++k) {
          const auto& m = d["modes"][k];
          auto mode = m.is_string() ? ParseTravelMode(m.get<std::string>()) : std::nullopt;
          if (!mode)
            return InvalidInput(fmt::format("{}.modes[{}]", at, k),
                                "car, motorcycle, foot or bicycle");
          duty.modes.push_back(*mode);
        }
      }
      forces.duties.push_back(std::move(duty));
    }
  }
  return forces;
}

nlohmann::json ForcesToJson(const Forces& forces) {
  nlohmann::json units = nlohmann::json::array(), duties = nlohmann::json::array();
  for (const PlanUnit& u : forces.units)
    units.push_back({{"callsign", u.callsign},
                     {"mode", ToString(u.mode)},
                     {"shift", fmt::format("{}-{}", u.shift_begin_hour,
                                           u.shift_end_hour == 24 ? 24 : u.shift_end_hour % 24)},
                     {"station", u.station_id}});
  for (const FixedDuty& d : forces.duties) {
    nlohmann::json modes = nlohmann::json::array();
    for (TravelMode m : d.modes) modes.push_back(ToString(m));
    duties.push_back({{"id", d.id},
                      {"kind", d.kind},
                      {"lon", d.at.lon},
                      {"lat", d.at.lat},
                      {"from", Clock(d.from_minute)},
                      {"to", Clock(d.to_minute % (24 * 60))},
                      {"units", d.units},
                      {"modes", modes}});
  }
  return {{"units", units}, {"duties", duties}};
}

}  // namespace pingan::patrol
