// GET /api/repeats over a district year held by a real engine: the simulated year of
// bench/cases (100,000 incidents over ~50 km², four stations as the quadrants), received in
// six-hour steps over 365 days. The route is called through the router in this process, as a
// station chief (callers masked, so no audit write), for the whole year (days=366) and for the
// default 30 days; the baseline is FindRepeats alone on the same incidents, so the ratio shows what
// the route adds (copying the incidents out of the engine, the callers and addresses, the JSON).
#include <algorithm>
#include <chrono>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "api/auth.h"
#include "api/routes.h"
#include "cases/case_kinds.h"
#include "cases/simulated_year.h"
#include "core/incident_workflow.h"
#include "engine/engine.h"
#include "ledger/sqlite/sqlite_event_log.h"
#include "support/temp_dir.h"

namespace pingan::api {
namespace {

using std::chrono::hours;

const TimePoint kYearStart = FromMillis(1767225600000);  // 2026-01-01, as the simulated year
constexpr auto kStep = hours(6);

Jurisdiction Square(std::string id, std::string parent, JurisdictionLevel level, LonLat a,
                    LonLat b) {
  Jurisdiction j;
  j.id = std::move(id);
  j.parent_id = std::move(parent);
  j.name = j.id;
  j.level = level;
  j.area.polygons.push_back(Polygon{
      {{a.lon, a.lat}, {b.lon, a.lat}, {b.lon, b.lat}, {a.lon, b.lat}, {a.lon, a.lat}}, {}});
  return j;
}

// A district of `n` incidents from the simulated year, an engine over it and the API.
class District {
 public:
  explicit District(std::size_t n) : clock_(kYearStart) {
    auto log = ledger::sqlite::SqliteEventLog::Open(dir_.File("ledger.db"));
    log_ = std::move(*log);
    engine::EngineOptions options;
    options.checkpoint_on_stop = false;
    // A checkpoint written in the background while the route is timed would be timed too.
    options.checkpoint_every_events = std::numeric_limits<Sequence>::max();
    engine_ = std::make_unique<engine::Engine>(*log_, clock_, IncidentWorkflow(), options,
                                               cases::DefaultCaseCatalog(std::chrono::seconds(0)));
    (void)engine_->Start();
    using cases::bench::At;
    const LonLat lo = At(-100, -100), mid = At(cases::bench::kSideM / 2, cases::bench::kSideM / 2),
                 hi = At(cases::bench::kSideM + 100, cases::bench::kSideM + 100);
    (void)engine_->Execute(Command{
        "bench",
        DefineJurisdictions{
            {Square("B", "", JurisdictionLevel::kBureau, lo, hi),
             Square("S0", "B", JurisdictionLevel::kStation, lo, mid),
             Square("S1", "B", JurisdictionLevel::kStation, {mid.lon, lo.lat}, {hi.lon, mid.lat}),
             Square("S2", "B", JurisdictionLevel::kStation, {lo.lon, mid.lat}, {mid.lon, hi.lat}),
             Square("S3", "B", JurisdictionLevel::kStation, mid, hi)}}});
    (void)engine_->Execute(
        Command{"bench", AddUser{User{"chief", Role::kStationChief, "", "S0", "x", {}}}});
    token_ = NewToken();
    (void)engine_->Execute(Command{
        "bench", OpenSession{HashToken(token_), "chief", kYearStart + std::chrono::days(400)}});

    // The engine stamps a batch with its clock: submit each 6 hours' incidents as one batch
    // (finer steps change no group, whose window is 30 days, and cost a ledger sync each).
    std::vector<cases::RepeatSubject> year = cases::bench::SimulateYear(n, 1);
    std::sort(year.begin(), year.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    std::size_t k = 0;
    for (TimePoint hour = kYearStart; k < year.size(); hour += kStep) {
      SetClock(hour);
      std::vector<std::future<void>> done;
      for (; k < year.size() && year[k].at < hour + kStep; ++k) {
        CreateIncident c;
        c.category = year[k].category == "dispute" ? "dispute" : "other";
        c.priority = 3;
        c.location = year[k].location;
        c.address = year[k].address;
        c.caller_phone = year[k].caller_phone;
        auto promise = std::make_shared<std::promise<void>>();
        done.push_back(promise->get_future());
        engine_->Submit(Command{"bench", std::move(c)},
                        [promise](Result<CommandOutcome>) { promise->set_value(); });
      }
      for (auto& f : done) f.wait();
    }
    // The route's subjects have no parties (incidents do not record them yet); nor does the
    // baseline's.
    for (cases::RepeatSubject& s : year) s.parties.clear();
    subjects_ = std::move(year);
    api_ = std::make_unique<Api>(*engine_);
  }
  ~District() {
    engine_->Stop();
    api_->Stop();
  }

  // The route's status and body length.
  std::pair<int, std::size_t> Get(const std::string& target) {
    HttpRequest req;
    req.method = "GET";
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = ParseQueryString(target.substr(q + 1));
    req.headers["authorization"] = "Bearer " + token_;
    std::promise<HttpResponse> reply;
    api_->http_handler().Handle(std::move(req),
                                [&](HttpResponse r) { reply.set_value(std::move(r)); });
    HttpResponse r = reply.get_future().get();
    return {r.status, r.body.size()};
  }
  const std::vector<cases::RepeatSubject>& subjects() const { return subjects_; }

 private:
  void SetClock(TimePoint t) { clock_.Advance(t - clock_.Now()); }

  test::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<ledger::EventLog> log_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Api> api_;
  std::string token_;
  std::vector<cases::RepeatSubject> subjects_;
};

District& Year(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<District>> districts;
  auto& d = districts[n];
  if (!d) d = std::make_unique<District>(n);
  return *d;
}

void BM_RepeatsRoute(benchmark::State& state) {
  District& d = Year(std::size_t(state.range(0)));
  const std::string target =
      "/api/repeats?station_id=S0&limit=500&days=" + std::to_string(state.range(1));
  std::pair<int, std::size_t> reply;
  for (auto _ : state) reply = d.Get(target);
  if (reply.first != 200) state.SkipWithError("the route did not answer 200");
  state.counters["body_bytes"] = double(reply.second);
  state.counters["incidents_per_s"] =
      benchmark::Counter(double(state.range(0)), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_RepeatsRoute)
    ->Args({10000, 366})
    ->Args({100000, 366})
    ->Args({100000, 30})
    ->UseRealTime()  // the route runs on the API's worker threads
    ->Unit(benchmark::kMillisecond);

void BM_FindRepeatsBaseline(benchmark::State& state) {
  const std::vector<cases::RepeatSubject>& s = Year(std::size_t(state.range(0))).subjects();
  for (auto _ : state) benchmark::DoNotOptimize(cases::FindRepeats(s));
  state.counters["incidents_per_s"] =
      benchmark::Counter(double(s.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FindRepeatsBaseline)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pingan::api

BENCHMARK_MAIN();
