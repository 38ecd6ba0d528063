#include "core/pii.h"

#include <vector>

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

}  // namespace pingan
