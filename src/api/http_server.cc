#include "api/http_server.h"

#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/http_errors.h"
#include "core/utf8.h"

namespace pingan::api {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t kHeaderLimitBytes = 16 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr std::size_t kMaxQueuedWebSocketMessages = 2048;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpRequest ToHttpRequest(http::request<http::string_body>&& req, const std::string& remote) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  out.path = UrlDecode(target.substr(0, q), /*plus_is_space=*/false);
  if (q != std::string_view::npos) out.query = ParseQueryString(target.substr(q + 1));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(req.body());
  out.remote_address = remote;
  return out;
}

// "path", or the name of the first query parameter whose name or value is not UTF-8.
std::optional<std::string> NonUtf8Part(const HttpRequest& request) {
  if (FindInvalidUtf8(request.path)) return "path";
  for (const auto& [name, value] : request.query) {
    if (FindInvalidUtf8(name)) return "query";
    if (FindInvalidUtf8(value)) return name;
  }
  return std::nullopt;
}

class WebSocketSession final : public WebSocketSink,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket&& socket, WebSocketHandler& handler)
      : ws_(std::move(socket)), handler_(handler) {}

  void Accept(http::request<http::string_body> upgrade, HttpRequest request) {
    request_ = std::move(request);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "pingan"); }));
    ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->is_open_ = true;
      self->handler_.OnOpen(self, self->request_);
      self->ReadLoop();
    });
  }

  void Send(std::shared_ptr<const std::string> text) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
      if (!self->is_open_) return;
      if (self->outbox_.size() >= kMaxQueuedWebSocketMessages) {
        spdlog::warn("live feed subscriber {} too slow; disconnecting",
                     self->request_.remote_address);
        self->Close();
        return;
      }
      self->outbox_.push_back(std::move(text));
      if (self->outbox_.size() == 1) self->WriteNext();
    });
  }

 private:
  void ReadLoop() {
    // Client messages are not used yet; reading keeps pings and the close handshake working.
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->Closed();
        return;
      }
      self->in_.consume(self->in_.size());
      self->ReadLoop();
    });
  }

  void WriteNext() {
    ws_.text(true);
    ws_.async_write(net::buffer(*outbox_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      // The message stays in outbox_ until its write completes: the write
                      // reads it in place.
                      self->outbox_.pop_front();
                      if (ec) {
                        self->Closed();
                        return;
                      }
                      if (self->is_open_ && !self->outbox_.empty()) self->WriteNext();
                    });
  }

  // Disconnects a subscriber that cannot keep up. A write in flight finishes or fails on its
  // own; nothing queued after it is sent.
  void Close() {
    Closed();
    ws_.async_close(websocket::close_code::policy_error,
                    [self = shared_from_this()](beast::error_code) {});
  }

  void Closed() {
    if (!is_open_) return;
    is_open_ = false;
    handler_.OnClose(this);
  }

  websocket::stream<beast::tcp_stream> ws_;
  WebSocketHandler& handler_;
  HttpRequest request_;
  beast::flat_buffer in_;
  std::deque<std::shared_ptr<const std::string>> outbox_;
  bool is_open_ = false;
};

class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, const HttpServerOptions& options, HttpHandler& handler,
              WebSocketHandler* websocket)
      : stream_(std::move(socket)), options_(options), handler_(handler), websocket_(websocket) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimitBytes);
    parser_->body_limit(options_.body_limit_bytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      Shutdown();
      return;
    }
    if (ec) {
      // Malformed or oversized request: answer once, then close, as the stream is unusable.
      Error error =
          ec == http::error::body_limit
              ? Error{ErrorCode::kTooLarge,
                      fmt::format("request body over {} bytes", options_.body_limit_bytes), "body"}
          : ec == http::error::header_limit
              ? Error{ErrorCode::kTooLarge, "request headers too large", "headers"}
              : Error{ErrorCode::kInvalidInput, "malformed HTTP request: " + ec.message(), {}};
      Write(ErrorResponse(error), /*keep_alive=*/false, 11);
      return;
    }
    http::request<http::string_body> req = parser_->release();
    if (websocket_ != nullptr && websocket::is_upgrade(req)) {
      HttpRequest request = ToHttpRequest(http::request<http::string_body>(req), remote_);
      if (request.path == options_.websocket_path) {
        if (Status s = websocket_->Authorize(request); !s) {
          Write(ErrorResponse(s.error()), /*keep_alive=*/false, req.version());
          return;
        }
        stream_.expires_never();
        auto ws = std::make_shared<WebSocketSession>(stream_.release_socket(), *websocket_);
        ws->Accept(std::move(req), std::move(request));
        return;
      }
    }
    bool keep_alive = req.keep_alive();
    unsigned version = req.version();
    HttpRequest request = ToHttpRequest(std::move(req), remote_);
    // Paths and query values become ledger fields and JSON text: they must be UTF-8.
    if (std::optional<std::string> field = NonUtf8Part(request)) {
      Write(ErrorResponse(InvalidInput(*field, "not UTF-8 text (percent-encode UTF-8 bytes)")),
            keep_alive, version);
      return;
    }
    auto self = shared_from_this();
    handler_.Handle(std::move(request), [self, keep_alive, version](HttpResponse response) {
      net::post(self->stream_.get_executor(),
                [self, keep_alive, version, response = std::move(response)]() mutable {
                  self->Write(std::move(response), keep_alive, version);
                });
    });
  }

  void Write(HttpResponse response, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version);
    res->set(http::field::server, "pingan");
    res->set(http::field::content_type, response.content_type);
    res->set(http::field::cache_control, "no-store");
    for (auto& [name, value] : response.headers) res->set(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) {
            self->Shutdown();
            return;
          }
          self->Read();
        });
  }

  void Shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  HttpHandler& handler_;
  WebSocketHandler* websocket_;
  std::string remote_;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler& handler;
  WebSocketHandler* websocket;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::mutex mu;
  bool is_running = false;

  Impl(HttpServerOptions o, HttpHandler& h, WebSocketHandler* w)
      : options(std::move(o)), handler(h), websocket(w), ioc(options.threads) {}

  void Accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<HttpSession>(std::move(socket), options, handler, websocket)->Start();
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler& handler, WebSocketHandler* websocket)
    : impl_(std::make_unique<Impl>(std::move(options), handler, websocket)) {}

HttpServer::~HttpServer() {
  Stop();
}

Result<std::uint16_t> HttpServer::Start() {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("'{}' is not an IP address", impl_->options.host), "listen"};
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.emplace(impl_->ioc);
  auto& acceptor = *impl_->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); !ec) {
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (acceptor.bind(endpoint, ec); !ec)
      acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("cannot listen on {}:{}: {}", impl_->options.host, impl_->options.port,
                             ec.message()),
                 "listen"};
  }
  std::uint16_t port = acceptor.local_endpoint().port();
  impl_->Accept();
  std::lock_guard lock(impl_->mu);
  impl_->is_running = true;
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return port;
}

void HttpServer::Stop() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->is_running) return;
  impl_->is_running = false;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

std::string UrlDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQueryString(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (!pair.empty()) {
      out[UrlDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace pingan::api
