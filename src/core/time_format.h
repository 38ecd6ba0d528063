// ISO 8601 text for times at the edges (API, CLI). Inside, times are TimePoint (UTC, ms).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace pingan {

// "2026-11-23T08:49:32.123Z".
std::string FormatIso8601(TimePoint t);

// Accepts "2026-11-23", "2026-11-23T08:49:32", with optional ".fff" fraction and an optional
// "Z" or "+08:00"/"+0800" offset (none means UTC), a space instead of "T", or plain epoch
// milliseconds ("1795430972123"). Returns nullopt for anything else.
std::optional<TimePoint> ParseTime(std::string_view text);

}  // namespace pingan
