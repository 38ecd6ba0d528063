// pingan serve: the platform on one port, with the ledger in --data-dir.
#include <csignal>
#include <iostream>

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/routes.h"
#include "cli/commands.h"
#include "cli/platform.h"

namespace pingan::cli {

namespace {

struct ServeOptions {
  std::string data_dir = "var";
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  std::string sla_config;
};

Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return InvalidInput("listen", "expected HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return InvalidInput("listen", "port must be 0-65535");
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

// On a ledger without users, creates `admin` with a random password written to a file only the
// owner can read, so a fresh install can be logged into and nothing is guessable.
void BootstrapAdmin(Platform& platform) {
  bool has_users =
      platform.engine->Read([](const engine::ReadView& v) { return !v.users.empty(); });
  if (has_users) return;
  std::string password = api::NewToken().substr(0, 20);
  auto hash = api::HashPassword(password);
  if (!hash) Fail(hash.error().message);
  User admin{"admin", Role::kAdmin, "系统管理员", "", *hash, {}};
  auto added = platform.engine->Execute(Command{"system", AddUser{admin}});
  if (!added) Fail("cannot create the first admin: " + added.error().message);
  std::string path = platform.data_dir + "/initial-admin-password";
  // Created 0600 from the first byte: never readable by others, not even briefly.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::string line = password + "\n";
  if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    Fail("cannot write " + path);
  }
  ::close(fd);
  std::cout << "First start: created user 'admin' (role admin); its password is in " << path
            << "\n";
}

void Serve(const ServeOptions& options) {
  auto listen = ParseListen(options.listen);
  if (!listen) Fail("--listen " + options.listen + ": " + listen.error().message);

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  api::InitCrypto();
  auto platform = OpenPlatform(options.data_dir, {options.sla_config});
  if (!platform) Fail(platform.error().message);
  BootstrapAdmin(**platform);

  api::Api api(*(*platform)->engine);
  api::HttpServerOptions http_options;
  http_options.host = listen->first;
  http_options.port = listen->second;
  http_options.threads = options.threads;
  http_options.body_limit_bytes = 8 << 20;  // jurisdiction imports carry polygons
  api::HttpServer server(http_options, api.http_handler(), &api.live_handler());
  auto port = server.Start();
  if (!port) Fail(port.error().message);

  std::cout << fmt::format("Pingan 平安 listening on http://{}:{} (data in {})", listen->first,
                           *port, options.data_dir)
            << std::endl;

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: shutting down", signal);
  server.Stop();
  (*platform)->engine->Stop();
}

}  // namespace

void RegisterServeCommand(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the platform: HTTP API, live feed and console on one port.\n"
      "The ledger (SQLite) lives in --data-dir; it is created on first start, with a user "
      "'admin' whose password is written to DIR/initial-admin-password.");
  cmd->add_option("--data-dir", options->data_dir, "Where the ledger is kept")
      ->capture_default_str();
  cmd->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "Network threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--sla-config", options->sla_config,
                  "JSON file overriding SLA deadlines, e.g. {\"incident\": {\"dispatch\": "
                  "{\"by_priority_s\": [60, 180, 600, 1800]}}}")
      ->check(CLI::ExistingFile);
  cmd->callback([options] { Serve(*options); });
}

}  // namespace pingan::cli
