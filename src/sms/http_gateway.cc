#include "sms/http_gateway.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include "core/check.h"
#include "sms/utf8.h"

namespace pingan::sms {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t kMaxReplyBytes = 64 * 1024;
constexpr std::size_t kExcerptBytes = 200;
constexpr long long kMaxTimeoutMs = 60'000;
constexpr std::size_t kMaxSignCodePoints = 20;
constexpr std::array<std::string_view, 7> kConfigKeys = {
    "url", "body_template", "content_type", "sign_name", "secret", "id_field", "timeout_ms"};

Error Unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(message), {}};
}

void EnsureSodium() {
  static const bool kReady = sodium_init() >= 0;
  PINGAN_CHECK(kReady);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string ToHex(const unsigned char* bytes, std::size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();
  return hex;
}

// The values of one message's placeholders.
struct Placeholders {
  std::string to;
  std::string text;
  std::string sign;
  std::string timestamp;
  std::string purpose;

  const std::string* Find(std::string_view name) const {
    if (name == "to") return &to;
    if (name == "text") return &text;
    if (name == "sign") return &sign;
    if (name == "timestamp") return &timestamp;
    if (name == "purpose") return &purpose;
    return nullptr;
  }
};

// The name in "{name}" when s[pos] opens one; names are lower-case letters and '_', so the
// braces of a JSON template ({"a": ...}) are never taken for placeholders.
std::optional<std::string_view> PlaceholderAt(std::string_view s, std::size_t pos) {
  std::size_t end = pos + 1;
  while (end < s.size() && ((s[end] >= 'a' && s[end] <= 'z') || s[end] == '_')) ++end;
  if (end == pos + 1 || end >= s.size() || s[end] != '}') return std::nullopt;
  return s.substr(pos + 1, end - pos - 1);
}

// `v` as the inside of a JSON string. Invalid UTF-8 (only possible in `purpose`) becomes U+FFFD
// rather than an exception.
std::string JsonEscape(const std::string& v) {
  const std::string quoted =
      nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// %XX for every byte but RFC 3986's unreserved characters; a space is %20, which form decoders
// read as a space just like '+'.
std::string PercentEncode(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size() * 3);
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' ||
        b == '.' || b == '_' || b == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

std::string Render(std::string_view body_template, BodyEncoding encoding,
                   const Placeholders& values) {
  std::string out;
  std::size_t i = 0;
  while (i < body_template.size()) {
    if (body_template[i] == '{') {
      if (std::optional<std::string_view> name = PlaceholderAt(body_template, i)) {
        if (const std::string* value = values.Find(*name)) {
          out += encoding == BodyEncoding::kJson ? JsonEscape(*value) : PercentEncode(*value);
          i += name->size() + 2;
          continue;
        }
      }
    }
    out.push_back(body_template[i]);
    ++i;
  }
  return out;
}

// The start of a provider's reply for an error message: at most kExcerptBytes, cut on a UTF-8
// boundary, on one line.
std::string Excerpt(std::string_view body) {
  if (body.empty()) return "(empty body)";
  std::size_t n = std::min(body.size(), kExcerptBytes);
  while (n > 0 && n < body.size() && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
  std::string out;
  for (char c : body.substr(0, n)) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(b < 0x20 || b == 0x7F ? ' ' : c);
  }
  if (n < body.size()) out += "...";
  return out;
}

struct ParsedUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target;
};

Result<ParsedUrl> ParseUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return InvalidInput("url", "must look like http://host[:port]/path");
  }
  const std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme == "https") {
    return InvalidInput("url",
                        "https is not supported: TLS is not built into pingan; run a local relay "
                        "(nginx, stunnel) that forwards to the provider over https and give its "
                        "http:// address here");
  }
  if (scheme != "http") return InvalidInput("url", "must start with http://");
  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  target = target.substr(0, target.find('#'));  // a fragment never goes to the server
  if (authority.find('@') != std::string_view::npos) {
    return InvalidInput("url", "credentials in the url are not supported; use secret");
  }

  ParsedUrl parsed;
  std::string_view host = authority;
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidInput("url", "unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return InvalidInput("url", "unexpected text after the host");
      port_text = after.substr(1);
      has_port = true;
    }
    if (!std::all_of(host.begin(), host.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                 c == ':' || c == '.';
        })) {
      return InvalidInput("url", "not an IPv6 address between [ and ]");
    }
  } else {
    if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (!std::all_of(host.begin(), host.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '-' || c == '.';
        })) {
      return InvalidInput("url", "the host may hold only letters, digits, '-' and '.'");
    }
  }
  if (host.empty()) return InvalidInput("url", "has no host");
  if (has_port) {
    unsigned port = 0;
    const bool is_number = !port_text.empty() && port_text.size() <= 5 &&
                           std::all_of(port_text.begin(), port_text.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
    if (is_number) port = static_cast<unsigned>(std::stoul(std::string(port_text)));
    if (!is_number || port == 0 || port > 65535) {
      return InvalidInput("url", "the port must be a number from 1 to 65535");
    }
    parsed.port = static_cast<std::uint16_t>(port);
  }
  if (!std::all_of(target.begin(), target.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b > 0x20 && b < 0x7F;
      })) {
    return InvalidInput("url",
                        "the path may not hold spaces, control or non-ASCII characters; "
                        "percent-encode them");
  }
  parsed.host = std::string(host);
  parsed.target =
      target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  return parsed;
}

// The string at `key`; nullopt when the key is absent, an error when it is not a string.
Result<std::optional<std::string>> OptionalString(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidInput(key, "must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> RequiredString(const nlohmann::json& json, const char* key) {
  Result<std::optional<std::string>> value = OptionalString(json, key);
  if (!value) return value.error();
  if (!*value || (*value)->empty()) return InvalidInput(key, "is required");
  return std::move(**value);
}

Status ValidateSignName(const std::string& sign_name) {
  const std::optional<std::u32string> code_points = DecodeUtf8(sign_name);
  if (!code_points) return InvalidInput("sign_name", "is not valid UTF-8");
  if (code_points->size() > kMaxSignCodePoints) {
    return InvalidInput("sign_name",
                        fmt::format("at most {} characters (carriers refuse longer signatures)",
                                    kMaxSignCodePoints));
  }
  for (char32_t c : *code_points) {
    if (c < 0x20 || c == 0x7F) return InvalidInput("sign_name", "may not hold control characters");
    if (c == U'【' || c == U'】') {
      return InvalidInput("sign_name", "give the signature without 【】; they are added");
    }
  }
  return {};
}

Status ValidateTemplate(const std::string& body_template, BodyEncoding encoding) {
  bool has_to = false;
  bool has_text = false;
  const Placeholders sample{.to = "13800138000",
                            .text = "【签名】a \"quoted\"\nline & 100% = ok?",
                            .sign = "签名",
                            .timestamp = "1700000000",
                            .purpose = "callback"};
  for (std::size_t i = 0; i < body_template.size(); ++i) {
    if (body_template[i] != '{') continue;
    std::optional<std::string_view> name = PlaceholderAt(body_template, i);
    if (!name) continue;
    if (sample.Find(*name) == nullptr) {
      return InvalidInput("body_template",
                          fmt::format("unknown placeholder {{{}}}; known: {{to}} {{text}} {{sign}} "
                                      "{{timestamp}} {{purpose}}",
                                      *name));
    }
    has_to = has_to || *name == "to";
    has_text = has_text || *name == "text";
  }
  if (!has_to || !has_text) {
    return InvalidInput("body_template", "must hold both {to} and {text}");
  }
  if (encoding == BodyEncoding::kJson &&
      nlohmann::json::parse(Render(body_template, encoding, sample), nullptr, false)
          .is_discarded()) {
    return InvalidInput("body_template",
                        "is not JSON once its placeholders are filled in; put each placeholder "
                        "inside a JSON string, e.g. \"content\": \"{text}\"");
  }
  return {};
}

// The message id in a provider's 2xx reply; its error message is completed by the caller.
Result<std::string> ReadMessageId(const std::string& body, const std::string& id_field) {
  const nlohmann::json reply = nlohmann::json::parse(body, nullptr, false);
  if (reply.is_discarded()) return Unavailable("the reply is not JSON");
  const nlohmann::json* value = nullptr;
  try {
    if (id_field.starts_with('/')) {
      const nlohmann::json::json_pointer pointer(id_field);
      if (reply.contains(pointer)) value = &reply.at(pointer);
    } else if (reply.is_object()) {
      if (auto it = reply.find(id_field); it != reply.end()) value = &*it;
    }
  } catch (const nlohmann::json::exception&) {
    value = nullptr;  // the pointer runs through an array with a non-numeric index
  }
  if (value != nullptr && value->is_string() && !value->get<std::string>().empty()) {
    return value->get<std::string>();
  }
  if (value != nullptr && (value->is_number_integer() || value->is_number_unsigned())) {
    return value->dump();
  }
  return Unavailable(fmt::format("the reply has no message id at {}", id_field));
}

std::string LocalId() {
  EnsureSodium();
  unsigned char bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  return "local-" + ToHex(bytes, sizeof bytes);
}

struct HttpReply {
  unsigned status = 0;
  std::string reason;
  std::string body;
};

// One request and its reply on a fresh connection, all of it within config.timeout. Runs its
// own io_context on the calling thread, so concurrent calls share nothing.
Result<HttpReply> Exchange(const HttpGatewayConfig& config,
                           const http::request<http::string_body>& request) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  tcp::socket socket(ioc);
  net::steady_timer deadline(ioc);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);

  // All handlers run on this thread inside ioc.run(), so these need no lock.
  const char* stage = "resolving the host";
  beast::error_code failure;
  bool timed_out = false;
  auto finish = [&](beast::error_code ec) {
    failure = ec;
    deadline.cancel();
  };

  deadline.expires_after(config.timeout);
  deadline.async_wait([&](beast::error_code ec) {
    if (ec) return;  // cancelled: the exchange ended first
    timed_out = true;
    resolver.cancel();
    beast::error_code ignored;
    socket.close(ignored);
  });
  // Each stage first checks the deadline: a connect started after the socket was closed would
  // reopen it and wait for the kernel's timeout instead of ours.
  resolver.async_resolve(
      config.host, std::to_string(config.port),
      [&](beast::error_code resolve_ec, const tcp::resolver::results_type& endpoints) {
        if (timed_out) return finish(net::error::timed_out);
        if (resolve_ec) return finish(resolve_ec);
        stage = "connecting";
        net::async_connect(
            socket, endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) {
              if (timed_out) return finish(net::error::timed_out);
              if (connect_ec) return finish(connect_ec);
              stage = "sending the request";
              http::async_write(socket, request, [&](beast::error_code write_ec, std::size_t) {
                if (timed_out) return finish(net::error::timed_out);
                if (write_ec) return finish(write_ec);
                stage = "waiting for the reply";
                http::async_read(socket, buffer, parser,
                                 [&](beast::error_code read_ec, std::size_t) { finish(read_ec); });
              });
            });
      });
  ioc.run();

  if (failure) {
    if (timed_out) {
      return Unavailable(fmt::format("the SMS provider at {} timed out after {} ms while {}",
                                     config.url, config.timeout.count(), stage));
    }
    return Unavailable(fmt::format("the SMS provider at {} failed while {}: {}", config.url, stage,
                                   failure.message()));
  }
  http::response<http::string_body> response = parser.release();
  return HttpReply{.status = response.result_int(),
                   .reason = std::string(response.reason()),
                   .body = std::move(response.body())};
}

}  // namespace

Result<HttpGatewayConfig> ParseHttpGatewayConfig(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidInput("", "the SMS gateway configuration must be an object");
  for (const auto& item : json.items()) {
    if (std::find(kConfigKeys.begin(), kConfigKeys.end(), item.key()) == kConfigKeys.end()) {
      return InvalidInput(item.key(),
                          "unknown field; known: url, body_template, content_type, "
                          "sign_name, secret, id_field, timeout_ms");
    }
  }
  HttpGatewayConfig config;

  Result<std::string> url = RequiredString(json, "url");
  if (!url) return url.error();
  Result<ParsedUrl> parsed = ParseUrl(*url);
  if (!parsed) return parsed.error();
  config.url = std::move(*url);
  config.host = std::move(parsed->host);
  config.port = parsed->port;
  config.target = std::move(parsed->target);

  Result<std::optional<std::string>> content_type = OptionalString(json, "content_type");
  if (!content_type) return content_type.error();
  if (*content_type) {
    const std::string media_type = Lower(Trim(
        std::string_view(**content_type).substr(0, std::string_view(**content_type).find(';'))));
    if (media_type == "application/json") {
      config.encoding = BodyEncoding::kJson;
    } else if (media_type == "application/x-www-form-urlencoded") {
      config.encoding = BodyEncoding::kForm;
    } else {
      return InvalidInput("content_type",
                          "must be application/json or application/x-www-form-urlencoded");
    }
    config.content_type = std::move(**content_type);
  }

  Result<std::string> sign_name = RequiredString(json, "sign_name");
  if (!sign_name) return sign_name.error();
  if (Status valid = ValidateSignName(*sign_name); !valid) return valid.error();
  config.sign_name = std::move(*sign_name);

  Result<std::string> body_template = RequiredString(json, "body_template");
  if (!body_template) return body_template.error();
  if (Status valid = ValidateTemplate(*body_template, config.encoding); !valid) {
    return valid.error();
  }
  config.body_template = std::move(*body_template);

  Result<std::optional<std::string>> secret = OptionalString(json, "secret");
  if (!secret) return secret.error();
  if (*secret) {
    if ((*secret)->empty())
      return InvalidInput("secret", "is empty; leave it out for no signature");
    config.secret = std::move(**secret);
  }

  Result<std::optional<std::string>> id_field = OptionalString(json, "id_field");
  if (!id_field) return id_field.error();
  if (*id_field) {
    if ((*id_field)->empty()) return InvalidInput("id_field", "is empty; leave it out for none");
    if ((*id_field)->starts_with('/')) {
      try {
        const nlohmann::json::json_pointer pointer(**id_field);
      } catch (const nlohmann::json::exception& e) {
        return InvalidInput("id_field", fmt::format("not a JSON pointer: {}", e.what()));
      }
    }
    config.id_field = std::move(**id_field);
  }

  if (auto it = json.find("timeout_ms"); it != json.end()) {
    if (!it->is_number_integer() || it->get<long long>() < 1 ||
        it->get<long long>() > kMaxTimeoutMs) {
      return InvalidInput("timeout_ms",
                          fmt::format("must be a whole number from 1 to {}", kMaxTimeoutMs));
    }
    config.timeout = std::chrono::milliseconds(it->get<long long>());
  }
  return config;
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  EnsureSodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return ToHex(mac, sizeof mac);
}

HttpGateway::HttpGateway(HttpGatewayConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {
  EnsureSodium();
}

Result<SentSms> HttpGateway::Send(const OutgoingSms& sms) {
  Result<OutgoingSms> valid = ValidateOutgoingSms(sms);
  if (!valid) return valid.error();
  const TimePoint now = clock_.Now();
  const std::string timestamp =
      std::to_string(std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count());
  Placeholders values{.to = valid->to,
                      .text = fmt::format("【{}】{}", config_.sign_name, valid->text),
                      .sign = config_.sign_name,
                      .timestamp = timestamp,
                      .purpose = valid->purpose};

  http::request<http::string_body> request{http::verb::post, config_.target, 11};
  const bool is_ipv6 = config_.host.find(':') != std::string::npos;
  std::string host_header = is_ipv6 ? "[" + config_.host + "]" : config_.host;
  if (config_.port != 80) host_header += fmt::format(":{}", config_.port);
  request.set(http::field::host, host_header);
  request.set(http::field::user_agent, "pingan-sms");
  request.set(http::field::content_type, config_.content_type);
  request.set(http::field::connection, "close");
  request.body() = Render(config_.body_template, config_.encoding, values);
  if (!config_.secret.empty()) {
    request.set("X-Timestamp", timestamp);
    request.set("X-Signature", HmacSha256Hex(config_.secret, request.body()));
  }
  request.prepare_payload();

  Result<HttpReply> reply = Exchange(config_, request);
  if (!reply) return reply.error();
  if (reply->status < 200 || reply->status > 299) {
    return Unavailable(fmt::format("the SMS provider at {} answered {} {}: {}", config_.url,
                                   reply->status, reply->reason, Excerpt(reply->body)));
  }
  std::string id;
  if (config_.id_field.empty()) {
    id = LocalId();
  } else {
    Result<std::string> found = ReadMessageId(reply->body, config_.id_field);
    if (!found) {
      return Unavailable(fmt::format("the SMS provider at {} answered {} but {}: {}", config_.url,
                                     reply->status, found.error().message, Excerpt(reply->body)));
    }
    id = std::move(*found);
  }
  return SentSms{.id = std::move(id),
                 .to = std::move(values.to),
                 .text = std::move(values.text),
                 .purpose = std::move(values.purpose),
                 .sent_at = now,
                 .status = "accepted"};
}

}  // namespace pingan::sms
