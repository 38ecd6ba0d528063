#include "sms/simulator_gateway.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace pingan::sms {

SimulatorGateway::SimulatorGateway(const Clock& clock, std::size_t capacity)
    : clock_(clock), capacity_(std::max<std::size_t>(capacity, 1)) {}

Result<SentSms> SimulatorGateway::Send(const OutgoingSms& sms) {
  Result<OutgoingSms> valid = ValidateOutgoingSms(sms);
  if (!valid) return valid.error();
  std::lock_guard lock(mu_);
  // Id and time are taken under the lock so that both follow the outbox's order.
  SentSms sent{.id = fmt::format("SIM-{:06d}", ++sent_count_),
               .to = std::move(valid->to),
               .text = std::move(valid->text),
               .purpose = std::move(valid->purpose),
               .sent_at = clock_.Now(),
               .status = "sent"};
  if (outbox_.size() == capacity_) outbox_.pop_front();
  outbox_.push_back(sent);
  return sent;
}

std::vector<SentSms> SimulatorGateway::Outbox(std::size_t limit,
                                              std::optional<std::string> to) const {
  if (to) {
    Result<std::string> normalized = NormalizeMobileNumber(*to);
    if (!normalized) return {};
    to = std::move(*normalized);
  }
  std::vector<SentSms> out;
  std::lock_guard lock(mu_);
  for (auto it = outbox_.rbegin(); it != outbox_.rend() && out.size() < limit; ++it) {
    if (!to || it->to == *to) out.push_back(*it);
  }
  return out;
}

std::uint64_t SimulatorGateway::sent_count() const {
  std::lock_guard lock(mu_);
  return sent_count_;
}

}  // namespace pingan::sms
