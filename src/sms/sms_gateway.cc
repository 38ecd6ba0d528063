#include "sms/sms_gateway.h"

#include <optional>
#include <string>

#include <fmt/format.h>

#include "sms/utf8.h"

namespace pingan::sms {

SmsGateway::~SmsGateway() = default;

namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

}  // namespace

Result<std::string> NormalizeMobileNumber(std::string_view to) {
  while (!to.empty() && IsAsciiSpace(to.front())) to.remove_prefix(1);
  while (!to.empty() && IsAsciiSpace(to.back())) to.remove_suffix(1);
  if (to.empty()) return InvalidInput("to", "the phone number is empty");
  const bool has_plus = to.front() == '+';
  if (has_plus) to.remove_prefix(1);
  std::string digits;
  for (char c : to) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-') {
      return InvalidInput("to",
                          "the phone number may hold only digits, spaces, dashes and a "
                          "leading '+'");
    }
  }
  // A mobile number starts with 1, so "86" in front of 11 digits can only be the country code.
  if (digits.size() == 13 && digits.starts_with("86")) {
    digits.erase(0, 2);
  } else if (has_plus) {
    return InvalidInput("to", "only mainland China numbers (+86) are supported");
  }
  if (digits.size() != 11 || digits[0] != '1' || digits[1] < '3') {
    return InvalidInput("to", "not a mainland mobile number (11 digits starting with 13-19)");
  }
  return digits;
}

Status ValidateSmsText(std::string_view text) {
  const std::optional<std::u32string> code_points = DecodeUtf8(text);
  if (!code_points) return InvalidInput("text", "the text is not valid UTF-8");
  bool is_blank = true;
  for (char32_t c : *code_points) {
    if (!(c < 0x80 && IsAsciiSpace(static_cast<char>(c))) && c != U'\u3000') is_blank = false;
  }
  if (is_blank) return InvalidInput("text", "the text is empty");
  if (code_points->size() > kMaxTextCodePoints) {
    return InvalidInput("text", fmt::format("the text has {} characters, at most {} are allowed",
                                            code_points->size(), kMaxTextCodePoints));
  }
  return {};
}

Result<OutgoingSms> ValidateOutgoingSms(const OutgoingSms& sms) {
  Result<std::string> to = NormalizeMobileNumber(sms.to);
  if (!to) return to.error();
  if (Status text = ValidateSmsText(sms.text); !text) return text.error();
  return OutgoingSms{.to = std::move(*to), .text = sms.text, .purpose = sms.purpose};
}

}  // namespace pingan::sms
