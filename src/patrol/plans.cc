#include "patrol/plans.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <fmt/format.h>

#include "core/check.h"
#include "hotspots/grid.h"
#include "patrol/coverage.h"
#include "roads/road_snapper.h"
#include "roads/travel_times.h"

namespace pingan::patrol {
namespace {

constexpr double kHour = 3600;
constexpr double kDay = 86400;
constexpr double kNever = std::numeric_limits<double>::infinity();
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A place to stop at in a unit's hour.
struct Visit {
  LonLat at;
  int cell = -1;
  double deadline = kNever;  // the revisit rule: arrive by then
};

// A fixed stop in a unit's hour: the part of a duty's window inside the hour. It has no length
// when the duty starts at the hour's end: the unit ends the hour there, waiting.
struct Appointment {
  LonLat at;
  double from = 0, to = 0;
  std::string duty;
};

void AddStop(std::vector<Stop>& stops, Stop s) {
  // A stay cut by the hour's end goes on into the next hour's first stop at the same place.
  if (!stops.empty()) {
    Stop& last = stops.back();
    if (last.to >= s.from - 1 && DistanceM(last.at, s.at) < 1 && last.duty == s.duty &&
        last.cell == s.cell) {
      last.to = std::max(last.to, s.to);
      return;
    }
  }
  stops.push_back(std::move(s));
}

// One unit's hour laid out for a given order of visits: the stops, and how many visits with a
// deadline it misses (arrives late or has no room for).
struct Layout {
  std::vector<Stop> stops;
  int misses = 0;
  LonLat end_at;
};

Layout LayOut(double start, double end, LonLat at, TravelMode mode,
              const std::vector<Visit>& visits, const std::vector<double>& dwell,
              const std::vector<size_t>& order, const Appointment* appointment,
              const PlanOptions& o) {
  Layout out;
  double t = start;
  int made = 0;
  std::vector<bool> done(visits.size(), false);
  // Visits in `order` that fit before `until`; with `then`, leaving in time to be there by
  // `until`, else a last stay may be cut by the hour's end.
  auto visit_until = [&](double until, const LonLat* then) {
    for (size_t i = 0; i < order.size(); ++i) {
      const size_t k = order[i];
      if (done[k] || made >= o.stops_per_hour) continue;
      const Visit& v = visits[k];
      double arrive = t + o.DriveS(at, v.at, mode);
      double leave = arrive + dwell[k];
      // Stay shorter (never under the minimum) when the next visit has a deadline to keep.
      for (size_t j = i + 1; j < order.size(); ++j) {
        const Visit& next = visits[order[j]];
        if (done[order[j]] || next.deadline == kNever) continue;
        double latest = next.deadline - o.DriveS(v.at, next.at, mode);
        leave = std::max(arrive + o.dwell_min_s, std::min(leave, latest));
        break;
      }
      if (then != nullptr) {
        leave = std::min(leave, until - o.DriveS(v.at, *then, mode));
        if (leave - arrive < o.dwell_min_s) continue;
      } else {
        if (arrive >= until) continue;
        leave = std::min(leave, until);
      }
      out.stops.push_back({arrive, leave, v.at, "", v.cell});
      if (arrive > v.deadline) ++out.misses;
      done[k] = true;
      ++made;
      at = v.at;
      t = leave;
    }
  };
  if (appointment != nullptr) {
    if (appointment->from > start) visit_until(appointment->from, &appointment->at);
    // Hold the duty from arrival (waiting if early) to the window's end.
    double reach = t + o.DriveS(at, appointment->at, mode);
    out.stops.push_back(
        {reach, std::max(appointment->to, reach), appointment->at, appointment->duty});
    at = appointment->at;
    t = std::max(appointment->to, reach);
  }
  visit_until(end, nullptr);
  for (size_t k = 0; k < visits.size(); ++k)
    if (!done[k] && visits[k].deadline < kNever) ++out.misses;
  out.end_at = at;
  return out;
}

// Fills a unit's hour [start, end) from `at`: the appointment at its time, and the visits in a
// random order (patrols must not be predictable) that misses no revisit deadline it can keep:
// several shuffles are tried, then earliest-deadline-first. Returns where the unit ends.
LonLat ScheduleHour(std::vector<Stop>& stops, double start, double end, LonLat at, TravelMode mode,
                    const std::vector<Visit>& visits, const Appointment* appointment,
                    const PlanOptions& o, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> draw(o.dwell_min_s, o.dwell_max_s);
  std::vector<double> dwell(visits.size());
  for (double& d : dwell) d = draw(rng);
  std::vector<size_t> order(visits.size());
  std::iota(order.begin(), order.end(), 0);
  std::optional<Layout> best;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::shuffle(order.begin(), order.end(), rng);
    Layout l = LayOut(start, end, at, mode, visits, dwell, order, appointment, o);
    if (!best || l.misses < best->misses) best = std::move(l);
    if (best->misses == 0) break;
  }
  if (best->misses > 0) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return visits[a].deadline < visits[b].deadline; });
    Layout l = LayOut(start, end, at, mode, visits, dwell, order, appointment, o);
    if (l.misses < best->misses) best = std::move(l);
  }
  for (Stop& s : best->stops) AddStop(stops, std::move(s));
  return best->end_at;
}

// The hour-by-hour machinery both planners share: the units' positions, fixed duties and who
// holds them, areas, and laying out each unit's hour.
class Planner {
 public:
  Planner(std::string name, std::vector<PlanUnit> units, double from, double to,
          const PlanInput& input, const PlanOptions& o)
      : input_(input), o_(o), rng_(o.seed), from_(from), to_(to) {
    plan_.name = std::move(name);
    plan_.units = std::move(units);
    plan_.stops.resize(plan_.units.size());
    at_.resize(plan_.units.size());
    placed_.assign(plan_.units.size(), false);
    // Every day's instance of every duty that touches the period, one per unit wanted.
    const double first_day = std::floor(from / kDay) * kDay;
    for (double day = first_day - kDay; day < to; day += kDay)
      for (size_t d = 0; d < input.duties.size(); ++d) {
        const FixedDuty& duty = input.duties[d];
        double ds = day + duty.from_minute * 60.0, de = day + duty.to_minute * 60.0;
        if (de <= from || ds >= to || de <= ds) continue;
        for (int k = 0; k < std::max(1, duty.units); ++k) {
          plan_.duties.push_back({duty.id, duty.kind, std::max(ds, from), std::min(de, to), k});
          duty_of_.push_back(d);
        }
      }
  }

  Plan& plan() { return plan_; }
  std::mt19937_64& rng() { return rng_; }
  const PlanOptions& options() const { return o_; }
  const PlanInput& input() const { return input_; }
  double first_hour() const { return std::floor(from_ / kHour) * kHour; }
  double to() const { return to_; }

  bool InArea(size_t u, LonLat p) const {
    const std::string& station = plan_.units[u].station_id;
    return station.empty() || !input_.station_of || input_.station_of(p) == station;
  }
  bool InArea(size_t u, const std::string& station_of_point) const {
    const std::string& station = plan_.units[u].station_id;
    return station.empty() || !input_.station_of || station_of_point == station;
  }
  // Where the unit is at the start of the next hour it is planned; `fallback` if not placed.
  LonLat Position(size_t u, LonLat fallback) const { return placed_[u] ? at_[u] : fallback; }
  bool Placed(size_t u) const { return placed_[u]; }

  // Gives each duty instance touching hour h a holder (the one who held it keeps it) and
  // returns each unit's appointment in the hour, if any.
  std::vector<std::optional<Appointment>> Appointments(double h) {
    std::vector<std::optional<Appointment>> result(plan_.units.size());
    for (size_t i = 0; i < plan_.duties.size(); ++i) {
      DutyCover& cover = plan_.duties[i];
      // A duty starting at the next hour's start is reached in this one.
      if (cover.from > h + kHour || cover.to <= h) continue;
      const FixedDuty& duty = input_.duties[duty_of_[i]];
      if (cover.unit < 0) cover.unit = PickHolder(i, duty, h);
      if (cover.unit < 0) continue;
      result[size_t(cover.unit)] =
          Appointment{duty.at, std::max(cover.from, h), std::min(cover.to, h + kHour), duty.id};
    }
    return result;
  }

  void Schedule(size_t u, double h, const std::vector<Visit>& visits,
                const std::optional<Appointment>& appointment) {
    LonLat start = appointment ? appointment->at : visits.empty() ? LonLat{} : visits.front().at;
    if (!placed_[u] && visits.empty() && !appointment) return;
    at_[u] = ScheduleHour(plan_.stops[u], h, h + kHour, Position(u, start), plan_.units[u].mode,
                          visits, appointment ? &*appointment : nullptr, o_, rng_);
    placed_[u] = true;
  }

  // Counts duty slots held from start to end: the holder has a stop there for all of it.
  void CountDuties(PlanStats& st) const {
    st.duty_slots = plan_.duties.size();
    st.duty_slots_held = 0;
    for (const DutyCover& cover : plan_.duties) {
      if (cover.unit < 0) continue;
      double held_until = cover.from;
      for (const Stop& s : plan_.stops[size_t(cover.unit)])
        if (s.duty == cover.duty && s.from <= held_until + 1e-6)
          held_until = std::max(held_until, s.to);
      if (held_until >= cover.to - 1e-6) ++st.duty_slots_held;
    }
  }

 private:
  int PickHolder(size_t instance, const FixedDuty& duty, double h) {
    const DutyCover& cover = plan_.duties[instance];
    int best = -1;
    std::pair<bool, double> best_key{true, kNever};
    for (size_t u = 0; u < plan_.units.size(); ++u) {
      const PlanUnit& unit = plan_.units[u];
      if (!unit.OnDuty(cover.from) || !unit.OnDuty(cover.to - 1)) continue;
      if (!duty.modes.empty() &&
          std::find(duty.modes.begin(), duty.modes.end(), unit.mode) == duty.modes.end())
        continue;
      if (!InArea(u, duty.at)) continue;
      // One duty per unit in any hour: a unit's hour has room for one appointment.
      bool busy = false;
      for (const DutyCover& other : plan_.duties)
        if (other.unit == int(u) && std::floor(other.from / kHour) <= std::ceil(cover.to / kHour) &&
            std::floor(cover.from / kHour) <= std::ceil(other.to / kHour))
          busy = true;
      if (busy) continue;
      double drive = placed_[u] ? o_.DriveS(at_[u], duty.at, unit.mode) : 0;
      bool late = placed_[u] && h + drive > cover.from;
      std::pair<bool, double> key{late, drive};
      if (key < best_key) {
        best_key = key;
        best = int(u);
      }
    }
    return best;
  }

  const PlanInput& input_;
  const PlanOptions& o_;
  std::mt19937_64 rng_;
  double from_, to_;
  Plan plan_;
  std::vector<size_t> duty_of_;  // per DutyCover: its FixedDuty
  std::vector<LonLat> at_;
  std::vector<bool> placed_;
};

}  // namespace

double PlanOptions::SpeedOf(TravelMode mode) const {
  switch (mode) {
    case TravelMode::kFoot: return foot_speed_m_s;
    case TravelMode::kBicycle: return bicycle_speed_m_s;
    default: return patrol_speed_m_s;
  }
}

double PlanOptions::DriveS(LonLat a, LonLat b, TravelMode mode) const {
  return DistanceM(a, b) * 1.4 / SpeedOf(mode);
}

std::vector<FixedDuty> DutiesAtPlaces(const std::vector<KeyPlace>& places,
                                      const std::vector<PlaceDuty>& duties) {
  std::vector<FixedDuty> out;
  for (const KeyPlace& place : places)
    for (const PlaceDuty& d : duties) {
      if (d.place_kind != place.kind) continue;
      FixedDuty duty;
      duty.id = fmt::format("{}:{}@{:02}:{:02}", d.target_kind, place.name, d.from_minute / 60,
                            d.from_minute % 60);
      duty.kind = d.target_kind;
      duty.at = place.at;
      duty.from_minute = d.from_minute;
      duty.to_minute = d.to_minute;
      duty.modes = {TravelMode::kCar, TravelMode::kMotorcycle, TravelMode::kFoot};
      out.push_back(std::move(duty));
    }
  return out;
}

bool PlanUnit::OnDuty(double local_seconds) const {
  double hour = std::fmod(std::fmod(local_seconds, kDay) + kDay, kDay) / kHour;
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
                 const PlanInput& input, const PlanOptions& o, PlanStats* stats) {
  auto started = Clock::now();
  Planner planner("uniform", std::move(units), from, to, input, o);
  Plan& plan = planner.plan();
  std::mt19937_64& rng = planner.rng();
  // Beats per mode and area: k-means (Lloyd) over the nodes the mode can use there.
  std::map<std::pair<TravelMode, std::string>, std::vector<size_t>> groups;
  for (size_t u = 0; u < plan.units.size(); ++u)
    groups[{plan.units[u].mode, plan.units[u].station_id}].push_back(u);
  std::vector<std::vector<LonLat>> beat_of(plan.units.size());
  for (const auto& [key, members] : groups) {
    std::vector<LonLat> nodes = DrivableNodes(graph, key.first);
    std::erase_if(nodes, [&](LonLat p) { return !planner.InArea(members.front(), p); });
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
    for (size_t i = 0; i < nodes.size(); ++i)
      beat_of[members[beat[i] % members.size()]].push_back(nodes[i]);
    for (size_t m = k; m < members.size(); ++m) beat_of[members[m]] = beat_of[members[m % k]];
  }
  for (double h = planner.first_hour(); h < to; h += kHour) {
    auto appointments = planner.Appointments(h);
    for (size_t u = 0; u < plan.units.size(); ++u) {
      if (!plan.units[u].OnDuty(h) || beat_of[u].empty()) continue;
      std::uniform_int_distribution<size_t> pick(0, beat_of[u].size() - 1);
      std::vector<Visit> visits;
      for (int s = 0; s < o.stops_per_hour; ++s) visits.push_back({beat_of[u][pick(rng)]});
      planner.Schedule(u, h, visits, appointments[u]);
    }
  }
  if (stats != nullptr) {
    *stats = {};
    stats->units = plan.units.size();
    planner.CountDuties(*stats);
    stats->total_ms = MsSince(started);
  }
  return std::move(plan);
}

Plan RiskPlan(const roads::RoadGraph& graph, std::vector<PlanUnit> units, double from, double to,
              const PlanInput& input, const PlanOptions& o, PlanStats* stats) {
  auto started = Clock::now();
  PlanStats local_stats;
  PlanStats& st = stats ? *stats : local_stats;
  st = {};
  const std::vector<LonLat>& cells = input.cells;
  st.cells = cells.size();
  Planner planner("risk", std::move(units), from, to, input, o);
  Plan& plan = planner.plan();
  st.units = plan.units.size();
  const double first_hour = planner.first_hour();
  const size_t n_units = plan.units.size();

  // The station of every cell and duty place, once.
  std::vector<std::string> cell_station(cells.size());
  if (input.station_of)
    for (size_t c = 0; c < cells.size(); ++c) cell_station[c] = input.station_of(cells[c]);

  // Risk per hour, computed once each (the revisit rule looks an hour ahead).
  std::map<double, std::vector<double>> risk_cache;
  auto risk_of = [&](double h) -> const std::vector<double>& {
    auto it = risk_cache.find(h);
    if (it == risk_cache.end()) {
      if (risk_cache.size() > 3) risk_cache.erase(risk_cache.begin());
      it = risk_cache.emplace(h, input.risk_at(h)).first;
      PINGAN_CHECK(it->second.size() == cells.size());
    }
    return it->second;
  };

  // Candidate posts: the hottest cells over the first day.
  std::vector<double> day(cells.size(), 0.0);
  for (int h = 0; h < 24; ++h) {
    const std::vector<double>& r = risk_of(first_hour + h * kHour);
    for (size_t c = 0; c < cells.size(); ++c) day[c] += r[c];
  }
  std::vector<int> candidate_cells;
  for (int c : hotspots::HottestFirst(day)) {
    if (candidate_cells.size() >= size_t(o.candidates) || day[size_t(c)] <= 0) break;
    candidate_cells.push_back(c);
  }
  st.candidates = candidate_cells.size();
  // Sites: the candidate cells, then the duties' places.
  std::vector<LonLat> sites;
  for (int c : candidate_cells) sites.push_back(cells[size_t(c)]);
  const size_t duty_site0 = sites.size();
  for (const FixedDuty& d : input.duties) sites.push_back(d.at);

  // Cover lists per mode: one backward search from every cell meets the sites that reach it
  // within cover_s.
  roads::RoadSnapper snapper(graph);
  std::map<TravelMode, std::vector<std::vector<int>>> covers;  // mode → site → cells
  auto coverage_started = Clock::now();
  for (const PlanUnit& u : plan.units) {
    if (covers.contains(u.mode)) continue;
    std::vector<roads::Source> sources;
    std::vector<int> source_site;
    for (size_t k = 0; k < sites.size(); ++k) {
      auto snap = snapper.Nearest(sites[k], u.mode);
      if (!snap || snap->distance_m > 300) continue;
      sources.push_back({uint32_t(sources.size()), *snap});
      source_site.push_back(int(k));
    }
    std::vector<std::vector<int>> lists(sites.size());
    roads::TravelTimes search(graph, u.mode);
    for (size_t c = 0; c < cells.size(); ++c) {
      auto target = snapper.Nearest(cells[c], u.mode);
      if (!target || target->distance_m > 300) continue;
      for (const roads::Arrival& a : search.NearestSources(*target, sources, sources.size(),
                                                           uint32_t(o.cover_s * 1000), false))
        lists[size_t(source_site[a.id])].push_back(int(c));
    }
    for (auto& l : lists) std::sort(l.begin(), l.end());
    covers[u.mode] = std::move(lists);
  }
  st.coverage_ms = MsSince(coverage_started);

  // The revisit rule's bookkeeping, per cell: since when it has been hot (kNever: not hot) and
  // when it was last visited in that spell.
  std::vector<double> spell_start(cells.size(), kNever), last_visit(cells.size(), -kNever);
  std::vector<std::vector<int>> hot_by_hour;
  // The hot cells of an hour: the hottest cells well above the hour's mean that the units on
  // duty can keep revisiting, `revisit_cells_per_unit` per unit in its area (district-wide units
  // take what the stations' own cannot).
  auto hottest = [&](double h) {
    const std::vector<double>& r = risk_of(h);
    const double mean =
        std::accumulate(r.begin(), r.end(), 0.0) / double(std::max<size_t>(1, r.size()));
    std::map<std::string, double> room;
    double roaming = 0;
    for (size_t u = 0; u < n_units; ++u) {
      const PlanUnit& unit = plan.units[u];
      if (!unit.OnDuty(h)) continue;
      // Walking and cycling patrols reach half as many cells.
      const bool slow = unit.mode == TravelMode::kFoot || unit.mode == TravelMode::kBicycle;
      const double carry = o.revisit_cells_per_unit * (slow ? 0.5 : 1.0);
      if (unit.station_id.empty() || !input.station_of) {
        roaming += carry;
      } else {
        room[unit.station_id] += carry;
      }
    }
    std::vector<int> hot;
    for (int c : hotspots::HottestFirst(r)) {
      if (r[size_t(c)] <= 0 || r[size_t(c)] < o.revisit_min_ratio * mean) break;
      auto it = room.find(cell_station[size_t(c)]);
      if (it != room.end() && it->second >= 1) {
        it->second -= 1;
      } else if (roaming >= 1) {
        roaming -= 1;
      } else {
        continue;
      }
      hot.push_back(c);
    }
    return hot;
  };

  double covered_sum = 0;
  std::pair<double, std::vector<int>> ahead{-kNever, {}};  // the next hour's hot cells, once
  for (double h = first_hour; h < to; h += kHour) {
    const std::vector<double> risk = risk_of(h);
    const double total = std::accumulate(risk.begin(), risk.end(), 0.0);
    auto appointments = planner.Appointments(h);

    // Groups: units of one mode and area share a pool of posts. A foot or bicycle patrol
    // already out is a group of its own, with the posts it can reach within `move_s`: it cannot
    // cross the district between hours. A unit holding a duty in the hour stands at the duty's
    // place (a forced option of its group).
    CoverageProblem problem;
    problem.weight = risk;
    std::map<std::pair<TravelMode, std::string>, int> group_of;
    std::vector<int> site_of_option;
    std::vector<int> forced_for_unit(n_units, -1);
    std::vector<int> unit_group(n_units, -1);
    auto add_options = [&](size_t u, int group, bool near_only) {
      const auto& lists = covers[plan.units[u].mode];
      for (size_t k = 0; k < duty_site0; ++k) {
        if (lists[k].empty() || !planner.InArea(u, cell_station[size_t(candidate_cells[k])]))
          continue;
        if (near_only && o.DriveS(planner.Position(u, {}), sites[k], plan.units[u].mode) > o.move_s)
          continue;
        problem.covers.push_back(lists[k]);
        problem.group.push_back(group);
        site_of_option.push_back(int(k));
      }
    };
    for (size_t u = 0; u < n_units; ++u) {
      const PlanUnit& unit = plan.units[u];
      if (!unit.OnDuty(h)) continue;
      const bool slow = unit.mode == TravelMode::kFoot || unit.mode == TravelMode::kBicycle;
      int group = -1;
      if (slow && planner.Placed(u)) {
        group = int(problem.capacity.size());
        problem.capacity.push_back(0);
        size_t before = problem.options();
        add_options(u, group, true);
        if (problem.options() == before) add_options(u, group, false);  // stranded: anywhere
      } else {
        auto [it, added] =
            group_of.emplace(std::pair{unit.mode, unit.station_id}, int(problem.capacity.size()));
        group = it->second;
        if (added) {
          problem.capacity.push_back(0);
          add_options(u, group, false);
        }
      }
      ++problem.capacity[size_t(group)];
      unit_group[u] = group;
      const auto& appointment = appointments[u];
      if (appointment && appointment->to > appointment->from) {
        size_t d = 0;
        while (input.duties[d].id != appointment->duty) ++d;
        forced_for_unit[u] = int(problem.covers.size());
        problem.forced.push_back(int(problem.covers.size()));
        problem.covers.push_back(covers[unit.mode][duty_site0 + d]);
        problem.group.push_back(group);
        site_of_option.push_back(int(duty_site0 + d));
      }
    }
    if (problem.capacity.empty()) continue;
    auto solve_started = Clock::now();
    HeuristicOptions ho;
    ho.seed = o.seed + uint64_t(h);
    ho.starts = 2;
    ho.max_rounds = 60;
    HeuristicResult solved = SolveCoverageHeuristic(problem, ho);
    st.solve_ms += MsSince(solve_started);
    if (total > 0) covered_sum += solved.best.covered_weight / total;
    ++st.hours;

    // Posts to units: a duty holder keeps its duty's place; the others of the group take the
    // nearest free chosen post to where they are.
    std::vector<int> post_option(n_units, -1);
    std::vector<bool> taken(problem.options(), false);
    for (size_t u = 0; u < n_units; ++u)
      if (forced_for_unit[u] >= 0) {
        post_option[u] = forced_for_unit[u];
        taken[size_t(forced_for_unit[u])] = true;
      }
    // Closest pairs first, so that no unit crosses the district while another takes the post
    // next to it.
    std::vector<std::tuple<double, size_t, int>> pairs;
    for (size_t u = 0; u < n_units; ++u) {
      if (unit_group[u] < 0 || post_option[u] >= 0) continue;
      for (int option : solved.best.chosen) {
        if (taken[size_t(option)] || problem.group[size_t(option)] != unit_group[u]) continue;
        LonLat post = sites[size_t(site_of_option[size_t(option)])];
        pairs.push_back(
            {planner.Placed(u) ? DistanceM(planner.Position(u, post), post) : 0.0, u, option});
      }
    }
    std::sort(pairs.begin(), pairs.end());
    for (const auto& [d, u, option] : pairs) {
      if (post_option[u] >= 0 || taken[size_t(option)]) continue;
      post_option[u] = option;
      taken[size_t(option)] = true;
    }
    for (size_t u = 0; u < n_units; ++u) {
      if (unit_group[u] < 0 || post_option[u] >= 0) continue;
      int best = -1;
      if (best < 0) {
        // The optimiser left it nothing to add (the others cover it all): the option of its
        // group that covers the most risk on its own.
        double best_w = -1;
        for (size_t option = 0; option < problem.options(); ++option) {
          if (taken[option] || problem.group[option] != unit_group[u]) continue;
          double w = 0;
          for (int c : problem.covers[option]) w += risk[size_t(c)];
          if (w > best_w) {
            best_w = w;
            best = int(option);
          }
        }
      }
      if (best >= 0) {
        taken[size_t(best)] = true;
        post_option[u] = best;
      }
    }

    // The revisit rule: the hot cells whose deadline falls before this hour's end (with a
    // half-hour margin) and that stay hot past it must be visited now. Each goes to the unit of
    // its area whose post is nearest, while it has room.
    std::vector<int> hot = ahead.first == h ? std::move(ahead.second) : hottest(h);
    std::vector<int> hot_next = hottest(h + kHour);
    ahead = {h + kHour, hot_next};
    hot_by_hour.push_back(hot);
    std::set<int> hot_set(hot.begin(), hot.end()), next_set(hot_next.begin(), hot_next.end());
    for (size_t c = 0; c < cells.size(); ++c)
      if (!hot_set.contains(int(c))) spell_start[c] = kNever;
    for (int c : hot)
      if (spell_start[size_t(c)] == kNever) spell_start[size_t(c)] = h;
    std::vector<std::pair<double, int>> due;  // deadline, cell
    for (int c : hot) {
      double since = std::max(spell_start[size_t(c)], last_visit[size_t(c)]);
      double deadline = since + o.revisit_s;
      bool stays = next_set.contains(c) || deadline < h + kHour;
      // A cell just turned hot is due at once too, so that a district's worth of new hot cells
      // spreads its first visits over two hours rather than crowding the second.
      bool fresh = spell_start[size_t(c)] == h && last_visit[size_t(c)] < h;
      if ((stays && deadline <= h + kHour + o.revisit_margin_s) || fresh)
        due.push_back({deadline, c});
    }
    std::sort(due.begin(), due.end());
    std::vector<std::vector<Visit>> visits(n_units);
    auto post_at = [&](size_t u) { return sites[size_t(site_of_option[size_t(post_option[u])])]; };
    for (size_t u = 0; u < n_units; ++u) {
      if (post_option[u] < 0 || forced_for_unit[u] >= 0) continue;
      int site = site_of_option[size_t(post_option[u])];
      visits[u].push_back(
          {post_at(u), site < int(duty_site0) ? candidate_cells[size_t(site)] : -1});
    }
    // Each unit's time in the hour outside its duty, spent by each revisit: a stay and the drive
    // from the post's neighbourhood.
    std::vector<double> budget(n_units, 0);
    for (size_t u = 0; u < n_units; ++u) {
      if (post_option[u] < 0) continue;
      const auto& a = appointments[u];
      budget[u] = kHour - (a ? a->to - a->from : 0.0);
    }
    // Whether the unit, visiting its deadlines earliest first at the shortest stay, keeps them
    // all with `extra` added.
    auto MeetsDeadlines = [&](size_t u, const std::vector<Visit>& list, const Visit& extra) {
      std::vector<Visit> musts = {extra};
      for (const Visit& v : list)
        if (v.deadline < kNever) musts.push_back(v);
      std::sort(musts.begin(), musts.end(),
                [](const Visit& a, const Visit& b) { return a.deadline < b.deadline; });
      const TravelMode mode = plan.units[u].mode;
      const auto& a = appointments[u];
      double t = h;
      LonLat at = planner.Position(u, post_at(u));
      bool before = a && a->from > h;
      if (a && !before) {
        t = std::max(a->to, h + o.DriveS(at, a->at, mode));
        at = a->at;
      }
      for (const Visit& v : musts) {
        double arrive = t + o.DriveS(at, v.at, mode);
        if (before && arrive + o.dwell_min_s + o.DriveS(v.at, a->at, mode) > a->from) {
          // No room before the duty: after it.
          t = std::max(a->to, t + o.DriveS(at, a->at, mode));
          at = a->at;
          before = false;
          arrive = t + o.DriveS(at, v.at, mode);
        }
        if (arrive > v.deadline) return false;
        t = arrive + o.dwell_min_s;
        at = v.at;
      }
      return true;
    };
    for (auto [deadline, c] : due) {
      // Already late (no unit had room in time): within this hour, first of all.
      if (deadline < h + o.dwell_min_s) deadline = h + kHour - o.dwell_min_s;
      int best = -1;
      double best_d = kNever;
      for (size_t u = 0; u < n_units; ++u) {
        if (post_option[u] < 0 || !planner.InArea(u, cell_station[size_t(c)])) continue;
        // The post's own stay gives way when revisits fill the hour.
        size_t musts = 0;
        for (const Visit& v : visits[u]) musts += v.deadline < kNever ? 1 : 0;
        if (musts >= size_t(o.stops_per_hour)) continue;
        double d = o.DriveS(post_at(u), cells[size_t(c)], plan.units[u].mode);
        if (budget[u] < o.dwell_min_s + d) continue;
        if (!MeetsDeadlines(u, visits[u], {cells[size_t(c)], c, deadline})) continue;
        if (d < best_d) {
          best_d = d;
          best = int(u);
        }
      }
      if (best < 0) continue;  // next hour, or a miss the final check reports
      budget[size_t(best)] -= o.dwell_min_s + best_d;
      auto& list = visits[size_t(best)];
      if (list.size() == 1 && list.front().cell == c) {
        list.front().deadline = deadline;  // its post is the cell itself
      } else {
        list.push_back({cells[size_t(c)], c, deadline});
      }
    }
    // Room left: the hottest other cells each post covers, in the unit's area.
    for (size_t u = 0; u < n_units; ++u) {
      if (post_option[u] < 0 || forced_for_unit[u] >= 0) continue;
      std::vector<int> near = problem.covers[size_t(post_option[u])];
      std::erase_if(near, [&](int c) {
        if (!planner.InArea(u, cell_station[size_t(c)])) return true;
        for (const Visit& v : visits[u])
          if (v.cell == c) return true;
        return false;
      });
      size_t want = size_t(o.stops_per_hour) - std::min(visits[u].size(), size_t(o.stops_per_hour));
      want = std::min(want, near.size());
      std::partial_sort(near.begin(), near.begin() + long(want), near.end(), [&](int a, int b) {
        return risk[size_t(a)] != risk[size_t(b)] ? risk[size_t(a)] > risk[size_t(b)] : a < b;
      });
      for (size_t k = 0; k < want; ++k) visits[u].push_back({cells[size_t(near[k])], near[k]});
    }
    for (size_t u = 0; u < n_units; ++u) {
      if (unit_group[u] < 0) continue;
      size_t before = plan.stops[u].size();
      planner.Schedule(u, h, visits[u], appointments[u]);
      for (size_t k = before == 0 ? 0 : before - 1; k < plan.stops[u].size(); ++k) {
        const Stop& s = plan.stops[u][k];
        if (s.cell >= 0 && s.from >= h)
          last_visit[size_t(s.cell)] = std::max(last_visit[size_t(s.cell)], s.from);
      }
    }
  }
  st.covered_share = st.hours > 0 ? covered_sum / double(st.hours) : 0;
  planner.CountDuties(st);

  // The revisit rule checked on the finished plan, from the stops alone.
  std::vector<std::vector<double>> visits_of(cells.size());
  for (const auto& stops : plan.stops)
    for (const Stop& s : stops)
      if (s.cell >= 0) visits_of[size_t(s.cell)].push_back(s.from);
  for (auto& v : visits_of) std::sort(v.begin(), v.end());
  std::vector<double> open_since(cells.size(), kNever);
  auto close_spell = [&](size_t c, double end) {
    double last = open_since[c];
    ++st.hot_spells;
    auto it = std::lower_bound(visits_of[c].begin(), visits_of[c].end(), open_since[c]);
    for (; it != visits_of[c].end() && *it < end; ++it) {
      ++st.hot_visits;
      st.longest_gap_s = std::max(st.longest_gap_s, *it - last);
      if (*it - last > o.revisit_s + 1) ++st.revisit_misses;
      last = *it;
    }
    st.longest_gap_s = std::max(st.longest_gap_s, end - last);
    if (end - last > o.revisit_s + 1) ++st.revisit_misses;
    open_since[c] = kNever;
  };
  for (size_t k = 0; k <= hot_by_hour.size(); ++k) {
    const double h = first_hour + double(k) * kHour;
    std::set<int> now;
    if (k < hot_by_hour.size()) now.insert(hot_by_hour[k].begin(), hot_by_hour[k].end());
    for (size_t c = 0; c < cells.size(); ++c) {
      bool is_hot = now.contains(int(c));
      if (open_since[c] != kNever && !is_hot) close_spell(c, std::min(h, to));
      if (open_since[c] == kNever && is_hot) open_since[c] = h;
    }
  }
  st.total_ms = MsSince(started);
  return std::move(plan);
}

}  // namespace pingan::patrol
