// A minimal WebSocket client (RFC 6455) for live-feed tests: text messages in, nothing out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pingan::test {

class WebSocketClient {
 public:
  ~WebSocketClient();
  // Connects and performs the handshake; returns the HTTP status of the handshake (101 on
  // success, 0 if the connection failed).
  int Connect(const std::string& host, std::uint16_t port, const std::string& target);
  // The next complete text message, or nullopt after `timeout_ms` or on a closed connection.
  std::optional<std::string> Read(int timeout_ms);

 private:
  bool Fill(size_t n, int timeout_ms);
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace pingan::test
