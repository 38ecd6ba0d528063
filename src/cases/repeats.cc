#include "cases/repeats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "core/check.h"
#include "core/time_format.h"

namespace pingan::cases {

namespace {

constexpr double kEarthRadiusM = 6371008.8;  // as DistanceM()
constexpr double kDegToRad = std::numbers::pi / 180;
constexpr double kMPerDegLat = kEarthRadiusM * kDegToRad;
// Slack for rounding in DistanceM() and in the bounds below; far below a GPS fix's error.
constexpr double kSlack = 1e-6;

constexpr std::uint8_t kPlaceBit = 1;
constexpr std::uint8_t kPhoneBit = 2;
constexpr std::uint8_t kPartyBit = 4;
constexpr RepeatReason kReasons[] = {RepeatReason::kPlace, RepeatReason::kPhone,
                                     RepeatReason::kParty};

std::uint8_t BitOf(RepeatReason reason) {
  switch (reason) {
    case RepeatReason::kPlace: return kPlaceBit;
    case RepeatReason::kPhone: return kPhoneBit;
    case RepeatReason::kParty: return kPartyBit;
  }
  return 0;
}

// ---- Text keys ----

struct Utf8Char {
  char32_t cp;
  std::size_t len;
};

// The code point at `i`. A malformed byte is a code point of its own (U+FFFD, length 1), so
// text that is not UTF-8 still passes through byte for byte.
Utf8Char DecodeAt(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return {b, 1};
  const std::size_t len = b >= 0xF8 ? 0 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) return {0xFFFD, 1};
  char32_t cp = b & (0x3Fu >> (len - 1));
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (c & 0x3Fu);
  }
  return {cp, len};
}

// Full-width ASCII (U+FF01–U+FF5E, what Chinese input methods type) to ASCII; the ideographic
// and no-break spaces to a space.
char32_t FoldWidth(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFEE0;
  if (cp == 0x3000 || cp == 0x00A0) return U' ';
  return cp;
}

bool IsSpace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\v' || c == U'\f';
}

// Width-folded, lower-case ASCII, whitespace runs as one space and none next to a non-ASCII
// character (Chinese text is written without spaces, so any there are noise), trimmed.
std::string FoldText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  bool last_non_ascii = false;
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Char u = DecodeAt(s, i);
    const char32_t c = FoldWidth(u.cp);
    if (IsSpace(c)) {
      pending_space = true;
    } else {
      const bool non_ascii = c >= 0x80;
      if (pending_space && !out.empty() && !non_ascii && !last_non_ascii) out += ' ';
      pending_space = false;
      if (non_ascii) {
        out.append(s.substr(i, u.len));
      } else {
        const char a = static_cast<char>(c);
        out += (a >= 'A' && a <= 'Z') ? static_cast<char>(a - 'A' + 'a') : a;
      }
      last_non_ascii = non_ascii;
    }
    i += u.len;
  }
  return out;
}

bool AllSame(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [&](char c) { return c == s.front(); });
}

// ---- Grouping ----

// Union-find over sorted positions, by size with path halving.
class DisjointSets {
 public:
  explicit DisjointSets(std::size_t n) : parent_(n), size_(n, 1) {
    std::iota(parent_.begin(), parent_.end(), 0u);
  }
  std::uint32_t Find(std::uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void Union(std::uint32_t a, std::uint32_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
  }
  std::uint32_t Size(std::uint32_t root) const { return size_[root]; }

 private:
  std::vector<std::uint32_t> parent_;
  std::vector<std::uint32_t> size_;
};

// Anchors by cell of a flat projection (metres east at the reference latitude, metres north),
// cells distance_m on a side: a search looks at the few cells its reach touches. A burst of
// calls at one address costs O(1) each, as they all join one anchor.
class SpatialHash {
 public:
  struct Cell {
    std::vector<std::uint32_t> items;  // anchors' sorted positions, oldest first
  };

  SpatialHash(double distance_m, double reference_lat)
      : distance_m_(distance_m),
        side_m_(distance_m),
        m_per_deg_lon_(kMPerDegLat * std::max(std::cos(reference_lat * kDegToRad), 1e-6)) {}

  void Reserve(std::size_t cells) { cells_.reserve(cells); }

  // Calls f(cell) for each non-empty cell that may hold a point within distance_m of `p`.
  template <typename F>
  void ForEachCellNear(LonLat p, F&& f) {
    const double reach_m = distance_m_ * (1 + kSlack);
    // Great-circle distance is at least R·|Δlat|, and at least 2R·asin(cos φ·sin(Δlon/2)) with
    // φ the latitude furthest from the equator that a point within reach can have.
    const double far_lat = std::min(90.0, std::abs(p.lat) + reach_m / kMPerDegLat);
    const double sin_half =
        std::min(1.0, reach_m / (2 * kEarthRadiusM * std::cos(far_lat * kDegToRad)));
    const double reach_lon = 2 * std::asin(sin_half) / kDegToRad;
    const std::int64_t x0 = CellX(p.lon - reach_lon), x1 = CellX(p.lon + reach_lon);
    const std::int64_t y0 = CellY(p.lat - reach_m / kMPerDegLat);
    const std::int64_t y1 = CellY(p.lat + reach_m / kMPerDegLat);
    for (std::int64_t y = y0; y <= y1; ++y) {
      for (std::int64_t x = x0; x <= x1; ++x) {
        auto it = cells_.find({x, y});
        if (it != cells_.end()) f(it->second);
      }
    }
  }

  void Insert(LonLat p, std::uint32_t position) {
    const std::int64_t x = CellX(p.lon), y = CellY(p.lat);
    cells_[Key{x, y}].items.push_back(position);
  }

 private:
  std::int64_t CellX(double lon) const {
    return static_cast<std::int64_t>(std::floor(lon * m_per_deg_lon_ / side_m_));
  }
  std::int64_t CellY(double lat) const {
    return static_cast<std::int64_t>(std::floor(lat * kMPerDegLat / side_m_));
  }
  using Key = std::pair<std::int64_t, std::int64_t>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      const auto h = static_cast<std::uint64_t>(k.first) * 0x9E3779B97F4A7C15ull ^
                     static_cast<std::uint64_t>(k.second);
      return static_cast<std::size_t>((h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ull);
    }
  };

  double distance_m_;
  double side_m_;
  double m_per_deg_lon_;
  std::unordered_map<Key, Cell, KeyHash> cells_;
};

std::optional<LonLat> Median(std::vector<double> lons, std::vector<double> lats) {
  if (lons.empty()) return std::nullopt;
  auto median = [](std::vector<double>& v) {
    const std::size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    const double upper = v[mid];
    if (v.size() % 2 == 1) return upper;
    const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    return (lower + upper) / 2;
  };
  return LonLat{median(lons), median(lats)};
}

// REQUIRES: `members` are sorted positions of one component, in time order.
RepeatGroup MakeGroup(RepeatReason reason, const std::vector<std::uint32_t>& members,
                      std::span<const RepeatSubject> subjects,
                      const std::vector<std::uint32_t>& order) {
  RepeatGroup g;
  g.reason = reason;
  g.count = members.size();
  g.ids.reserve(members.size());
  std::vector<double> lons, lats;
  for (std::uint32_t k : members) {
    const RepeatSubject& s = subjects[order[k]];
    g.ids.push_back(s.id);
    ++g.categories[s.category];
    // In time order, so the last station seen is the latest incident's.
    if (!s.station_id.empty()) g.station_id = s.station_id;
    if (s.location && IsValid(*s.location)) {
      lons.push_back(s.location->lon);
      lats.push_back(s.location->lat);
    }
  }
  g.first_at = subjects[order[members.front()]].at;
  g.last_at = subjects[order[members.back()]].at;
  g.location = Median(std::move(lons), std::move(lats));
  return g;
}

}  // namespace

std::string_view ToString(RepeatReason reason) {
  switch (reason) {
    case RepeatReason::kPlace: return "place";
    case RepeatReason::kPhone: return "phone";
    case RepeatReason::kParty: return "party";
  }
  return "";
}

std::optional<RepeatReason> ParseRepeatReason(std::string_view text) {
  for (RepeatReason r : kReasons) {
    if (ToString(r) == text) return r;
  }
  return std::nullopt;
}

RepeatSubject SubjectOf(const Incident& incident) {
  RepeatSubject s;
  s.id = incident.id;
  s.at = incident.received_at;
  s.location = incident.location;
  s.address = incident.address;
  s.caller_phone = incident.caller_phone;
  s.station_id = incident.station_id;
  s.category = incident.category;
  return s;
}

std::string NormalizeAddress(std::string_view address) {
  std::string out = FoldText(address);
  // Sentence punctuation typed after an address; brackets and '#' carry meaning and stay.
  constexpr std::string_view kAscii = " .,;:!?~";
  constexpr std::string_view kWide[] = {"。", "、", "…"};
  for (bool trimmed = true; trimmed && !out.empty();) {
    trimmed = false;
    if (kAscii.find(out.back()) != std::string_view::npos) {
      out.pop_back();
      trimmed = true;
      continue;
    }
    for (std::string_view w : kWide) {
      if (out.ends_with(w)) {
        out.resize(out.size() - w.size());
        trimmed = true;
        break;
      }
    }
  }
  return out;
}

std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  bool has_plus = false;
  for (std::size_t i = 0; i < phone.size();) {
    const Utf8Char u = DecodeAt(phone, i);
    const char32_t c = FoldWidth(u.cp);
    if (c >= U'0' && c <= U'9') {
      digits += static_cast<char>(c);
    } else if (c == U'+' && digits.empty()) {
      has_plus = true;
    }
    i += u.len;
  }
  std::string_view national = digits;
  bool is_international = false;
  if (has_plus && national.starts_with("86")) {
    national.remove_prefix(2);
    is_international = true;
  } else if (!has_plus && national.starts_with("0086")) {
    national.remove_prefix(4);
    is_international = true;
  } else if (!has_plus && national.size() == 13 && national.starts_with("861")) {
    national.remove_prefix(2);  // a mobile number written with its country code but no '+'
  }
  // Dialled from abroad a landline drops its trunk 0 (+86 10 … is 010 …); mobiles are 11
  // digits from 1.
  const bool is_mobile = national.size() == 11 && national.front() == '1';
  std::string out;
  if (is_international && !national.empty() && !is_mobile && national.front() != '0') out = "0";
  out += national;
  if (out.size() < 7 || AllSame(out)) return {};
  return out;
}

std::string NormalizeParty(std::string_view name) {
  return FoldText(name);
}

RepeatResult FindRepeats(std::span<const RepeatSubject> subjects, const RepeatOptions& options) {
  // Below a centimetre the cell indices could overflow; no GPS fix is that precise anyway.
  PINGAN_CHECK(options.distance_m >= 0.01 && std::isfinite(options.distance_m));
  PINGAN_CHECK(options.window.count() >= 0);
  PINGAN_CHECK(subjects.size() < std::numeric_limits<std::uint32_t>::max());
  const auto n = static_cast<std::uint32_t>(subjects.size());
  const long long window_ms = options.window.count() > std::numeric_limits<long long>::max() / 1000
                                  ? std::numeric_limits<long long>::max()
                                  : static_cast<long long>(options.window.count()) * 1000;

  // Sorted positions: 0 … n-1 in time order; order[k] is the subject at position k.
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const RepeatSubject& x = subjects[a];
    const RepeatSubject& y = subjects[b];
    if (x.at != y.at) return x.at < y.at;
    if (x.id != y.id) return x.id < y.id;
    return a < b;
  });
  std::vector<long long> times(n);
  std::vector<LonLat> at(n);
  std::vector<double> lats;
  for (std::uint32_t k = 0; k < n; ++k) {
    const RepeatSubject& s = subjects[order[k]];
    times[k] = ToMillis(s.at);
    if (s.location && IsValid(*s.location)) {
      at[k] = *s.location;
      lats.push_back(s.location->lat);
    } else {
      at[k] = LonLat{std::numeric_limits<double>::quiet_NaN(), 0};
    }
  }
  double reference_lat = 0;
  if (!lats.empty()) {
    auto mid = lats.begin() + static_cast<std::ptrdiff_t>(lats.size() / 2);
    std::nth_element(lats.begin(), mid, lats.end());
    reference_lat = *mid;
  }

  // One set of groups per reason: links of different reasons never join groups.
  DisjointSets place_sets(n), phone_sets(n), party_sets(n);
  SpatialHash cells(options.distance_m, reference_lat);
  // For each key, the latest position that had it. Linking each incident only to that one, if
  // within the window, gives the same groups as linking all pairs: a key's incidents in time
  // order t1 ≤ t2 ≤ … ≤ tm, and a pair i < j with tj - ti ≤ window has every consecutive gap
  // between them within the window too, so the chain i, i+1, …, j joins them.
  std::unordered_map<std::string, std::uint32_t> last_address, last_phone, last_party;
  cells.Reserve(lats.size());
  last_address.reserve(options.by_place ? n : 0);
  last_phone.reserve(options.by_phone ? n : 0);
  // Per position: the reasons it has a key for (a single incident is a group of min_group 1
  // only for those), and the reasons that linked it to an earlier position.
  std::vector<std::uint8_t> key_bits(n, 0);
  std::vector<std::uint8_t> link_bits(n, 0);
  constexpr std::uint32_t kNoAnchor = std::numeric_limits<std::uint32_t>::max();
  std::vector<long long> anchor_last(n, 0);  // per anchor: its group's latest call
  RepeatResult result;

  for (std::uint32_t k = 0; k < n; ++k) {
    const RepeatSubject& s = subjects[order[k]];
    const long long t = times[k];
    std::uint8_t& bits = link_bits[k];
    auto link_key = [&](std::unordered_map<std::string, std::uint32_t>& last, DisjointSets& sets,
                        std::string key, std::uint8_t bit) {
      if (key.empty()) return;
      key_bits[k] |= bit;
      auto [it, inserted] = last.try_emplace(std::move(key), k);
      if (inserted) return;
      if (t - times[it->second] <= window_ms) {
        sets.Union(k, it->second);
        bits |= bit;
      }
      it->second = k;
    };

    if (options.by_place) {
      const LonLat p = at[k];
      if (!std::isnan(p.lon)) {
        key_bits[k] |= kPlaceBit;
        // Places are anchored: an incident joins the nearest anchor (the first call of a
        // place's group) within distance_m whose group was last seen within the window, or
        // becomes an anchor itself. Linking to any near incident instead chained a dense
        // district's calls from neighbour to neighbour into one group of most of a year.
        std::uint32_t best = kNoAnchor;
        double best_m = std::numeric_limits<double>::infinity();
        cells.ForEachCellNear(p, [&](SpatialHash::Cell& cell) {
          // Times only grow, so an anchor out of the window now is out of it for good.
          std::erase_if(cell.items,
                        [&](std::uint32_t a) { return t - anchor_last[a] > window_ms; });
          for (std::uint32_t a : cell.items) {
            const double d = DistanceM(p, at[a]);
            if (d <= options.distance_m && (d < best_m || (d == best_m && a < best))) {
              best = a;
              best_m = d;
            }
          }
        });
        if (best != kNoAnchor) {
          place_sets.Union(k, best);
          bits |= kPlaceBit;
          anchor_last[best] = t;
        } else {
          cells.Insert(p, k);
          anchor_last[k] = t;
        }
      }
      link_key(last_address, place_sets, NormalizeAddress(s.address), kPlaceBit);
    }
    if (options.by_phone) {
      link_key(last_phone, phone_sets, NormalizePhone(s.caller_phone), kPhoneBit);
    }
    if (options.by_parties) {
      std::vector<std::string> parties;
      parties.reserve(s.parties.size());
      for (const std::string& party : s.parties) parties.push_back(NormalizeParty(party));
      std::sort(parties.begin(), parties.end());
      parties.erase(std::unique(parties.begin(), parties.end()), parties.end());
      for (std::string& party : parties)
        link_key(last_party, party_sets, std::move(party), kPartyBit);
    }
    if (bits & kPlaceBit) ++result.links.place;
    if (bits & kPhoneBit) ++result.links.phone;
    if (bits & kPartyBit) ++result.links.party;
  }

  const std::size_t min_group = std::max<std::size_t>(options.min_group, 1);
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> group_of_root(n);
  for (RepeatReason reason : kReasons) {
    DisjointSets& sets = reason == RepeatReason::kPlace   ? place_sets
                         : reason == RepeatReason::kPhone ? phone_sets
                                                          : party_sets;
    const std::uint8_t bit = BitOf(reason);
    std::fill(group_of_root.begin(), group_of_root.end(), kNone);
    std::vector<std::vector<std::uint32_t>> members;
    for (std::uint32_t k = 0; k < n; ++k) {
      if (!(key_bits[k] & bit)) continue;  // then it was never linked by this reason either
      const std::uint32_t root = sets.Find(k);
      if (sets.Size(root) < min_group) continue;
      if (group_of_root[root] == kNone) {
        group_of_root[root] = static_cast<std::uint32_t>(members.size());
        members.emplace_back().reserve(sets.Size(root));
      }
      members[group_of_root[root]].push_back(k);
    }
    for (const auto& m : members) result.groups.push_back(MakeGroup(reason, m, subjects, order));
  }
  std::sort(result.groups.begin(), result.groups.end(),
            [](const RepeatGroup& a, const RepeatGroup& b) {
              if (a.count != b.count) return a.count > b.count;
              if (a.last_at != b.last_at) return a.last_at > b.last_at;
              if (a.reason != b.reason) return a.reason < b.reason;
              return a.ids.front() < b.ids.front();
            });
  return result;
}

std::vector<RepeatGroup> GroupsForStation(std::span<const RepeatGroup> groups,
                                          std::string_view station_id) {
  std::vector<RepeatGroup> out;
  std::copy_if(groups.begin(), groups.end(), std::back_inserter(out),
               [&](const RepeatGroup& g) { return g.station_id == station_id; });
  return out;
}

nlohmann::json RepeatGroupToJson(const RepeatGroup& group) {
  using nlohmann::json;
  json location = nullptr;
  if (group.location) location = {{"lon", group.location->lon}, {"lat", group.location->lat}};
  return {{"reason", ToString(group.reason)},        {"ids", group.ids},
          {"station_id", group.station_id},          {"first_at", FormatIso8601(group.first_at)},
          {"last_at", FormatIso8601(group.last_at)}, {"count", group.count},
          {"categories", group.categories},          {"location", location}};
}

}  // namespace pingan::cases
