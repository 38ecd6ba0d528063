#include "dispatch/recommender.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace pingan::dispatch {

namespace {

std::string Duration(double seconds) {
  int s = int(std::lround(seconds));
  if (s < 60) return fmt::format("{} s", s);
  return fmt::format("{} min {} s", s / 60, s % 60);
}

std::string Distance(double metres) {
  return metres < 1000 ? fmt::format("{:.0f} m", metres) : fmt::format("{:.1f} km", metres / 1000);
}

template <typename T>
bool Contains(const std::vector<T>& v, T x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

Recommender::Recommender(std::shared_ptr<const roads::RoadGraph> graph, DispatchRules rules)
    : graph_(std::move(graph)), snapper_(*graph_), rules_(std::move(rules)) {}

std::optional<roads::Snap> Recommender::SnapUnit(UnitId unit, LonLat at, TravelMode mode) {
  {
    std::lock_guard lock(mu_);
    auto it = snaps_.find(unit);
    if (it != snaps_.end() && it->second.at == at && it->second.mode == mode)
      return it->second.snap;
  }
  auto snap = snapper_.Nearest(at, mode);
  std::lock_guard lock(mu_);
  snaps_[unit] = CachedSnap{at, mode, snap};
  return snap;
}

std::unique_ptr<roads::TravelTimes> Recommender::Borrow(TravelMode mode) {
  {
    std::lock_guard lock(mu_);
    auto& free = pool_[roads::ModeSlot(mode)];
    if (!free.empty()) {
      auto search = std::move(free.back());
      free.pop_back();
      return search;
    }
  }
  return std::make_unique<roads::TravelTimes>(*graph_, mode);
}

void Recommender::Return(std::unique_ptr<roads::TravelTimes> search) {
  std::lock_guard lock(mu_);
  pool_[roads::ModeSlot(search->mode())].push_back(std::move(search));
}

Recommendations Recommender::Recommend(const Scene& scene, std::span<const Candidate> candidates,
                                       size_t k, TimePoint now) {
  Recommendations out;
  const CategoryRule& rule = rules_.For(scene.category);
  const int priority = std::clamp(scene.priority, 1, 4);
  out.units_needed = rule.units_needed[priority - 1];
  const auto& modes = rule.ModesFor(priority);

  const std::optional<roads::Snap> car_snap = snapper_.Nearest(scene.location, TravelMode::kCar);
  if (car_snap) {
    out.scene_snap_distance_m = car_snap->distance_m;
    out.scene_off_road = car_snap->distance_m > rules_.max_snap_distance_m;
  }

  auto pass = [&](const Unit& u, std::string reason, std::string detail) {
    out.passed_over.push_back({u.id, u.callsign, std::move(reason), std::move(detail)});
  };

  // Sort the candidates into eligible ones per mode, and the rest with their reasons.
  std::array<std::vector<roads::Source>, roads::kModeCount> sources;
  for (uint32_t i = 0; i < candidates.size(); ++i) {
    const Unit& u = *candidates[i].unit;
    if (Contains(scene.already_assigned, u.id)) {
      pass(u, "already_assigned", "already assigned to this incident");
      continue;
    }
    if (u.status == UnitStatus::kOffDuty) {
      pass(u, "off_duty", "off duty");
      continue;
    }
    if (u.status != UnitStatus::kAvailable) {
      pass(u, "busy",
           u.status == UnitStatus::kBusy
               ? std::string("busy with other duties")
               : fmt::format("{} at incident {}", ToString(u.status), u.active_incident_id));
      continue;
    }
    if (!Contains(rule.forces, u.force)) {
      pass(u, "wrong_force",
           fmt::format("{} units are not sent to {} incidents", ToString(u.force), scene.category));
      continue;
    }
    if (!Contains(modes, u.mode)) {
      pass(u, "wrong_mode",
           fmt::format("{} units are not sent to priority {} {} incidents", ToString(u.mode),
                       priority, scene.category));
      continue;
    }
    if (!rules_.allow_outside_station && !u.station_id.empty() && !scene.station_id.empty() &&
        u.station_id != scene.station_id) {
      pass(u, "outside_station",
           fmt::format("belongs to station {}, the incident is in {}", u.station_id,
                       scene.station_id));
      continue;
    }
    const auto& position = candidates[i].position;
    if (!position) {
      pass(u, "no_position", "has never reported a position");
      continue;
    }
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - position->time);
    if (age > rules_.stale_after) {
      pass(u, "stale_position",
           fmt::format("last position is {} old", Duration(double(age.count()))));
      continue;
    }
    auto snap = SnapUnit(u.id, position->at, u.mode);
    if (!snap || snap->distance_m > rules_.max_snap_distance_m) {
      pass(u, "off_road",
           snap ? fmt::format("{} from the nearest {} road", Distance(snap->distance_m),
                              ToString(u.mode))
                : "no road for its mode");
      continue;
    }
    sources[roads::ModeSlot(u.mode)].push_back({i, *snap});
  }

  // One backward search per mode.
  struct Reached {
    roads::Arrival arrival;
    const Unit* unit;
  };
  std::vector<Reached> reached;
  std::vector<bool> was_reached(candidates.size(), false);
  std::array<bool, roads::kModeCount> stopped_early{};
  for (int m = 0; m < roads::kModeCount; ++m) {
    if (sources[m].empty()) continue;
    auto target = TravelMode(m) == TravelMode::kCar
                      ? car_snap
                      : snapper_.Nearest(scene.location, TravelMode(m));
    if (!target) continue;
    const size_t want = std::max(k, size_t(out.units_needed));
    const uint32_t max_ms = uint32_t(rules_.max_eta.count() * 1000);
    auto search = Borrow(TravelMode(m));
    auto arrivals = search->NearestSources(*target, sources[m], want, max_ms, true);
    stopped_early[m] = arrivals.size() >= want;
    // Guards and volunteers may need a police unit beside them: if the fastest were all
    // auxiliaries, find the fastest police unit of this mode in a second, police-only search
    // (cheaper than searching on until one turns up among thousands of guards).
    if (rule.auxiliaries_need_police && stopped_early[m] &&
        std::all_of(arrivals.begin(), arrivals.end(), [&](const roads::Arrival& a) {
          return IsAuxiliary(candidates[a.id].unit->force);
        })) {
      std::vector<roads::Source> police;
      for (const auto& s : sources[m]) {
        if (!IsAuxiliary(candidates[s.id].unit->force)) police.push_back(s);
      }
      if (!police.empty()) {
        for (auto& a : search->NearestSources(*target, police, 1, max_ms, true)) {
          arrivals.push_back(std::move(a));
        }
      }
    }
    Return(std::move(search));
    for (auto& a : arrivals) {
      was_reached[a.id] = true;
      reached.push_back({std::move(a), candidates[a.id].unit.get()});
    }
  }
  for (int m = 0; m < roads::kModeCount; ++m) {
    for (const auto& s : sources[m]) {
      if (was_reached[s.id]) continue;
      // Not met before the search stopped: slower than those found (counted, not listed: a
      // district has thousands), or out of reach.
      if (stopped_early[m]) {
        ++out.units_not_ranked;
      } else {
        pass(*candidates[s.id].unit, "unreachable",
             fmt::format("cannot reach the scene by road within {}",
                         Duration(double(rules_.max_eta.count()))));
      }
    }
  }
  std::stable_sort(reached.begin(), reached.end(), [](const Reached& a, const Reached& b) {
    return a.arrival.time_ms < b.arrival.time_ms;
  });

  const Unit* promoted = nullptr;   // a police unit moved into the top k for the auxiliaries
  const Unit* displaced = nullptr;  // the auxiliary it replaced
  if (rule.auxiliaries_need_police) {
    bool has_police = std::any_of(reached.begin(), reached.end(),
                                  [](const Reached& r) { return !IsAuxiliary(r.unit->force); });
    if (!has_police) {
      for (const auto& r : reached) {
        pass(*r.unit, "auxiliary_alone",
             fmt::format("{} units do not go alone to {} incidents and no police unit can come",
                         ToString(r.unit->force), scene.category));
      }
      reached.clear();
    } else if (k > 0 && reached.size() > k &&
               std::none_of(reached.begin(), reached.begin() + long(k),
                            [](const Reached& r) { return !IsAuxiliary(r.unit->force); })) {
      // The top k are all auxiliaries: the fastest police unit takes the last place.
      auto police = std::find_if(reached.begin() + long(k), reached.end(),
                                 [](const Reached& r) { return !IsAuxiliary(r.unit->force); });
      promoted = police->unit;
      displaced = reached[k - 1].unit;
      std::rotate(reached.begin() + long(k) - 1, police, police + 1);
    }
  }
  out.units_available = int(reached.size());
  out.shortfall = std::max(0, out.units_needed - out.units_available);

  // The suitable unit nearest in a straight line, to say when the road disagrees.
  const Unit* straight_nearest = nullptr;
  double straight_best = INFINITY;
  // Compared on a local plane (cheap; exact enough to rank), reported as great-circle metres.
  const double kx = std::cos(scene.location.lat * 3.141592653589793 / 180);
  auto plane_d2 = [&](LonLat p) {
    double dx = (p.lon - scene.location.lon) * kx, dy = p.lat - scene.location.lat;
    return dx * dx + dy * dy;
  };
  for (const auto& mode_sources : sources) {
    for (const auto& s : mode_sources) {
      double d = plane_d2(candidates[s.id].position->at);
      if (d < straight_best) {
        straight_best = d;
        straight_nearest = candidates[s.id].unit.get();
      }
    }
  }
  for (size_t i = 0; i < reached.size(); ++i) {
    const Reached& r = reached[i];
    const Unit& u = *r.unit;
    if (i >= k && &u == displaced) {
      pass(u, "displaced_by_police",
           fmt::format("{} by road, but {} incidents need a police unit and the place went to {}",
                       Duration(r.arrival.time_ms / 1000.0), scene.category, promoted->callsign));
      continue;
    }
    if (i >= k) {
      pass(u, "slower",
           fmt::format("{} by road; not among the {} fastest", Duration(r.arrival.time_ms / 1000.0),
                       k));
      continue;
    }
    RecommendedUnit rec;
    rec.unit_id = u.id;
    rec.callsign = u.callsign;
    rec.force = u.force;
    rec.mode = u.mode;
    rec.eta_s = r.arrival.time_ms / 1000.0;
    rec.distance_m = r.arrival.distance_m;
    rec.straight_line_m = DistanceM(candidates[r.arrival.id].position->at, scene.location);
    rec.reason = &u == promoted ? "police_required" : "fastest_by_road";
    rec.detail = fmt::format("{} by road, {}", Duration(rec.eta_s), Distance(rec.distance_m));
    if (&u == promoted) {
      rec.detail +=
          fmt::format("; guards and volunteers do not go alone to {} incidents", scene.category);
    } else if (i == 0 && straight_nearest != nullptr && straight_nearest != r.unit &&
               straight_best < plane_d2(candidates[r.arrival.id].position->at)) {
      double nearest_m = 0;
      for (const auto& c : candidates) {
        if (c.unit.get() == straight_nearest) nearest_m = DistanceM(c.position->at, scene.location);
      }
      rec.detail += fmt::format("; faster than {}, which is nearer in a straight line ({} vs {})",
                                straight_nearest->callsign, Distance(nearest_m),
                                Distance(rec.straight_line_m));
    }
    rec.route = std::move(reached[i].arrival.route);
    out.recommendations.push_back(std::move(rec));
  }
  return out;
}

}  // namespace pingan::dispatch
