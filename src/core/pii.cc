#include "core/pii.h"

#include <algorithm>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

namespace pingan {

namespace {

std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 1;
    if (i + len > s.size()) len = s.size() - i;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string KeepEnds(std::string_view s, size_t head, size_t tail) {
  std::string out(s.substr(0, head));
  out.append(s.size() - head - tail, '*');
  out.append(s.substr(s.size() - tail));
  return out;
}

}  // namespace

std::string MaskName(std::string_view name) {
  std::vector<std::string_view> cps = CodePoints(name);
  if (cps.empty()) return {};
  if (cps.size() == 1) return "*";
  std::string out(cps.front());
  if (cps.size() == 2) return out + "*";
  out.append(cps.size() - 2, '*');
  out.append(cps.back());
  return out;
}

std::string MaskPhone(std::string_view phone) {
  if (phone.empty()) return {};
  if (phone.size() >= 11) return KeepEnds(phone, 3, 4);
  if (phone.size() > 2) return KeepEnds(phone, 0, 2);
  return std::string(phone.size(), '*');
}

std::string MaskIdNumber(std::string_view id) {
  if (id.size() == 18) return KeepEnds(id, 6, 4);
  if (id.size() > 4) return KeepEnds(id, 0, 4);
  return std::string(id.size(), '*');
}

std::string MaskEmail(std::string_view email) {
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0) return MaskName(email);
  std::vector<std::string_view> local = CodePoints(email.substr(0, at));
  std::string out(local.front());
  out.append(std::max<size_t>(local.size() - 1, 3), '*');
  out.append(email.substr(at));
  return out;
}

PersonalField PersonalFieldKind(std::string_view field) {
  static const std::map<std::string, PersonalField, std::less<>> kFields = {
      {"citizen_name", PersonalField::kName},
      {"victim_name", PersonalField::kName},
      {"contact_name", PersonalField::kName},
      {"first_name", PersonalField::kName},
      {"last_name", PersonalField::kName},
      {"party_names", PersonalField::kName},
      {"citizen_phone", PersonalField::kPhone},
      {"victim_phone", PersonalField::kPhone},
      {"contact_phone", PersonalField::kPhone},
      {"phone", PersonalField::kPhone},
      {"party_phones", PersonalField::kPhone},
      {"email", PersonalField::kEmail},
      {"citizen_email", PersonalField::kEmail},
      {"id_number", PersonalField::kIdNumber},
      {"victim_id_number", PersonalField::kIdNumber},
      {"device_id", PersonalField::kSecret},
      {"account_id", PersonalField::kSecret},
      {"link_code", PersonalField::kSecret},
  };
  auto it = kFields.find(field);
  return it == kFields.end() ? PersonalField::kNone : it->second;
}

namespace {

nlohmann::json MaskValue(const nlohmann::json& value, PersonalField kind) {
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const nlohmann::json& v : value) out.push_back(MaskValue(v, kind));
    return out;
  }
  if (!value.is_string()) return value;
  const std::string& text = value.get_ref<const std::string&>();
  switch (kind) {
    case PersonalField::kName: return MaskName(text);
    case PersonalField::kPhone: return MaskPhone(text);
    case PersonalField::kIdNumber: return MaskIdNumber(text);
    case PersonalField::kEmail: return MaskEmail(text);
    case PersonalField::kSecret: return text.empty() ? "" : "********";
    case PersonalField::kNone: break;
  }
  return value;
}

}  // namespace

nlohmann::json MaskPersonalFields(const nlohmann::json& fields) {
  if (!fields.is_object()) return fields;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : fields.items()) {
    const PersonalField kind = PersonalFieldKind(name);
    out[name] = kind == PersonalField::kNone ? value : MaskValue(value, kind);
  }
  return out;
}

bool HasPersonalFields(const nlohmann::json& fields) {
  if (!fields.is_object()) return false;
  for (const auto& [name, value] : fields.items()) {
    if (PersonalFieldKind(name) == PersonalField::kNone) continue;
    if ((value.is_string() && !value.get_ref<const std::string&>().empty()) ||
        (value.is_array() && !value.empty())) {
      return true;
    }
  }
  return false;
}

}  // namespace pingan
