#include "api/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace pingan::api {

std::string ContentTypeFor(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      // MapLibre's worker is an ES module; browsers refuse a module worker of another type.
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (path.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

std::optional<HttpResponse> ServeStaticFile(const std::string& root, const std::string& path) {
  if (root.empty() || path.empty() || path[0] != '/') return std::nullopt;
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos ||
      path.find('\\') != std::string::npos) {
    return std::nullopt;
  }
  // A directory's page is its index.html: "/" is the console, "/hf/" the callback survey.
  std::string relative = path.substr(1);
  if (relative.empty() || relative.ends_with('/')) relative += "index.html";
  std::filesystem::path file = std::filesystem::path(root) / relative;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream body;
  body << in.rdbuf();
  HttpResponse response;
  response.content_type = ContentTypeFor(relative);
  response.body = body.str();
  // Vite names assets by content hash: a changed file has a new name.
  bool hashed = relative.starts_with("assets/");
  response.headers.emplace_back("Cache-Control",
                                hashed ? "public, max-age=31536000, immutable" : "no-cache");
  return response;
}

}  // namespace pingan::api
