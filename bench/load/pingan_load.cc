// pingan_load: end-to-end latency of POST /api/incidents at a fixed offered load.
//
// Open loop: request i is due at start + i/rate whatever happened to earlier ones, and its
// latency is measured from when it was due, so a server that stalls is charged for the queue it
// builds (no coordinated omission). Prints figures and the command that reproduces them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>

#include "support/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string user = "li";
  std::string password;
  double rate = 1000;
  double duration_s = 10;
  int connections = 32;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Offered-load latency of POST /api/incidents against a running pingan server"};
  app.add_option("--host", o.host)->capture_default_str();
  app.add_option("--port", o.port)->required();
  app.add_option("--user", o.user, "a dispatcher")->capture_default_str();
  app.add_option("--password", o.password)->required();
  app.add_option("--rate", o.rate, "requests per second offered")->capture_default_str();
  app.add_option("--duration", o.duration_s, "seconds")->capture_default_str();
  app.add_option("--connections", o.connections)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::string token;
  {
    pingan::test::HttpClient login(o.host, static_cast<std::uint16_t>(o.port));
    auto r = login.Login(o.user, o.password);
    if (r.status != 201) {
      std::fprintf(stderr, "pingan_load: login as %s failed (HTTP %d): %s\n", o.user.c_str(),
                   r.status, r.body.c_str());
      return 1;
    }
    token = r.Json()["token"];
  }
  const auto total = static_cast<std::int64_t>(o.rate * o.duration_s);
  const auto interval = std::chrono::duration<double>(1.0 / o.rate);
  std::mutex mu;
  std::vector<double> latency_ms, service_ms;
  latency_ms.reserve(static_cast<size_t>(total));
  service_ms.reserve(static_cast<size_t>(total));
  std::atomic<std::int64_t> errors = 0;
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, c] {
      pingan::test::HttpClient client(o.host, static_cast<std::uint16_t>(o.port));
      client.set_token(token);
      std::vector<double> mine_latency, mine_service;
      for (std::int64_t i = c; i < total; i += o.connections) {
        auto due =
            start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
        std::this_thread::sleep_until(due);
        auto sent = Clock::now();
        auto r =
            client.Post("/api/incidents", {{"category", "public_order"},
                                           {"subtype", "noise"},
                                           {"priority", 3},
                                           {"lon", 121.40 + static_cast<double>(i % 100) * 0.001},
                                           {"lat", 37.50},
                                           {"address", "迎春大街 100 号"},
                                           {"caller_phone", "13812345678"},
                                           {"narrative", "load test"}});
        auto done = Clock::now();
        if (r.status != 201) {
          ++errors;
          continue;
        }
        mine_latency.push_back(std::chrono::duration<double, std::milli>(done - due).count());
        mine_service.push_back(std::chrono::duration<double, std::milli>(done - sent).count());
      }
      std::lock_guard lock(mu);
      latency_ms.insert(latency_ms.end(), mine_latency.begin(), mine_latency.end());
      service_ms.insert(service_ms.end(), mine_service.begin(), mine_service.end());
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latency_ms.begin(), latency_ms.end());
  std::sort(service_ms.begin(), service_ms.end());
  std::printf(
      "{\"offered_rps\": %.0f, \"achieved_rps\": %.1f, \"requests\": %lld, \"errors\": %lld, "
      "\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f, "
      "\"service_p50_ms\": %.3f, \"service_p99_ms\": %.3f}\n",
      o.rate, static_cast<double>(latency_ms.size()) / elapsed, static_cast<long long>(total),
      static_cast<long long>(errors.load()), Percentile(latency_ms, 50), Percentile(latency_ms, 90),
      Percentile(latency_ms, 99), Percentile(latency_ms, 99.9),
      latency_ms.empty() ? 0 : latency_ms.back(), Percentile(service_ms, 50),
      Percentile(service_ms, 99));
  std::printf(
      "reproduce: %s --port PORT --user %s --password ... --rate %.0f --duration %.0f "
      "--connections %d\n",
      argv[0], o.user.c_str(), o.rate, o.duration_s, o.connections);
  return errors.load() == 0 ? 0 : 1;
}
