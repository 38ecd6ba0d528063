// FindRepeats() written the slow, obvious way: every pair within the window is tested, O(N²).
// The randomized test checks the fast one against it; the benchmark uses it as the baseline.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cases/repeats.h"
#include "core/geo.h"

namespace pingan::cases::test {

// A group as the reference sees it: its one reason and its ids in FindRepeats() order.
struct ReferenceGroup {
  RepeatReason reason = RepeatReason::kPlace;
  std::vector<IncidentId> ids;
  bool operator==(const ReferenceGroup&) const = default;
  bool operator<(const ReferenceGroup& o) const {
    return reason != o.reason ? reason < o.reason : ids < o.ids;
  }
};

struct ReferenceResult {
  std::vector<ReferenceGroup> groups;  // sorted by reason, then ids
  RepeatLinkCounts links;
};

inline ReferenceResult ReferenceRepeats(std::span<const RepeatSubject> subjects,
                                        const RepeatOptions& options) {
  const std::size_t n = subjects.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const RepeatSubject& x = subjects[a];
    const RepeatSubject& y = subjects[b];
    if (x.at != y.at) return x.at < y.at;
    if (x.id != y.id) return x.id < y.id;
    return a < b;
  });
  struct Keys {
    std::string address, phone;
    std::set<std::string> parties;
  };
  std::vector<Keys> keys(n);
  for (std::size_t k = 0; k < n; ++k) {
    const RepeatSubject& s = subjects[order[k]];
    keys[k].address = NormalizeAddress(s.address);
    keys[k].phone = NormalizePhone(s.caller_phone);
    for (const std::string& p : s.parties) {
      std::string key = NormalizeParty(p);
      if (!key.empty()) keys[k].parties.insert(std::move(key));
    }
  }
  // One forest per reason (0 place, 1 phone, 2 party): links of different reasons never join.
  std::vector<std::size_t> parent[3];
  for (auto& p : parent) {
    p.resize(n);
    std::iota(p.begin(), p.end(), std::size_t{0});
  }
  auto find = [&](int r, std::size_t x) {
    while (parent[r][x] != x) x = parent[r][x] = parent[r][parent[r][x]];
    return x;
  };
  auto join = [&](int r, std::size_t a, std::size_t b) { parent[r][find(r, a)] = find(r, b); };
  // Bit 1 place, 2 phone, 4 party: the reasons linking k to an earlier position, and the
  // reasons k has a key for.
  std::vector<int> bits(n, 0);
  std::vector<int> has_key(n, 0);
  // Places: each located incident joins the nearest anchor within distance_m whose group was
  // last seen within the window (ties: the earlier anchor), or becomes an anchor.
  std::vector<bool> is_anchor(n, false);
  std::vector<TimePoint> anchor_last(n);
  for (std::size_t j = 0; j < n; ++j) {
    const RepeatSubject& b = subjects[order[j]];
    if (options.by_place && !keys[j].address.empty()) has_key[j] |= 1;
    if (options.by_phone && !keys[j].phone.empty()) has_key[j] |= 2;
    if (options.by_parties && !keys[j].parties.empty()) has_key[j] |= 4;
    if (!options.by_place || !b.location || !IsValid(*b.location)) continue;
    has_key[j] |= 1;
    std::size_t best = n;
    double best_m = 0;
    for (std::size_t i = 0; i < j; ++i) {
      if (!is_anchor[i] || b.at - anchor_last[i] > options.window) continue;
      const double d = DistanceM(*b.location, *subjects[order[i]].location);
      if (d <= options.distance_m && (best == n || d < best_m)) {
        best = i;
        best_m = d;
      }
    }
    if (best == n) {
      is_anchor[j] = true;
      anchor_last[j] = b.at;
    } else {
      anchor_last[best] = b.at;
      bits[j] |= 1;
      join(0, best, j);
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    const RepeatSubject& b = subjects[order[j]];
    for (std::size_t i = 0; i < j; ++i) {
      const RepeatSubject& a = subjects[order[i]];
      if (b.at - a.at > options.window) continue;
      if (options.by_place && !keys[i].address.empty() && keys[i].address == keys[j].address) {
        bits[j] |= 1;
        join(0, i, j);
      }
      if (options.by_phone && !keys[i].phone.empty() && keys[i].phone == keys[j].phone) {
        bits[j] |= 2;
        join(1, i, j);
      }
      if (options.by_parties) {
        for (const std::string& p : keys[i].parties) {
          if (keys[j].parties.contains(p)) {
            bits[j] |= 4;
            join(2, i, j);
          }
        }
      }
    }
  }
  ReferenceResult result;
  for (std::size_t k = 0; k < n; ++k) {
    if (bits[k] & 1) ++result.links.place;
    if (bits[k] & 2) ++result.links.phone;
    if (bits[k] & 4) ++result.links.party;
  }
  constexpr RepeatReason kReasons[] = {RepeatReason::kPlace, RepeatReason::kPhone,
                                       RepeatReason::kParty};
  for (int r = 0; r < 3; ++r) {
    std::vector<std::vector<std::size_t>> members(n);
    for (std::size_t k = 0; k < n; ++k) {
      if (has_key[k] & (1 << r)) members[find(r, k)].push_back(k);
    }
    for (const auto& m : members) {
      if (m.empty() || m.size() < std::max<std::size_t>(options.min_group, 1)) continue;
      ReferenceGroup g;
      g.reason = kReasons[r];
      for (std::size_t k : m) g.ids.push_back(subjects[order[k]].id);
      result.groups.push_back(std::move(g));
    }
  }
  std::sort(result.groups.begin(), result.groups.end());
  return result;
}

}  // namespace pingan::cases::test
