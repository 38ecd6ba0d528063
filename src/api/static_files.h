// The console's built files (web/dist) served from a directory: `/` is index.html, hashed
// assets are cached for a year, index.html never (so an update shows on the next load).
#pragma once

#include <optional>
#include <string>

#include "api/http_server.h"

namespace pingan::api {

// The response for `path` under `root`, or nullopt when there is no such file. Paths that try
// to leave `root` ("..", NUL) are refused with nullopt as well.
std::optional<HttpResponse> ServeStaticFile(const std::string& root, const std::string& path);

// Content type by file extension; application/octet-stream when unknown.
std::string ContentTypeFor(const std::string& path);

}  // namespace pingan::api
