// The platform inside the test's own process: a ledger in a fresh directory, an engine on the
// test's clock with the default case kinds, and the HTTP API on a free loopback port. For API
// tests that move the clock, look inside the engine or ledger, or hand the API their own
// services (an SMS simulator, the registry, API keys); the others start the real binary
// (server_process.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/http_server.h"
#include "api/routes.h"
#include "core/clock.h"
#include "core/commands.h"
#include "engine/engine.h"
#include "ledger/event_log.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace pingan::test {

class InProcessApi {
 public:
  // Opens DIR/ledger.db and starts the engine; engine_started() says whether it did.
  explicit InProcessApi(Clock& clock, engine::EngineOptions options = {});
  ~InProcessApi();
  InProcessApi(const InProcessApi&) = delete;
  InProcessApi& operator=(const InProcessApi&) = delete;

  bool engine_started() const { return engine_started_; }
  const TempDir& dir() const { return dir_; }
  engine::Engine& engine() { return *engine_; }
  ledger::EventLog& log() { return *log_; }

  // Executes `body` as `actor`; a refusal fails the test and gives an empty outcome.
  CommandOutcome Execute(CommandBody body, const std::string& actor = "test");
  // A user with `password` (hashed as the server hashes it).
  void AddUser(const std::string& username, Role role, const std::string& station_id,
               const std::string& password, const std::string& display_name = "");

  // Starts the API with `services` and its HTTP server (port 0 picks a free one).
  void Serve(api::ApiServices services = {}, api::ApiOptions options = {},
             api::HttpServerOptions http = {});
  std::uint16_t port() const { return port_; }
  std::unique_ptr<HttpClient> Client() const;
  // A client logged in as `username`; a failed login fails the test.
  std::unique_ptr<HttpClient> LoggedIn(const std::string& username,
                                       const std::string& password) const;

 private:
  TempDir dir_;
  std::unique_ptr<ledger::EventLog> log_;
  std::unique_ptr<engine::Engine> engine_;
  bool engine_started_ = false;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<api::HttpServer> server_;
  std::uint16_t port_ = 0;
};

}  // namespace pingan::test
