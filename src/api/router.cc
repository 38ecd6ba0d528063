#include "api/router.h"

#include <charconv>

#include <fmt/format.h>

namespace pingan::api {

void Call::Reply(int status, const nlohmann::json& body) const {
  HttpResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  respond(std::move(response));
}

void Call::Fail(const Error& error) const {
  respond(ErrorResponse(error));
}

Result<nlohmann::json> Call::JsonBody() const {
  auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidInput("body", "the body is not valid JSON");
  if (!body.is_object()) return InvalidInput("body", "the body must be a JSON object");
  return body;
}

Result<std::int64_t> Call::IdParam(const std::string& name) const {
  const std::string& text = params.at(name);
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return InvalidInput(name, fmt::format("'{}' is not an id", text));
  }
  return id;
}

std::string BearerToken(const HttpRequest& request) {
  std::string header = request.Header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() > kPrefix.size() &&
      std::equal(kPrefix.begin(), kPrefix.end(), header.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return header.substr(kPrefix.size());
  }
  auto it = request.query.find("access_token");
  return it == request.query.end() ? std::string() : it->second;
}

void Router::Add(Route route) {
  routes_.push_back(std::move(route));
  match_order_.clear();
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < routes_.size(); ++i) {
      bool literal = routes_[i].pattern.find('{') == std::string::npos;
      if (literal == (pass == 0)) match_order_.push_back(i);
    }
  }
}

bool Router::Match(const std::string& pattern, const std::string& path,
                   std::map<std::string, std::string>& params) {
  size_t p = 0, q = 0;
  while (p < pattern.size() && q < path.size()) {
    if (pattern[p] == '{') {
      size_t close = pattern.find('}', p);
      size_t end = path.find('/', q);
      if (end == std::string::npos) end = path.size();
      if (end == q) return false;
      params[pattern.substr(p + 1, close - p - 1)] = path.substr(q, end - q);
      p = close + 1;
      q = end;
    } else {
      if (pattern[p] != path[q]) return false;
      ++p;
      ++q;
    }
  }
  return p == pattern.size() && q == path.size();
}

void Router::Handle(HttpRequest request, Responder respond) {
  bool path_matched = false;
  for (size_t index : match_order_) {
    const Route& route = routes_[index];
    std::map<std::string, std::string> params;
    if (!Match(route.pattern, request.path, params)) continue;
    path_matched = true;
    if (route.method != request.method) continue;
    Call call{std::move(request), std::move(params), nullptr, std::move(respond)};
    if (!route.is_public) {
      std::string token = BearerToken(call.request);
      if (token.empty()) {
        call.Fail(Error{ErrorCode::kUnauthenticated, "log in first: POST /api/session", {}});
        return;
      }
      auto user = lookup_(token);
      if (!user) {
        call.Fail(user.error());
        return;
      }
      call.user = std::move(*user);
      if (route.permission && !HasPermission(call.user->role, *route.permission)) {
        call.Fail(Error{ErrorCode::kForbidden,
                        fmt::format("a {} may not {} {}", ToString(call.user->role), route.method,
                                    route.pattern),
                        {}});
        return;
      }
    }
    route.handler(call);
    return;
  }
  if (path_matched) {
    respond(ErrorResponse(
        Error{ErrorCode::kMethodNotAllowed,
              fmt::format("{} is not allowed on {}", request.method, request.path), "method"}));
    return;
  }
  if (fallback_ && !request.path.starts_with("/api/")) {
    fallback_(request, std::move(respond));
    return;
  }
  respond(ErrorResponse(NotFound(fmt::format("no route {} {}", request.method, request.path))));
}

nlohmann::json Router::OpenApi() const {
  nlohmann::json paths = nlohmann::json::object();
  for (const Route& route : routes_) {
    nlohmann::json op = {
        {"summary", route.summary},
        {"tags", {route.tag}},
        {"responses",
         {{"2XX", {{"description", route.response}}},
          {"4XX",
           {{"description", "error"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    nlohmann::json parameters = nlohmann::json::array();
    for (size_t p = route.pattern.find('{'); p != std::string::npos;
         p = route.pattern.find('{', p + 1)) {
      std::string name = route.pattern.substr(p + 1, route.pattern.find('}', p) - p - 1);
      parameters.push_back(
          {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (route.query_parameters.is_array()) {
      for (const auto& q : route.query_parameters) {
        nlohmann::json param = q;
        param["in"] = "query";
        parameters.push_back(std::move(param));
      }
    }
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (!route.request_schema.is_null()) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", route.request_schema}}}}}};
    }
    if (route.is_public) {
      op["security"] = nlohmann::json::array();
    } else if (route.permission) {
      std::vector<std::string> roles;
      for (Role role : RolesWith(*route.permission)) roles.push_back(ToString(role));
      op["description"] = fmt::format("Roles: {}.", fmt::join(roles, ", "));
    }
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    paths[route.pattern][method] = std::move(op);
  }
  return {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Pingan 平安 — district police operations API"},
        {"version", "0.1.0"},
        {"description",
         "Every /api route but POST /api/session needs `Authorization: Bearer TOKEN` "
         "(/healthz and the console's pages are public). Errors are "
         "JSON {error, field, message}. Times are ISO 8601 UTC; positions WGS84 lon/lat."}}},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", {"error", "message"}},
            {"properties",
             {{"error", {{"type", "string"}}},
              {"field", {{"type", "string"}}},
              {"message", {{"type", "string"}}}}}}}}}}},
      {"security", {{{"bearer", nlohmann::json::array()}}}},
      {"paths", std::move(paths)},
  };
}

}  // namespace pingan::api
