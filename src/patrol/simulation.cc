#include "patrol/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <random>

namespace pingan::patrol {
namespace {

TimePoint AsTime(double seconds) {
  return TimePoint(std::chrono::milliseconds(int64_t(seconds * 1000)));
}

LonLat Between(LonLat a, LonLat b, double f) {
  f = std::clamp(f, 0.0, 1.0);
  return {a.lon + f * (b.lon - a.lon), a.lat + f * (b.lat - a.lat)};
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = q * double(v.size() - 1);
  size_t lo = size_t(std::floor(pos));
  size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

// One job of a unit: it leaves `from` at `start`, is on scene from `arrive` to `clear`, and is
// back on its plan at `back`.
struct Job {
  double start, arrive, clear, back;
  LonLat from, scene;
  // Where the unit is at t in [start, back): driving there, on scene, or on its way back to
  // `plan_at_back`, where its plan has it when it is back.
  LonLat At(double t, LonLat plan_at_back) const {
    if (t < arrive) return Between(from, scene, (t - start) / std::max(1.0, arrive - start));
    if (t < clear) return scene;
    return Between(scene, plan_at_back, (t - clear) / std::max(1.0, back - clear));
  }
};

}  // namespace

SimResult Simulate(dispatch::Recommender& recommender, const Plan& plan,
                   const std::vector<SimIncident>& incidents, const std::vector<Target>& targets,
                   double from, double to, const SimOptions& o) {
  auto wall_started = std::chrono::steady_clock::now();
  SimResult result;
  result.plan = plan.name;
  const size_t n = plan.units.size();
  std::mt19937_64 rng(o.seed);
  std::lognormal_distribution<double> handle(std::log(o.handle_median_s), o.handle_sigma);
  std::vector<std::vector<Job>> jobs(n);
  std::vector<std::shared_ptr<Unit>> records(n);
  for (size_t u = 0; u < n; ++u) {
    auto r = std::make_shared<Unit>();
    r->id = UnitId(u + 1);
    r->callsign = plan.units[u].callsign;
    r->mode = plan.units[u].mode;
    r->force = Force::kPatrol;
    records[u] = r;
  }

  // Where a unit is at t: on a job, on its way back, or on its plan.
  auto where = [&](size_t u, double t) -> LonLat {
    if (!jobs[u].empty()) {
      const Job& j = jobs[u].back();
      if (t >= j.start && t < j.back) return j.At(t, plan.Where(u, j.back));
    }
    return plan.Where(u, t);
  };
  auto free_at = [&](size_t u) { return jobs[u].empty() ? -1e18 : jobs[u].back().clear; };

  // Gives the incident to the best of `units` (by the production recommender) at `t`.
  auto dispatch = [&](const SimIncident& inc, double t, const std::vector<size_t>& units) -> bool {
    std::vector<dispatch::Candidate> candidates;
    for (size_t u : units) candidates.push_back({records[u], Position{where(u, t), AsTime(t)}});
    dispatch::Scene scene;
    scene.location = inc.at;
    scene.category = inc.category;
    scene.priority = 2;
    auto ranked = recommender.Recommend(scene, candidates, 1, AsTime(t));
    if (ranked.recommendations.empty()) return false;
    const auto& best = ranked.recommendations.front();
    size_t u = size_t(best.unit_id - 1);
    Job job;
    job.start = t;
    job.from = where(u, t);
    job.arrive = t + best.eta_s;
    job.scene = inc.at;
    job.clear = job.arrive + handle(rng);
    job.back = job.clear + DistanceM(inc.at, plan.Where(u, job.clear)) * 1.4 / 8;
    jobs[u].push_back(job);
    result.response_s.push_back(t - inc.t + best.eta_s);
    return true;
  };

  std::deque<const SimIncident*> waiting;
  auto on_duty_free = [&](double t) {
    std::vector<size_t> free;
    for (size_t u = 0; u < n; ++u)
      if (plan.units[u].OnDuty(t) && free_at(u) <= t) free.push_back(u);
    return free;
  };
  // Serves waiting incidents as units clear, up to time `t`.
  auto drain = [&](double t) {
    while (!waiting.empty()) {
      double next = 1e18;
      size_t who = n;
      for (size_t u = 0; u < n; ++u) {
        double f = std::max(free_at(u), waiting.front()->t + o.dispatch_delay_s);
        if (f <= t && f < next && plan.units[u].OnDuty(f)) {
          next = f;
          who = u;
        }
      }
      if (who == n) return;
      const SimIncident* inc = waiting.front();
      waiting.pop_front();
      if (!dispatch(*inc, next, {who})) {
        // That unit cannot reach it: try every free one, else give up on it.
        if (!dispatch(*inc, next, on_duty_free(next))) ++result.unreachable;
      }
    }
  };

  for (const SimIncident& inc : incidents) {
    if (inc.t < from || inc.t >= to) continue;
    const double t = inc.t + o.dispatch_delay_s;
    drain(t);
    std::vector<size_t> free = on_duty_free(t);
    if (!waiting.empty() || free.empty()) {
      waiting.push_back(&inc);
      continue;
    }
    if (!dispatch(inc, t, free)) {
      // Nobody free reaches it by road (an island, a scene off the network).
      ++result.unreachable;
    }
  }
  drain(1e18);
  result.unreachable += waiting.size();
  result.incidents = result.response_s.size();

  result.median_response_s = Quantile(result.response_s, 0.5);
  result.p90_response_s = Quantile(result.response_s, 0.9);
  if (!result.response_s.empty()) {
    double in5 = 0, in10 = 0;
    for (double r : result.response_s) {
      in5 += r <= 300;
      in10 += r <= 600;
    }
    result.within_300s = in5 / double(result.response_s.size());
    result.within_600s = in10 / double(result.response_s.size());
  }

  // Utilisation and the tracks the plan and the jobs leave.
  double busy = 0, duty = 0;
  std::vector<Track> tracks(n);
  for (size_t u = 0; u < n; ++u) {
    for (const Job& j : jobs[u]) busy += std::min(j.back, to) - j.start;
    size_t next_job = 0;
    for (double t = from; t < to; t += o.track_step_s) {
      if (!plan.units[u].OnDuty(t)) continue;
      duty += o.track_step_s;
      while (next_job < jobs[u].size() && jobs[u][next_job].back <= t) ++next_job;
      const bool on_job = next_job < jobs[u].size() && t >= jobs[u][next_job].start;
      const Job* j = on_job ? &jobs[u][next_job] : nullptr;
      tracks[u].push_back({t, j ? j->At(t, plan.Where(u, j->back)) : plan.Where(u, t)});
    }
  }
  result.utilisation = duty > 0 ? busy / duty : 0;
  if (!targets.empty()) {
    std::vector<double> presence = PresenceSeconds(tracks, targets);
    double covered = 0;
    for (size_t i = 0; i < targets.size(); ++i) covered += presence[i] >= targets[i].min_presence_s;
    result.visibility = covered / double(targets.size());
  }
  result.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_started).count();
  return result;
}

}  // namespace pingan::patrol
