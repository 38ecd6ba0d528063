#include "support/http_client.h"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pingan::test {

HttpClient::~HttpClient() {
  Close();
}

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool HttpClient::Connect() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Close();
    return false;
  }
  return true;
}

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::string& body, const std::string& extra_headers) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
  if (!token_.empty()) request += "Authorization: Bearer " + token_ + "\r\n";
  if (!body.empty() || method == "POST") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += extra_headers + "\r\n" + body;
  return SendRaw(request);
}

HttpResult HttpClient::SendRaw(const std::string& request) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = fd_ >= 0;
    if (fd_ < 0 && !Connect()) return {};
    size_t sent = 0;
    bool failed = false;
    while (sent < request.size()) {
      ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        failed = true;
        break;
      }
      sent += static_cast<size_t>(n);
    }
    HttpResult result;
    size_t header_end = std::string::npos;
    char chunk[16384];
    while (!failed && (header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0)
        failed = true;
      else
        buffer_.append(chunk, static_cast<size_t>(n));
    }
    if (failed) {
      Close();
      if (reused) continue;  // the server closed an idle keep-alive connection: retry once
      return {};
    }
    std::string head = buffer_.substr(0, header_end);
    result.status = std::atoi(head.c_str() + head.find(' ') + 1);
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        result.headers[name] = value;
      }
      pos = next;
    }
    size_t length = 0;
    if (auto it = result.headers.find("content-length"); it != result.headers.end()) {
      length = std::stoul(it->second);
    }
    buffer_.erase(0, header_end + 4);
    while (buffer_.size() < length) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        Close();
        return {};
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    result.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    if (result.headers["connection"] == "close") Close();
    return result;
  }
  return {};
}

HttpResult HttpClient::Login(const std::string& username, const std::string& password) {
  token_.clear();
  HttpResult r = Post("/api/session", {{"username", username}, {"password", password}});
  if (r.status == 201) token_ = r.Json().value("token", "");
  return r;
}

}  // namespace pingan::test
