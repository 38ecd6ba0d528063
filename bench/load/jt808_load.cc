// jt808_load: how many GPS fixes a second a running pingan server makes durable when they
// arrive over JT/T 808 TCP, and how long a terminal waits for each acknowledgement.
//
// Setup: creates --terminals units over the HTTP API and binds one JT/T 808 phone number to
// each. Every terminal then opens its own TCP connection, registers (0x0100) and authenticates
// (0x0102). Measurement: closed loop. Each terminal keeps --window location reports (0x0200,
// or 0x0704 batches of --batch fixes) in flight and sends the next when one is answered. The
// server answers 0x8001 result 0 only after the fixes are fdatasync'd, so the figure is durable
// fixes per second, and it grows with the terminals in flight (group commit), not with one
// connection's speed. The server takes one report of a connection at a time, so a window above
// 1 only hides the round trip between answer and next report. After --duration seconds no more
// reports are sent; those in flight are waited for, and the rate is acknowledged fixes over the
// time from start to the last answer.
//
// The generator is one epoll loop per --threads thread, built to cost little CPU: on a 2-core
// machine it shares the cores with the server it measures.
//
// Fixes are stamped from 00:00 UTC today onwards, one second apart per terminal and never later
// than now, so they all go to today's track file and none is refused for coming from the future
// (the server acknowledges those without storing them). Positions wander a few metres per fix
// around People's Square, Shanghai (121.47E, 31.23N).
//
// errors counts reports answered with a result other than 0, reports left unanswered (a closed
// connection, or still in flight 10 s after the end), answers that match no report, and
// terminals that could not connect, register or authenticate. The exit status is 1 when there
// was an error or no fix was acknowledged.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ingest/jt808_codec.h"
#include "support/http_client.h"

namespace {

using pingan::ingest::Bytes;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int http_port = 8080;
  int jt808_port = 0;
  std::string user = "li";
  std::string password;
  int terminals = 500;
  double duration_s = 10;
  int window = 4;
  int batch = 0;
  int threads = 1;
  int run_id = 0;
};

// 0x0704 header (3 bytes) + items of 2 + 28 bytes must fit a 1023-byte body.
constexpr int kMaxBatch = 34;
// The server disconnects a terminal with more than 256 frames waiting for answers.
constexpr int kMaxWindow = 256;
constexpr auto kDrainTimeout = std::chrono::seconds(10);
constexpr auto kSetupTimeout = std::chrono::seconds(60);
constexpr int kSetupConnections = 8;           // HTTP connections creating units and bindings
constexpr std::uint16_t kNotAReport = 0xFFFF;  // InFlight::message_id of a setup message

// Shared between the main thread and the terminal threads.
struct Control {
  enum Phase { kSetup, kStreaming, kStopping };
  std::atomic<int> phase = kSetup;
  std::atomic<int> ready = 0;       // terminals registered and authenticated
  std::atomic<int> failed = 0;      // terminals that could not get there
  SteadyClock::time_point stop_at;  // set before phase becomes kStopping
};

struct Stats {
  std::int64_t fixes_acked = 0;
  std::int64_t messages_acked = 0;
  std::int64_t errors = 0;
  std::vector<float> ack_ms;
  SteadyClock::time_point last_ack{};
};

void PutU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void PutU32(Bytes& out, std::uint32_t v) {
  PutU16(out, static_cast<std::uint16_t>(v >> 16));
  PutU16(out, static_cast<std::uint16_t>(v));
}
std::uint8_t Bcd(unsigned v) {
  return static_cast<std::uint8_t>(((v / 10) << 4) | (v % 10));
}
std::uint16_t GetU16(const Bytes& in, std::size_t at) {
  return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}

// One simulated vehicle terminal on its own connection.
struct Terminal {
  enum State { kConnecting, kRegistering, kAuthenticating, kReady, kDead };

  int fd = -1;
  State state = kConnecting;
  pingan::ingest::Jt808Header header;  // 2013 header with this terminal's phone
  pingan::ingest::Jt808FrameSplitter splitter;
  std::uint16_t next_serial = 0;
  struct InFlight {
    std::uint16_t serial;
    std::uint16_t message_id;
    int fixes;
    SteadyClock::time_point sent;
  };
  std::deque<InFlight> in_flight;
  Bytes out;  // frames not yet taken by the kernel
  std::size_t out_sent = 0;
  bool is_watching_writes = false;
  // The track: fix number, position in 1e-6 degrees, and a cheap random source for the walk.
  std::int64_t fix_index = 0;
  std::int64_t lat_e6 = 0, lon_e6 = 0;
  std::uint32_t random = 0;

  std::uint32_t Next() {
    random ^= random << 13;  // xorshift32
    random ^= random >> 17;
    random ^= random << 5;
    return random;
  }
};

// The terminals of one thread and the epoll loop that drives them.
class TerminalGroup {
 public:
  TerminalGroup(const Options& options, Control& control, std::vector<std::string> phones)
      : options_(options), control_(control), terminals_(phones.size()) {
    for (std::size_t i = 0; i < phones.size(); ++i) {
      Terminal& t = terminals_[i];
      t.header.version = pingan::ingest::Jt808Version::k2013;
      t.header.phone = phones[i];
      t.random = static_cast<std::uint32_t>(std::hash<std::string>{}(phones[i])) | 1;
      t.lat_e6 = 31'230'000 + static_cast<std::int64_t>(t.Next() % 40'000) - 20'000;
      t.lon_e6 = 121'470'000 + static_cast<std::int64_t>(t.Next() % 40'000) - 20'000;
    }
  }

  void Run() {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < terminals_.size(); ++i) Connect(i);
    bool is_streaming = false;
    std::vector<epoll_event> events(256);
    while (true) {
      int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 5);
      for (int e = 0; e < n; ++e) OnEvent(events[static_cast<std::size_t>(e)]);
      int phase = control_.phase.load(std::memory_order_acquire);
      if (phase == Control::kStreaming && !is_streaming) {
        is_streaming = true;
        for (std::size_t i = 0; i < terminals_.size(); ++i) Fill(i);
      }
      if (phase == Control::kStopping) {
        is_stopping_ = true;
        bool is_drained = std::all_of(terminals_.begin(), terminals_.end(), [](const Terminal& t) {
          return t.state != Terminal::kReady || t.in_flight.empty();
        });
        if (is_drained || SteadyClock::now() > control_.stop_at + kDrainTimeout) break;
      }
    }
    for (Terminal& t : terminals_) {
      if (t.state == Terminal::kReady)
        stats_.errors += static_cast<std::int64_t>(t.in_flight.size());
      if (t.fd >= 0) ::close(t.fd);
    }
    ::close(epoll_);
  }

  Stats& stats() { return stats_; }

 private:
  void Connect(std::size_t i) {
    Terminal& t = terminals_[i];
    t.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t.fd < 0) return Fail(i, "socket");
    int one = 1;
    ::setsockopt(t.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(options_.jt808_port));
    ::inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr);
    if (::connect(t.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
      return Fail(i, "connect");
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, t.fd, &ev);
    t.is_watching_writes = true;
  }

  void OnEvent(const epoll_event& ev) {
    const std::size_t i = ev.data.u64;
    Terminal& t = terminals_[i];
    if (t.state == Terminal::kDead) return;
    if (t.state == Terminal::kConnecting) {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(t.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0 || (ev.events & (EPOLLERR | EPOLLHUP)) != 0) return Fail(i, "connect");
      if ((ev.events & EPOLLOUT) == 0) return;
      t.state = Terminal::kRegistering;
      Send(i, pingan::ingest::kJt808Register, RegistrationBody(i), 0);
      Flush(i);
      return;
    }
    if ((ev.events & EPOLLOUT) != 0) Flush(i);
    if ((ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) Read(i);
  }

  void Read(std::size_t i) {
    Terminal& t = terminals_[i];
    std::array<std::uint8_t, 16384> buffer;
    while (t.state != Terminal::kDead) {
      ssize_t n = ::recv(t.fd, buffer.data(), buffer.size(), 0);
      if (n == 0) return Fail(i, "connection closed by the server");
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return Fail(i, "recv");
      }
      for (auto& frame : t.splitter.Feed(std::span(buffer.data(), static_cast<std::size_t>(n)))) {
        if (!frame) {
          ++stats_.errors;
          continue;
        }
        OnFrame(i, *frame);
        if (t.state == Terminal::kDead) return;
      }
      // Level-triggered: epoll reports what is left. Saves a recv that would find nothing.
      if (static_cast<std::size_t>(n) < buffer.size()) break;
    }
    Flush(i);
  }

  void OnFrame(std::size_t i, const Bytes& frame) {
    Terminal& t = terminals_[i];
    auto message = pingan::ingest::DecodeJt808Frame(frame);
    const bool is_register_reply =
        message && message->header.message_id == pingan::ingest::kJt808RegisterResponse &&
        message->body.size() >= 3;
    const bool is_general_reply =
        message && message->header.message_id == pingan::ingest::kJt808PlatformGeneralResponse &&
        message->body.size() >= 5;
    if ((!is_register_reply && !is_general_reply) || t.in_flight.empty()) {
      ++stats_.errors;
      return;
    }
    const Bytes& body = message->body;
    const Terminal::InFlight sent = t.in_flight.front();
    const std::uint16_t reply_serial = GetU16(body, 0);
    const std::uint16_t reply_id =
        is_general_reply ? GetU16(body, 2) : pingan::ingest::kJt808Register;
    const std::uint8_t result = is_general_reply ? body[4] : body[2];
    if (reply_serial != sent.serial) {
      ++stats_.errors;
      return;
    }
    t.in_flight.pop_front();
    switch (t.state) {
      case Terminal::kRegistering: {
        if (reply_id != pingan::ingest::kJt808Register || result != 0) {
          return Fail(i, fmt::format("registration refused (result {})", result));
        }
        t.state = Terminal::kAuthenticating;
        Send(i, pingan::ingest::kJt808Authentication, Bytes(body.begin() + 3, body.end()), 0);
        return;
      }
      case Terminal::kAuthenticating:
        if (reply_id != pingan::ingest::kJt808Authentication || result != 0) {
          return Fail(i, fmt::format("authentication refused (result {})", result));
        }
        t.state = Terminal::kReady;
        control_.ready.fetch_add(1, std::memory_order_relaxed);
        if (control_.phase.load(std::memory_order_acquire) == Control::kStreaming) Fill(i);
        return;
      case Terminal::kReady: {
        auto now = SteadyClock::now();
        if (reply_id != sent.message_id || result != 0) {
          ++stats_.errors;
        } else {
          stats_.fixes_acked += sent.fixes;
          ++stats_.messages_acked;
          stats_.ack_ms.push_back(
              std::chrono::duration<float, std::milli>(now - sent.sent).count());
          stats_.last_ack = now;
        }
        if (!is_stopping_) Fill(i);
        return;
      }
      default: return;
    }
  }

  // Tops the terminal's reports in flight up to the window.
  void Fill(std::size_t i) {
    Terminal& t = terminals_[i];
    if (t.state != Terminal::kReady) return;
    while (t.in_flight.size() < static_cast<std::size_t>(options_.window)) {
      if (options_.batch == 0) {
        Bytes body;
        body.reserve(28);
        AppendLocation(t, body);
        Send(i, pingan::ingest::kJt808Location, body, 1);
      } else {
        Bytes body;
        body.reserve(3 + 30 * static_cast<std::size_t>(options_.batch));
        PutU16(body, static_cast<std::uint16_t>(options_.batch));
        body.push_back(0);  // a regular batch, not a blind-area upload
        for (int k = 0; k < options_.batch; ++k) {
          PutU16(body, 28);
          AppendLocation(t, body);
        }
        Send(i, pingan::ingest::kJt808LocationBatch, body, options_.batch);
      }
    }
    Flush(i);
  }

  // The 28 bytes of a location report's basic fields for the terminal's next fix.
  static void AppendLocation(Terminal& t, Bytes& out) {
    using namespace std::chrono;
    t.lat_e6 += static_cast<std::int64_t>(t.Next() % 81) - 40;  // up to ±4.5 m a fix
    t.lon_e6 += static_cast<std::int64_t>(t.Next() % 81) - 40;
    const sys_seconds now = floor<seconds>(system_clock::now());
    const sys_seconds time = std::min(floor<days>(now) + seconds(t.fix_index++), now);
    const local_seconds beijing{time.time_since_epoch() + hours(8)};
    const local_days day = floor<days>(beijing);
    const year_month_day ymd{day};
    const hh_mm_ss hms{beijing - day};
    PutU32(out, 0);        // alarm flags
    PutU32(out, 1u << 1);  // status: positioned, north, east
    PutU32(out, static_cast<std::uint32_t>(t.lat_e6));
    PutU32(out, static_cast<std::uint32_t>(t.lon_e6));
    PutU16(out, 4);                                           // altitude, m
    PutU16(out, static_cast<std::uint16_t>(t.Next() % 600));  // speed, 0.1 km/h
    PutU16(out, static_cast<std::uint16_t>(t.Next() % 360));  // direction
    out.push_back(Bcd(static_cast<unsigned>(static_cast<int>(ymd.year()) % 100)));
    out.push_back(Bcd(static_cast<unsigned>(ymd.month())));
    out.push_back(Bcd(static_cast<unsigned>(ymd.day())));
    out.push_back(Bcd(static_cast<unsigned>(hms.hours().count())));
    out.push_back(Bcd(static_cast<unsigned>(hms.minutes().count())));
    out.push_back(Bcd(static_cast<unsigned>(hms.seconds().count())));
  }

  Bytes RegistrationBody(std::size_t i) const {
    Bytes body;
    PutU16(body, 31);   // province: Shanghai
    PutU16(body, 100);  // city
    for (char c : std::string("PGNLD")) body.push_back(static_cast<std::uint8_t>(c));
    std::string model = "JT808-LOAD";
    model.resize(20, '\0');
    for (char c : model) body.push_back(static_cast<std::uint8_t>(c));
    std::string terminal_id = fmt::format("{:07}", i % 10'000'000);
    for (char c : terminal_id) body.push_back(static_cast<std::uint8_t>(c));
    body.push_back(1);  // blue plate
    for (char c : std::string("LOAD")) body.push_back(static_cast<std::uint8_t>(c));
    return body;
  }

  // Queues one message; `fixes` is the number of fixes it carries (0 for setup messages).
  void Send(std::size_t i, std::uint16_t message_id, const Bytes& body, int fixes) {
    Terminal& t = terminals_[i];
    const std::uint16_t serial = t.next_serial++;
    Bytes frame = pingan::ingest::BuildJt808Frame(t.header, message_id, serial, body);
    t.out.insert(t.out.end(), frame.begin(), frame.end());
    t.in_flight.push_back(
        {serial, fixes > 0 ? message_id : kNotAReport, fixes, SteadyClock::now()});
  }

  void Flush(std::size_t i) {
    Terminal& t = terminals_[i];
    while (t.state != Terminal::kDead && t.out_sent < t.out.size()) {
      ssize_t n = ::send(t.fd, t.out.data() + t.out_sent, t.out.size() - t.out_sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return Fail(i, "send");
      }
      t.out_sent += static_cast<std::size_t>(n);
    }
    if (t.out_sent == t.out.size()) {
      t.out.clear();
      t.out_sent = 0;
    }
    const bool wants_writes = !t.out.empty();
    if (wants_writes != t.is_watching_writes && t.state != Terminal::kDead) {
      epoll_event ev{};
      ev.events = EPOLLIN | (wants_writes ? EPOLLOUT : 0u);
      ev.data.u64 = i;
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, t.fd, &ev);
      t.is_watching_writes = wants_writes;
    }
  }

  void Fail(std::size_t i, const std::string& why) {
    Terminal& t = terminals_[i];
    if (t.state == Terminal::kDead) return;
    if (stats_.errors < 5) {
      std::fprintf(stderr, "jt808_load: terminal %s: %s\n", t.header.phone.c_str(), why.c_str());
    }
    if (t.state == Terminal::kReady) {
      stats_.errors += static_cast<std::int64_t>(t.in_flight.size());
    } else {
      ++stats_.errors;
      control_.failed.fetch_add(1, std::memory_order_relaxed);
    }
    t.state = Terminal::kDead;
    t.in_flight.clear();
    if (t.fd >= 0) ::close(t.fd);  // also removes it from the epoll set
    t.fd = -1;
  }

  const Options& options_;
  Control& control_;
  std::vector<Terminal> terminals_;
  int epoll_ = -1;
  bool is_stopping_ = false;
  Stats stats_;
};

// Creates one unit per terminal and binds its phone number, over a few connections at once.
// Returns the unit ids, or an empty vector after printing why.
std::vector<long long> BindTerminals(const Options& o, const std::vector<std::string>& phones) {
  pingan::test::HttpClient login(o.host, static_cast<std::uint16_t>(o.http_port));
  auto session = login.Login(o.user, o.password);
  if (session.status != 201) {
    std::fprintf(stderr, "jt808_load: login as %s failed (HTTP %d): %s\n", o.user.c_str(),
                 session.status, session.body.c_str());
    return {};
  }
  const std::string token = session.Json()["token"];
  std::vector<long long> unit_ids(phones.size(), 0);
  std::atomic<std::size_t> next = 0;
  std::atomic<bool> is_failed = false;
  std::vector<std::thread> threads;
  for (int c = 0; c < kSetupConnections; ++c) {
    threads.emplace_back([&] {
      pingan::test::HttpClient client(o.host, static_cast<std::uint16_t>(o.http_port));
      client.set_token(token);
      for (std::size_t i = next++; i < phones.size() && !is_failed; i = next++) {
        auto unit = client.Post("/api/units", {{"callsign", fmt::format("JT{}-{}", o.run_id, i)},
                                               {"force", "patrol"},
                                               {"mode", "car"}});
        auto json = unit.Json();
        if (unit.status != 201 || !json.contains("id")) {
          std::fprintf(stderr, "jt808_load: POST /api/units failed (HTTP %d): %s\n", unit.status,
                       unit.body.c_str());
          is_failed = true;
          return;
        }
        unit_ids[i] = json["id"].get<long long>();
        auto device = client.Post(
            "/api/devices",
            {{"protocol", "jt808"}, {"identifier", phones[i]}, {"unit_id", unit_ids[i]}});
        if (device.status != 201) {
          std::fprintf(stderr, "jt808_load: POST /api/devices failed (HTTP %d): %s\n",
                       device.status, device.body.c_str());
          is_failed = true;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (is_failed) return {};
  return unit_ids;
}

// CPU seconds (user and system) this process has used so far, all threads.
double CpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Percentile(const std::vector<float>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.run_id = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count() %
                              100'000);
  CLI::App app{"Durable GPS fixes per second over JT/T 808 against a running pingan server"};
  app.add_option("--host", o.host)->capture_default_str();
  app.add_option("--http-port", o.http_port, "for creating units and binding terminals")
      ->required();
  app.add_option("--jt808-port", o.jt808_port)->required();
  app.add_option("--user", o.user, "a station chief or admin")->capture_default_str();
  app.add_option("--password", o.password)->required();
  app.add_option("--terminals", o.terminals, "terminals, each on its own connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 99'999));
  app.add_option("--duration", o.duration_s, "seconds of sending")->capture_default_str();
  app.add_option("--window", o.window, "reports in flight per terminal")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxWindow));
  app.add_option("--batch", o.batch, "fixes per 0x0704 batch; 0 sends single 0x0200 reports")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxBatch));
  app.add_option("--threads", o.threads, "generator threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--run-id", o.run_id,
                 "5 digits in the phone numbers and call signs, distinct per run on one server")
      ->capture_default_str()
      ->check(CLI::Range(0, 99'999));
  CLI11_PARSE(app, argc, argv);

  // One descriptor per terminal; the soft limit is often 1024.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }

  // 12 BCD digits of a 2013 header: 0, 1, the run id, the terminal number.
  std::vector<std::string> phones;
  for (int i = 0; i < o.terminals; ++i) phones.push_back(fmt::format("01{:05}{:05}", o.run_id, i));

  const auto setup_start = SteadyClock::now();
  std::vector<long long> unit_ids = BindTerminals(o, phones);
  if (unit_ids.empty()) return 1;
  std::fprintf(stderr, "jt808_load: %d units created and bound in %.1f s\n", o.terminals,
               std::chrono::duration<double>(SteadyClock::now() - setup_start).count());

  Control control;
  std::vector<std::unique_ptr<TerminalGroup>> groups;
  for (int g = 0; g < o.threads; ++g) {
    std::vector<std::string> mine;
    for (std::size_t i = static_cast<std::size_t>(g); i < phones.size();
         i += static_cast<std::size_t>(o.threads)) {
      mine.push_back(phones[i]);
    }
    groups.push_back(std::make_unique<TerminalGroup>(o, control, std::move(mine)));
  }
  std::vector<std::thread> threads;
  for (auto& group : groups) threads.emplace_back([&group] { group->Run(); });

  const auto connect_start = SteadyClock::now();
  while (control.ready + control.failed < o.terminals &&
         SteadyClock::now() < connect_start + kSetupTimeout) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::fprintf(stderr, "jt808_load: %d terminals registered and authenticated in %.1f s\n",
               control.ready.load(),
               std::chrono::duration<double>(SteadyClock::now() - connect_start).count());

  const double cpu_at_start = CpuSeconds();
  const auto start = SteadyClock::now();
  control.phase.store(Control::kStreaming, std::memory_order_release);
  std::this_thread::sleep_until(start + std::chrono::duration_cast<SteadyClock::duration>(
                                            std::chrono::duration<double>(o.duration_s)));
  control.stop_at = SteadyClock::now();
  control.phase.store(Control::kStopping, std::memory_order_release);
  for (auto& t : threads) t.join();
  // What the generator took from the cores it shares with the server.
  const double load_cpu_s = CpuSeconds() - cpu_at_start;

  Stats total;
  total.last_ack = start;
  for (auto& group : groups) {
    Stats& s = group->stats();
    total.fixes_acked += s.fixes_acked;
    total.messages_acked += s.messages_acked;
    total.errors += s.errors;
    total.ack_ms.insert(total.ack_ms.end(), s.ack_ms.begin(), s.ack_ms.end());
    total.last_ack = std::max(total.last_ack, s.last_ack);
  }
  // The terminals that never got ready are already counted in errors.
  const double elapsed =
      std::max(std::chrono::duration<double>(total.last_ack - start).count(), 1e-3);
  std::sort(total.ack_ms.begin(), total.ack_ms.end());
  std::printf(
      "{\"terminals\": %d, \"window\": %d, \"batch\": %d, \"duration_s\": %.2f, "
      "\"fixes_acked\": %lld, \"fixes_per_s\": %.0f, \"reports_acked\": %lld, \"errors\": %lld, "
      "\"ack_p50_ms\": %.2f, \"ack_p90_ms\": %.2f, \"ack_p99_ms\": %.2f, \"ack_max_ms\": %.2f, "
      "\"load_cpu_s\": %.2f, \"sample_unit_id\": %lld}\n",
      o.terminals, o.window, o.batch, elapsed, static_cast<long long>(total.fixes_acked),
      static_cast<double>(total.fixes_acked) / elapsed,
      static_cast<long long>(total.messages_acked), static_cast<long long>(total.errors),
      Percentile(total.ack_ms, 50), Percentile(total.ack_ms, 90), Percentile(total.ack_ms, 99),
      total.ack_ms.empty() ? 0.0 : static_cast<double>(total.ack_ms.back()), load_cpu_s,
      unit_ids.front());
  std::printf(
      "reproduce: %s --http-port PORT --jt808-port PORT --user %s --password ... --terminals %d "
      "--duration %g --window %d --batch %d --threads %d\n",
      argv[0], o.user.c_str(), o.terminals, o.duration_s, o.window, o.batch, o.threads);
  std::fflush(stdout);
  return total.errors == 0 && total.fixes_acked > 0 ? 0 : 1;
}
