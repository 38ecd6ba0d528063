// HttpGateway: posts each message to an SMS provider's HTTP API, one request per message, in a
// body shaped by a template from the configuration. Plain HTTP only: TLS is not built into
// pingan, so a provider behind https is reached through a local relay (nginx, stunnel).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "sms/sms_gateway.h"

namespace pingan::sms {

// How placeholder values are written into the body.
enum class BodyEncoding {
  kJson,  // application/json: JSON-escaped, for use inside a JSON string ("{text}")
  kForm,  // application/x-www-form-urlencoded: percent-encoded (RFC 3986 unreserved kept)
};

struct HttpGatewayConfig {
  std::string url;   // as configured: "http://127.0.0.1:8025/sms/send"
  std::string host;  // from url; a name, an IPv4 address or an IPv6 address without []
  std::uint16_t port = 80;
  std::string target;  // path and query from url, at least "/"
  // The request body, with placeholders replaced: {to} (11 digits), {text} (the signed text,
  // "【sign_name】text", as Chinese carriers require the signature in front), {sign} (the bare
  // signature, for providers that also want it apart), {timestamp} (Unix seconds) and
  // {purpose}.
  std::string body_template;
  std::string content_type = "application/json";  // sent as configured
  BodyEncoding encoding = BodyEncoding::kJson;    // follows content_type
  std::string sign_name;                          // 签名, e.g. 平安分局
  // When not empty, each request carries X-Timestamp (Unix seconds) and X-Signature: the
  // lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the secret's bytes. Put
  // {timestamp} in the body to have the time signed too.
  std::string secret;
  // Where the provider's JSON reply holds the message id: a JSON pointer ("/data/msg_id") or a
  // top-level key ("msg_id"). Empty: the reply is not read and ids are local ("local-" and 16
  // hex digits).
  std::string id_field;
  std::chrono::milliseconds timeout{5000};  // for connecting, sending and reading the reply
};

// Reads a configuration such as
//   {"url": "http://127.0.0.1:8025/sms/send",
//    "body_template": "{\"mobile\": \"{to}\", \"content\": \"{text}\"}",
//    "content_type": "application/json", "sign_name": "平安分局",
//    "secret": "...", "id_field": "/data/id", "timeout_ms": 5000}
// content_type (default application/json; parameters such as "; charset=utf-8" allowed) may
// also be application/x-www-form-urlencoded; secret, id_field and timeout_ms (1 to 60000) are
// optional. Errors are kInvalidInput naming the field: an https url, an unknown or missing
// placeholder ({to} and {text} are required), a JSON template that is not JSON once filled in,
// an unknown key.
Result<HttpGatewayConfig> ParseHttpGatewayConfig(const nlohmann::json& json);

// Lower-case hex HMAC-SHA256 of `message` keyed with `key` (any length), as in X-Signature.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

class HttpGateway final : public SmsGateway {
 public:
  // `config` comes from ParseHttpGatewayConfig; `clock` gives sent_at and {timestamp} and must
  // outlive the gateway.
  HttpGateway(HttpGatewayConfig config, const Clock& clock);

  // POSTs one request (Connection: close) and waits at most config.timeout for the whole
  // exchange. Success is a 2xx reply, holding the message id at id_field when one is set (many
  // providers report a refusal as 200 with an error code instead of the id); the result has
  // status "accepted". Errors besides the invalid message: kUnavailable when the name does not
  // resolve, the connection is refused or times out, the reply is not 2xx (the message names
  // the status and quotes the start of the body), or the id is missing. After a timeout the
  // provider may still have taken the message, so sending it again may deliver it twice. Name
  // resolution is bounded by the system resolver, not by the timeout. Thread-safe: each call
  // uses its own connection.
  Result<SentSms> Send(const OutgoingSms& sms) override;
  std::string_view name() const override { return "http"; }

  const HttpGatewayConfig& config() const { return config_; }

 private:
  const HttpGatewayConfig config_;
  const Clock& clock_;
};

}  // namespace pingan::sms
