// Repeat incidents (重复警情): calls that come back to the same place, the same caller or the
// same people within a few weeks, grouped so a station can follow them up (and turn a group
// into a dispute case, api/repeat_routes.h). Pure functions: no I/O, no clock, no threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/domain.h"
#include "core/geo.h"

namespace pingan::cases {

// What the grouping looks at in one incident. `caller_phone` and `parties` are personal data:
// they are used to link incidents and never leave this module in a group or its JSON.
struct RepeatSubject {
  IncidentId id = 0;
  TimePoint at;
  std::optional<LonLat> location;  // WGS84; an invalid position counts as none
  std::string address;
  std::string caller_phone;
  std::vector<std::string> parties;  // names of the people involved (当事人)
  std::string station_id;
  std::string category;
};

// The subject of an incident: received_at as its time. `parties` stays empty until incidents
// record their parties; the caller's phone already links on its own.
RepeatSubject SubjectOf(const Incident& incident);

struct RepeatOptions {
  double distance_m = 50;  // locations this close (great circle) are the same place
  std::chrono::seconds window = std::chrono::days(30);  // links only within this gap, inclusive
  // Smaller groups are left out. 1 keeps every incident that has the reason's key (a position
  // or an address for place, a phone, a party) as a group of its own.
  std::size_t min_group = 2;
  bool by_place = true;    // link the same place: location within distance_m or same address
  bool by_phone = true;    // link the same caller phone
  bool by_parties = true;  // link a shared party
};

// Why the incidents of a group belong together. Each group has exactly one: a caller who rings
// from several busy places is a phone group of their own calls, and each place keeps its own
// group, instead of all of them chaining into one (a dense district's year did: 51,634 of
// 100,000 incidents in one group). An incident may be in one group per reason.
enum class RepeatReason { kPlace, kPhone, kParty };

// "place", "phone", "party".
std::string_view ToString(RepeatReason reason);
// nullopt for any other text.
std::optional<RepeatReason> ParseRepeatReason(std::string_view text);

// One group of repeats: a connected component of the links of one reason.
struct RepeatGroup {
  RepeatReason reason = RepeatReason::kPlace;
  std::vector<IncidentId> ids;  // by time, then id
  // The station of the latest incident that has one: the station that follows up now.
  std::string station_id;
  TimePoint first_at;
  TimePoint last_at;
  std::size_t count = 0;
  std::map<std::string, std::size_t> categories;  // category → incidents
  std::optional<LonLat> location;  // median lon and lat of the located incidents; none if none
};

// How many incidents are linked to an earlier incident within the window by each reason.
// Counted per incident rather than per pair: pairs grow with the square of a burst at one
// address, and this count does not depend on which links the search happened to try.
struct RepeatLinkCounts {
  std::size_t place = 0;
  std::size_t phone = 0;
  std::size_t party = 0;
};

struct RepeatResult {
  // By count (largest first), then last_at (latest first), then reason, then first id.
  std::vector<RepeatGroup> groups;
  RepeatLinkCounts links;
};

// Groups `subjects` into repeats, one reason at a time. In time order, an incident is linked
// (when the option allows the reason):
//   place: to the place it is at: the nearest anchor within distance_m whose group was last
//          seen within `options.window` (an anchor is a call that found no such place and
//          starts one); and to the last earlier incident within the window with the same
//          non-empty NormalizeAddress() text;
//   phone: to the last earlier incident within the window with the same NormalizePhone();
//   party: likewise for each NormalizeParty() name it shares.
// The groups of a reason are the connected components of its links, so calls chain in time
// (each within the window of the last) but not in space: a place's calls lie within
// distance_m of its first, so a dense district's neighbouring addresses stay apart. Links of
// different reasons never join groups. About O(N log N + N · live anchors near each call); the
// input need not be sorted. Exact anywhere except across the ±180° meridian; fastest at
// district scale, where the spatial hash's flat projection fits.
// REQUIRES: options.distance_m finite and at least 0.01, options.window >= 0.
RepeatResult FindRepeats(std::span<const RepeatSubject> subjects,
                         const RepeatOptions& options = {});

// The groups whose station_id is `station_id`, in the same order.
std::vector<RepeatGroup> GroupsForStation(std::span<const RepeatGroup> groups,
                                          std::string_view station_id);

// {"reason", "ids", "station_id", "first_at", "last_at" (ISO 8601), "count", "categories",
// "location": {"lon", "lat"} or null}. Holds no phone number and no party name.
nlohmann::json RepeatGroupToJson(const RepeatGroup& group);

// The keys links compare; empty means "links to nothing".
// Address: full-width letters, digits and punctuation to ASCII, ASCII letters to lower case,
// whitespace runs to one space (none next to a non-ASCII character such as CJK, where spacing
// is arbitrary), trailing punctuation dropped. "朝阳路１２号 。" → "朝阳路12号".
std::string NormalizeAddress(std::string_view address);
// Phone: digits only (full-width too), without a +86 / 0086 / 86 country code before an 11-digit
// mobile number. Fewer than 7 digits, or one digit repeated, is not a phone: "".
// "+86 138-0013-8000" → "13800138000".
std::string NormalizePhone(std::string_view phone);
// Party name: as an address (whitespace, full-width, lower case) but keeping punctuation.
// "Li  Ming " → "li ming", "张 三" → "张三".
std::string NormalizeParty(std::string_view name);

}  // namespace pingan::cases
