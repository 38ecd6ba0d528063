#include "api/rate_limit.h"

#include <algorithm>
#include <cmath>

#include <boost/asio/ip/address.hpp>

namespace pingan::api {

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_keys)
    : limit_(limit), max_keys_(std::max<std::size_t>(1, max_keys)) {}

RateLimiter::Bucket& RateLimiter::Refilled(std::string_view key, TimePoint now) {
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      std::erase_if(buckets_, [&](const auto& entry) {
        const Bucket& b = entry.second;
        double gained = double((now - b.updated).count()) / double(limit_.refill_every.count());
        return b.tokens + gained >= limit_.burst;
      });
      if (buckets_.size() >= max_keys_) buckets_.clear();
    }
    it = buckets_.emplace(std::string(key), Bucket{limit_.burst, now}).first;
    return it->second;
  }
  Bucket& b = it->second;
  if (now > b.updated) {
    double gained = double((now - b.updated).count()) / double(limit_.refill_every.count());
    b.tokens = std::min(limit_.burst, b.tokens + gained);
    b.updated = now;
  }
  return b;
}

std::optional<std::chrono::seconds> RateLimiter::Take(std::string_view key, TimePoint now) {
  std::lock_guard lock(mu_);
  Bucket& b = Refilled(key, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  double missing_ms = (1 - b.tokens) * double(limit_.refill_every.count());
  return std::chrono::seconds(
      std::max<long long>(1, static_cast<long long>(std::ceil(missing_ms / 1000))));
}

bool RateLimiter::WouldAllow(std::string_view key, TimePoint now) {
  std::lock_guard lock(mu_);
  return Refilled(key, now).tokens >= 1;
}

std::size_t RateLimiter::key_count() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
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
