// The built-in gateway for the demo and tests: messages go nowhere but into an outbox that can
// be read back, as a citizen's phone would show them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "sms/sms_gateway.h"

namespace pingan::sms {

class SimulatorGateway final : public SmsGateway {
 public:
  static constexpr std::size_t kDefaultCapacity = 10'000;

  // Keeps the newest `capacity` messages (at least one); older ones are dropped. `clock` gives
  // sent_at and must outlive the gateway.
  explicit SimulatorGateway(const Clock& clock, std::size_t capacity = kDefaultCapacity);

  // Validates and stores the message with the next id ("SIM-000001", "SIM-000002", ...; more
  // digits after 999999) and status "sent". Never kUnavailable. Thread-safe.
  Result<SentSms> Send(const OutgoingSms& sms) override;
  std::string_view name() const override { return "simulator"; }

  // Up to `limit` stored messages, newest first; only those to `to` when given (any form
  // NormalizeMobileNumber accepts; a number it refuses matches nothing). Thread-safe.
  std::vector<SentSms> Outbox(std::size_t limit, std::optional<std::string> to = {}) const;
  // Messages sent since construction, including those dropped from the outbox. Thread-safe.
  std::uint64_t sent_count() const;

 private:
  const Clock& clock_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::deque<SentSms> outbox_;    // oldest first; guarded by mu_
  std::uint64_t sent_count_ = 0;  // guarded by mu_
};

}  // namespace pingan::sms
