#include "api/route_support.h"

#include <charconv>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "core/time_format.h"

namespace pingan::api {

using nlohmann::json;

json StringSchema() {
  return {{"type", "string"}};
}
json StringSchema(const char* description) {
  return {{"type", "string"}, {"description", description}};
}
json IntegerSchema() {
  return {{"type", "integer"}};
}
json NumberSchema() {
  return {{"type", "number"}};
}
json ObjectSchema(json properties, std::vector<std::string> required) {
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}};
}
json QueryParam(const char* name, const char* description, json schema) {
  return {{"name", name}, {"description", description}, {"schema", std::move(schema)}};
}

Result<std::optional<std::int64_t>> QueryInteger(const HttpRequest& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return std::optional<std::int64_t>();
  std::int64_t value = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidInput(name, fmt::format("'{}' is not a whole number", text));
  }
  return std::optional<std::int64_t>(value);
}

Result<std::optional<TimePoint>> QueryTime(const HttpRequest& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return std::optional<TimePoint>();
  auto t = ParseDistrictTime(it->second);
  if (!t) {
    return InvalidInput(
        name, fmt::format("'{}' is not an ISO 8601 time or epoch milliseconds", it->second));
  }
  return std::optional<TimePoint>(*t);
}

std::string QueryString(const HttpRequest& req, const std::string& name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

void SubmitAsCaller(engine::Engine& engine, boost::asio::thread_pool& workers, const Call& call,
                    CommandBody body, std::function<void(const Call&, CommandOutcome)> on_done) {
  std::string actor = call.user ? call.user->username : "anonymous";
  engine.Submit(Command{std::move(actor), std::move(body)},
                [&workers, call, on_done = std::move(on_done)](Result<CommandOutcome> result) {
                  boost::asio::post(workers, [call, on_done, result = std::move(result)] {
                    if (!result) {
                      call.Fail(result.error());
                      return;
                    }
                    on_done(call, *result);
                  });
                });
}

}  // namespace pingan::api
