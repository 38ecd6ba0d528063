#include "support/in_process_api.h"

#include <chrono>
#include <utility>

#include <gtest/gtest.h>

#include "api/auth.h"
#include "cases/case_kinds.h"
#include "core/incident_workflow.h"
#include "ledger/sqlite/sqlite_event_log.h"

namespace pingan::test {

InProcessApi::InProcessApi(Clock& clock, engine::EngineOptions options) {
  api::InitCrypto();
  auto log = ledger::sqlite::SqliteEventLog::Open(dir_.File("ledger.db"));
  if (!log) {
    ADD_FAILURE() << "ledger: " << log.error().message;
    return;
  }
  log_ = std::move(*log);
  // Callbacks at once: the tests move the clock rather than wait half an hour.
  engine_ = std::make_unique<engine::Engine>(*log_, clock, IncidentWorkflow(), options,
                                             cases::DefaultCaseCatalog(std::chrono::seconds(0)));
  engine_started_ = static_cast<bool>(engine_->Start());
  EXPECT_TRUE(engine_started_);
}

InProcessApi::~InProcessApi() {
  // The server first: no request may reach an API or engine being taken down.
  if (server_) server_->Stop();
  if (engine_) engine_->Stop();
  if (api_) api_->Stop();
}

CommandOutcome InProcessApi::Execute(CommandBody body, const std::string& actor) {
  auto r = engine_->Execute(Command{actor, std::move(body)});
  EXPECT_TRUE(r) << r.error().field << ": " << r.error().message;
  return r ? *r : CommandOutcome{};
}

void InProcessApi::AddUser(const std::string& username, Role role, const std::string& station_id,
                           const std::string& password, const std::string& display_name) {
  auto hash = api::HashPassword(password);
  ASSERT_TRUE(hash);
  Execute(pingan::AddUser{User{username, role, display_name, station_id, *hash, {}}});
}

void InProcessApi::Serve(api::ApiServices services, api::ApiOptions options,
                         api::HttpServerOptions http) {
  api_ = std::make_unique<api::Api>(*engine_, options, services);
  http.port = 0;
  server_ = std::make_unique<api::HttpServer>(http, api_->http_handler(), &api_->live_handler());
  auto port = server_->Start();
  ASSERT_TRUE(port);
  port_ = *port;
}

std::unique_ptr<HttpClient> InProcessApi::Client() const {
  return std::make_unique<HttpClient>("127.0.0.1", port_);
}

std::unique_ptr<HttpClient> InProcessApi::LoggedIn(const std::string& username,
                                                   const std::string& password) const {
  auto client = Client();
  HttpResult r = client->Login(username, password);
  EXPECT_EQ(r.status, 201) << username << ": " << r.body;
  return client;
}

}  // namespace pingan::test
