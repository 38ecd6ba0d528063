// A small blocking HTTP/1.1 client over a real socket with keep-alive, for API tests and the
// load generator. Not a general client: Content-Length bodies only, which is what pingan sends.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace pingan::test {

struct HttpResult {
  int status = 0;                              // 0: the connection failed
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_token(std::string token) { token_ = std::move(token); }

  // Sends one request and reads the response; reconnects once if a kept-alive connection was
  // closed by the server. Extra headers are "Name: value\r\n" lines.
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = {}, const std::string& extra_headers = {});
  // Sends `raw` bytes as they are (for malformed or oversized requests) and reads a response.
  HttpResult SendRaw(const std::string& raw);
  HttpResult Get(const std::string& target) { return Request("GET", target); }
  HttpResult Post(const std::string& target, const nlohmann::json& body) {
    return Request("POST", target, body.dump());
  }
  // Logs in and keeps the token for later requests. Returns the login response.
  HttpResult Login(const std::string& username, const std::string& password);
  void Close();

 private:
  bool Connect();
  std::string host_;
  std::uint16_t port_;
  std::string token_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace pingan::test
