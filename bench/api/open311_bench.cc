// GET /open311/v2/requests.json's date window over five years of 接诉即办 requests (30 a day,
// 54,750 cases) held by a real engine. The desk finds a window through its index of request
// cases by opening time (CitizenRequestDesk::RequestsOpened); the baseline is the walk the route
// made before, from the newest case back to a day before the window. A window at the start of
// the five years is the walk's worst case and what a public caller could ask for every time;
// a window at the end is its best. The route itself is timed too (JSON for each request found).
#include <chrono>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/asio/thread_pool.hpp>

#include "api/auth.h"
#include "api/citizen_requests.h"
#include "api/open311_routes.h"
#include "cases/case_kinds.h"
#include "core/incident_workflow.h"
#include "core/time_format.h"
#include "engine/engine.h"
#include "ledger/sqlite/sqlite_event_log.h"
#include "support/temp_dir.h"

namespace pingan::api {
namespace {

const TimePoint kStart = FromMillis(1'735'660'800'000);  // 2025-01-01 00:00 +08:00
constexpr int kDays = 5 * 365;
constexpr int kPerDay = 30;
const char* const kTopics[] = {"public_order", "dispute", "documents", "traffic", "other"};

class Ledger {
 public:
  Ledger() : clock_(kStart) {
    InitCrypto();
    auto log = ledger::sqlite::SqliteEventLog::Open(dir_.File("ledger.db"));
    log_ = std::move(*log);
    engine::EngineOptions options;
    options.checkpoint_on_stop = false;
    options.checkpoint_every_events = std::numeric_limits<Sequence>::max();
    engine_ = std::make_unique<engine::Engine>(*log_, clock_, IncidentWorkflow(), options,
                                               cases::DefaultCaseCatalog(std::chrono::seconds(0)));
    (void)engine_->Start();
    // One command a day: the engine stamps each case with its clock.
    for (int day = 0; day < kDays; ++day) {
      CreateCases batch;
      for (int i = 0; i < kPerDay; ++i) {
        CreateCase c;
        c.kind = "request";
        c.fields = {{"channel", "open311"},
                    {"type", "complaint"},
                    {"topic", kTopics[(day + i) % 5]},
                    {"description", "路灯不亮"},
                    {"tracking_no", NewTrackingNo()},
                    {"open311_token", NewToken().substr(0, 24)}};
        batch.cases.push_back(std::move(c));
      }
      (void)engine_->Execute(Command{"open311:bench", std::move(batch)});
      clock_.Advance(std::chrono::hours(24));
    }
    desk_ = std::make_shared<CitizenRequestDesk>(
        CitizenRequestsContext{*engine_, workers_, nullptr, nullptr, "", PublicLimits{}});
    router_ = std::make_unique<Router>([](std::string_view) -> Result<std::shared_ptr<const User>> {
      return Error{ErrorCode::kUnauthenticated, "no sessions", ""};
    });
    AddOpen311Routes(*router_, desk_);
    // The desk indexes the cases at its first look (once after a start, O(n)); not timed.
    const auto t0 = std::chrono::steady_clock::now();
    (void)desk_->RequestsOpened(kStart, kStart, 1, [](const CaseRecord&) { return true; });
    first_look_ms_ =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  ~Ledger() {
    engine_->Stop();
    workers_.join();
  }

  CitizenRequestDesk& desk() { return *desk_; }
  double first_look_ms() const { return first_look_ms_; }
  engine::Engine& engine() { return *engine_; }

  // The route's status and body size. Each call from another address, so the read limit of
  // one address (60, then 10 a second) is not what is measured.
  std::pair<int, std::size_t> Get(const std::string& path, std::map<std::string, std::string> q) {
    HttpRequest req;
    req.method = "GET";
    req.target = path;
    req.path = path;
    req.query = std::move(q);
    ++calls_;
    req.remote_address =
        "10.0." + std::to_string(calls_ % 250) + "." + std::to_string(calls_ / 250 % 250) + ":1";
    std::promise<HttpResponse> reply;
    router_->Handle(std::move(req), [&](HttpResponse r) { reply.set_value(std::move(r)); });
    HttpResponse r = reply.get_future().get();
    return {r.status, r.body.size()};
  }

 private:
  test::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<ledger::EventLog> log_;
  std::unique_ptr<engine::Engine> engine_;
  boost::asio::thread_pool workers_{1};
  std::shared_ptr<CitizenRequestDesk> desk_;
  std::unique_ptr<Router> router_;
  long calls_ = 0;
  double first_look_ms_ = 0;
};

Ledger& FiveYears() {
  static Ledger ledger;
  return ledger;
}

// range(0): the window's first day (0: the oldest); range(1): its length in days.
std::pair<TimePoint, TimePoint> Window(const benchmark::State& state) {
  const TimePoint from = kStart + std::chrono::days(state.range(0));
  return {from, from + std::chrono::days(state.range(1)) - std::chrono::milliseconds(1)};
}

void BM_WindowByIndex(benchmark::State& state) {
  Ledger& l = FiveYears();
  const auto [from, to] = Window(state);
  std::size_t found = 0;
  for (auto _ : state) {
    found = l.desk().RequestsOpened(from, to, 1000, [](const CaseRecord&) { return true; }).size();
  }
  state.counters["found"] = double(found);
  state.counters["first_look_ms"] = l.first_look_ms();
}

// The route's walk before the index, over the same view.
void BM_WindowByWalkBaseline(benchmark::State& state) {
  Ledger& l = FiveYears();
  const auto [from, to] = Window(state);
  std::size_t found = 0;
  for (auto _ : state) {
    std::vector<std::shared_ptr<const CaseRecord>> out;
    l.engine().Read([&](const engine::ReadView& view) {
      for (auto it = view.cases.rbegin(); it != view.cases.rend(); ++it) {
        const CaseRecord& c = *it->second;
        if (c.opened_at < from - std::chrono::hours(24)) break;
        if (c.kind != "request" || c.opened_at < from || c.opened_at > to) continue;
        out.push_back(it->second);
        if (out.size() >= 1000) break;
      }
    });
    found = out.size();
  }
  state.counters["found"] = double(found);
}

void BM_ListRoute(benchmark::State& state) {
  Ledger& l = FiveYears();
  const auto [from, to] = Window(state);
  const std::map<std::string, std::string> query = {{"start_date", FormatIso8601(from)},
                                                    {"end_date", FormatIso8601(to)}};
  std::pair<int, std::size_t> reply;
  for (auto _ : state) reply = l.Get("/open311/v2/requests.json", query);
  if (reply.first != 200) state.SkipWithError("the route did not answer 200");
  state.counters["body_bytes"] = double(reply.second);
}

// {first day, days}: a week and 90 days at the start of the five years, a week at the end.
#define WINDOWS Args({0, 7})->Args({0, 90})->Args({kDays - 7, 7})->Unit(benchmark::kMicrosecond)
BENCHMARK(BM_WindowByIndex)->WINDOWS;
BENCHMARK(BM_WindowByWalkBaseline)->WINDOWS;
BENCHMARK(BM_ListRoute)->WINDOWS->UseRealTime();

}  // namespace
}  // namespace pingan::api

BENCHMARK_MAIN();
