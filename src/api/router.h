// Routes HTTP requests to handlers: path patterns with {params}, bearer-token authentication,
// permission checks, and the OpenAPI document built from the same table, so every route is
// described and no description outlives its route.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/http_server.h"
#include "core/domain.h"

namespace pingan::api {

// One request being answered. Copyable, so a handler can answer later from another thread.
struct Call {
  HttpRequest request;
  std::map<std::string, std::string> params;  // from the path pattern
  std::shared_ptr<const User> user;           // null on public routes
  Responder respond;

  void Reply(int status, const nlohmann::json& body) const;
  void Fail(const Error& error) const;
  // The body as a JSON object. Errors: kInvalidInput when it is not JSON or not an object.
  Result<nlohmann::json> JsonBody() const;
  // The path parameter `name` as a positive integer, or kInvalidInput naming it.
  Result<std::int64_t> IdParam(const std::string& name) const;
};

using RouteHandler = std::function<void(Call&)>;

struct Route {
  std::string method;                    // "GET"
  std::string pattern;                   // "/api/incidents/{id}"
  std::string summary;                   // one line for the OpenAPI document
  std::string tag;                       // OpenAPI grouping
  bool is_public = false;                // no token needed
  std::optional<Permission> permission;  // beyond being logged in
  nlohmann::json request_schema;         // JSON Schema of the body, or null
  nlohmann::json query_parameters;       // [{"name","description","schema"}], or null
  std::string response;                  // what a success returns, in words
  RouteHandler handler;
};

class Router final : public HttpHandler {
 public:
  // Resolves a bearer token to its user; kUnauthenticated when unknown or expired.
  using SessionLookup = std::function<Result<std::shared_ptr<const User>>(std::string_view token)>;

  explicit Router(SessionLookup lookup) : lookup_(std::move(lookup)) {}

  void Add(Route route);
  // Serves paths outside /api/ that no route matches (the console's files).
  void SetFallback(std::function<void(const HttpRequest&, Responder)> fallback) {
    fallback_ = std::move(fallback);
  }
  void Handle(HttpRequest request, Responder respond) override;

  const std::vector<Route>& routes() const { return routes_; }
  nlohmann::json OpenApi() const;

 private:
  static bool Match(const std::string& pattern, const std::string& path,
                    std::map<std::string, std::string>& params);

  SessionLookup lookup_;
  std::vector<Route> routes_;
  // Indices into routes_: literal patterns first, so /api/incidents/heat is not taken for
  // /api/incidents/{id}; within each group, the order routes were added.
  std::vector<size_t> match_order_;
  std::function<void(const HttpRequest&, Responder)> fallback_;
};

// The bearer token of a request: "Authorization: Bearer T", or ?access_token=T (WebSockets,
// where browsers cannot set headers). Empty when there is none.
std::string BearerToken(const HttpRequest& request);

}  // namespace pingan::api
