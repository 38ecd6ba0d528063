#include "patrol/coverage.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <random>
#include <string>
#include <utility>

#include "core/check.h"

namespace pingan::patrol {

Status ValidateCoverageProblem(const CoverageProblem& problem) {
  const size_t n = problem.cells(), m = problem.options();
  for (size_t i = 0; i < n; ++i) {
    const double w = problem.weight[i];
    if (!std::isfinite(w) || w < 0)
      return InvalidInput("weight[" + std::to_string(i) + "]", "must be finite and >= 0");
  }
  if (problem.group.size() != m) return InvalidInput("group", "must hold one group per option");
  for (size_t g = 0; g < problem.capacity.size(); ++g)
    if (problem.capacity[g] < 0)
      return InvalidInput("capacity[" + std::to_string(g) + "]", "must be >= 0");
  for (size_t o = 0; o < m; ++o) {
    const std::vector<int>& cells = problem.covers[o];
    for (size_t k = 0; k < cells.size(); ++k) {
      if (cells[k] < 0 || size_t(cells[k]) >= n)
        return InvalidInput("covers[" + std::to_string(o) + "]",
                            "cell " + std::to_string(cells[k]) + " out of range");
      if (k > 0 && cells[k] <= cells[k - 1])
        return InvalidInput("covers[" + std::to_string(o) + "]", "must be sorted without repeats");
    }
    const int g = problem.group[o];
    if (g < 0 || size_t(g) >= problem.capacity.size())
      return InvalidInput("group[" + std::to_string(o) + "]", "no such group");
  }
  std::vector<char> seen(m, 0);
  std::vector<int> forced_in(problem.capacity.size(), 0);
  for (int o : problem.forced) {
    if (o < 0 || size_t(o) >= m)
      return InvalidInput("forced", "option " + std::to_string(o) + " out of range");
    if (seen[size_t(o)]) return InvalidInput("forced", "option " + std::to_string(o) + " twice");
    seen[size_t(o)] = 1;
    const int g = problem.group[size_t(o)];
    if (++forced_in[size_t(g)] > problem.capacity[size_t(g)])
      return InvalidInput("forced",
                          "group " + std::to_string(g) + " has more forced options than capacity");
  }
  return {};
}

double CoveredWeight(const CoverageProblem& problem, std::span<const int> chosen) {
  std::vector<char> covered(problem.cells(), 0);
  for (int o : chosen)
    for (int i : problem.covers[size_t(o)]) covered[size_t(i)] = 1;
  double sum = 0;
  for (size_t i = 0; i < covered.size(); ++i)
    if (covered[i]) sum += problem.weight[i];
  return sum;
}

bool IsFeasible(const CoverageProblem& problem, std::span<const int> chosen) {
  const size_t m = problem.options();
  std::vector<char> is_chosen(m, 0);
  std::vector<int> used(problem.capacity.size(), 0);
  for (int o : chosen) {
    if (o < 0 || size_t(o) >= m || is_chosen[size_t(o)]) return false;
    is_chosen[size_t(o)] = 1;
    const int g = problem.group[size_t(o)];
    if (++used[size_t(g)] > problem.capacity[size_t(g)]) return false;
  }
  return std::all_of(problem.forced.begin(), problem.forced.end(),
                     [&](int o) { return is_chosen[size_t(o)] != 0; });
}

namespace {

// Uniform in [0, n); the modulo bias is below 2^-40 for any n here, and unlike
// std::uniform_int_distribution the sequence is the same with every standard library.
size_t Below(std::mt19937_64& rng, size_t n) {
  return size_t(rng() % n);
}

// The problem in compressed adjacency form, both ways. Cells of weight 0 are left out: they can
// neither gain nor lose anything, and skipping them shortens every scan.
struct Adjacency {
  // An option covering a cell, with what the swap bookkeeping needs of it stored alongside,
  // because Open and Close walk these lists and little else.
  struct Coverer {
    int option, group, position;  // position: its index among its group's options
  };
  // Option o covers option_cells[option_start[o] .. option_start[o + 1]), ascending; cell i is
  // covered by coverers[cell_start[i] .. cell_start[i + 1]).
  std::vector<int> option_start, option_cells, cell_start;
  std::vector<Coverer> coverers;
  std::vector<int> group_start, group_options;  // the options of each group, ascending
  std::vector<int> position;                    // per option: its index among its group's
  std::vector<char> is_forced;

  explicit Adjacency(const CoverageProblem& p) {
    const size_t n = p.cells(), m = p.options(), groups = p.capacity.size();
    group_start.assign(groups + 1, 0);
    for (size_t o = 0; o < m; ++o) ++group_start[size_t(p.group[o]) + 1];
    for (size_t g = 0; g < groups; ++g) group_start[g + 1] += group_start[g];
    group_options.resize(m);
    position.resize(m);
    std::vector<int> next(group_start.begin(), group_start.end() - 1);
    for (size_t o = 0; o < m; ++o) {
      const size_t g = size_t(p.group[o]);
      position[o] = next[g] - group_start[g];
      group_options[size_t(next[g]++)] = int(o);
    }
    option_start.assign(m + 1, 0);
    cell_start.assign(n + 1, 0);
    size_t entries = 0;
    for (const std::vector<int>& cells : p.covers) entries += cells.size();
    option_cells.reserve(entries);
    for (size_t o = 0; o < m; ++o) {
      for (int i : p.covers[o]) {
        if (p.weight[size_t(i)] <= 0) continue;
        option_cells.push_back(i);
        ++cell_start[size_t(i) + 1];
      }
      option_start[o + 1] = int(option_cells.size());
    }
    for (size_t i = 0; i < n; ++i) cell_start[i + 1] += cell_start[i];
    coverers.resize(option_cells.size());
    std::vector<int> fill(cell_start.begin(), cell_start.end() - 1);
    for (size_t o = 0; o < m; ++o)
      for (int k = option_start[o]; k < option_start[o + 1]; ++k)
        coverers[size_t(fill[size_t(option_cells[size_t(k)])]++)] = {int(o), p.group[o],
                                                                     position[o]};
    is_forced.assign(m, 0);
    for (int o : p.forced) is_forced[size_t(o)] = 1;
  }

  std::span<const int> CellsOf(int o) const {
    return {option_cells.data() + option_start[size_t(o)],
            size_t(option_start[size_t(o) + 1] - option_start[size_t(o)])};
  }
  std::span<const Coverer> CoverersOf(int i) const {
    return {coverers.data() + cell_start[size_t(i)],
            size_t(cell_start[size_t(i) + 1] - cell_start[size_t(i)])};
  }
  std::span<const int> OptionsOf(size_t g) const {
    return {group_options.data() + group_start[g], size_t(group_start[g + 1] - group_start[g])};
  }
};

// A current choice of options with the bookkeeping that prices every swap without recomputing
// the objective (fast interchange, after Whitaker and Resende–Werneck). Per cell: how many chosen
// options cover it, and the XOR of their indices, which names the sole coverer when the count
// is 1. Per option: gain, the weight it would add (its cells nobody covers). Per chosen option
// a: loss, the weight only a covers, and a row extra[a][b] over a's group holding the weight of
// cells only a covers that b covers too. Swapping a for b then changes the objective by exactly
// gain[b] + extra[a][b] − loss[a], and each move updates only around the cells it touches.
class Search {
 public:
  Search(const CoverageProblem& p, const Adjacency& adj) : p_(p), adj_(adj) {
    const size_t n = p.cells(), m = p.options(), groups = p.capacity.size();
    count_.assign(n, 0);
    owners_.assign(n, 0);
    gain_.assign(m, 0);
    loss_.assign(m, 0);
    chosen_.assign(m, 0);
    slot_.assign(m, -1);
    used_.assign(groups, 0);
    free_rows_.resize(groups);
    double total = 0;
    for (double w : p.weight) total += w;
    // Moves worth less than this are rounding noise; taking them could cycle.
    eps_ = 1e-12 * std::max(total, 1.0);
    for (size_t o = 0; o < m; ++o)
      for (int i : adj_.CellsOf(int(o))) gain_[o] += p.weight[size_t(i)];
    initial_gain_ = gain_;
    // A group never has more than min(capacity, size) options open: one row for each.
    for (size_t g = 0; g < groups; ++g) {
      const size_t size = adj_.OptionsOf(g).size();
      const size_t rows = std::min(size_t(p.capacity[g]), size);
      for (size_t r = 0; r < rows; ++r) {
        free_rows_[g].push_back(int(row_base_.size()));
        row_base_.push_back(extra_.size());
        extra_.resize(extra_.size() + size, 0);
      }
    }
  }

  double covered() const { return covered_; }
  int swaps() const { return swaps_; }
  const std::vector<char>& chosen() const { return chosen_; }

  std::vector<int> Chosen() const {
    std::vector<int> out;
    for (size_t o = 0; o < chosen_.size(); ++o)
      if (chosen_[o]) out.push_back(int(o));
    return out;
  }

  // The chosen options that are not forced.
  std::vector<int> Movable() const {
    std::vector<int> out;
    for (size_t o = 0; o < chosen_.size(); ++o)
      if (chosen_[o] && !adj_.is_forced[o]) out.push_back(int(o));
    return out;
  }

  // REQUIRES: o is not chosen and its group has room.
  void Open(int o) {
    const size_t g = size_t(p_.group[size_t(o)]);
    chosen_[size_t(o)] = 1;
    ++used_[g];
    slot_[size_t(o)] = free_rows_[g].back();
    free_rows_[g].pop_back();
    const std::span<double> row = Row(o);
    for (int i : adj_.CellsOf(o)) EnterCell(o, g, row, i);
  }

  // REQUIRES: o is chosen.
  void Close(int o) {
    for (int i : adj_.CellsOf(o)) LeaveCell(o, i);
    // o's own row and loss are cleared at once rather than unwound cell by cell.
    const std::span<double> row = Row(o);
    std::fill(row.begin(), row.end(), 0.0);
    loss_[size_t(o)] = 0;
    const size_t g = size_t(p_.group[size_t(o)]);
    free_rows_[g].push_back(slot_[size_t(o)]);
    slot_[size_t(o)] = -1;
    chosen_[size_t(o)] = 0;
    --used_[g];
  }

  // Close(a) then Open(b) in one walk over both sorted cell lists. For a neighbouring b most
  // cells are in both: their counts do not change, so they cost nothing here, where closing and
  // reopening would update every option covering them twice. b takes over a's row.
  // REQUIRES: a chosen, b not, both in the same group.
  void Swap(int a, int b) {
    const std::span<double> row = Row(a);
    std::fill(row.begin(), row.end(), 0.0);
    loss_[size_t(a)] = 0;
    slot_[size_t(b)] = slot_[size_t(a)];
    slot_[size_t(a)] = -1;
    chosen_[size_t(a)] = 0;
    chosen_[size_t(b)] = 1;
    const size_t g = size_t(p_.group[size_t(b)]);
    const std::span<const int> from = adj_.CellsOf(a), to = adj_.CellsOf(b);
    size_t j = 0, k = 0;
    while (j < from.size() || k < to.size()) {
      if (k == to.size() || (j < from.size() && from[j] < to[k])) {
        LeaveCell(a, from[j++]);
      } else if (j == from.size() || to[k] < from[j]) {
        EnterCell(b, g, row, to[k++]);
      } else {  // in both: the count stays; only the name of a sole coverer changes
        const size_t c = size_t(from[j]);
        owners_[c] ^= uint32_t(a) ^ uint32_t(b);
        if (count_[c] == 1) {
          loss_[size_t(b)] += p_.weight[c];
          AddExtra(b, int(c), p_.weight[c]);
        }
        ++j;
        ++k;
      }
    }
  }

  // Moves to the choice flagged in `target` by closing and opening only the difference, as
  // swaps within a group where it can.
  void MoveTo(std::span<const char> target) {
    std::vector<std::vector<int>> leaving(p_.capacity.size());
    for (size_t o = 0; o < chosen_.size(); ++o)
      if (chosen_[o] && !target[o]) leaving[size_t(p_.group[o])].push_back(int(o));
    for (size_t o = 0; o < chosen_.size(); ++o) {
      if (chosen_[o] || !target[o]) continue;
      std::vector<int>& out = leaving[size_t(p_.group[o])];
      if (out.empty()) continue;
      Swap(out.back(), int(o));
      out.pop_back();
    }
    for (const std::vector<int>& out : leaving)
      for (int o : out) Close(o);
    for (size_t o = 0; o < chosen_.size(); ++o)
      if (!chosen_[o] && target[o]) Open(int(o));
  }

  // Closes everything, exactly: no drift carried over from earlier moves.
  void Reset() {
    std::fill(chosen_.begin(), chosen_.end(), 0);
    std::fill(count_.begin(), count_.end(), 0);
    std::fill(owners_.begin(), owners_.end(), 0);
    std::fill(extra_.begin(), extra_.end(), 0.0);
    std::fill(loss_.begin(), loss_.end(), 0.0);
    gain_ = initial_gain_;
    covered_ = 0;
    for (size_t o = 0; o < slot_.size(); ++o)
      if (slot_[o] >= 0) {
        free_rows_[size_t(p_.group[o])].push_back(slot_[o]);
        slot_[o] = -1;
      }
    std::fill(used_.begin(), used_.end(), 0);
  }

  // Rebuilds all bookkeeping from the chosen flags: incremental += and −= on doubles drift over
  // thousands of moves, and a drifted price could fake an improvement.
  void Recompute() {
    std::fill(count_.begin(), count_.end(), 0);
    std::fill(owners_.begin(), owners_.end(), 0);
    std::fill(extra_.begin(), extra_.end(), 0.0);
    std::fill(loss_.begin(), loss_.end(), 0.0);
    for (size_t o = 0; o < chosen_.size(); ++o)
      if (chosen_[o])
        for (int i : adj_.CellsOf(int(o))) {
          ++count_[size_t(i)];
          owners_[size_t(i)] ^= uint32_t(o);
        }
    covered_ = 0;
    for (size_t c = 0; c < count_.size(); ++c) {
      if (count_[c] == 0) continue;
      covered_ += p_.weight[c];
      if (count_[c] == 1) {
        loss_[owners_[c]] += p_.weight[c];
        AddExtra(int(owners_[c]), int(c), p_.weight[c]);
      }
    }
    for (size_t o = 0; o < gain_.size(); ++o) {
      double g = 0;
      for (int i : adj_.CellsOf(int(o)))
        if (count_[size_t(i)] == 0) g += p_.weight[size_t(i)];
      gain_[o] = g;
    }
  }

  // Greedy completion with lazy evaluation: opens the option with the largest gain among groups
  // with room until no option adds anything.
  void Fill() {
    // Keyed (gain, −index) so equal gains pop the lower index first.
    std::priority_queue<std::pair<double, int>> queue;
    for (size_t o = 0; o < chosen_.size(); ++o)
      if (!chosen_[o] && HasRoom(int(o)) && gain_[o] > eps_) queue.emplace(gain_[o], -int(o));
    while (!queue.empty()) {
      auto [key, neg] = queue.top();
      queue.pop();
      const int o = -neg;
      if (chosen_[size_t(o)] || !HasRoom(o)) continue;
      // Gains only fall while options are being opened, so a stale key is too high: requeue
      // with the current gain and let a better option come first.
      if (gain_[size_t(o)] < key) {
        if (gain_[size_t(o)] > eps_) queue.emplace(gain_[size_t(o)], neg);
        continue;
      }
      Open(o);
    }
  }

  // Like Fill, for the few units a kick leaves to place: a plain scan per unit is cheaper than
  // building a queue over every option. Options flagged in `banned` are not opened.
  void Refill(std::span<const char> banned) {
    for (;;) {
      int best = -1;
      double best_gain = eps_;
      for (size_t o = 0; o < chosen_.size(); ++o)
        if (gain_[o] > best_gain && !chosen_[o] && !banned[o] && HasRoom(int(o))) {
          best_gain = gain_[o];
          best = int(o);
        }
      if (best < 0) return;
      Open(best);
    }
  }

  // Randomised greedy (the construction of GRASP): each unit goes to an option drawn at random
  // among those within `alpha` of the best gain.
  void FillRandomised(std::mt19937_64& rng, double alpha) {
    for (;;) {
      double best_gain = eps_;
      for (size_t o = 0; o < chosen_.size(); ++o)
        if (gain_[o] > best_gain && !chosen_[o] && HasRoom(int(o))) best_gain = gain_[o];
      scratch_.clear();
      for (size_t o = 0; o < chosen_.size(); ++o)
        if (gain_[o] >= (1 - alpha) * best_gain && gain_[o] > eps_ && !chosen_[o] &&
            HasRoom(int(o)))
          scratch_.push_back(int(o));
      if (scratch_.empty()) return;
      Open(scratch_[Below(rng, scratch_.size())]);
    }
  }

  // For each chosen option in turn, the best swap within its group, taken if it improves; opens
  // where a group has room. Repeats until a whole pass changes nothing: a local optimum of the
  // swap neighbourhood.
  void Descend() {
    for (bool improved = true; improved;) {
      improved = false;
      for (size_t g = 0; g < p_.capacity.size(); ++g) {
        const std::span<const int> members = adj_.OptionsOf(g);
        while (used_[g] < p_.capacity[g]) {
          int best = -1;
          for (int b : members)
            if (!chosen_[size_t(b)] && gain_[size_t(b)] > eps_ &&
                (best < 0 || gain_[size_t(b)] > gain_[size_t(best)]))
              best = b;
          if (best < 0) break;
          Open(best);
          ++swaps_;
          improved = true;
        }
        scratch_.clear();
        for (int a : members)
          if (chosen_[size_t(a)] && !adj_.is_forced[size_t(a)]) scratch_.push_back(a);
        for (int a : scratch_)
          if (chosen_[size_t(a)] && TrySwap(a, members)) improved = true;
      }
    }
  }

  // Path relinking: walks from the current choice towards `target` (same options per group),
  // each step the best swap of an option only the current choice has for one only the target
  // has, and stops at the best choice strictly between the two. Returns false when the two are
  // too close to have anything between them (the search is then left unchanged).
  bool Relink(std::span<const char> target) {
    std::vector<int> from, to;
    for (size_t o = 0; o < chosen_.size(); ++o) {
      if (chosen_[o] && !target[o]) from.push_back(int(o));
      if (!chosen_[o] && target[o]) to.push_back(int(o));
    }
    std::vector<char> start = chosen_, best_between;
    double best_covered = -1;
    while (from.size() > 1) {
      size_t best_from = 0, best_to = 0;
      double best_delta = -std::numeric_limits<double>::infinity();
      for (size_t k = 0; k < from.size(); ++k) {
        const int a = from[k];
        const std::span<double> row = Row(a);
        for (size_t j = 0; j < to.size(); ++j) {
          const int b = to[j];
          if (p_.group[size_t(b)] != p_.group[size_t(a)]) continue;
          const double delta =
              gain_[size_t(b)] + row[size_t(adj_.position[size_t(b)])] - loss_[size_t(a)];
          if (delta > best_delta) {
            best_delta = delta;
            best_from = k;
            best_to = j;
          }
        }
      }
      if (best_delta == -std::numeric_limits<double>::infinity()) break;
      Swap(from[best_from], to[best_to]);
      from.erase(from.begin() + std::ptrdiff_t(best_from));
      to.erase(to.begin() + std::ptrdiff_t(best_to));
      if (covered_ > best_covered) {
        best_covered = covered_;
        best_between = chosen_;
      }
    }
    MoveTo(best_covered < 0 ? start : best_between);
    return best_covered >= 0;
  }

  // The chosen, unforced options near movable `a`: those covering a cell that some option
  // overlapping a covers too (within about four cover radii). a itself comes first.
  std::vector<int> ChosenNear(int a) {
    if (cell_mark_.empty()) {
      cell_mark_.assign(p_.cells(), 0);
      option_mark_.assign(p_.options(), 0);
    }
    ++stamp_;
    for (int i : adj_.CellsOf(a))
      for (const Adjacency::Coverer& q : adj_.CoverersOf(i)) {
        if (option_mark_[size_t(q.option)] == stamp_) continue;
        option_mark_[size_t(q.option)] = stamp_;
        for (int j : adj_.CellsOf(q.option)) cell_mark_[size_t(j)] = stamp_;
      }
    std::vector<int> near = {a};
    for (int o : Movable()) {
      const std::span<const int> cells = adj_.CellsOf(o);
      if (o != a && std::any_of(cells.begin(), cells.end(),
                                [&](int j) { return cell_mark_[size_t(j)] == stamp_; }))
        near.push_back(o);
    }
    return near;
  }

 private:
  bool HasRoom(int o) const {
    const size_t g = size_t(p_.group[size_t(o)]);
    return used_[g] < p_.capacity[g];
  }

  // REQUIRES: o is chosen.
  std::span<double> Row(int o) {
    const size_t g = size_t(p_.group[size_t(o)]);
    return {extra_.data() + row_base_[size_t(slot_[size_t(o)])], adj_.OptionsOf(g).size()};
  }

  // Option o, of group g and with extra row `row`, now covers cell i.
  void EnterCell(int o, size_t g, std::span<double> row, int i) {
    const size_t c = size_t(i);
    const double w = p_.weight[c];
    owners_[c] ^= uint32_t(o);
    if (count_[c]++ == 0) {  // newly covered, by o alone
      covered_ += w;
      loss_[size_t(o)] += w;
      for (const Adjacency::Coverer& q : adj_.CoverersOf(i)) {
        gain_[size_t(q.option)] -= w;
        if (size_t(q.group) == g) row[size_t(q.position)] += w;
      }
    } else if (count_[c] == 2) {  // its sole coverer now shares it
      const int s = int(owners_[c] ^ uint32_t(o));
      loss_[size_t(s)] -= w;
      AddExtra(s, i, -w);
    }
  }

  // Option o no longer covers cell i. o's own loss and row are left for the caller to clear.
  void LeaveCell(int o, int i) {
    const size_t c = size_t(i);
    const double w = p_.weight[c];
    owners_[c] ^= uint32_t(o);
    if (--count_[c] == 0) {
      covered_ -= w;
      for (const Adjacency::Coverer& q : adj_.CoverersOf(i)) gain_[size_t(q.option)] += w;
    } else if (count_[c] == 1) {  // the one left covers it alone now
      const int s = int(owners_[c]);
      loss_[size_t(s)] += w;
      AddExtra(s, i, w);
    }
  }

  // Cell i, of weight w, is now (w > 0) or no longer (w < 0) covered by chosen `owner` alone.
  void AddExtra(int owner, int i, double w) {
    const std::span<double> row = Row(owner);
    const int g = p_.group[size_t(owner)];
    for (const Adjacency::Coverer& q : adj_.CoverersOf(i))
      if (q.group == g) row[size_t(q.position)] += w;
  }

  // Applies the best swap of `a` for an unchosen option of its group if it improves.
  bool TrySwap(int a, std::span<const int> members) {
    const std::span<double> row = Row(a);
    const double loss = loss_[size_t(a)];
    int best = -1;
    double best_delta = eps_;
    for (size_t k = 0; k < members.size(); ++k) {
      const int b = members[k];
      if (chosen_[size_t(b)]) continue;
      const double delta = gain_[size_t(b)] + row[k] - loss;
      if (delta > best_delta) {
        best_delta = delta;
        best = b;
      }
    }
    if (best < 0) return false;
    Swap(a, best);
    ++swaps_;
    return true;
  }

  const CoverageProblem& p_;
  const Adjacency& adj_;
  std::vector<int> count_;                   // per cell: chosen options covering it
  std::vector<uint32_t> owners_;             // per cell: XOR of the chosen options covering it
  std::vector<double> gain_, loss_;          // per option
  std::vector<double> initial_gain_;         // with nothing chosen
  std::vector<double> extra_;                // the rows, one per chosen option, over its group
  std::vector<size_t> row_base_;             // where each row starts in extra_
  std::vector<int> slot_;                    // per option: its row while chosen, else −1
  std::vector<std::vector<int>> free_rows_;  // per group
  std::vector<char> chosen_;
  std::vector<int> used_;     // per group: options chosen
  std::vector<int> scratch_;  // a group's movable chosen options during a pass; candidates
  std::vector<uint32_t> cell_mark_, option_mark_;
  uint32_t stamp_ = 0;
  double covered_ = 0, eps_ = 0;
  int swaps_ = 0;
};

}  // namespace

CoverageSolution SolveGreedy(const CoverageProblem& problem) {
  PINGAN_CHECK(ValidateCoverageProblem(problem).has_value());
  const Adjacency adj(problem);
  Search search(problem, adj);
  for (int o : problem.forced) search.Open(o);
  search.Fill();
  CoverageSolution out;
  out.chosen = search.Chosen();
  out.covered_weight = CoveredWeight(problem, out.chosen);
  return out;
}

HeuristicResult SolveCoverageHeuristic(const CoverageProblem& problem,
                                       const HeuristicOptions& options) {
  PINGAN_CHECK(ValidateCoverageProblem(problem).has_value());
  using Clock = std::chrono::steady_clock;
  const Clock::time_point began = Clock::now();
  const Adjacency adj(problem);
  Search search(problem, adj);
  const size_t m = problem.options();
  double total = 0;
  for (double w : problem.weight) total += w;
  const double eps = 1e-12 * std::max(total, 1.0);
  std::mt19937_64 rng(options.seed);
  HeuristicResult result;
  const int starts = std::max(options.starts, 1);
  std::vector<std::vector<char>> elite;  // each start's best, for relinking
  std::vector<char> best(m, 0), banned(m, 0);
  double best_covered = -1;
  const int total_rounds = std::max(options.max_rounds, 0);
  for (int s = 0; s < starts; ++s) {
    // Each start gets an equal share of the rounds, and of the time left.
    const int rounds = total_rounds / starts + (s < total_rounds % starts ? 1 : 0);
    const Clock::time_point deadline = began + options.time_budget * (s + 1) / starts;
    const bool is_timed = options.time_budget.count() > 0;
    if (s > 0 && is_timed && Clock::now() >= deadline) break;
    ++result.starts;
    search.Reset();
    for (int o : problem.forced) search.Open(o);
    if (s == 0) {
      search.Fill();
      result.greedy_weight = CoveredWeight(problem, search.Chosen());
    } else {
      search.FillRandomised(rng, options.alpha);
    }
    search.Descend();
    if (s == 0) result.first_descent_weight = CoveredWeight(problem, search.Chosen());
    std::vector<char> start_best = search.chosen();
    double start_covered = search.covered();

    for (int round = 0; round < rounds; ++round) {
      if (is_timed && Clock::now() >= deadline) break;
      std::vector<int> movable = search.Movable();
      if (movable.size() < 2) break;  // nothing a kick could rearrange
      ++result.rounds;
      // The kick closes one movable option drawn at random and 1 to 1 + k/8 of its chosen
      // neighbours (k movable in all): enough to leave the swap neighbourhood's basin, few enough
      // to keep most of a good solution. Neighbours, because units sharing a hot spot often
      // have to shift together; kicks spread over the whole district were measured to do worse.
      const int seed = movable[Below(rng, movable.size())];
      const size_t most = std::min(movable.size(), 2 + movable.size() / 8);
      movable = search.ChosenNear(seed);  // the seed first
      const size_t strength = std::min(2 + Below(rng, most - 1), movable.size());
      for (size_t k = 0; k < strength; ++k) {
        if (k > 0) std::swap(movable[k], movable[k + Below(rng, movable.size() - k)]);
        search.Close(movable[k]);
        banned[size_t(movable[k])] = 1;
      }
      // Refill without the closed options, so the kick is not simply undone, then descend
      // with every option allowed again.
      search.Refill(banned);
      for (size_t k = 0; k < strength; ++k) banned[size_t(movable[k])] = 0;
      search.Descend();
      if (round % 32 == 31) search.Recompute();
      if (search.covered() > start_covered + eps) {
        ++result.improving_rounds;
        start_covered = search.covered();
        start_best = search.chosen();
      } else if (search.covered() < start_covered - eps) {
        search.MoveTo(start_best);  // worse: back to the best; equal: wander the plateau
      }
    }
    // Path relinking towards every earlier start's best: good solutions share structure, and
    // the best choice between two of them, polished by a descent, often beats both.
    for (const std::vector<char>& other : elite) {
      search.MoveTo(start_best);
      if (!search.Relink(other)) continue;
      search.Descend();
      if (search.covered() > start_covered + eps) {
        start_covered = search.covered();
        start_best = search.chosen();
      }
    }
    search.MoveTo(start_best);
    search.Recompute();
    if (search.covered() > best_covered + eps) {
      best_covered = search.covered();
      best = start_best;
    }
    elite.push_back(std::move(start_best));
  }
  for (size_t o = 0; o < m; ++o)
    if (best[o]) result.best.chosen.push_back(int(o));
  result.best.covered_weight = CoveredWeight(problem, result.best.chosen);
  result.swaps = search.swaps();
  return result;
}

LagrangianResult LagrangianUpperBound(const CoverageProblem& problem,
                                      const LagrangianOptions& options) {
  PINGAN_CHECK(ValidateCoverageProblem(problem).has_value());
  const Adjacency adj(problem);
  const size_t n = problem.cells(), m = problem.options(), groups = problem.capacity.size();
  LagrangianResult result;
  result.best_relaxed_choice = SolveGreedy(problem);
  double lower = std::max(options.lower_bound, result.best_relaxed_choice.covered_weight);

  // Cells no option covers are never covered: their optimal multiplier is w_i and they add
  // nothing to the bound, so only covered cells with weight take part.
  std::vector<int> cells;
  for (size_t i = 0; i < n; ++i)
    if (problem.weight[i] > 0 && adj.cell_start[i + 1] > adj.cell_start[i]) cells.push_back(int(i));
  std::vector<double> lambda(n, 0);
  // Starting at λ = w makes every cell worth exactly its weight to whichever option covers it:
  // the bound of the best k options' total weights, counting overlaps twice.
  for (int i : cells) lambda[size_t(i)] = problem.weight[size_t(i)];

  std::vector<double> value(m, 0), direction(n, 0);
  std::vector<int> count(n, 0), picked;
  std::vector<std::pair<double, int>> ranked;
  double step_factor = 2;
  int since_better = 0;
  result.upper_bound = std::numeric_limits<double>::infinity();
  for (int iteration = 0; iteration < std::max(options.max_iterations, 1); ++iteration) {
    result.iterations = iteration + 1;
    for (size_t o = 0; o < m; ++o) {
      double v = 0;
      for (int i : adj.CellsOf(int(o))) v += lambda[size_t(i)];
      value[o] = v;
    }
    // The relaxed problem: y_i = [w_i > λ_i] earns w_i − λ_i; each group takes its forced
    // options and then its best others by value up to capacity.
    double bound = 0;
    for (int i : cells) bound += std::max(0.0, problem.weight[size_t(i)] - lambda[size_t(i)]);
    picked.clear();
    for (size_t g = 0; g < groups; ++g) {
      int room = problem.capacity[g];
      ranked.clear();
      for (int o : adj.OptionsOf(g)) {
        if (adj.is_forced[size_t(o)]) {
          picked.push_back(o);
          bound += value[size_t(o)];
          --room;
        } else {
          ranked.emplace_back(value[size_t(o)], -o);
        }
      }
      const size_t take = std::min(size_t(std::max(room, 0)), ranked.size());
      std::partial_sort(ranked.begin(), ranked.begin() + std::ptrdiff_t(take), ranked.end(),
                        std::greater<>());
      for (size_t k = 0; k < take; ++k) {
        picked.push_back(-ranked[k].second);
        bound += ranked[k].first;
      }
    }
    if (iteration == 0 || bound < result.upper_bound * (1 - 1e-12)) {
      result.upper_bound = bound;
      since_better = 0;
    } else if (++since_better >= options.patience) {
      step_factor /= 2;
      since_better = 0;
    }
    // The relaxation's choice is a feasible solution: keep the best as a lower bound.
    for (int o : picked)
      for (int i : adj.CellsOf(o)) ++count[size_t(i)];
    double covered = 0, norm2 = 0;
    for (int i : cells) {
      const size_t c = size_t(i);
      if (count[c] > 0) covered += problem.weight[c];
      const double s = double(count[c]) - (problem.weight[c] > lambda[c] ? 1 : 0);
      norm2 += s * s;
    }
    if (covered > result.best_relaxed_choice.covered_weight) {
      std::sort(picked.begin(), picked.end());
      result.best_relaxed_choice = {picked, covered};
      lower = std::max(lower, covered);
    }
    if (norm2 == 0 || result.upper_bound - lower <= 1e-9 * result.upper_bound ||
        step_factor < 1e-4) {
      break;  // proven optimal, or the steps no longer move the bound
    }
    // The subgradient of L at λ is s_i = Σ_{o∋i} x_o − y_i. λ moves against a direction that
    // keeps part of the previous one (deflection: it damps the zig-zag between successive
    // relaxed choices), by Polyak's step towards the best known objective, kept in [0, w_i].
    double direction_norm2 = 0;
    for (int i : cells) {
      const size_t c = size_t(i);
      const double y = problem.weight[c] > lambda[c] ? 1 : 0;
      direction[c] = double(count[c]) - y + options.deflection * direction[c];
      direction_norm2 += direction[c] * direction[c];
    }
    if (direction_norm2 == 0) break;  // the previous direction cancelled this subgradient
    const double step = step_factor * (bound - lower) / direction_norm2;
    for (int i : cells) {
      const size_t c = size_t(i);
      lambda[c] = std::clamp(lambda[c] - step * direction[c], 0.0, problem.weight[c]);
      count[c] = 0;
    }
  }
  result.best_relaxed_choice.covered_weight =
      CoveredWeight(problem, result.best_relaxed_choice.chosen);
  return result;
}

}  // namespace pingan::patrol
