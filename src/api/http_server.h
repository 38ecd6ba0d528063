// HTTP/1.1 and WebSocket transport on Boost.Beast. It knows nothing of the domain: requests go
// to an HttpHandler, WebSocket upgrades on one path to a WebSocketHandler.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace pingan::api {

struct HttpRequest {
  std::string method;                          // "GET"
  std::string target;                          // as sent: "/api/incidents?limit=5"
  std::string path;                            // decoded, without the query: "/api/incidents"
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string remote_address;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Sends the response. Call exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Runs on a server thread; may answer later from another thread through `respond`.
  virtual void Handle(HttpRequest request, Responder respond) = 0;
};

// One open WebSocket, to push text messages to. Thread-safe.
class WebSocketSink {
 public:
  virtual ~WebSocketSink() = default;
  // Queues `text`. A peer too slow to keep up is disconnected rather than buffered forever.
  virtual void Send(std::shared_ptr<const std::string> text) = 0;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // Decides before the handshake; an error is answered as a plain HTTP error.
  virtual Status Authorize(const HttpRequest& request) = 0;
  virtual void OnOpen(const std::shared_ptr<WebSocketSink>& sink, const HttpRequest& request) = 0;
  virtual void OnClose(const WebSocketSink* sink) = 0;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port
  int threads = 2;
  std::size_t body_limit_bytes = 1 << 20;
  std::string websocket_path = "/api/live";
};

// Writes `error` as {"error", "field", "message"} with its HTTP status (api/http_errors.h).
HttpResponse ErrorResponse(const Error& error);

class HttpServer {
 public:
  // `handler` and `websocket` must outlive the server; `websocket` may be null.
  HttpServer(HttpServerOptions options, HttpHandler& handler, WebSocketHandler* websocket);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Returns the bound port. Errors: kUnavailable when
  // the address cannot be bound.
  Result<std::uint16_t> Start();
  // Closes the listener and all connections, joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "a=1&b=%E4%B8%AD" into decoded pairs; '+' is a space.
std::map<std::string, std::string> ParseQueryString(std::string_view query);
// Decodes %XX escapes; '+' means a space only in query strings, not in paths.
std::string UrlDecode(std::string_view text, bool plus_is_space = true);

}  // namespace pingan::api
