#include "core/domain.h"

#include "core/json_support.h"

namespace pingan {

namespace {

template <typename E>
std::string EnumName(E value) {
  return nlohmann::json(value).get<std::string>();
}

// nlohmann maps an unknown name to the first enumerator, so a name is accepted only when it
// round-trips.
template <typename E>
std::optional<E> EnumFromName(std::string_view text) {
  nlohmann::json name = std::string(text);
  E value = name.get<E>();
  if (nlohmann::json(value) != name) return std::nullopt;
  return value;
}

}  // namespace

std::string DeviceKey(std::string_view protocol, std::string_view identifier) {
  std::string key(protocol);
  key += ':';
  key += identifier;
  return key;
}

std::string ToString(Force v) {
  return EnumName(v);
}
std::string ToString(TravelMode v) {
  return EnumName(v);
}
std::string ToString(UnitStatus v) {
  return EnumName(v);
}
std::string ToString(AssignmentStatus v) {
  return EnumName(v);
}
std::string ToString(Role v) {
  return EnumName(v);
}
std::optional<Force> ParseForce(std::string_view t) {
  return EnumFromName<Force>(t);
}
std::optional<TravelMode> ParseTravelMode(std::string_view t) {
  return EnumFromName<TravelMode>(t);
}
std::optional<UnitStatus> ParseUnitStatus(std::string_view t) {
  return EnumFromName<UnitStatus>(t);
}
std::optional<Role> ParseRole(std::string_view t) {
  return EnumFromName<Role>(t);
}

const Assignment* Incident::FindActiveAssignment(UnitId unit) const {
  for (const Assignment& a : assignments) {
    if (a.unit_id == unit && a.is_active()) return &a;
  }
  return nullptr;
}

}  // namespace pingan
