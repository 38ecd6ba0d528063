// A blocking TCP client with timeouts for the protocol server tests, on plain POSIX sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pingan::test {

class TcpTestClient {
 public:
  // Connects to 127.0.0.1:port; is_connected() tells whether that worked.
  explicit TcpTestClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~TcpTestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TcpTestClient(const TcpTestClient&) = delete;
  TcpTestClient& operator=(const TcpTestClient&) = delete;

  bool is_connected() const { return fd_ >= 0; }

  bool Send(std::span<const std::uint8_t> bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool Send(const std::string& text) {
    return Send(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }

  // Appends what arrives within `timeout` to received(). Returns false when the peer closed
  // the connection (or it failed), true otherwise (also when nothing arrived).
  bool Receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) return true;
    std::uint8_t chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    received_.insert(received_.end(), chunk, chunk + n);
    return true;
  }

  // Receives until `predicate(received())` holds or `timeout` passes. Returns the predicate.
  template <typename Predicate>
  bool ReceiveUntil(Predicate predicate,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate(received_)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!Receive(left)) return predicate(received_);
    }
    return true;
  }

  // True when the server closes the connection within `timeout`.
  bool WaitForClose(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!Receive(left)) return true;
    }
    return false;
  }

  const std::vector<std::uint8_t>& received() const { return received_; }
  void clear_received() { received_.clear(); }

 private:
  int fd_ = -1;
  std::vector<std::uint8_t> received_;
};

}  // namespace pingan::test
