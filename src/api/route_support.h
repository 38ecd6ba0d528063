// What every route file shares: JSON Schema pieces for the OpenAPI document, query-string
// readers whose errors name the parameter, and running a command as the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "api/router.h"
#include "core/commands.h"
#include "engine/engine.h"

namespace pingan::api {

nlohmann::json StringSchema();
nlohmann::json StringSchema(const char* description);
nlohmann::json IntegerSchema();
nlohmann::json NumberSchema();
nlohmann::json ObjectSchema(nlohmann::json properties, std::vector<std::string> required);
nlohmann::json QueryParam(const char* name, const char* description,
                          nlohmann::json schema = StringSchema());

// The query parameter `name`: nullopt when absent or empty; kInvalidInput naming it when it is
// not a whole number / a time ParseTime reads.
Result<std::optional<std::int64_t>> QueryInteger(const HttpRequest& req, const std::string& name);
Result<std::optional<TimePoint>> QueryTime(const HttpRequest& req, const std::string& name);
// "" when absent.
std::string QueryString(const HttpRequest& req, const std::string& name);

// Runs `body` as the caller (its username; "anonymous" on public routes). `on_done` runs on
// `workers`, never on the engine's writer thread; an error is answered with call.Fail.
void SubmitAsCaller(engine::Engine& engine, boost::asio::thread_pool& workers, const Call& call,
                    CommandBody body, std::function<void(const Call&, CommandOutcome)> on_done);

}  // namespace pingan::api
