// A PositionSink for server tests: a fixed set of known devices, every submission recorded,
// and answers either at once or held until the test releases them. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ingest/position_sink.h"

namespace pingan::test {

class FakePositionSink final : public ingest::PositionSink {
 public:
  struct Submission {
    ingest::Protocol protocol;
    std::string identifier;
    std::vector<ingest::DeviceFix> fixes;
  };

  explicit FakePositionSink(std::set<std::string> known_devices)
      : known_devices_(std::move(known_devices)) {}

  bool IsKnownDevice(ingest::Protocol, const std::string& identifier) override {
    std::lock_guard lock(mu_);
    return known_devices_.count(identifier) > 0;
  }

  void Submit(ingest::Protocol protocol, std::string identifier,
              std::vector<ingest::DeviceFix> fixes,
              std::function<void(ingest::SinkResult)> done) override {
    ingest::SinkResult result;
    bool is_held;
    {
      std::lock_guard lock(mu_);
      result = known_devices_.count(identifier) == 0 ? ingest::SinkResult::kUnknownDevice
                                                     : result_for_known_;
      submissions_.push_back(Submission{protocol, std::move(identifier), std::move(fixes)});
      is_held = is_holding_;
      if (is_held) held_.emplace_back(std::move(done), result);
    }
    changed_.notify_all();
    if (!is_held) done(result);
  }

  // What Submit answers for known devices from now on (kStored at first).
  void set_result_for_known(ingest::SinkResult result) {
    std::lock_guard lock(mu_);
    result_for_known_ = result;
  }

  // While holding, answers wait until ReleaseHeld().
  void set_holding(bool is_holding) {
    std::lock_guard lock(mu_);
    is_holding_ = is_holding;
  }

  // Answers every held submission, in the order submitted, from the calling thread.
  void ReleaseHeld() {
    std::vector<std::pair<std::function<void(ingest::SinkResult)>, ingest::SinkResult>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& [done, result] : held) done(result);
  }

  // Waits until at least `count` submissions arrived; false after `timeout`.
  bool WaitForSubmissions(std::size_t count,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return submissions_.size() >= count; });
  }

  std::vector<Submission> submissions() const {
    std::lock_guard lock(mu_);
    return submissions_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::set<std::string> known_devices_;
  ingest::SinkResult result_for_known_ = ingest::SinkResult::kStored;
  bool is_holding_ = false;
  std::vector<std::pair<std::function<void(ingest::SinkResult)>, ingest::SinkResult>> held_;
  std::vector<Submission> submissions_;
};

}  // namespace pingan::test
