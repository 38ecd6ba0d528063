#include "api/rate_limit.h"

#include <algorithm>
#include <cmath>

#include <boost/asio/ip/address.hpp>

namespace pingan::api {

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_keys)
    : limit_(limit),
      max_keys_(std::max<std::size_t>(1, max_keys)),
      max_owed_(std::llround((limit.burst - 1) * double(limit.refill_every.count()))) {}

std::optional<std::chrono::seconds> RateLimiter::Take(std::string_view key, TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = full_at_.find(std::string(key));
  const TimePoint full_at = it == full_at_.end() ? now : std::max(it->second, now);
  if (const auto owed = full_at - now; owed > max_owed_) {
    const auto missing_ms = (owed - max_owed_).count();
    return std::chrono::seconds(std::max<long long>(1, (missing_ms + 999) / 1000));
  }
  const TimePoint next = full_at + limit_.refill_every;
  if (it == full_at_.end()) {
    if (full_at_.size() >= max_keys_) {
      // The bucket soonest full: a full one when there is any, which costs nothing to forget.
      const std::string* evicted = by_full_at_.begin()->second;
      by_full_at_.erase(by_full_at_.begin());
      full_at_.erase(full_at_.find(*evicted));
    }
    it = full_at_.emplace(std::string(key), next).first;
  } else {
    by_full_at_.erase({it->second, &it->first});
    it->second = next;
  }
  by_full_at_.emplace(next, &it->first);
  return std::nullopt;
}

bool RateLimiter::WouldAllow(std::string_view key, TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = full_at_.find(std::string(key));
  if (it == full_at_.end()) return max_owed_.count() >= 0;
  return std::max(it->second, now) - now <= max_owed_;
}

std::size_t RateLimiter::key_count() const {
  std::lock_guard lock(mu_);
  return full_at_.size();
}

std::string ClientKey(const std::string& remote_address) {
  std::string host = remote_address;
  // "1.2.3.4:5678", "[::1]:5678" or "::1:5678" (the server writes address:port).
  if (size_t colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return host;
  if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
    auto bytes = address.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
  }
  if (address.is_v6()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .to_string();
  }
  return address.to_string();
}

}  // namespace pingan::api
