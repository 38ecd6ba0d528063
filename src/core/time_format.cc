#include "core/time_format.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace pingan {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;

bool ReadDigits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  pos += count;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::string FormatIso8601(TimePoint t) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", int(ymd.year()),
                     unsigned(ymd.month()), unsigned(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

namespace {

// `zone_less_offset` is the offset of a time that names none.
std::optional<TimePoint> ParseTimeIn(std::string_view s, milliseconds zone_less_offset) {
  if (s.empty()) return std::nullopt;
  if (s.find('-') == std::string_view::npos || s.front() == '-') {
    long long ms = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return FromMillis(ms);
  }
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, frac_ms = 0;
  if (!ReadDigits(s, pos, 4, y) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, mo) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, d)) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  milliseconds offset = zone_less_offset;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!ReadDigits(s, pos, 2, h) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, mi)) {
      return std::nullopt;
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, pos, 2, sec)) return std::nullopt;
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      int scale = 100;
      size_t start = pos;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
        frac_ms += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z') {
        offset = milliseconds(0);
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-' || s[pos] == ' ') {
        // A space is a "+" that went through form decoding unescaped ("…T08:00:00+08:00").
        int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        int oh = 0, om = 0;
        if (!ReadDigits(s, pos, 2, oh)) return std::nullopt;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (!ReadDigits(s, pos, 2, om) || oh > 14 || om > 59) return std::nullopt;
        offset = milliseconds(sign * (oh * 3600 + om * 60) * 1000LL);
      }
    }
    if (pos != s.size()) return std::nullopt;
  }
  TimePoint t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                std::chrono::seconds(sec) + milliseconds(frac_ms);
  return t - offset;
}

}  // namespace

std::optional<TimePoint> ParseTime(std::string_view s) {
  return ParseTimeIn(s, milliseconds(0));
}

std::optional<TimePoint> ParseDistrictTime(std::string_view s) {
  return ParseTimeIn(s, std::chrono::hours(8));
}

}  // namespace pingan
