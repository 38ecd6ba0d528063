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
// "Z" or "+08:00"/"+0800" offset (none means UTC; a space before the offset is read as the "+"
// a form decoder turned into one), a space instead of "T", or plain epoch milliseconds
// ("1795430972123"). Returns nullopt for anything else.
std::optional<TimePoint> ParseTime(std::string_view text);

// The same, but a date or time without an offset is the district's (China Standard Time):
// "2026-11-23" is 00:00 in the district, 2026-11-22T16:00Z. What a person types in a query.
std::optional<TimePoint> ParseDistrictTime(std::string_view text);

}  // namespace pingan
