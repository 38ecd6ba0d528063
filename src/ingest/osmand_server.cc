#include "ingest/osmand_server.h"

#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ingest/osmand.h"
#include "ingest/tcp_service.h"

namespace pingan::ingest {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t kHeaderLimitBytes = 8 * 1024;

class OsmAndConnection;

// What connections share. Owned by OsmAndServer::Impl; connections use it only from handlers
// that run on the io threads, which Stop() joins before the state goes away.
struct ServerState {
  OsmAndServerOptions options;
  PositionSink& sink;
  const Clock& clock;
  std::shared_ptr<SinkGate> gate = std::make_shared<SinkGate>();
  std::mutex mu;
  // Keeps each open connection alive, including while it waits for the sink with no socket
  // operation pending.
  std::unordered_map<OsmAndConnection*, std::shared_ptr<OsmAndConnection>> connections;

  ServerState(OsmAndServerOptions o, PositionSink& s, const Clock& c)
      : options(std::move(o)), sink(s), clock(c) {}

  void Remove(OsmAndConnection* connection) {
    std::lock_guard lock(mu);
    connections.erase(connection);
  }
};

struct TextResponse {
  http::status status = http::status::ok;
  std::string body;
};

// One HTTP connection; requests are answered one at a time, in order. Every member function
// runs on the connection's strand, except CloseNow() from Stop() after the io threads are
// joined.
class OsmAndConnection final : public std::enable_shared_from_this<OsmAndConnection> {
 public:
  OsmAndConnection(tcp::socket&& socket, ServerState& state)
      : stream_(std::move(socket)), state_(state) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  void CloseNow() { Close(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimitBytes);
    parser_->body_limit(state_.options.body_limit_bytes);
    stream_.expires_after(state_.options.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      Close();
      return;
    }
    if (ec) {
      // The stream cannot be trusted after a parse error: answer once, then close.
      bool is_too_large = ec == http::error::body_limit || ec == http::error::header_limit;
      spdlog::warn("osmand {}: bad HTTP request: {}", remote_, ec.message());
      Write(TextResponse{is_too_large ? http::status::payload_too_large : http::status::bad_request,
                         fmt::format("malformed HTTP request: {}\n", ec.message())},
            /*keep_alive=*/false, 11);
      return;
    }
    http::request<http::string_body> req = parser_->release();
    bool keep_alive = req.keep_alive();
    unsigned version = req.version();
    if (req.method() != http::verb::get && req.method() != http::verb::post) {
      Write(TextResponse{http::status::method_not_allowed, "use GET or POST\n"}, keep_alive,
            version);
      return;
    }
    OsmAndRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.content_type = std::string(req[http::field::content_type]);
    request.body = std::move(req.body());
    Result<OsmAndReport> report = ParseOsmAndRequest(request, state_.clock.Now());
    if (!report) {
      const Error& error = report.error();
      spdlog::warn("osmand {}: refused {} {}: {} ({})", remote_, request.method, request.target,
                   error.message, error.field);
      Write(TextResponse{http::status::bad_request,
                         fmt::format("invalid {}: {}\n", error.field, error.message)},
            keep_alive, version);
      return;
    }
    Submit(std::move(*report), keep_alive, version);
  }

  void Submit(OsmAndReport report, bool keep_alive, unsigned version) {
    std::weak_ptr<OsmAndConnection> weak = weak_from_this();
    std::shared_ptr<SinkGate> gate = state_.gate;
    std::string identifier = report.identifier;
    state_.sink.Submit(
        Protocol::kOsmAnd, std::move(report.identifier), std::move(report.fixes),
        [weak = std::move(weak), gate = std::move(gate), identifier = std::move(identifier),
         keep_alive, version](SinkResult result) {
          // Under the gate the server is running, so the io_context is alive to post to.
          std::lock_guard lock(gate->mu);
          if (!gate->is_open) return;
          std::shared_ptr<OsmAndConnection> self = weak.lock();
          if (!self) return;
          net::post(self->stream_.get_executor(), [self, identifier, result, keep_alive, version] {
            self->OnSubmitted(identifier, result, keep_alive, version);
          });
        });
  }

  void OnSubmitted(const std::string& identifier, SinkResult result, bool keep_alive,
                   unsigned version) {
    switch (result) {
      case SinkResult::kStored:
        Write(TextResponse{http::status::ok, {}}, keep_alive, version);
        return;
      case SinkResult::kUnknownDevice:
        spdlog::warn("osmand {}: unknown device '{}'", remote_, identifier);
        Write(
            TextResponse{http::status::not_found, fmt::format("unknown device '{}'\n", identifier)},
            keep_alive, version);
        return;
      case SinkResult::kUnavailable:
        Write(TextResponse{http::status::service_unavailable, "cannot store positions now\n"},
              keep_alive, version);
        return;
    }
  }

  void Write(TextResponse response, bool keep_alive, unsigned version) {
    if (is_closed_) return;
    auto res = std::make_shared<http::response<http::string_body>>(response.status, version);
    res->set(http::field::server, "pingan");
    res->set(http::field::content_type, "text/plain; charset=utf-8");
    if (response.status == http::status::method_not_allowed)
      res->set(http::field::allow, "GET, POST");
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(state_.options.idle_timeout);
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) {
            self->Close();
            return;
          }
          self->Read();
        });
  }

  void Close() {
    if (is_closed_) return;
    is_closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    state_.Remove(this);
  }

  beast::tcp_stream stream_;
  ServerState& state_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool is_closed_ = false;
};

}  // namespace

struct OsmAndServer::Impl : TcpService<OsmAndConnection, ServerState> {
  explicit Impl(OsmAndServerOptions options, PositionSink& sink, const Clock& clock)
      : TcpService("OsmAnd", "osmand", std::move(options), sink, clock) {}
};

OsmAndServer::OsmAndServer(OsmAndServerOptions options, PositionSink& sink, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), sink, clock)) {}

OsmAndServer::~OsmAndServer() {
  Stop();
}

Result<std::uint16_t> OsmAndServer::Start(const std::string& host, std::uint16_t port) {
  return impl_->Start(host, port);
}

void OsmAndServer::Stop() {
  impl_->Stop();
}

std::size_t OsmAndServer::connection_count() const {
  return impl_->connection_count();
}

}  // namespace pingan::ingest
