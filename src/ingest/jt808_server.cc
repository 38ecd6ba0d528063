#include "ingest/jt808_server.h"

#include <array>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ingest/tcp_service.h"

namespace pingan::ingest {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t kReadBufferBytes = 4096;

class Jt808Connection;

// What connections share. Owned by Jt808Server::Impl; connections use it only from handlers
// that run on the io threads, which Stop() joins before the state goes away.
struct ServerState {
  Jt808ServerOptions options;
  PositionSink& sink;
  std::shared_ptr<SinkGate> gate = std::make_shared<SinkGate>();
  std::mutex mu;
  // Keeps each open connection alive, including while it waits for the sink with no socket
  // operation pending.
  std::unordered_map<Jt808Connection*, std::shared_ptr<Jt808Connection>> connections;

  ServerState(Jt808ServerOptions o, PositionSink& s) : options(std::move(o)), sink(s) {}

  void Remove(Jt808Connection* connection) {
    std::lock_guard lock(mu);
    connections.erase(connection);
  }
};

// One terminal's TCP connection. Every member function runs on the connection's strand, except
// CloseNow() from Stop() after the io threads are joined.
class Jt808Connection final : public std::enable_shared_from_this<Jt808Connection> {
 public:
  Jt808Connection(tcp::socket&& socket, ServerState& state)
      : stream_(std::move(socket)), state_(state), splitter_(state.options.max_frame_bytes) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  }

  void Start() {
    spdlog::debug("jt808 {}: connected", remote_);
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  void CloseNow() { Close(); }

 private:
  void Read() {
    stream_.expires_after(state_.options.idle_timeout);
    stream_.async_read_some(
        net::buffer(read_buffer_),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(beast::error_code ec, std::size_t n) {
    if (ec) {
      if (ec == beast::error::timeout) {
        spdlog::info("jt808 {} {}: idle for {} s, closing", remote_, identifier_,
                     state_.options.idle_timeout.count());
      } else if (ec != net::error::eof && ec != net::error::operation_aborted) {
        spdlog::debug("jt808 {} {}: read failed: {}", remote_, identifier_, ec.message());
      }
      Close();
      return;
    }
    for (Result<Bytes>& item : splitter_.Feed(std::span(read_buffer_.data(), n))) {
      if (!item) {
        spdlog::warn("jt808 {} {}: {}", remote_, identifier_, item.error().message);
        continue;
      }
      inbox_.push_back(std::move(*item));
    }
    if (inbox_.size() > state_.options.max_pending_frames) {
      spdlog::warn("jt808 {} {}: {} frames waiting for answers, disconnecting", remote_,
                   identifier_, inbox_.size());
      Close();
      return;
    }
    ProcessInbox();
    if (!is_closed_) Read();
  }

  // Handles waiting frames in order. Stops at a frame that waits for the sink, so answers
  // leave in the order the frames came and a device's fixes reach the sink in order.
  void ProcessInbox() {
    while (!is_waiting_for_sink_ && !is_closed_ && !inbox_.empty()) {
      Bytes frame = std::move(inbox_.front());
      inbox_.pop_front();
      HandleFrame(frame);
    }
  }

  void HandleFrame(const Bytes& frame) {
    Result<Jt808Message> message = DecodeJt808Frame(frame);
    if (!message) {
      std::optional<Jt808Header> header = ReadJt808Header(frame);
      spdlog::warn("jt808 {} {}: dropped frame of {} bytes: {}", remote_,
                   header ? Jt808DeviceIdentifier(*header) : identifier_, frame.size(),
                   message.error().message);
      if (header) Answer(*header, Jt808ResponseResult::kMessageError);
      return;
    }
    const Jt808Header& header = message->header;
    identifier_ = Jt808DeviceIdentifier(header);
    if (header.encryption != 0 || header.is_subpackage) {
      spdlog::warn("jt808 {} {}: message 0x{:04X} is {}, not supported", remote_, identifier_,
                   header.message_id, header.encryption != 0 ? "encrypted" : "a subpackage");
      Answer(header, Jt808ResponseResult::kUnsupported);
      return;
    }
    switch (header.message_id) {
      case kJt808Register: return HandleRegister(*message);
      case kJt808Authentication: return HandleAuthentication(*message);
      case kJt808Heartbeat:
      case kJt808Logout: return Answer(header, Jt808ResponseResult::kSuccess);
      case kJt808TerminalGeneralResponse: return;  // answers a platform command; we send none
      case kJt808Location: return HandleLocation(*message);
      case kJt808LocationBatch: return HandleLocationBatch(*message);
      default:
        spdlog::debug("jt808 {} {}: message 0x{:04X} not supported", remote_, identifier_,
                      header.message_id);
        return Answer(header, Jt808ResponseResult::kUnsupported);
    }
  }

  void HandleRegister(const Jt808Message& message) {
    Result<Jt808Registration> registration = ParseJt808Registration(message);
    if (!registration) {
      spdlog::warn("jt808 {} {}: bad registration: {}", remote_, identifier_,
                   registration.error().message);
      return Answer(message.header, Jt808ResponseResult::kMessageError);
    }
    bool is_known = state_.sink.IsKnownDevice(Protocol::kJt808, identifier_);
    spdlog::info("jt808 {} {}: registration from model '{}' terminal '{}': {}", remote_,
                 identifier_, registration->model, registration->terminal_id,
                 is_known ? "accepted" : "unknown device");
    // The auth code is not a secret: authentication succeeds for any device the sink knows.
    // The identifier is what the terminal echoes back, which makes logs easy to read.
    Send(BuildJt808RegisterResponse(
        message.header, NextSerial(),
        is_known ? Jt808RegisterResult::kSuccess : Jt808RegisterResult::kNoSuchTerminal,
        identifier_));
  }

  void HandleAuthentication(const Jt808Message& message) {
    Result<Jt808Authentication> authentication = ParseJt808Authentication(message);
    if (!authentication) {
      spdlog::warn("jt808 {} {}: bad authentication: {}", remote_, identifier_,
                   authentication.error().message);
      return Answer(message.header, Jt808ResponseResult::kMessageError);
    }
    bool is_known = state_.sink.IsKnownDevice(Protocol::kJt808, identifier_);
    spdlog::info("jt808 {} {}: authentication {}", remote_, identifier_,
                 is_known ? "accepted" : "refused: unknown device");
    Answer(message.header,
           is_known ? Jt808ResponseResult::kSuccess : Jt808ResponseResult::kFailure);
  }

  void HandleLocation(const Jt808Message& message) {
    Result<Jt808Location> location = ParseJt808Location(message.body);
    if (!location) {
      spdlog::warn("jt808 {} {}: bad location: {}", remote_, identifier_, location.error().message);
      return Answer(message.header, Jt808ResponseResult::kMessageError);
    }
    Submit(message.header, {ToDeviceFix(*location)});
  }

  void HandleLocationBatch(const Jt808Message& message) {
    Result<Jt808LocationBatch> batch = ParseJt808LocationBatch(message.body);
    if (!batch) {
      spdlog::warn("jt808 {} {}: bad batch: {}", remote_, identifier_, batch.error().message);
      return Answer(message.header, Jt808ResponseResult::kMessageError);
    }
    for (const std::string& reason : batch->skipped_items) {
      spdlog::warn("jt808 {} {}: batch {}", remote_, identifier_, reason);
    }
    if (batch->locations.empty()) {
      return Answer(message.header, batch->skipped_items.empty()
                                        ? Jt808ResponseResult::kSuccess
                                        : Jt808ResponseResult::kMessageError);
    }
    std::vector<DeviceFix> fixes;
    fixes.reserve(batch->locations.size());
    for (const Jt808Location& location : batch->locations) fixes.push_back(ToDeviceFix(location));
    Submit(message.header, std::move(fixes));
  }

  void Submit(const Jt808Header& header, std::vector<DeviceFix> fixes) {
    is_waiting_for_sink_ = true;
    std::weak_ptr<Jt808Connection> weak = weak_from_this();
    std::shared_ptr<SinkGate> gate = state_.gate;
    state_.sink.Submit(Protocol::kJt808, identifier_, std::move(fixes),
                       [weak = std::move(weak), gate = std::move(gate), header](SinkResult result) {
                         // Under the gate the server is running, so the io_context is alive to post
                         // to.
                         std::lock_guard lock(gate->mu);
                         if (!gate->is_open) return;
                         std::shared_ptr<Jt808Connection> self = weak.lock();
                         if (!self) return;
                         net::post(self->stream_.get_executor(),
                                   [self, header, result] { self->OnSubmitted(header, result); });
                       });
  }

  void OnSubmitted(const Jt808Header& header, SinkResult result) {
    is_waiting_for_sink_ = false;
    if (is_closed_) return;
    if (result != SinkResult::kStored) {
      spdlog::warn("jt808 {} {}: fixes refused: {}", remote_, identifier_,
                   result == SinkResult::kUnknownDevice ? "unknown device" : "sink unavailable");
    }
    Answer(header, result == SinkResult::kStored ? Jt808ResponseResult::kSuccess
                                                 : Jt808ResponseResult::kFailure);
    ProcessInbox();
  }

  void Answer(const Jt808Header& request, Jt808ResponseResult result) {
    Send(BuildJt808GeneralResponse(request, NextSerial(), result));
  }

  std::uint16_t NextSerial() { return serial_++; }

  void Send(Bytes bytes) {
    if (is_closed_) return;
    outbox_.push_back(std::move(bytes));
    if (outbox_.size() == 1) WriteNext();
  }

  void WriteNext() {
    // The frame stays in outbox_ until its write completes: the write reads it in place.
    net::async_write(stream_, net::buffer(outbox_.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->outbox_.pop_front();
                       if (ec) {
                         self->Close();
                         return;
                       }
                       if (!self->outbox_.empty() && !self->is_closed_) self->WriteNext();
                     });
  }

  void Close() {
    if (is_closed_) return;
    is_closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    spdlog::debug("jt808 {} {}: closed", remote_, identifier_);
    state_.Remove(this);
  }

  beast::tcp_stream stream_;
  ServerState& state_;
  std::string remote_;
  std::string identifier_ = "-";  // of the last message decoded, for logs
  Jt808FrameSplitter splitter_;
  std::array<std::uint8_t, kReadBufferBytes> read_buffer_{};
  std::deque<Bytes> inbox_;   // frames not yet handled
  std::deque<Bytes> outbox_;  // answers not yet written
  bool is_waiting_for_sink_ = false;
  bool is_closed_ = false;
  std::uint16_t serial_ = 0;
};

}  // namespace

struct Jt808Server::Impl : TcpService<Jt808Connection, ServerState> {
  explicit Impl(Jt808ServerOptions options, PositionSink& sink)
      : TcpService("JT/T 808", "jt808", std::move(options), sink) {}
};

Jt808Server::Jt808Server(Jt808ServerOptions options, PositionSink& sink)
    : impl_(std::make_unique<Impl>(std::move(options), sink)) {}

Jt808Server::~Jt808Server() {
  Stop();
}

Result<std::uint16_t> Jt808Server::Start(const std::string& host, std::uint16_t port) {
  return impl_->Start(host, port);
}

void Jt808Server::Stop() {
  impl_->Stop();
}

std::size_t Jt808Server::connection_count() const {
  return impl_->connection_count();
}

}  // namespace pingan::ingest
