// Strict UTF-8 decoding for the SMS module: message lengths are counted in code points, as
// carriers count them, and citizens' replies are compared character by character.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pingan::sms {

// The code points of `s`, or nullopt when `s` is not well-formed UTF-8 (overlong forms,
// surrogates, values above U+10FFFF and truncated sequences are all refused).
std::optional<std::u32string> DecodeUtf8(std::string_view s);

}  // namespace pingan::sms
