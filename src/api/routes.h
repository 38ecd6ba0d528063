// The Pingan HTTP API: every /api route, the live feed on /api/live, and the landing page.
#pragma once

#include <memory>

#include "api/http_server.h"
#include "api/router.h"
#include "engine/engine.h"

namespace pingan::api {

struct ApiOptions {
  std::chrono::hours session_lifetime{12};
  int max_failed_logins = 5;  // per username, then a pause
  std::chrono::seconds failed_login_pause{60};
  int worker_threads = 2;  // password hashing and response encoding
};

// Owns the router and the live hub; both talk to `engine`, which must outlive the Api.
class Api {
 public:
  Api(engine::Engine& engine, ApiOptions options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  HttpHandler& http_handler();
  WebSocketHandler& live_handler();
  const Router& router() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pingan::api
