#include "ingest/jt808_server.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "ingest/fake_position_sink.h"
#include "ingest/jt808_codec.h"
#include "ingest/tcp_test_client.h"
#include "ingest/test_vectors.h"

namespace pingan::ingest {
namespace {

using std::chrono::milliseconds;
using test::FromHex;
using test::ToHex;

const std::string kVectorsPath = PINGAN_SHARED_DATA "/protocol-vectors/jt808_traccar.tsv";
const std::string kKnownPhone = "013800138000";
const std::string kKnownDevice = "13800138000";

Bytes VectorFrame(const std::string& source_line) {
  for (const auto& row : test::ReadTsv(kVectorsPath)) {
    if (row.at(0) == source_line) return FromHex(row.at(3));
  }
  ADD_FAILURE() << "no vector at line " << source_line;
  return {};
}

// A terminal message, built with the codec's frame builder (its "platform serial" is the
// terminal's serial here).
Bytes TerminalMessage(const std::string& phone, std::uint16_t message_id, std::uint16_t serial,
                      const std::string& body_hex) {
  Jt808Header header;
  header.phone = phone;
  return BuildJt808Frame(header, message_id, serial, FromHex(body_hex));
}

// 2013 registration: province 44, city 303, maker "70111", model "PINGAN-T1", terminal
// "T000001", blue plate 京A12345 (GBK BEA9).
const std::string kRegisterBody =
    "002c012f"
    "3730313131"
    "50494e47414e2d5431" +
    std::string(22, '0') +
    "54303030303031"
    "01"
    "bea9" +
    "413132333435";
// 0x0200: no alarm, status 2 (positioned), 39.908740 N 116.397506 E, 50 m, 36.0 km/h, 90°,
// 2026-11-23 16:00:00 Beijing, then additional item 01 (mileage) of 4 bytes.
const std::string kLocationBody =
    "00000000"
    "00000002"
    "0260f584"
    "06f015c2"
    "0032"
    "0168"
    "005a"
    "261123160000"
    "010400000064";

// Frames in `bytes`, each with its flags.
std::vector<std::string> FramesOf(const std::vector<std::uint8_t>& bytes) {
  Jt808FrameSplitter splitter;
  std::vector<std::string> out;
  for (Result<Bytes>& frame : splitter.Feed(bytes)) {
    if (frame) out.push_back("7e" + ToHex(*frame) + "7e");
  }
  return out;
}

bool HasFrames(const std::vector<std::uint8_t>& bytes, std::size_t count) {
  return FramesOf(bytes).size() >= count;
}

class Jt808ServerTest : public ::testing::Test {
 protected:
  void StartServer(Jt808ServerOptions options = {}) {
    options.threads = 2;
    server_ = std::make_unique<Jt808Server>(options, sink_);
    Result<std::uint16_t> port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
  }

  // Sends `request` and returns the frames answered, waiting for `count` of them.
  std::vector<std::string> Exchange(test::TcpTestClient& client, const Bytes& request,
                                    std::size_t count = 1) {
    client.clear_received();
    EXPECT_TRUE(client.Send(request));
    EXPECT_TRUE(client.ReceiveUntil([&](const auto& bytes) { return HasFrames(bytes, count); }));
    return FramesOf(client.received());
  }

  test::FakePositionSink sink_{{kKnownDevice, "866496077582164", "13567777777"}};
  std::unique_ptr<Jt808Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(Jt808ServerTest, RegisterAuthenticateAndReportAKnownTerminal) {
  StartServer();
  test::TcpTestClient client(port_);
  ASSERT_TRUE(client.is_connected());

  // 8100 | 000e | phone | platform serial 0 | reply serial 0001, result 0, "13800138000" | 14
  EXPECT_EQ(Exchange(client, TerminalMessage(kKnownPhone, kJt808Register, 1, kRegisterBody)),
            std::vector<std::string>{"7e8100000e01380013800000000001003133383030313338303030147e"});

  // 8001 | 0005 | phone | serial 1 | 0002 0102 00 | 2e
  EXPECT_EQ(Exchange(client, TerminalMessage(kKnownPhone, kJt808Authentication, 2,
                                             "3133383030313338303030")),
            std::vector<std::string>{"7e80010005013800138000000100020102002e7e"});

  // 8001 | 0005 | phone | serial 2 | 0003 0200 00 | 2d
  EXPECT_EQ(Exchange(client, TerminalMessage(kKnownPhone, kJt808Location, 3, kLocationBody)),
            std::vector<std::string>{"7e80010005013800138000000200030200002d7e"});

  std::vector<test::FakePositionSink::Submission> submissions = sink_.submissions();
  ASSERT_EQ(submissions.size(), 1u);
  EXPECT_EQ(submissions[0].protocol, Protocol::kJt808);
  EXPECT_EQ(submissions[0].identifier, kKnownDevice);
  ASSERT_EQ(submissions[0].fixes.size(), 1u);
  const DeviceFix& fix = submissions[0].fixes[0];
  EXPECT_DOUBLE_EQ(fix.lat, 39.908740);
  EXPECT_DOUBLE_EQ(fix.lon, 116.397506);
  EXPECT_NEAR(fix.speed_mps, 10.0, 1e-12);
  EXPECT_EQ(fix.heading_deg, 90);
  EXPECT_EQ(fix.altitude_m, 50);
  EXPECT_TRUE(fix.is_valid_fix);
  EXPECT_EQ(fix.time, ParseTime("2026-11-23T08:00:00Z").value());
}

TEST_F(Jt808ServerTest, AnUnknownTerminalIsRefusedAtEveryStep) {
  StartServer();
  test::TcpTestClient client(port_);
  const std::string phone = "019900000001";
  // 8100 result 4 (no such terminal) and no auth code: body 0001 04.
  EXPECT_EQ(Exchange(client, TerminalMessage(phone, kJt808Register, 1, kRegisterBody)),
            std::vector<std::string>{"7e810000030199000000010000000104"
                                     "1e7e"});
  std::vector<std::string> auth =
      Exchange(client, TerminalMessage(phone, kJt808Authentication, 2, "3132"));
  ASSERT_EQ(auth.size(), 1u);
  EXPECT_EQ(auth[0].substr(auth[0].size() - 6, 2), "01");  // result 1: failure
  std::vector<std::string> location =
      Exchange(client, TerminalMessage(phone, kJt808Location, 3, kLocationBody));
  ASSERT_EQ(location.size(), 1u);
  EXPECT_EQ(location[0].substr(location[0].size() - 6, 2), "01");
  EXPECT_EQ(sink_.submissions().size(), 1u);  // submitted, and refused by the sink
}

TEST_F(Jt808ServerTest, AMalformedFrameDoesNotCloseTheConnection) {
  StartServer();
  test::TcpTestClient client(port_);
  // The heartbeat of the vectors (line 343) with its checksum changed: the header is readable,
  // so the answer is 8001 result 2 (message error) to serial 00b7.
  std::vector<std::string> bad = Exchange(client, FromHex("7e0002000004304832546500b7cb7e"));
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], ToHex(BuildJt808GeneralResponse(
                        *ReadJt808Header(FromHex("7e0002000004304832546500b7cb7e")), 0,
                        Jt808ResponseResult::kMessageError)));
  // Noise with no readable header gets no answer; the intact heartbeat after it does.
  Bytes noise_then_heartbeat = FromHex(
      "7e01027d7e"
      "7e0002000004304832546500b7ca7e");
  std::vector<std::string> good = Exchange(client, noise_then_heartbeat);
  ASSERT_EQ(good.size(), 1u);
  Result<Jt808Message> reply = DecodeJt808Frame(FromHex(good[0]));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(ToHex(reply->body), "00b7000200");  // serial 00b7, id 0002, success
  EXPECT_EQ(reply->header.serial, 1);
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(Jt808ServerTest, FramesSplitAcrossWritesAndJoinedInOneWrite) {
  StartServer();
  test::TcpTestClient client(port_);
  // The 8-fix batch of line 298 (phone 013567777777), in three writes cut mid-frame.
  Bytes batch = VectorFrame("298");
  ASSERT_FALSE(batch.empty());
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{100}}) {
    std::size_t end = cut == 100 ? batch.size() : (cut == 0 ? 5 : 100);
    ASSERT_TRUE(client.Send(std::span(batch).subspan(cut, end - cut)));
    std::this_thread::sleep_for(milliseconds(30));
  }
  ASSERT_TRUE(client.ReceiveUntil([](const auto& bytes) { return HasFrames(bytes, 1); }));
  ASSERT_TRUE(sink_.WaitForSubmissions(1));
  EXPECT_EQ(sink_.submissions()[0].identifier, "13567777777");
  EXPECT_EQ(sink_.submissions()[0].fixes.size(), 8u);

  // Two location reports in one write: two submissions, two answers in order.
  Bytes two = TerminalMessage(kKnownPhone, kJt808Location, 7, kLocationBody);
  Bytes second = TerminalMessage(kKnownPhone, kJt808Location, 8, kLocationBody);
  two.insert(two.end(), second.begin(), second.end());
  std::vector<std::string> replies = Exchange(client, two, 2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(ToHex(DecodeJt808Frame(FromHex(replies[0]))->body), "0007020000");
  EXPECT_EQ(ToHex(DecodeJt808Frame(FromHex(replies[1]))->body), "0008020000");
  EXPECT_EQ(sink_.submissions().size(), 3u);
}

TEST_F(Jt808ServerTest, AnswersWaitForTheSinkAndKeepTheirOrder) {
  StartServer();
  sink_.set_holding(true);
  test::TcpTestClient client(port_);
  Bytes both = TerminalMessage(kKnownPhone, kJt808Location, 1, kLocationBody);
  Bytes heartbeat = TerminalMessage(kKnownPhone, kJt808Heartbeat, 2, "");
  both.insert(both.end(), heartbeat.begin(), heartbeat.end());
  ASSERT_TRUE(client.Send(both));
  ASSERT_TRUE(sink_.WaitForSubmissions(1));
  // Not even the heartbeat is answered before the location is durable.
  EXPECT_FALSE(
      client.ReceiveUntil([](const auto& bytes) { return !bytes.empty(); }, milliseconds(200)));
  sink_.ReleaseHeld();
  ASSERT_TRUE(client.ReceiveUntil([](const auto& bytes) { return HasFrames(bytes, 2); }));
  std::vector<std::string> replies = FramesOf(client.received());
  EXPECT_EQ(ToHex(DecodeJt808Frame(FromHex(replies[0]))->body), "0001020000");
  EXPECT_EQ(ToHex(DecodeJt808Frame(FromHex(replies[1]))->body), "0002000200");
}

TEST_F(Jt808ServerTest, AnUnavailableSinkIsAFailure) {
  StartServer();
  sink_.set_result_for_known(SinkResult::kUnavailable);
  test::TcpTestClient client(port_);
  std::vector<std::string> replies =
      Exchange(client, TerminalMessage(kKnownPhone, kJt808Location, 1, kLocationBody));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(ToHex(DecodeJt808Frame(FromHex(replies[0]))->body), "0001020001");
}

TEST_F(Jt808ServerTest, UnsupportedAndBadBodiesGetTheirResults) {
  StartServer();
  test::TcpTestClient client(port_);
  // 0x0900 transparent data: result 3.
  std::vector<std::string> replies =
      Exchange(client, TerminalMessage(kKnownPhone, 0x0900, 1, "f0"));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(ToHex(DecodeJt808Frame(FromHex(replies[0]))->body), "0001090003");
  // A 0x0200 with 10 bytes of body: result 2, and nothing submitted.
  replies =
      Exchange(client, TerminalMessage(kKnownPhone, kJt808Location, 2, "00000000000000000000"));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(ToHex(DecodeJt808Frame(FromHex(replies[0]))->body), "0002020002");
  EXPECT_TRUE(sink_.submissions().empty());
}

TEST_F(Jt808ServerTest, Answers2019TerminalsWithA2019Header) {
  StartServer();
  test::TcpTestClient client(port_);
  // Line 33: 2019 batch from 00000866496077582164, serial 881d. The answer's checksum is 0x7e,
  // so it goes out escaped as 7d 02.
  EXPECT_EQ(Exchange(client, VectorFrame("33")),
            std::vector<std::string>{"7e8001400501000008664960775821640000881d0704007d027e"});
  ASSERT_EQ(sink_.submissions().size(), 1u);
  EXPECT_EQ(sink_.submissions()[0].identifier, "866496077582164");
}

TEST_F(Jt808ServerTest, ClosesIdleConnectionsAndRefusesOverTheCap) {
  Jt808ServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  options.max_connections = 1;
  StartServer(options);
  test::TcpTestClient first(port_);
  ASSERT_TRUE(first.is_connected());
  ASSERT_EQ(Exchange(first, TerminalMessage(kKnownPhone, kJt808Heartbeat, 1, "")).size(), 1u);
  test::TcpTestClient second(port_);
  EXPECT_TRUE(second.WaitForClose(milliseconds(2000)));
  EXPECT_TRUE(first.WaitForClose(milliseconds(3000)));
  // The server forgets the connection just after closing it.
  for (int i = 0; i < 100 && server_->connection_count() > 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(Jt808ServerTest, StopWithAnAnswerOutstandingIsSafe) {
  StartServer();
  sink_.set_holding(true);
  test::TcpTestClient client(port_);
  ASSERT_TRUE(client.Send(TerminalMessage(kKnownPhone, kJt808Location, 1, kLocationBody)));
  ASSERT_TRUE(sink_.WaitForSubmissions(1));
  server_->Stop();
  EXPECT_TRUE(client.WaitForClose(milliseconds(2000)));
  server_.reset();
  sink_.ReleaseHeld();  // the server is gone; the answer must go nowhere, safely
}

TEST_F(Jt808ServerTest, StartTwiceOrOnABadAddressFails) {
  StartServer();
  Result<std::uint16_t> again = server_->Start("127.0.0.1", 0);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  Jt808Server other({}, sink_);
  Result<std::uint16_t> bad = other.Start("not-an-address", 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  Jt808Server taken({}, sink_);
  Result<std::uint16_t> busy = taken.Start("127.0.0.1", port_);
  // SO_REUSEADDR does not allow two listeners on one port.
  ASSERT_FALSE(busy.has_value());
  EXPECT_EQ(busy.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace pingan::ingest
