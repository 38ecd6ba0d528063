#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include "core/clock.h"
#include "sms/http_gateway.h"
#include "sms/reply_codes.h"
#include "sms/simulator_gateway.h"
#include "sms/sms_gateway.h"
#include "sms/utf8.h"

namespace pingan::sms {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using std::chrono::milliseconds;

// 2023-11-14T22:13:20.123Z
const TimePoint kStart = FromMillis(1'700'000'000'123);

std::string Repeat(const std::string& unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Numbers and texts

struct NumberCase {
  const char* input;
  const char* normalized;  // nullptr: refused
};

TEST(MobileNumber, AcceptsMainlandMobilesInTheirUsualFormsAndRefusesTheRest) {
  const NumberCase cases[] = {
      {"13800138000", "13800138000"},
      {"19912345678", "19912345678"},
      {"+8613800138000", "13800138000"},
      {"8613800138000", "13800138000"},
      {"  138 0013 8000\n", "13800138000"},
      {"+86 138-0013-8000", "13800138000"},
      {"", nullptr},
      {"   ", nullptr},
      {"12345678901", nullptr},     // no mobile network starts 12
      {"10086", nullptr},           // a service number
      {"1380013800", nullptr},      // 10 digits
      {"138001380001", nullptr},    // 12 digits
      {"+13800138000", nullptr},    // '+' without a country code
      {"+4413800138000", nullptr},  // not China
      {"008613800138000", nullptr},
      {"1380013800a", nullptr},
      {"138.0013.8000", nullptr},
      {"23800138000", nullptr},
  };
  for (const NumberCase& c : cases) {
    SCOPED_TRACE(c.input);
    Result<std::string> got = NormalizeMobileNumber(c.input);
    if (c.normalized != nullptr) {
      ASSERT_TRUE(got.has_value()) << got.error().message;
      EXPECT_EQ(*got, c.normalized);
    } else {
      ASSERT_FALSE(got.has_value()) << *got;
      EXPECT_EQ(got.error().code, ErrorCode::kInvalidInput);
      EXPECT_EQ(got.error().field, "to");
    }
  }
}

TEST(SmsText, CountsCodePointsNotBytes) {
  EXPECT_TRUE(ValidateSmsText("x").has_value());
  EXPECT_TRUE(ValidateSmsText(Repeat("a", 500)).has_value());
  // 500 Chinese characters are 1,500 bytes and still allowed; the 501st is not.
  EXPECT_TRUE(ValidateSmsText(Repeat("警", 500)).has_value());
  Status too_long = ValidateSmsText(Repeat("警", 501));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(too_long.error().field, "text");
  EXPECT_NE(too_long.error().message.find("501"), std::string::npos);
  // A 4-byte emoji is one code point.
  EXPECT_TRUE(ValidateSmsText(Repeat("a", 499) + "\xF0\x9F\x98\x80").has_value());
  EXPECT_FALSE(ValidateSmsText(Repeat("a", 500) + "\xF0\x9F\x98\x80").has_value());
}

TEST(SmsText, RefusesEmptyBlankAndMalformedText) {
  for (const std::string& text :
       {std::string(), std::string(" \t\n"), std::string("\u3000"), std::string("\xFF"),
        std::string("ok\xE5\xB9"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80")}) {
    SCOPED_TRACE(text);
    Status status = ValidateSmsText(text);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(status.error().field, "text");
  }
}

TEST(Utf8, DecodesWellFormedTextAndRefusesOverlongSurrogateAndTruncatedSequences) {
  std::optional<std::u32string> decoded = DecodeUtf8("a平\xF0\x9F\x98\x80");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, U"a平\U0001F600");
  EXPECT_FALSE(DecodeUtf8("\xC0\xAF").has_value());          // overlong '/'
  EXPECT_FALSE(DecodeUtf8("\xED\xA0\x80").has_value());      // U+D800
  EXPECT_FALSE(DecodeUtf8("\xF4\x90\x80\x80").has_value());  // above U+10FFFF
  EXPECT_FALSE(DecodeUtf8("\xE5\xB9").has_value());          // truncated
  EXPECT_FALSE(DecodeUtf8("\x80").has_value());              // lone continuation byte
}

// ---------------------------------------------------------------------------------------------
// SimulatorGateway

OutgoingSms Message(std::string to, std::string text, std::string purpose = "callback") {
  return OutgoingSms{.to = std::move(to), .text = std::move(text), .purpose = std::move(purpose)};
}

TEST(SimulatorGateway, StoresNormalisedMessagesWithSequentialIdsAndTheClocksTime) {
  FakeClock clock(kStart);
  SimulatorGateway gateway(clock);
  EXPECT_EQ(gateway.name(), "simulator");
  Result<SentSms> first = gateway.Send(Message("+86 138-0013-8000", "您的报警已处理，满意请回1"));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->id, "SIM-000001");
  EXPECT_EQ(first->to, "13800138000");
  EXPECT_EQ(first->text, "您的报警已处理，满意请回1");
  EXPECT_EQ(first->purpose, "callback");
  EXPECT_EQ(first->sent_at, kStart);
  EXPECT_EQ(first->status, "sent");

  clock.Advance(milliseconds(1500));
  Result<SentSms> second = gateway.Send(Message("13900139000", "验证码 123456", "verify_code"));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, "SIM-000002");
  EXPECT_EQ(second->sent_at, kStart + milliseconds(1500));
  EXPECT_EQ(gateway.sent_count(), 2u);
}

TEST(SimulatorGateway, RefusesABadMessageAndStoresNothing) {
  FakeClock clock(kStart);
  SimulatorGateway gateway(clock);
  Result<SentSms> bad_number = gateway.Send(Message("12345", "hello"));
  ASSERT_FALSE(bad_number.has_value());
  EXPECT_EQ(bad_number.error().field, "to");
  Result<SentSms> bad_text = gateway.Send(Message("13800138000", ""));
  ASSERT_FALSE(bad_text.has_value());
  EXPECT_EQ(bad_text.error().field, "text");
  EXPECT_TRUE(gateway.Outbox(10).empty());
  EXPECT_EQ(gateway.sent_count(), 0u);
  // The next good message still gets the first id.
  EXPECT_EQ(gateway.Send(Message("13800138000", "ok"))->id, "SIM-000001");
}

TEST(SimulatorGateway, OutboxIsNewestFirstLimitedAndFilteredByNumberInAnyForm) {
  FakeClock clock(kStart);
  SimulatorGateway gateway(clock);
  const char* numbers[] = {"13800138000", "13900139000", "13800138000", "13700137000",
                           "13800138000"};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(gateway.Send(Message(numbers[i], "message " + std::to_string(i + 1))).has_value());
  }
  std::vector<SentSms> all = gateway.Outbox(100);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].id, "SIM-000005");
  EXPECT_EQ(all[4].id, "SIM-000001");
  EXPECT_EQ(all[0].text, "message 5");

  std::vector<SentSms> two = gateway.Outbox(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].id, "SIM-000005");
  EXPECT_EQ(two[1].id, "SIM-000004");
  EXPECT_TRUE(gateway.Outbox(0).empty());

  std::vector<SentSms> to_one = gateway.Outbox(10, "+86 138 0013 8000");
  ASSERT_EQ(to_one.size(), 3u);
  EXPECT_EQ(to_one[0].id, "SIM-000005");
  EXPECT_EQ(to_one[1].id, "SIM-000003");
  EXPECT_EQ(to_one[2].id, "SIM-000001");
  EXPECT_EQ(gateway.Outbox(1, "13800138000").size(), 1u);
  EXPECT_TRUE(gateway.Outbox(10, "13600136000").empty());
  EXPECT_TRUE(gateway.Outbox(10, "not a number").empty());
}

TEST(SimulatorGateway, DropsTheOldestMessagesBeyondItsCapacity) {
  FakeClock clock(kStart);
  SimulatorGateway gateway(clock, /*capacity=*/3);
  for (int i = 1; i <= 7; ++i) {
    ASSERT_TRUE(gateway.Send(Message("13800138000", std::to_string(i))).has_value());
  }
  std::vector<SentSms> outbox = gateway.Outbox(100);
  ASSERT_EQ(outbox.size(), 3u);
  EXPECT_EQ(outbox[0].id, "SIM-000007");
  EXPECT_EQ(outbox[2].id, "SIM-000005");
  EXPECT_EQ(gateway.sent_count(), 7u);
  // Ids keep counting after the drops.
  EXPECT_EQ(gateway.Send(Message("13800138000", "8"))->id, "SIM-000008");
}

TEST(SimulatorGateway, DefaultCapacityIsTenThousand) {
  FakeClock clock(kStart);
  SimulatorGateway gateway(clock);
  for (int i = 0; i < 10'005; ++i) {
    ASSERT_TRUE(gateway.Send(Message("13800138000", "x")).has_value());
  }
  std::vector<SentSms> outbox = gateway.Outbox(20'000);
  ASSERT_EQ(outbox.size(), 10'000u);
  EXPECT_EQ(outbox.front().id, "SIM-010005");
  EXPECT_EQ(outbox.back().id, "SIM-000006");
}

TEST(SimulatorGateway, ThreadsSendingAtOnceGetDistinctIdsAndTheOutboxStaysOrdered) {
  FakeClock clock(kStart);
  // Smaller than all that is sent, so messages are dropped while others are sent.
  SimulatorGateway gateway(clock, /*capacity=*/1000);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string to = "1380013800" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        if (!gateway.Send(Message(to, std::to_string(i))).has_value()) ++failures;
        clock.Advance(milliseconds(1));
        // Readers run alongside the writers.
        if (i % 50 == 0 && gateway.Outbox(10).empty()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(gateway.sent_count(), static_cast<std::uint64_t>(kThreads * kPerThread));

  std::vector<SentSms> outbox = gateway.Outbox(5000);
  ASSERT_EQ(outbox.size(), 1000u);
  EXPECT_EQ(outbox.front().id, "SIM-001200");
  EXPECT_EQ(outbox.back().id, "SIM-000201");
  std::set<std::string> ids;
  for (size_t i = 0; i < outbox.size(); ++i) {
    ids.insert(outbox[i].id);
    if (i > 0) {
      EXPECT_GT(outbox[i - 1].id, outbox[i].id);
      EXPECT_GE(outbox[i - 1].sent_at, outbox[i].sent_at);
    }
  }
  EXPECT_EQ(ids.size(), 1000u);
  // What is kept of each thread's messages are its newest, in its own order: 299, 298, ...
  size_t kept = 0;
  for (int t = 0; t < kThreads; ++t) {
    std::vector<SentSms> own = gateway.Outbox(5000, "1380013800" + std::to_string(t));
    for (size_t i = 0; i < own.size(); ++i) {
      EXPECT_EQ(own[i].text, std::to_string(kPerThread - 1 - static_cast<int>(i)));
    }
    kept += own.size();
  }
  EXPECT_EQ(kept, 1000u);
}

// ---------------------------------------------------------------------------------------------
// HttpGateway configuration

nlohmann::json GoodConfig() {
  return {{"url", "http://127.0.0.1:8025/sms/send"},
          {"body_template", R"({"mobile": "{to}", "content": "{text}"})"},
          {"content_type", "application/json"},
          {"sign_name", "平安分局"}};
}

TEST(HttpGatewayConfig, ReadsAFullConfiguration) {
  nlohmann::json json = GoodConfig();
  json["url"] = "http://sms-relay.local:9000/api/v2/send?channel=police#ignored";
  json["content_type"] = "application/x-www-form-urlencoded; charset=utf-8";
  json["body_template"] = "mobile={to}&content={text}&ts={timestamp}";
  json["secret"] = "s3cret";
  json["id_field"] = "/data/msg_id";
  json["timeout_ms"] = 1500;
  Result<HttpGatewayConfig> config = ParseHttpGatewayConfig(json);
  ASSERT_TRUE(config.has_value()) << config.error().field << ": " << config.error().message;
  EXPECT_EQ(config->host, "sms-relay.local");
  EXPECT_EQ(config->port, 9000);
  EXPECT_EQ(config->target, "/api/v2/send?channel=police");
  EXPECT_EQ(config->encoding, BodyEncoding::kForm);
  EXPECT_EQ(config->content_type, "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(config->sign_name, "平安分局");
  EXPECT_EQ(config->secret, "s3cret");
  EXPECT_EQ(config->id_field, "/data/msg_id");
  EXPECT_EQ(config->timeout, milliseconds(1500));
}

TEST(HttpGatewayConfig, AppliesDefaultsAndReadsUrlForms) {
  nlohmann::json json = GoodConfig();
  json.erase("content_type");
  json["url"] = "HTTP://Example.com";
  Result<HttpGatewayConfig> config = ParseHttpGatewayConfig(json);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->host, "Example.com");
  EXPECT_EQ(config->port, 80);
  EXPECT_EQ(config->target, "/");
  EXPECT_EQ(config->encoding, BodyEncoding::kJson);
  EXPECT_EQ(config->content_type, "application/json");
  EXPECT_EQ(config->timeout, milliseconds(5000));
  EXPECT_TRUE(config->secret.empty());
  EXPECT_TRUE(config->id_field.empty());

  json["url"] = "http://[::1]:8080/send";
  config = ParseHttpGatewayConfig(json);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->host, "::1");
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->target, "/send");
}

struct BadConfigCase {
  const char* key;
  nlohmann::json value;  // null: remove the key
  const char* field;
  const char* message_part;
};

TEST(HttpGatewayConfig, NamesTheFieldOfEachMistake) {
  const BadConfigCase cases[] = {
      {"url", "https://sms.example.com/send", "url", "TLS is not built in"},
      {"url", nullptr, "url", "required"},
      {"url", 42, "url", "string"},
      {"url", "ftp://example.com/", "url", "http://"},
      {"url", "example.com/send", "url", "http://host"},
      {"url", "http://:8080/send", "url", "no host"},
      {"url", "http://example.com:0/", "url", "port"},
      {"url", "http://example.com:99999/", "url", "port"},
      {"url", "http://example.com:80a/", "url", "port"},
      {"url", "http://user:pw@example.com/", "url", "credentials"},
      {"url", "http://example.com/a b", "url", "spaces"},
      {"body_template", nullptr, "body_template", "required"},
      {"body_template", R"({"mobile": "{phone}", "content": "{text}"})", "body_template",
       "{phone}"},
      {"body_template", R"({"mobile": "{to}"})", "body_template", "{text}"},
      {"body_template", R"({"mobile": "{to}", "content": {text}})", "body_template", "not JSON"},
      {"content_type", "text/plain", "content_type", "application/json"},
      {"sign_name", nullptr, "sign_name", "required"},
      {"sign_name", "【平安分局】", "sign_name", "【】"},
      {"sign_name", "平安分局平安分局平安分局平安分局平安分局平", "sign_name", "20"},
      {"secret", "", "secret", "empty"},
      {"secret", 7, "secret", "string"},
      {"id_field", "/data/~2", "id_field", "JSON pointer"},
      {"timeout_ms", 0, "timeout_ms", "1 to 60000"},
      {"timeout_ms", 60001, "timeout_ms", "1 to 60000"},
      {"timeout_ms", "5000", "timeout_ms", "whole number"},
      {"timeout_ms", 1.5, "timeout_ms", "whole number"},
      {"sender", "x", "sender", "unknown field"},
  };
  for (const BadConfigCase& c : cases) {
    nlohmann::json json = GoodConfig();
    if (c.value.is_null()) {
      json.erase(c.key);
    } else {
      json[c.key] = c.value;
    }
    SCOPED_TRACE(json.dump());
    Result<HttpGatewayConfig> config = ParseHttpGatewayConfig(json);
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(config.error().field, c.field);
    EXPECT_NE(config.error().message.find(c.message_part), std::string::npos)
        << config.error().message;
  }
  EXPECT_FALSE(ParseHttpGatewayConfig(nlohmann::json::array()).has_value());
}

// ---------------------------------------------------------------------------------------------
// HMAC

// HMAC-SHA256 written out from its definition over libsodium's plain SHA-256, to check the
// gateway's signature by a second route: H((K ^ opad) || H((K ^ ipad) || m)).
std::string ReferenceHmacSha256Hex(const std::string& key, const std::string& message) {
  std::string block_key = key;
  if (block_key.size() > 64) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    block_key.assign(reinterpret_cast<const char*>(digest), sizeof digest);
  }
  block_key.resize(64, '\0');
  std::string inner(64, '\0');
  std::string outer(64, '\0');
  for (int i = 0; i < 64; ++i) {
    inner[i] = static_cast<char>(block_key[i] ^ 0x36);
    outer[i] = static_cast<char>(block_key[i] ^ 0x5c);
  }
  inner += message;
  unsigned char inner_digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(inner_digest, reinterpret_cast<const unsigned char*>(inner.data()),
                     inner.size());
  outer.append(reinterpret_cast<const char*>(inner_digest), sizeof inner_digest);
  unsigned char mac[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(mac, reinterpret_cast<const unsigned char*>(outer.data()), outer.size());
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

TEST(HmacSha256Hex, MatchesRfc4231AndTheDefinition) {
  // RFC 4231, test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(ReferenceHmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block is hashed first.
  const std::string long_key(131, '\xaa');
  EXPECT_EQ(HmacSha256Hex(long_key, "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// ---------------------------------------------------------------------------------------------
// HttpGateway against a real HTTP server on the loopback interface

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct CannedReply {
  unsigned status = 200;
  std::string body = "{}";
  bool answers = true;  // false: read the request, then hold the connection without a word
};

// An SMS provider stand-in: accepts connections one at a time on 127.0.0.1, records each
// request, and answers all of them alike.
class LoopbackProvider {
 public:
  explicit LoopbackProvider(CannedReply reply) : reply_(std::move(reply)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackProvider() {
    stopping_ = true;
    // Wake the blocking accept with a connection of our own.
    boost::system::error_code ec;
    net::io_context ioc;
    tcp::socket waker(ioc);
    waker.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }
  LoopbackProvider(const LoopbackProvider&) = delete;
  LoopbackProvider& operator=(const LoopbackProvider&) = delete;

  std::uint16_t port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    std::vector<tcp::socket> held;  // connections left unanswered, closed when we stop
    while (true) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping_ || ec) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      ReceivedRequest received{.method = std::string(request.method_string()),
                               .target = std::string(request.target()),
                               .headers = {},
                               .body = request.body()};
      for (const auto& field : request) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        received.headers[name] = std::string(field.value());
      }
      {
        std::lock_guard lock(mu_);
        requests_.push_back(std::move(received));
      }
      if (!reply_.answers) {
        held.push_back(std::move(socket));
        continue;
      }
      http::response<http::string_body> response{static_cast<http::status>(reply_.status), 11};
      response.set(http::field::content_type, "application/json");
      response.body() = reply_.body;
      response.prepare_payload();
      http::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  const CannedReply reply_;
  net::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

HttpGatewayConfig ConfigFor(nlohmann::json json) {
  Result<HttpGatewayConfig> config = ParseHttpGatewayConfig(json);
  EXPECT_TRUE(config.has_value()) << config.error().field << ": " << config.error().message;
  return *config;
}

TEST(HttpGateway, PostsTheJsonTemplateWithEscapedChineseTextAndASignatureAndReadsTheId) {
  LoopbackProvider provider(
      {.status = 200, .body = R"({"code": 0, "data": {"msg_id": "abc-123"}})"});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/sms/send?v=2")},
                                 {"body_template", R"({"mobile":"{to}","content":"{text}",)"
                                                   R"("sign":"{sign}","ts":{timestamp},)"
                                                   R"("biz":"{purpose}"})"},
                                 {"content_type", "application/json; charset=utf-8"},
                                 {"sign_name", "平安分局"},
                                 {"secret", "provider-secret"},
                                 {"id_field", "/data/msg_id"}}),
                      clock);
  EXPECT_EQ(gateway.name(), "http");

  const std::string text = "他说\"你好\"\n满意请回1\\";
  Result<SentSms> sent = gateway.Send(Message("+86 138 0013 8000", text));
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  EXPECT_EQ(sent->id, "abc-123");
  EXPECT_EQ(sent->to, "13800138000");
  EXPECT_EQ(sent->text, "【平安分局】" + text);
  EXPECT_EQ(sent->purpose, "callback");
  EXPECT_EQ(sent->sent_at, kStart);
  EXPECT_EQ(sent->status, "accepted");

  std::vector<ReceivedRequest> requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/sms/send?v=2");
  EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.headers.at("host"), "127.0.0.1:" + std::to_string(provider.port()));
  EXPECT_EQ(r.body,
            "{\"mobile\":\"13800138000\",\"content\":\"【平安分局】他说\\\"你好\\\"\\n"
            "满意请回1\\\\\",\"sign\":\"平安分局\",\"ts\":1700000000,\"biz\":\"callback\"}");
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(r.body.size()));
  // The body is JSON and carries the text unchanged.
  nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["content"], "【平安分局】" + text);
  EXPECT_EQ(body["ts"], 1'700'000'000);
  EXPECT_EQ(r.headers.at("x-timestamp"), "1700000000");
  EXPECT_EQ(r.headers.at("x-signature"), ReferenceHmacSha256Hex("provider-secret", r.body));
}

TEST(HttpGateway, PostsAPercentEncodedFormAndReadsANumericIdFromATopLevelKey) {
  LoopbackProvider provider({.status = 201, .body = R"({"id": 12345, "ok": true})"});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/send")},
                                 {"body_template", "mobile={to}&msg={text}&t={timestamp}"},
                                 {"content_type", "application/x-www-form-urlencoded"},
                                 {"sign_name", "平安分局"},
                                 {"id_field", "id"}}),
                      clock);
  Result<SentSms> sent = gateway.Send(Message("13800138000", "a b&c=d 回访：满意请回1"));
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  EXPECT_EQ(sent->id, "12345");

  std::vector<ReceivedRequest> requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  // Expected bytes from Python's urllib.parse.quote(s, safe="-._~").
  EXPECT_EQ(requests[0].body,
            "mobile=13800138000&msg=%E3%80%90%E5%B9%B3%E5%AE%89%E5%88%86%E5%B1%80%E3%80%91a%20b%26c"
            "%3Dd%20%E5%9B%9E%E8%AE%BF%EF%BC%9A%E6%BB%A1%E6%84%8F%E8%AF%B7%E5%9B%9E1&t=1700000000");
  // No secret, no signature headers.
  EXPECT_EQ(requests[0].headers.count("x-signature"), 0u);
  EXPECT_EQ(requests[0].headers.count("x-timestamp"), 0u);
}

TEST(HttpGateway, WithoutAnIdFieldGivesALocalId) {
  LoopbackProvider provider({.status = 200, .body = "OK"});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/")},
                                 {"body_template", R"({"to":"{to}","text":"{text}"})"},
                                 {"sign_name", "平安分局"}}),
                      clock);
  Result<SentSms> first = gateway.Send(Message("13800138000", "one"));
  Result<SentSms> second = gateway.Send(Message("13800138000", "two"));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_TRUE(first->id.starts_with("local-"));
  EXPECT_EQ(first->id.size(), 6u + 16u);
  EXPECT_NE(first->id, second->id);
  EXPECT_EQ(provider.requests().size(), 2u);
}

TEST(HttpGateway, ANon2xxReplyIsAnErrorNamingTheStatusAndQuotingTheBody) {
  LoopbackProvider provider({.status = 500, .body = R"({"error": "quota exceeded for today"})"});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/send")},
                                 {"body_template", R"({"to":"{to}","text":"{text}"})"},
                                 {"sign_name", "平安分局"},
                                 {"id_field", "id"}}),
                      clock);
  Result<SentSms> sent = gateway.Send(Message("13800138000", "hello"));
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(sent.error().message.find("500"), std::string::npos) << sent.error().message;
  EXPECT_NE(sent.error().message.find("quota exceeded for today"), std::string::npos)
      << sent.error().message;
}

TEST(HttpGateway, A200ReplyWithoutTheIdIsAnError) {
  // Providers often report a refusal as 200 with an error code instead of an id.
  LoopbackProvider provider({.status = 200, .body = R"({"code": "BLACKLISTED"})"});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/send")},
                                 {"body_template", R"({"to":"{to}","text":"{text}"})"},
                                 {"sign_name", "平安分局"},
                                 {"id_field", "/data/msg_id"}}),
                      clock);
  Result<SentSms> sent = gateway.Send(Message("13800138000", "hello"));
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(sent.error().message.find("no message id at /data/msg_id"), std::string::npos)
      << sent.error().message;
  EXPECT_NE(sent.error().message.find("BLACKLISTED"), std::string::npos);
}

TEST(HttpGateway, AProviderThatNeverAnswersTimesOutWithinTheLimit) {
  LoopbackProvider provider({.answers = false});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/send")},
                                 {"body_template", R"({"to":"{to}","text":"{text}"})"},
                                 {"sign_name", "平安分局"},
                                 {"timeout_ms", 300}}),
                      clock);
  const auto started = std::chrono::steady_clock::now();
  Result<SentSms> sent = gateway.Send(Message("13800138000", "hello"));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(sent.error().message.find("timed out after 300 ms while waiting for the reply"),
            std::string::npos)
      << sent.error().message;
  EXPECT_GE(elapsed, milliseconds(290));
  EXPECT_LT(elapsed, milliseconds(2000));
  // The request did arrive; only the answer is missing.
  EXPECT_EQ(provider.requests().size(), 1u);
}

TEST(HttpGateway, ARefusedConnectionIsAnError) {
  // A port that was just free: bind, note it, close.
  std::uint16_t port = 0;
  {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", "http://127.0.0.1:" + std::to_string(port) + "/send"},
                                 {"body_template", R"({"to":"{to}","text":"{text}"})"},
                                 {"sign_name", "平安分局"}}),
                      clock);
  const auto started = std::chrono::steady_clock::now();
  Result<SentSms> sent = gateway.Send(Message("13800138000", "hello"));
  ASSERT_FALSE(sent.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(sent.error().message.find("connecting"), std::string::npos) << sent.error().message;
  EXPECT_NE(sent.error().message.find("refused"), std::string::npos) << sent.error().message;
}

TEST(HttpGateway, ABadMessageIsRefusedBeforeAnyRequest) {
  LoopbackProvider provider(CannedReply{});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/send")},
                                 {"body_template", R"({"to":"{to}","text":"{text}"})"},
                                 {"sign_name", "平安分局"}}),
                      clock);
  Result<SentSms> bad_number = gateway.Send(Message("110", "hello"));
  ASSERT_FALSE(bad_number.has_value());
  EXPECT_EQ(bad_number.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(bad_number.error().field, "to");
  Result<SentSms> bad_text = gateway.Send(Message("13800138000", Repeat("长", 501)));
  ASSERT_FALSE(bad_text.has_value());
  EXPECT_EQ(bad_text.error().field, "text");
  EXPECT_TRUE(provider.requests().empty());
}

TEST(HttpGateway, ConcurrentSendsEachGetTheirOwnConnection) {
  LoopbackProvider provider({.status = 200, .body = R"({"id": "x"})"});
  FakeClock clock(kStart);
  HttpGateway gateway(ConfigFor({{"url", provider.Url("/send")},
                                 {"body_template", R"({"to":"{to}","text":"{text}"})"},
                                 {"sign_name", "平安分局"},
                                 {"id_field", "id"}}),
                      clock);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        if (gateway.Send(Message("13800138000", std::to_string(t * 10 + i))).has_value()) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 15);
  std::vector<ReceivedRequest> requests = provider.requests();
  ASSERT_EQ(requests.size(), 15u);
  std::set<std::string> texts;
  for (const ReceivedRequest& r : requests) {
    texts.insert(nlohmann::json::parse(r.body)["text"].get<std::string>());
  }
  EXPECT_EQ(texts.size(), 15u);
}

// ---------------------------------------------------------------------------------------------
// Satisfaction replies

struct ReplyCase {
  const char* reply;
  std::optional<Satisfaction> expected;
};

TEST(SatisfactionReply, ReadsCodesAndWordsAndRefusesEverythingElse) {
  const ReplyCase cases[] = {
      {"1", Satisfaction::kSatisfied},
      {"2", Satisfaction::kBasicallySatisfied},
      {"3", Satisfaction::kDissatisfied},
      {"１", Satisfaction::kSatisfied},
      {"２", Satisfaction::kBasicallySatisfied},
      {"３", Satisfaction::kDissatisfied},
      {"  2\r\n", Satisfaction::kBasicallySatisfied},
      {"\u30003\u3000", Satisfaction::kDissatisfied},
      {"1。", Satisfaction::kSatisfied},
      {"“3”", Satisfaction::kDissatisfied},
      {"满意", Satisfaction::kSatisfied},
      {"满意！", Satisfaction::kSatisfied},
      {"基本满意", Satisfaction::kBasicallySatisfied},
      {"【基本满意】", Satisfaction::kBasicallySatisfied},
      {"不满意", Satisfaction::kDissatisfied},
      {" 不满意!!! ", Satisfaction::kDissatisfied},
      {"不满意。。。", Satisfaction::kDissatisfied},
      {"(不满意)", Satisfaction::kDissatisfied},
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"。", std::nullopt},
      {"0", std::nullopt},
      {"4", std::nullopt},
      {"12", std::nullopt},
      {"１２", std::nullopt},
      {"1 满意", std::nullopt},
      {"我不满意", std::nullopt},
      {"不太满意", std::nullopt},
      {"非常满意", std::nullopt},
      {"满", std::nullopt},
      {"意", std::nullopt},
      {"不满意满意", std::nullopt},
      {"基本", std::nullopt},
      {"yes", std::nullopt},
      {"\xFF", std::nullopt},
  };
  for (const ReplyCase& c : cases) {
    SCOPED_TRACE(c.reply);
    EXPECT_EQ(ParseSatisfactionReply(c.reply), c.expected);
  }
}

TEST(SatisfactionReply, NamesEachAnswer) {
  EXPECT_EQ(ToString(Satisfaction::kSatisfied), "satisfied");
  EXPECT_EQ(ToString(Satisfaction::kBasicallySatisfied), "basically_satisfied");
  EXPECT_EQ(ToString(Satisfaction::kDissatisfied), "dissatisfied");
  EXPECT_EQ(static_cast<int>(Satisfaction::kSatisfied), 1);
  EXPECT_EQ(static_cast<int>(Satisfaction::kBasicallySatisfied), 2);
  EXPECT_EQ(static_cast<int>(Satisfaction::kDissatisfied), 3);
}

}  // namespace
}  // namespace pingan::sms
