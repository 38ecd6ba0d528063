// Carries callbacks (回访) out: when a scheduled callback falls due it texts the caller a
// satisfaction survey (reply 1, 2 or 3, or follow the short link); when the answer deadline
// passes it sends one reminder; when the next escalation fires it hands the callback to a
// person as a phone task. Everything it does is recorded as case actions in the ledger, so a
// restart carries on where it stopped. A text sent just before a crash, not yet recorded, is
// sent again after the restart: at least once, never lost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "engine/engine.h"
#include "sms/sms_gateway.h"

namespace pingan::cases {

struct CallbackRunnerOptions {
  // How often due callbacks are looked for (wall time).
  std::chrono::milliseconds interval{1000};
  // The public address the short link starts with ("https://jingwu.example.gov.cn"); empty: a
  // path alone ("/hf/?c=...").
  std::string link_base;
  // No texts between 22:00 and 08:00 district time: what falls due then waits for 08:00. A
  // callback scheduled with no delay at all ("at once") is sent at once.
  bool quiet_hours = true;
  // After the gateway fails, wait this long before trying that callback again.
  std::chrono::seconds retry_after{60};
};

struct CallbackPass {
  int sent = 0;         // first texts
  int reminded = 0;     // reminders
  int phone_tasks = 0;  // handed to a person
  int failed = 0;       // the gateway failed; tried again later
};

class CallbackRunner {
 public:
  // `engine` and `gateway` must outlive the runner.
  CallbackRunner(engine::Engine& engine, sms::SmsGateway& gateway,
                 CallbackRunnerOptions options = {});
  ~CallbackRunner();
  CallbackRunner(const CallbackRunner&) = delete;
  CallbackRunner& operator=(const CallbackRunner&) = delete;

  // Runs RunOnce every options.interval on a thread of its own until Stop().
  void Start();
  void Stop();

  // One pass at the engine's clock: does everything due now and waits until it is recorded.
  // Thread-safe against the background thread (passes never overlap).
  CallbackPass RunOnce();

 private:
  engine::Engine& engine_;
  sms::SmsGateway& gateway_;
  const CallbackRunnerOptions options_;

  std::mutex pass_mu_;                       // one pass at a time
  std::map<CaseId, TimePoint> retry_after_;  // guarded by pass_mu_

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// The survey text for an incident received at `received_at`, with the short link.
std::string CallbackText(IncidentId incident, TimePoint received_at, const std::string& link);
// Whether `t` falls in the quiet hours, and when they end.
bool InQuietHours(TimePoint t);
TimePoint QuietHoursEnd(TimePoint t);

}  // namespace pingan::cases
