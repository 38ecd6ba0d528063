#include "support/websocket_client.h"

#include <chrono>
#include <cstdlib>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pingan::test {

WebSocketClient::~WebSocketClient() {
  if (fd_ >= 0) ::close(fd_);
}

int WebSocketClient::Connect(const std::string& host, std::uint16_t port,
                             const std::string& target) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) < 0) return 0;
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(buffer_.size() + 1, 5000)) return 0;
  }
  int status = std::atoi(buffer_.c_str() + buffer_.find(' ') + 1);
  buffer_.erase(0, end + 4);
  return status;
}

bool WebSocketClient::Fill(size_t n, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (buffer_.size() < n) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) return false;
    char chunk[16384];
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(got));
  }
  return true;
}

std::optional<std::string> WebSocketClient::Read(int timeout_ms) {
  std::string message;
  for (;;) {
    if (!Fill(2, timeout_ms)) return std::nullopt;
    auto b0 = static_cast<unsigned char>(buffer_[0]);
    auto b1 = static_cast<unsigned char>(buffer_[1]);
    size_t header = 2;
    std::uint64_t length = b1 & 0x7F;
    if (length == 126) {
      if (!Fill(4, timeout_ms)) return std::nullopt;
      length =
          (static_cast<unsigned char>(buffer_[2]) << 8) | static_cast<unsigned char>(buffer_[3]);
      header = 4;
    } else if (length == 127) {
      if (!Fill(10, timeout_ms)) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i)
        length = (length << 8) | static_cast<unsigned char>(buffer_[2 + i]);
      header = 10;
    }
    if (!Fill(header + length, timeout_ms)) return std::nullopt;
    int opcode = b0 & 0x0F;
    std::string payload = buffer_.substr(header, length);
    buffer_.erase(0, header + length);
    if (opcode == 0x8) return std::nullopt;        // close
    if (opcode == 0x9 || opcode == 0xA) continue;  // ping/pong
    message += payload;                            // text or continuation
    if (b0 & 0x80) return message;
  }
}

}  // namespace pingan::test
