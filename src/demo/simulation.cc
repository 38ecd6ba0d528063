#include "demo/simulation.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/district_time.h"
#include "core/incident_workflow.h"
#include "demo/district_generator.h"
#include "tracks/track_point.h"

namespace pingan::demo {
namespace {

struct CallKind {
  const char* category;
  const char* subtype;
  int priority;
  const char* narrative;
};

// What the calls are about, with the priority a dispatcher would give them.
const std::vector<CallKind>& CallKinds() {
  static const std::vector<CallKind> kKinds = {
      {"criminal", "theft", 3, "报警人称电动车被盗，停放时已上锁"},
      {"criminal", "theft", 3, "报警人称手机在人多处被扒窃"},
      {"criminal", "burglary", 2, "报警人回家发现门锁被撬，屋内被翻动"},
      {"criminal", "robbery", 1, "报警人称被两名男子抢走挎包，嫌疑人向东逃跑"},
      {"criminal", "assault", 1, "有人被打伤流血，对方仍在现场"},
      {"criminal", "fraud", 3, "报警人称网购退款被骗，已转账"},
      {"public_order", "fight", 2, "多人在路边打架，有人手持棍棒"},
      {"public_order", "drunk", 3, "一名醉酒男子在店内滋事，不肯离开"},
      {"public_order", "noise", 4, "楼下商铺音响声音过大，影响休息"},
      {"public_order", "harassment", 3, "有人在门口纠缠辱骂路人"},
      {"traffic", "accident", 2, "两车相撞，有人受轻伤，车辆堵在路口"},
      {"traffic", "accident", 3, "电动车与轿车剐蹭，双方争执"},
      {"traffic", "drunk_driving", 2, "发现一辆轿车行驶摇摆，疑似酒驾"},
      {"traffic", "illegal_parking", 4, "车辆堵住小区出入口，联系不上车主"},
      {"traffic", "congestion", 4, "路口严重拥堵，信号灯故障"},
      {"fire", "building", 1, "居民楼有浓烟冒出，已拨打119"},
      {"fire", "vehicle", 2, "路边一辆电动车起火"},
      {"help", "lost_person", 2, "老人外出未归，患有阿尔茨海默症"},
      {"help", "lost_person", 2, "孩子在商场与家人走散"},
      {"help", "lost_property", 4, "钱包遗失在出租车上，需要帮助查找"},
      {"help", "medical", 1, "路边有人晕倒，呼吸急促"},
      {"help", "locked_out", 3, "孩子被反锁在家中，家长不在"},
      {"dispute", "neighbour", 3, "邻居因漏水发生争吵，情绪激动"},
      {"dispute", "family", 3, "夫妻吵架，女方称被推搡"},
      {"dispute", "labour", 3, "工人聚集讨要工资"},
      {"dispute", "consumer", 4, "顾客与商家因退款发生纠纷"},
      {"tip_off", "gambling", 4, "举报某棋牌室有人聚众赌博"},
      {"tip_off", "drugs", 3, "举报出租屋内疑似有人吸毒"},
      {"other", "other", 4, "报警人反映路灯损坏，夜间存在安全隐患"},
  };
  return kKinds;
}

// How likely each call (by index above) is at a kind of place; a base weight elsewhere.
double KindWeight(const CallKind& k, const std::string& place_kind, double hour) {
  std::string c = k.category, s = k.subtype;
  bool night = hour >= 21 || hour < 4;
  double w = 1;
  if (place_kind == "night_market" || place_kind == "nightlife") {
    if (c == "public_order" || s == "consumer" || s == "theft") w = 4;
  } else if (place_kind == "mall" || place_kind == "market" || place_kind == "transport") {
    if (s == "theft" || s == "consumer" || s == "lost_person" || s == "lost_property") w = 4;
  } else if (place_kind == "school") {
    if (c == "traffic" || s == "lost_person" || s == "harassment") w = 4;
  } else if (place_kind == "hospital") {
    if (s == "medical" || s == "fight" || s == "consumer") w = 3;
  }
  if (night && (s == "drunk" || s == "fight" || s == "drunk_driving" || s == "noise")) w *= 2.5;
  if (!night && (s == "drunk_driving" || s == "noise")) w *= 0.4;
  if (c == "fire") w *= 0.3;
  return w;
}

// How many calls gather at a kind of place at this hour, relative to elsewhere.
double PlaceWeight(const std::string& kind, double hour) {
  auto between = [&](double a, double b) {
    return a <= b ? hour >= a && hour < b : hour >= a || hour < b;
  };
  if (kind == "night_market") return between(18, 2) ? 5 : 0.2;
  if (kind == "nightlife") return between(20, 4) ? 4 : 0.1;
  if (kind == "mall") return between(10, 22) ? 3 : 0.2;
  if (kind == "school") return between(7, 9) || between(16, 18) ? 3 : 0.3;
  if (kind == "transport") return between(6, 23) ? 2 : 0.5;
  if (kind == "market") return between(6, 12) ? 2 : 0.3;
  if (kind == "hospital") return 1;
  if (kind == "park") return between(6, 22) ? 1 : 0.3;
  if (kind == "police") return 0;
  return 0.4;
}

const char* Disposition(const std::string& category, std::mt19937_64& rng) {
  static const std::map<std::string, std::vector<const char*>> kByCategory = {
      {"criminal", {"已受案，移交刑侦大队", "现场勘查完毕，已立案侦查"}},
      {"public_order", {"现场调解处置完毕", "已将滋事人员带回审查"}},
      {"traffic", {"现场疏导完毕，移交交警", "已开具事故认定，双方协商处理"}},
      {"fire", {"已协助消防处置，无人员伤亡"}},
      {"help", {"已提供帮助，求助人安全", "已找到，交还家属"}},
      {"dispute", {"双方经调解达成一致", "已告知双方通过诉讼途径解决"}},
      {"tip_off", {"已核查，未发现违法行为", "已查处，移交治安大队"}},
      {"other", {"已通知相关部门处理"}}};
  auto it = kByCategory.find(category);
  const auto& list = it == kByCategory.end() ? kByCategory.at("other") : it->second;
  return list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(rng)];
}

// Handling time on scene, district minutes, by category.
std::pair<double, double> HandlingMinutes(const std::string& category) {
  if (category == "criminal") return {25, 55};
  if (category == "traffic") return {20, 40};
  if (category == "fire") return {35, 70};
  if (category == "dispute") return {20, 45};
  if (category == "public_order") return {15, 35};
  return {10, 25};
}

std::string PhoneNumber(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> second(3, 9), digit(0, 9);
  std::string phone = "1" + std::to_string(second(rng));
  for (int i = 0; i < 9; ++i) phone += char('0' + digit(rng));
  return phone;
}

// A point `metres` away in a random direction (normal spread).
LonLat Scatter(LonLat p, double metres, std::mt19937_64& rng) {
  std::normal_distribution<double> d(0, metres);
  return {p.lon + d(rng) / (111'320 * std::cos(p.lat * 3.14159265358979 / 180)),
          p.lat + d(rng) / 111'320};
}

double Pace(TravelMode mode, bool patrol) {
  // Patrols cruise slower than the routing speeds, which assume an errand.
  if (!patrol) return 1.0;
  return mode == TravelMode::kCar || mode == TravelMode::kMotorcycle ? 1.7 : 1.25;
}

}  // namespace

std::vector<PastCall> GeneratePastCalls(const roads::RoadGraph& graph,
                                        const std::vector<map::Place>& all_places,
                                        double calls_per_day, int days, TimePoint end,
                                        uint64_t seed) {
  std::vector<PastCall> calls;
  if (graph.node_count() == 0 || days <= 0) return calls;
  std::vector<map::Place> places = all_places;
  std::erase_if(places, [](const map::Place& p) { return PlaceWeight(p.kind, 12) == 0; });
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_real_distribution<double> u(0, 1);
  const auto& kinds = CallKinds();
  const double end_s = std::chrono::duration<double>(end.time_since_epoch()).count();
  // Whole hours of district time (China Standard Time).
  const double first_hour = std::floor((end_s + kDistrictUtcOffsetSeconds) / 3600) * 3600 -
                            kDistrictUtcOffsetSeconds - days * 86400.0;
  size_t recent_from = 0;  // calls of the last three days, for near-repeats
  for (double hour_start = first_hour; hour_start < end_s; hour_start += 3600) {
    const double hour = std::fmod(hour_start + kDistrictUtcOffsetSeconds, 86400) / 3600;
    std::poisson_distribution<int> count(calls_per_day / 24 * kCallHourProfile[int(hour) % 24]);
    std::vector<double> weights;
    for (const map::Place& p : places) weights.push_back(PlaceWeight(p.kind, hour));
    while (recent_from < calls.size() &&
           std::chrono::duration<double>(calls[recent_from].at.time_since_epoch()).count() <
               hour_start - 3 * 86400)
      ++recent_from;
    std::vector<PastCall> hour_calls;
    for (int n = count(rng); n > 0; --n) {
      double t = hour_start + u(rng) * 3600;
      if (t >= end_s) continue;
      LonLat where;
      std::string place_kind;
      double r = u(rng);
      if (r < 0.15 && recent_from < calls.size()) {
        where = Scatter(
            calls[std::uniform_int_distribution<size_t>(recent_from, calls.size() - 1)(rng)].where,
            60, rng);
      } else if (r < 0.6 && !places.empty()) {
        const map::Place& place =
            places[std::discrete_distribution<size_t>(weights.begin(), weights.end())(rng)];
        where = Scatter(place.at, 110, rng);
        place_kind = place.kind;
      } else {
        std::uniform_int_distribution<size_t> node(0, graph.node_count() - 1);
        where = Scatter(graph.node(uint32_t(node(rng))), 30, rng);
      }
      std::vector<double> kind_weights;
      for (const CallKind& k : kinds) kind_weights.push_back(KindWeight(k, place_kind, hour));
      const CallKind& kind =
          kinds[std::discrete_distribution<size_t>(kind_weights.begin(), kind_weights.end())(rng)];
      hour_calls.push_back(
          {TimePoint(std::chrono::milliseconds(int64_t(t * 1000))), where, kind.category});
    }
    std::sort(hour_calls.begin(), hour_calls.end(),
              [](const PastCall& a, const PastCall& b) { return a.at < b.at; });
    calls.insert(calls.end(), hour_calls.begin(), hour_calls.end());
  }
  return calls;
}

Simulation::Simulation(engine::Engine& engine, engine::PositionService& positions,
                       dispatch::Recommender& recommender, std::vector<map::Place> places,
                       SimulationOptions options)
    : engine_(engine),
      positions_(positions),
      recommender_(recommender),
      graph_(recommender.graph()),
      places_(std::move(places)),
      options_(options),
      rng_(options.seed) {
  for (TravelMode m :
       {TravelMode::kCar, TravelMode::kMotorcycle, TravelMode::kFoot, TravelMode::kBicycle}) {
    searches_[roads::ModeSlot(m)] = std::make_unique<roads::TravelTimes>(graph_, m);
  }
  // The district's day starts at 18:30 China Standard Time, before the evening peak, so a
  // newcomer sees the district busy whatever the hour on the wall. Only rates follow this
  // clock; every event carries the real time.
  double now = std::chrono::duration<double>(engine_.clock().Now().time_since_epoch()).count();
  double day_start =
      std::floor((now + kDistrictUtcOffsetSeconds) / 86400) * 86400 - kDistrictUtcOffsetSeconds;
  district_time_ = day_start + 18.5 * 3600;
  // Places where nobody calls from are no use to the generator.
  std::erase_if(places_, [](const map::Place& p) { return PlaceWeight(p.kind, 12) == 0; });
}

Simulation::~Simulation() {
  Stop();
}

void Simulation::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Simulation::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Simulation::Run() {
  auto last = std::chrono::steady_clock::now();
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::duration<double>(options_.tick_s));
    if (stopping_) break;
    lock.unlock();
    auto now = std::chrono::steady_clock::now();
    double real = std::chrono::duration<double>(now - last).count();
    last = now;
    try {
      Step(std::min(real, 5 * options_.tick_s));  // after a stall, do not leap
    } catch (const std::exception& e) {
      spdlog::error("demo simulation step failed: {}", e.what());
    }
    lock.lock();
  }
}

SimulationStats Simulation::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

double Simulation::HourOfDay() const {
  double local = district_time_ + kDistrictUtcOffsetSeconds;
  return std::fmod(local, 86400) / 3600;
}

bool Simulation::Exec(Command command) {
  auto done = engine_.Execute(std::move(command));
  if (!done) {
    // Expected now and then: a person acted on the same incident a moment earlier.
    spdlog::debug("demo: command refused: {}", done.error().message);
    std::lock_guard lock(stats_mu_);
    ++stats_.command_errors;
  }
  return bool(done);
}

void Simulation::Step(double real_seconds) {
  const double dt = real_seconds * options_.speed;
  district_time_ += dt;
  if (!warmed_up_) {
    // A few calls at once, so the map has something on it from the first minute.
    warmed_up_ = true;
    for (int i = 0; i < 5; ++i) CreateCall();
  }
  SpawnCalls(dt);
  Snapshot snap = TakeSnapshot();
  DispatchPending(snap);
  DriveUnits(snap, dt);
}

Simulation::Snapshot Simulation::TakeSnapshot() {
  Snapshot snap;
  engine_.Read([&](const engine::ReadView& view) {
    for (const auto& [id, unit] : view.units) {
      snap.units.push_back(unit);
      if (unit->active_incident_id != 0) {
        if (auto it = view.incidents.find(unit->active_incident_id); it != view.incidents.end())
          snap.incidents.emplace(it->first, it->second);
      }
    }
    for (const auto& [id, pending] : pending_) {
      if (auto it = view.incidents.find(id); it != view.incidents.end())
        snap.incidents.emplace(it->first, it->second);
    }
    for (const auto& [id, m] : movers_) {
      if (m.incident == 0) continue;
      if (auto it = view.incidents.find(m.incident); it != view.incidents.end())
        snap.incidents.emplace(it->first, it->second);
    }
  });
  return snap;
}

void Simulation::SpawnCalls(double dt) {
  const double rate = options_.calls_per_day / 86400 * kCallHourProfile[int(HourOfDay()) % 24];
  std::poisson_distribution<int> count(rate * dt);
  for (int n = count(rng_); n > 0; --n) CreateCall();
  while (!recent_.empty() && recent_.front().at < district_time_ - 2 * 3600) recent_.pop_front();
}

std::string Simulation::AddressNear(LonLat p, const map::Place* place) {
  if (place != nullptr && DistanceM(p, place->at) < 250) return place->name + "附近";
  auto snap = recommender_.snapper().Nearest(p, TravelMode::kCar);
  if (snap) {
    std::string_view street = graph_.name(graph_.segment(snap->segment).name);
    if (!street.empty()) {
      return fmt::format("{}{}号", street, std::uniform_int_distribution<int>(1, 300)(rng_));
    }
  }
  return fmt::format("{:.5f}, {:.5f}", p.lon, p.lat);
}

void Simulation::CreateCall() {
  std::uniform_real_distribution<double> u(0, 1);
  const double hour = HourOfDay();
  const auto& kinds = CallKinds();
  LonLat where;
  std::string place_kind;
  std::string address;
  const CallKind* kind = nullptr;
  bool repeat = false;
  double r = u(rng_);
  if (r < 0.15 && !recent_.empty()) {
    repeat = true;
    // Near-repeats: trouble comes back to the same street within hours.
    const RecentCall& origin =
        recent_[std::uniform_int_distribution<size_t>(0, recent_.size() - 1)(rng_)];
    where = Scatter(origin.where, 60, rng_);
    if (u(rng_) < 0.6) {
      for (const CallKind& k : kinds) {
        if (origin.category == k.category && origin.subtype == k.subtype) kind = &k;
      }
    }
    address = origin.address;
  } else if (r < 0.6 && !places_.empty()) {
    std::vector<double> weights;
    for (const map::Place& p : places_) weights.push_back(PlaceWeight(p.kind, hour));
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    const map::Place& place = places_[pick(rng_)];
    where = Scatter(place.at, 110, rng_);
    place_kind = place.kind;
    address = AddressNear(where, &place);
  } else {
    // Anywhere on the streets.
    std::uniform_int_distribution<size_t> node(0, graph_.node_count() - 1);
    where = Scatter(graph_.node(uint32_t(node(rng_))), 30, rng_);
    address = AddressNear(where, nullptr);
  }
  if (kind == nullptr) {
    std::vector<double> weights;
    for (const CallKind& k : kinds) weights.push_back(KindWeight(k, place_kind, hour));
    kind = &kinds[std::discrete_distribution<size_t>(weights.begin(), weights.end())(rng_)];
  }

  CreateIncident c;
  c.channel = u(rng_) < 0.92 ? "phone_110" : "online";
  c.category = kind->category;
  c.subtype = kind->subtype;
  c.priority = kind->priority;
  c.location = where;
  c.address = address;
  c.caller_name = RandomPersonName(rng_);
  c.caller_phone = PhoneNumber(rng_);
  c.narrative = kind->narrative;
  auto created = engine_.Execute(Command{options_.dispatcher, c});
  if (!created) {
    spdlog::warn("demo: call not created: {}", created.error().message);
    return;
  }
  recent_.push_back({district_time_, where, kind->category, kind->subtype, address});
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.calls;
  }
  // How long the simulated dispatcher takes, district seconds, by priority. One call in
  // twelve waits a real minute and a half, past priority 1's dispatch deadline, so the
  // console's overdue warning shows.
  static constexpr std::pair<double, double> kDelay[5] = {
      {0, 0}, {20, 60}, {40, 120}, {60, 240}, {120, 480}};
  auto [lo, hi] = kDelay[std::clamp(kind->priority, 1, 4)];
  Pending p;
  p.dispatch_at = district_time_ + std::uniform_real_distribution<double>(lo, hi)(rng_);
  if (u(rng_) < 1.0 / 12) p.dispatch_at = district_time_ + 90 * options_.speed;
  // Some repeats are the same event called in twice: the dispatcher merges them.
  p.cancel = repeat && u(rng_) < 0.3;
  pending_[created->id] = p;
}

void Simulation::DispatchPending(const Snapshot& snap) {
  std::vector<dispatch::Candidate> candidates;
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto& [id, p] = *it;
    auto found = snap.incidents.find(id);
    // Somebody else took it (or it is gone): the simulated dispatcher lets go.
    if (found == snap.incidents.end() || found->second->status != "received") {
      it = pending_.erase(it);
      continue;
    }
    if (district_time_ < p.dispatch_at) {
      ++it;
      continue;
    }
    const Incident& incident = *found->second;
    if (p.cancel) {
      IncidentAction a;
      a.incident_id = id;
      a.action = "cancel";
      a.disposition = "重复报警，已与前警合并";
      if (Exec(Command{options_.dispatcher, a})) {
        std::lock_guard lock(stats_mu_);
        ++stats_.cancelled;
      }
      it = pending_.erase(it);
      continue;
    }
    dispatch::Scene scene{
        *incident.location, incident.category, incident.priority, incident.station_id, {}};
    // The units as dispatch sees them, once per step however many calls are due (the snapshot
    // is the step's anyway). A unit sent to an earlier call of this step still looks free here;
    // the engine refuses it as not available, and the call goes to the next recommendation.
    if (candidates.empty()) {
      for (const auto& unit : snap.units) candidates.push_back({unit, positions_.Latest(unit->id)});
    }
    auto result = recommender_.Recommend(scene, candidates, 3, engine_.clock().Now());
    int needed = std::max(1, result.units_needed);
    int sent = 0;
    for (const auto& rec : result.recommendations) {
      if (sent >= needed) break;
      IncidentAction a;
      a.incident_id = id;
      a.action = "dispatch";
      a.unit_id = rec.unit_id;
      if (Exec(Command{options_.dispatcher, a})) {
        ++sent;
        std::lock_guard lock(stats_mu_);
        ++stats_.dispatched;
      }
    }
    if (sent == 0) {
      p.dispatch_at = district_time_ + 60;  // nobody free: try again in a minute
      ++it;
    } else {
      it = pending_.erase(it);
    }
  }
}

const std::vector<roads::NodeIndex>& Simulation::PatrolNodes(const Mover& m) {
  const std::string station = m.district_wide ? "" : m.station_id;
  auto key = std::make_pair(station, roads::ModeSlot(m.mode));
  auto it = patrol_nodes_.find(key);
  if (it != patrol_nodes_.end()) return it->second;
  std::shared_ptr<const JurisdictionIndex> jurisdictions;
  engine_.Read([&](const engine::ReadView& view) { jurisdictions = view.jurisdictions; });
  std::vector<roads::NodeIndex> nodes;
  const roads::Csr& out = graph_.mode(m.mode).outgoing;
  for (roads::NodeIndex n = 0; n < graph_.node_count(); ++n) {
    if (out.first[n] == out.first[n + 1]) continue;  // this mode cannot leave it
    if (!station.empty() && jurisdictions &&
        jurisdictions->Locate(graph_.node(n)).station_id != station) {
      continue;
    }
    nodes.push_back(n);
  }
  if (nodes.empty() && !station.empty()) {
    // A station without roads of this mode: patrol the district rather than stand still.
    Mover everywhere = m;
    everywhere.district_wide = true;
    nodes = PatrolNodes(everywhere);
  }
  return patrol_nodes_[key] = std::move(nodes);
}

void Simulation::PlanRoute(Mover& m, LonLat target, double pace) {
  m.path.clear();
  m.cumulative_m.clear();
  m.progress_s = 0;
  m.path_s = 0;
  const roads::RoadSnapper& snapper = recommender_.snapper();
  auto from = snapper.Nearest(m.at, m.mode);
  auto to = snapper.Nearest(target, m.mode);
  std::optional<roads::Arrival> arrival;
  if (from && to) arrival = searches_[roads::ModeSlot(m.mode)]->Between(*from, *to, true);
  if (arrival && !arrival->route.empty()) {
    m.path.push_back(m.at);
    m.path.insert(m.path.end(), arrival->route.begin(), arrival->route.end());
    m.path.push_back(target);
    m.path_s = arrival->time_ms / 1000.0 * pace;
  } else {
    // Unreachable by road in this mode (a one-way trap, an island): go straight, slowly.
    m.path = {m.at, target};
    double kmh = m.mode == TravelMode::kFoot ? 4 : m.mode == TravelMode::kBicycle ? 12 : 25;
    m.path_s = DistanceM(m.at, target) / (kmh / 3.6) * pace;
  }
  double total = 0;
  m.cumulative_m.push_back(0);
  for (size_t i = 1; i < m.path.size(); ++i) {
    total += DistanceM(m.path[i - 1], m.path[i]);
    m.cumulative_m.push_back(total);
  }
  // The snapping legs at both ends are not in the road time; walk them at the same pace.
  if (arrival && total > 0) {
    double road = arrival->distance_m;
    if (road > 0) m.path_s *= total / road;
  }
  m.path_s = std::max(m.path_s, 1.0);
}

void Simulation::PlanPatrol(Mover& m) {
  const auto& nodes = PatrolNodes(m);
  if (nodes.empty()) return;
  std::uniform_int_distribution<size_t> pick(0, nodes.size() - 1);
  // Foot and bicycle patrols keep to a neighbourhood; cars cross their station.
  double reach = m.mode == TravelMode::kFoot ? 700 : m.mode == TravelMode::kBicycle ? 1500 : 1e9;
  LonLat target = graph_.node(nodes[pick(rng_)]);
  for (int tries = 0; tries < 30 && DistanceM(m.at, target) > reach; ++tries) {
    target = graph_.node(nodes[pick(rng_)]);
  }
  m.phase = Phase::kPatrol;
  m.incident = 0;
  PlanRoute(m, target, Pace(m.mode, true));
}

void Simulation::DriveUnits(const Snapshot& snap, double dt) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<tracks::TrackPoint> fixes;
  const TimePoint now = engine_.clock().Now();
  for (const auto& unit : snap.units) {
    if (unit->status == UnitStatus::kOffDuty) continue;
    auto [it, is_new] = movers_.try_emplace(unit->id);
    Mover& m = it->second;
    if (is_new) {
      m.id = unit->id;
      m.callsign = unit->callsign;
      m.station_id = unit->station_id;
      m.mode = unit->mode;
      m.district_wide = unit->force == Force::kHq;
      if (auto latest = positions_.Latest(unit->id)) {
        m.at = latest->at;
      } else {
        const auto& nodes = PatrolNodes(m);
        if (nodes.empty()) continue;
        m.at = graph_.node(nodes[std::uniform_int_distribution<size_t>(0, nodes.size() - 1)(rng_)]);
      }
      PlanPatrol(m);
    }

    // Follow what the district says the unit is doing: a person may have assigned it.
    const IncidentId active = unit->active_incident_id;
    auto incident_it = snap.incidents.find(active);
    const Incident* incident =
        incident_it == snap.incidents.end() ? nullptr : incident_it->second.get();
    const bool heading =
        unit->status == UnitStatus::kDispatched || unit->status == UnitStatus::kEnRoute;
    if (heading && incident && incident->location &&
        (m.phase != Phase::kToScene || m.incident != active)) {
      m.phase = Phase::kToScene;
      m.incident = active;
      PlanRoute(m, *incident->location, Pace(m.mode, false));
      if (unit->status == UnitStatus::kDispatched) {
        Exec(Command{m.callsign, SetUnitStatus{m.id, UnitStatus::kEnRoute}});
      }
    } else if (unit->status == UnitStatus::kOnScene && m.phase != Phase::kOnScene) {
      // Arrived by someone else's word (a terminal, the console): handle from here.
      m.phase = Phase::kOnScene;
      m.incident = active;
      m.path.clear();
      auto [lo, hi] = HandlingMinutes(incident ? incident->category : "other");
      m.handle_at = district_time_ + std::uniform_real_distribution<double>(120, 300)(rng_);
      m.close_at = m.handle_at + 60 * std::uniform_real_distribution<double>(lo, hi)(rng_);
      m.handled = false;
    } else if (unit->status == UnitStatus::kAvailable &&
               (m.phase == Phase::kToScene || m.phase == Phase::kOnScene)) {
      PlanPatrol(m);  // released: the incident closed or was cancelled
    }

    switch (m.phase) {
      case Phase::kDwell:
        if (district_time_ >= m.dwell_until) PlanPatrol(m);
        break;
      case Phase::kOnScene:
        if (incident && incident->id == m.incident) {
          if (!m.handled && district_time_ >= m.handle_at && incident->status == "on_scene") {
            IncidentAction a;
            a.incident_id = m.incident;
            a.action = "handle";
            Exec(Command{m.callsign, a});
            m.handled = true;
          }
          if (district_time_ >= m.close_at &&
              (incident->status == "on_scene" || incident->status == "handling")) {
            IncidentAction a;
            a.incident_id = m.incident;
            a.action = "close";
            a.disposition = Disposition(incident->category, rng_);
            if (Exec(Command{m.callsign, a})) {
              std::lock_guard lock(stats_mu_);
              ++stats_.closed;
            }
            m.close_at = 1e300;  // once; the close releases the unit
          }
        }
        break;
      case Phase::kPatrol:
      case Phase::kToScene:
        if (m.path.size() >= 2) {
          m.progress_s += dt;
          double f = std::min(1.0, m.progress_s / m.path_s);
          double along = f * m.cumulative_m.back();
          size_t i = size_t(std::upper_bound(m.cumulative_m.begin(), m.cumulative_m.end(), along) -
                            m.cumulative_m.begin());
          i = std::clamp<size_t>(i, 1, m.path.size() - 1);
          double len = m.cumulative_m[i] - m.cumulative_m[i - 1];
          double t = len > 0 ? (along - m.cumulative_m[i - 1]) / len : 1;
          m.at = {m.path[i - 1].lon + (m.path[i].lon - m.path[i - 1].lon) * t,
                  m.path[i - 1].lat + (m.path[i].lat - m.path[i - 1].lat) * t};
          if (f >= 1) {
            m.path.clear();
            if (m.phase == Phase::kToScene) {
              if (Exec(Command{m.callsign, SetUnitStatus{m.id, UnitStatus::kOnScene}})) {
                std::lock_guard lock(stats_mu_);
                ++stats_.arrived;
              }
              // The next step sees on_scene and starts the handling clock.
            } else {
              // A patrol stops a while at each point: a visible presence, not a drive-through.
              m.phase = Phase::kDwell;
              m.dwell_until =
                  district_time_ + 60 * std::uniform_real_distribution<double>(3, 12)(rng_);
            }
          }
        } else if (m.phase == Phase::kPatrol) {
          PlanPatrol(m);
        }
        break;
    }

    tracks::TrackPoint fix;
    fix.unit_id = m.id;
    fix.time = now;
    fix.lon_e7 = tracks::ToE7(m.at.lon);
    fix.lat_e7 = tracks::ToE7(m.at.lat);
    fix.accuracy_m = 5;
    fix.source = tracks::TrackSource::kSimulated;
    fixes.push_back(fix);
  }
  if (!fixes.empty()) {
    size_t n = fixes.size();
    positions_.Report(std::move(fixes), [](Status s) {
      if (!s) spdlog::warn("demo: positions not stored: {}", s.error().message);
    });
    std::lock_guard lock(stats_mu_);
    stats_.positions += n;
  }
}

}  // namespace pingan::demo
