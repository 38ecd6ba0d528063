// What the JT/T 808 and OsmAnd servers share: the listening socket, the accept loop with its
// connection cap, the io threads, and an orderly Stop(). Each server supplies its connection
// type and the state its connections share.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/result.h"

namespace pingan::ingest {

// Lets sink answers reach a connection only while the server runs. Shared with every pending
// `done` callback, so it outlives the server: a sink may answer after Stop() or destruction.
struct SinkGate {
  std::mutex mu;
  bool is_open = true;
};

// REQUIRES of State: members `options` (with `threads`, `max_connections`), `gate`
// (shared_ptr<SinkGate>), `mu`, and `connections` (map Connection* → shared_ptr<Connection>).
// Connection: constructible from (tcp::socket, State&), with Start() and CloseNow().
template <typename Connection, typename State>
class TcpService {
 public:
  using tcp = boost::asio::ip::tcp;

  // `name` appears in errors and logs ("JT/T 808"), `tag` prefixes connection logs ("jt808").
  template <typename... StateArgs>
  TcpService(std::string name, std::string tag, StateArgs&&... state_args)
      : state(std::forward<StateArgs>(state_args)...),
        name_(std::move(name)),
        tag_(std::move(tag)),
        ioc_(std::max(1, state.options.threads)) {}

  State state;

  Result<std::uint16_t> Start(const std::string& host, std::uint16_t port) {
    std::lock_guard lock(mu_);
    if (is_started_) return Conflict(name_ + " server already started");
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(host, ec);
    if (ec) return InvalidInput("listen", fmt::format("'{}' is not an IP address", host));
    tcp::endpoint endpoint(address, port);
    acceptor_.emplace(ioc_);
    accept_retry_.emplace(ioc_);
    if (acceptor_->open(endpoint.protocol(), ec); !ec) {
      acceptor_->set_option(boost::asio::socket_base::reuse_address(true), ec);
      if (acceptor_->bind(endpoint, ec); !ec) {
        acceptor_->listen(boost::asio::socket_base::max_listen_connections, ec);
      }
    }
    if (ec) {
      return Error{ErrorCode::kUnavailable,
                   fmt::format("cannot listen on {}:{}: {}", host, port, ec.message()), "listen"};
    }
    std::uint16_t bound_port = acceptor_->local_endpoint().port();
    Accept();
    is_started_ = true;
    for (int i = 0; i < std::max(1, state.options.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    spdlog::info("{} server listening on {}:{}", name_, host, bound_port);
    return bound_port;
  }

  void Stop() {
    {
      std::lock_guard gate_lock(state.gate->mu);
      state.gate->is_open = false;
    }
    std::lock_guard lock(mu_);
    if (!is_started_ || is_stopped_) return;
    is_stopped_ = true;
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    // With the io threads gone, connections can be closed from here.
    boost::system::error_code ec;
    acceptor_->close(ec);
    accept_retry_->cancel();
    decltype(state.connections) connections;
    {
      std::lock_guard state_lock(state.mu);
      connections.swap(state.connections);
    }
    for (auto& [raw, connection] : connections) connection->CloseNow();
    spdlog::info("{} server stopped", name_);
  }

  std::size_t connection_count() {
    std::lock_guard lock(state.mu);
    return state.connections.size();
  }

 private:
  static constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

  void Accept() {
    acceptor_->async_accept(boost::asio::make_strand(ioc_), [this](boost::system::error_code ec,
                                                                   tcp::socket socket) {
      if (ec == boost::asio::error::operation_aborted || !acceptor_->is_open()) return;
      if (ec) {
        // Out of file descriptors, usually: wait a little instead of spinning.
        spdlog::warn("{} accept failed: {}", tag_, ec.message());
        accept_retry_->expires_after(kAcceptRetryDelay);
        accept_retry_->async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec) Accept();
        });
        return;
      }
      std::shared_ptr<Connection> connection;
      {
        std::lock_guard lock(state.mu);
        if (state.connections.size() >= state.options.max_connections) {
          spdlog::warn("{}: {} connections open, refusing another", tag_, state.connections.size());
          socket.close(ec);
        } else {
          socket.set_option(tcp::no_delay(true), ec);
          connection = std::make_shared<Connection>(std::move(socket), state);
          state.connections.emplace(connection.get(), connection);
        }
      }
      if (connection) connection->Start();
      Accept();
    });
  }

  std::string name_;
  std::string tag_;
  std::mutex mu_;  // guards is_started_, is_stopped_ and threads_
  bool is_started_ = false;
  bool is_stopped_ = false;
  std::vector<std::thread> threads_;
  // Destroyed before the members above (reverse order): destroying it destroys queued handlers,
  // which may hold the last reference to a connection.
  boost::asio::io_context ioc_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<boost::asio::steady_timer> accept_retry_;
};

}  // namespace pingan::ingest
