#include "sms/reply_codes.h"

#include <optional>
#include <string>

#include "sms/utf8.h"

namespace pingan::sms {

namespace {

bool IsSpace(char32_t c) {
  return c == U' ' || (c >= U'\t' && c <= U'\r') || c == U'\u00A0' || c == U'\u3000' ||
         (c >= U'\u2000' && c <= U'\u200B') || c == U'\uFEFF';
}

// ASCII punctuation and the blocks phones use for Chinese punctuation (。，！？【】“”…).
bool IsPunctuation(char32_t c) {
  return (c >= U'!' && c <= U'/') || (c >= U':' && c <= U'@') || (c >= U'[' && c <= U'`') ||
         (c >= U'{' && c <= U'~') || c == U'\u00B7' || (c >= U'\u2010' && c <= U'\u2027') ||
         (c >= U'\u3001' && c <= U'\u303F') || (c >= U'\uFE10' && c <= U'\uFE19') ||
         (c >= U'\uFE30' && c <= U'\uFE6B') || (c >= U'\uFF01' && c <= U'\uFF0F') ||
         (c >= U'\uFF1A' && c <= U'\uFF20') || (c >= U'\uFF3B' && c <= U'\uFF40') ||
         (c >= U'\uFF5B' && c <= U'\uFF65');
}

bool IsIgnorable(char32_t c) {
  return IsSpace(c) || IsPunctuation(c);
}

}  // namespace

std::optional<Satisfaction> ParseSatisfactionReply(std::string_view reply) {
  std::optional<std::u32string> text = DecodeUtf8(reply);
  if (!text) return std::nullopt;
  std::u32string_view core = *text;
  while (!core.empty() && IsIgnorable(core.front())) core.remove_prefix(1);
  while (!core.empty() && IsIgnorable(core.back())) core.remove_suffix(1);
  // Whole-reply comparison, not a search: 满意 is inside both 不满意 and 基本满意.
  if (core == U"1" || core == U"\uFF11" || core == U"满意") return Satisfaction::kSatisfied;
  if (core == U"2" || core == U"\uFF12" || core == U"基本满意") {
    return Satisfaction::kBasicallySatisfied;
  }
  if (core == U"3" || core == U"\uFF13" || core == U"不满意") return Satisfaction::kDissatisfied;
  return std::nullopt;
}

std::string_view ToString(Satisfaction satisfaction) {
  switch (satisfaction) {
    case Satisfaction::kSatisfied: return "satisfied";
    case Satisfaction::kBasicallySatisfied: return "basically_satisfied";
    case Satisfaction::kDissatisfied: return "dissatisfied";
  }
  return "unknown";
}

}  // namespace pingan::sms
