#include "ingest/osmand_server.h"

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "ingest/fake_position_sink.h"
#include "ingest/tcp_test_client.h"
#include "support/http_client.h"

namespace pingan::ingest {
namespace {

using std::chrono::milliseconds;

class OsmAndServerTest : public ::testing::Test {
 protected:
  void StartServer(OsmAndServerOptions options = {}) {
    options.threads = 2;
    server_ = std::make_unique<OsmAndServer>(options, sink_, clock_);
    Result<std::uint16_t> port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
  }

  FakeClock clock_{ParseTime("2026-11-23T08:00:00Z").value()};
  test::FakePositionSink sink_{{"officer-7", "123456"}};
  std::unique_ptr<OsmAndServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(OsmAndServerTest, StoresAQueryStringFixAndAnswers200) {
  StartServer();
  test::HttpClient client("127.0.0.1", port_);
  test::HttpResult r =
      client.Get("/?id=123456&timestamp=1377177267&lat=60.0&lon=30.0&speed=10&bearing=45");
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(sink_.submissions().size(), 1u);
  const test::FakePositionSink::Submission submission = sink_.submissions()[0];
  EXPECT_EQ(submission.protocol, Protocol::kOsmAnd);
  EXPECT_EQ(submission.identifier, "123456");
  ASSERT_EQ(submission.fixes.size(), 1u);
  EXPECT_EQ(submission.fixes[0].time, ParseTime("2013-08-22T13:14:27Z").value());
  EXPECT_NEAR(submission.fixes[0].speed_mps, 5.1444, 1e-4);
  // Same connection, kept alive, any path; no timestamp takes the clock's time.
  r = client.Get("/osmand?id=123456&lat=60.1&lon=30.1");
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(sink_.submissions().size(), 2u);
  EXPECT_EQ(sink_.submissions()[1].fixes[0].time, clock_.Now());
}

TEST_F(OsmAndServerTest, StoresTheJsonBodyForm) {
  StartServer();
  test::HttpClient client("127.0.0.1", port_);
  test::HttpResult r = client.Request("POST", "/", R"({"device_id": "officer-7", "location": {
      "timestamp": "2026-11-23T07:59:58Z",
      "coords": {"latitude": 39.9087, "longitude": 116.3975, "speed": 1.5, "accuracy": 8}}})");
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(sink_.submissions().size(), 1u);
  EXPECT_EQ(sink_.submissions()[0].identifier, "officer-7");
  EXPECT_DOUBLE_EQ(sink_.submissions()[0].fixes[0].speed_mps, 1.5);
  EXPECT_DOUBLE_EQ(sink_.submissions()[0].fixes[0].accuracy_m, 8);
}

TEST_F(OsmAndServerTest, StoresAFormBody) {
  StartServer();
  test::HttpClient client("127.0.0.1", port_);
  std::string body = "id=123456&lat=60.0&lon=30.0";
  test::HttpResult r = client.SendRaw(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sink_.submissions().size(), 1u);
}

TEST_F(OsmAndServerTest, NamesTheBadParameterIn400) {
  StartServer();
  test::HttpClient client("127.0.0.1", port_);
  test::HttpResult r = client.Get("/?id=123456&lat=abc&lon=30.0");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("lat"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("abc"), std::string::npos) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/plain; charset=utf-8");
  // The connection stays usable after a refused request.
  EXPECT_EQ(client.Get("/?id=123456&lat=1&lon=2").status, 200);
  EXPECT_EQ(sink_.submissions().size(), 1u);
}

TEST_F(OsmAndServerTest, UnknownDeviceIs404AndUnavailableIs503) {
  StartServer();
  test::HttpClient client("127.0.0.1", port_);
  test::HttpResult r = client.Get("/?id=stranger&lat=1&lon=2");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("stranger"), std::string::npos);
  sink_.set_result_for_known(SinkResult::kUnavailable);
  EXPECT_EQ(client.Get("/?id=123456&lat=1&lon=2").status, 503);
}

TEST_F(OsmAndServerTest, OtherMethodsAre405) {
  StartServer();
  test::HttpClient client("127.0.0.1", port_);
  test::HttpResult r = client.Request("DELETE", "/?id=123456&lat=1&lon=2");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, POST");
  EXPECT_TRUE(sink_.submissions().empty());
}

TEST_F(OsmAndServerTest, OversizedAndMalformedRequestsAreRefusedAndClosed) {
  OsmAndServerOptions options;
  options.body_limit_bytes = 100;
  StartServer(options);
  test::HttpClient client("127.0.0.1", port_);
  EXPECT_EQ(client.Request("POST", "/", std::string(200, 'x')).status, 413);
  test::TcpTestClient raw(port_);
  ASSERT_TRUE(raw.Send(std::string("NOT HTTP AT ALL\r\n\r\n")));
  EXPECT_TRUE(raw.WaitForClose(milliseconds(2000)));
  std::string text(raw.received().begin(), raw.received().end());
  EXPECT_EQ(text.rfind("HTTP/1.1 400", 0), 0u) << text;
}

TEST_F(OsmAndServerTest, AnswersOnlyWhenTheSinkHasStored) {
  StartServer();
  sink_.set_holding(true);
  test::TcpTestClient raw(port_);
  ASSERT_TRUE(raw.Send(std::string("GET /?id=123456&lat=1&lon=2 HTTP/1.1\r\nHost: x\r\n\r\n")));
  ASSERT_TRUE(sink_.WaitForSubmissions(1));
  EXPECT_FALSE(
      raw.ReceiveUntil([](const auto& bytes) { return !bytes.empty(); }, milliseconds(200)));
  sink_.ReleaseHeld();
  ASSERT_TRUE(raw.ReceiveUntil([](const auto& bytes) {
    return std::string(bytes.begin(), bytes.end()).find("\r\n\r\n") != std::string::npos;
  }));
  std::string text(raw.received().begin(), raw.received().end());
  EXPECT_EQ(text.rfind("HTTP/1.1 200", 0), 0u) << text;
}

TEST_F(OsmAndServerTest, StopWithAnAnswerOutstandingIsSafe) {
  StartServer();
  sink_.set_holding(true);
  test::TcpTestClient raw(port_);
  ASSERT_TRUE(raw.Send(std::string("GET /?id=123456&lat=1&lon=2 HTTP/1.1\r\nHost: x\r\n\r\n")));
  ASSERT_TRUE(sink_.WaitForSubmissions(1));
  server_.reset();
  EXPECT_TRUE(raw.WaitForClose(milliseconds(2000)));
  sink_.ReleaseHeld();
}

TEST_F(OsmAndServerTest, ClosesIdleConnectionsAndRefusesOverTheCap) {
  OsmAndServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  options.max_connections = 1;
  StartServer(options);
  test::HttpClient client("127.0.0.1", port_);
  ASSERT_EQ(client.Get("/?id=123456&lat=1&lon=2").status, 200);
  test::TcpTestClient second(port_);
  EXPECT_TRUE(second.WaitForClose(milliseconds(2000)));
  test::TcpTestClient idle(port_);  // may be refused too while the first is open
  EXPECT_TRUE(idle.WaitForClose(milliseconds(3000)));
}

}  // namespace
}  // namespace pingan::ingest
