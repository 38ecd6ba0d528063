#include "patrol/plans.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "patrol/coverage.h"
#include "roads/road_snapper.h"
#include "roads/travel_times.h"

namespace pingan::patrol {
namespace {

constexpr double kHour = 3600;

double Drive(LonLat a, LonLat b, const PlanOptions& o) {
  return DistanceM(a, b) * 1.4 / o.patrol_speed_m_s;
}

// Fills the hour [start, start + 1 h) of a unit with stops at `posts` (visited in the given
// order, repeating if time is left), driving from `at`; returns where it ends.
LonLat FillHour(std::vector<Stop>& stops, double start, LonLat at, const std::vector<LonLat>& posts,
                const PlanOptions& o, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> dwell(o.dwell_min_s, o.dwell_max_s);
  double t = start;
  const double end = start + kHour;
  int made = 0;
  for (size_t k = 0; t < end && made < o.stops_per_hour && !posts.empty(); ++k) {
    LonLat next = posts[k % posts.size()];
    double arrive = t + Drive(at, next, o);
    if (arrive >= end) break;
    double leave = std::min(end, arrive + dwell(rng));
    // A stay cut short by the hour's end joins the next hour's first stop when it is the same.
    if (!stops.empty() && stops.back().to >= t - 1 && DistanceM(stops.back().at, next) < 1) {
      stops.back().to = leave;
    } else {
      stops.push_back({arrive, leave, next});
    }
    at = next;
    t = leave;
    ++made;
  }
  return at;
}

}  // namespace

bool PlanUnit::OnDuty(double local_seconds) const {
  double hour = std::fmod(std::fmod(local_seconds, 86400) + 86400, 86400) / kHour;
  if (shift_end_hour - shift_begin_hour >= 24) return true;
  int end = shift_end_hour;
  if (end <= 24) return hour >= shift_begin_hour && hour < end;
  return hour >= shift_begin_hour || hour < end - 24;
}

LonLat Plan::Where(size_t u, double t) const {
  const auto& s = stops[u];
  if (s.empty()) return {};
  auto it = std::upper_bound(s.begin(), s.end(), t,
                             [](double v, const Stop& stop) { return v < stop.from; });
  if (it == s.begin()) return s.front().at;
  const Stop& before = *std::prev(it);
  if (t <= before.to || it == s.end()) return before.at;
  // On the way to the next stop.
  double f = (t - before.to) / std::max(1.0, it->from - before.to);
  return {before.at.lon + f * (it->at.lon - before.at.lon),
          before.at.lat + f * (it->at.lat - before.at.lat)};
}

std::vector<LonLat> DrivableNodes(const roads::RoadGraph& graph, TravelMode mode) {
  const auto& out = graph.mode(mode).outgoing;
  std::vector<LonLat> nodes;
  for (roads::NodeIndex n = 0; n < graph.node_count(); ++n)
    if (!out.Of(n).empty()) nodes.push_back(graph.node(n));
  return nodes;
}

Plan UniformPlan(const roads::RoadGraph& graph, std::vector<PlanUnit> units, double from, double to,
                 const PlanOptions& o) {
  Plan plan;
  plan.name = "uniform";
  plan.units = std::move(units);
  plan.stops.resize(plan.units.size());
  std::mt19937_64 rng(o.seed);
  // Beats per mode: k-means (Lloyd) over the nodes the mode can use, started from spread seeds.
  std::map<TravelMode, std::vector<size_t>> by_mode;
  for (size_t u = 0; u < plan.units.size(); ++u) by_mode[plan.units[u].mode].push_back(u);
  for (const auto& [mode, members] : by_mode) {
    std::vector<LonLat> nodes = DrivableNodes(graph, mode);
    if (nodes.empty()) continue;
    std::shuffle(nodes.begin(), nodes.end(), rng);
    if (nodes.size() > 20000) nodes.resize(20000);
    const size_t k = std::min(members.size(), nodes.size());
    std::vector<LonLat> centre(nodes.begin(), nodes.begin() + long(k));
    std::vector<size_t> beat(nodes.size(), 0);
    for (int iteration = 0; iteration < 25; ++iteration) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        double best = 1e18;
        for (size_t c = 0; c < k; ++c) {
          double d = DistanceM(nodes[i], centre[c]);
          if (d < best) {
            best = d;
            beat[i] = c;
          }
        }
      }
      std::vector<double> lon(k, 0), lat(k, 0), n(k, 0);
      for (size_t i = 0; i < nodes.size(); ++i) {
        lon[beat[i]] += nodes[i].lon;
        lat[beat[i]] += nodes[i].lat;
        n[beat[i]] += 1;
      }
      for (size_t c = 0; c < k; ++c)
        if (n[c] > 0) centre[c] = {lon[c] / n[c], lat[c] / n[c]};
    }
    std::vector<std::vector<LonLat>> beat_nodes(k);
    for (size_t i = 0; i < nodes.size(); ++i) beat_nodes[beat[i]].push_back(nodes[i]);
    for (size_t m = 0; m < members.size(); ++m) {
      const size_t u = members[m];
      const auto& mine = beat_nodes[m % k];
      if (mine.empty()) continue;
      std::uniform_int_distribution<size_t> pick(0, mine.size() - 1);
      LonLat at = centre[m % k];
      for (double h = std::floor(from / kHour) * kHour; h < to; h += kHour) {
        if (!plan.units[u].OnDuty(h)) continue;
        std::vector<LonLat> posts;
        for (int s = 0; s < o.stops_per_hour; ++s) posts.push_back(mine[pick(rng)]);
        at = FillHour(plan.stops[u], h, at, posts, o, rng);
      }
    }
  }
  return plan;
}

Plan RiskPlan(const roads::RoadGraph& graph, std::vector<PlanUnit> units, double from, double to,
              const std::vector<LonLat>& cells,
              const std::function<std::vector<double>(double hour_start)>& risk_at,
              const PlanOptions& o, RiskPlanStats* stats) {
  using Clock = std::chrono::steady_clock;
  RiskPlanStats local_stats;
  RiskPlanStats& st = stats ? *stats : local_stats;
  st = {};
  st.cells = cells.size();
  Plan plan;
  plan.name = "risk";
  plan.units = std::move(units);
  plan.stops.resize(plan.units.size());
  std::mt19937_64 rng(o.seed);
  const double first_hour = std::floor(from / kHour) * kHour;

  // Candidate posts: the hottest cells over the first day.
  std::vector<double> day(cells.size(), 0.0);
  for (int h = 0; h < 24; ++h) {
    std::vector<double> r = risk_at(first_hour + h * kHour);
    for (size_t c = 0; c < cells.size(); ++c) day[c] += r[c];
  }
  std::vector<int> order(cells.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return day[size_t(a)] != day[size_t(b)] ? day[size_t(a)] > day[size_t(b)] : a < b;
  });
  std::vector<int> candidate_cells;
  for (int c : order) {
    if (candidate_cells.size() >= size_t(o.candidates) || day[size_t(c)] <= 0) break;
    candidate_cells.push_back(c);
  }
  st.candidates = candidate_cells.size();

  // Cover lists per mode: one backward search from every cell meets the candidate posts that
  // reach it within cover_s.
  roads::RoadSnapper snapper(graph);
  std::map<TravelMode, std::vector<std::vector<int>>> covers;  // mode → candidate → cells
  auto coverage_started = Clock::now();
  for (const PlanUnit& u : plan.units) {
    if (covers.contains(u.mode)) continue;
    std::vector<roads::Source> sources;
    std::vector<int> source_candidate;
    for (size_t k = 0; k < candidate_cells.size(); ++k) {
      auto snap = snapper.Nearest(cells[size_t(candidate_cells[k])], u.mode);
      if (!snap || snap->distance_m > 300) continue;
      sources.push_back({uint32_t(sources.size()), *snap});
      source_candidate.push_back(int(k));
    }
    std::vector<std::vector<int>> lists(candidate_cells.size());
    roads::TravelTimes search(graph, u.mode);
    for (size_t c = 0; c < cells.size(); ++c) {
      auto target = snapper.Nearest(cells[c], u.mode);
      if (!target || target->distance_m > 300) continue;
      for (const roads::Arrival& a : search.NearestSources(*target, sources, sources.size(),
                                                           uint32_t(o.cover_s * 1000), false))
        lists[size_t(source_candidate[a.id])].push_back(int(c));
    }
    for (auto& l : lists) std::sort(l.begin(), l.end());
    covers[u.mode] = std::move(lists);
  }
  st.coverage_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - coverage_started).count();

  std::vector<LonLat> at(plan.units.size());
  std::vector<bool> placed(plan.units.size(), false);
  double covered_sum = 0;
  for (double h = first_hour; h < to; h += kHour) {
    std::vector<double> risk = risk_at(h);
    double total = std::accumulate(risk.begin(), risk.end(), 0.0);
    // One group per mode, as many posts as units of that mode on duty.
    CoverageProblem problem;
    problem.weight = risk;
    std::map<TravelMode, int> group_of;
    std::vector<std::pair<TravelMode, int>> option_of;  // option → (mode, candidate)
    for (const PlanUnit& u : plan.units) {
      if (!u.OnDuty(h)) continue;
      auto [it, added] = group_of.emplace(u.mode, int(problem.capacity.size()));
      if (added) {
        problem.capacity.push_back(0);
        const auto& lists = covers[u.mode];
        for (size_t k = 0; k < lists.size(); ++k) {
          problem.covers.push_back(lists[k]);
          problem.group.push_back(it->second);
          option_of.push_back({u.mode, int(k)});
        }
      }
      ++problem.capacity[size_t(it->second)];
    }
    if (problem.capacity.empty()) continue;
    auto solve_started = Clock::now();
    HeuristicOptions ho;
    ho.seed = o.seed + uint64_t(h);
    ho.starts = 2;
    ho.max_rounds = 60;
    HeuristicResult solved = SolveCoverageHeuristic(problem, ho);
    st.solve_ms += std::chrono::duration<double, std::milli>(Clock::now() - solve_started).count();
    if (total > 0) covered_sum += solved.best.covered_weight / total;
    ++st.hours;

    // Posts to units of the mode, each unit taking the nearest free post to where it is.
    for (const auto& [mode, group] : group_of) {
      std::vector<int> posts;
      for (int option : solved.best.chosen)
        if (problem.group[size_t(option)] == group) posts.push_back(option);
      std::vector<bool> taken(posts.size(), false);
      for (size_t u = 0; u < plan.units.size(); ++u) {
        const PlanUnit& unit = plan.units[u];
        if (unit.mode != mode || !unit.OnDuty(h)) continue;
        int best = -1;
        double best_d = 1e18;
        for (size_t p = 0; p < posts.size(); ++p) {
          if (taken[p]) continue;
          LonLat post = cells[size_t(candidate_cells[size_t(option_of[size_t(posts[p])].second)])];
          double d = placed[u] ? DistanceM(at[u], post) : 0;
          if (d < best_d) {
            best_d = d;
            best = int(p);
          }
        }
        if (best < 0) continue;
        taken[size_t(best)] = true;
        const int option = posts[size_t(best)];
        const int post_cell = candidate_cells[size_t(option_of[size_t(option)].second)];
        // The loop: the post and the two hottest other cells it covers, in a random order.
        std::vector<int> hot(problem.covers[size_t(option)].begin(),
                             problem.covers[size_t(option)].end());
        std::erase(hot, post_cell);
        std::partial_sort(hot.begin(), hot.begin() + long(std::min<size_t>(2, hot.size())),
                          hot.end(),
                          [&](int a, int b) { return risk[size_t(a)] > risk[size_t(b)]; });
        hot.resize(std::min<size_t>(2, hot.size()));
        std::vector<LonLat> loop = {cells[size_t(post_cell)]};
        for (int c : hot) loop.push_back(cells[size_t(c)]);
        std::shuffle(loop.begin(), loop.end(), rng);
        if (!placed[u]) at[u] = loop.front();
        at[u] = FillHour(plan.stops[u], h, at[u], loop, o, rng);
        placed[u] = true;
      }
    }
  }
  st.covered_share = st.hours > 0 ? covered_sum / double(st.hours) : 0;
  return plan;
}

}  // namespace pingan::patrol
