// Roads, dispatch recommendations and GPS terminals end to end: a real `pingan serve` with a
// real OSM road graph, a JT/T 808 TCP port and an OsmAnd HTTP port.
#include <chrono>
#include <cmath>
#include <regex>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "core/gcj02.h"
#include "ingest/jt808_codec.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/websocket_client.h"

namespace pingan::test {
namespace {

using nlohmann::json;
constexpr const char* kPassword = "correct-horse-7";
const std::string kPortland =
    std::string(PINGAN_SHARED_DATA) + "/maps/portland-central-2015.osm.pbf";

std::uint16_t PortAfter(const std::string& output, const std::string& label) {
  std::smatch m;
  std::regex re(label + R"( (?:on )?(?:http://)?127\.0\.0\.1:(\d+))");
  return std::regex_search(output, m, re) ? std::uint16_t(std::stoi(m[1])) : 0;
}

// A 0x0200 location report from terminal `phone` (12 BCD digits, 2013 header).
ingest::Bytes LocationFrame(const std::string& phone, uint16_t serial, double lon, double lat,
                            std::chrono::system_clock::time_point utc) {
  ingest::Bytes body;
  auto u32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) body.push_back(uint8_t(v >> s));
  };
  auto u16 = [&](uint16_t v) {
    body.push_back(uint8_t(v >> 8));
    body.push_back(uint8_t(v));
  };
  u32(0);    // alarm
  u32(0x2);  // status: fix valid, north, east
  u32(uint32_t(std::lround(std::abs(lat) * 1e6)));
  u32(uint32_t(std::lround(std::abs(lon) * 1e6)));
  if (lon < 0) body[7] |= 0x08;  // status bit 3: west longitude
  u16(12);                       // altitude
  u16(360);                      // 36.0 km/h
  u16(90);                       // heading
  std::time_t t = std::chrono::system_clock::to_time_t(utc + std::chrono::hours(8));
  std::tm tm{};
  gmtime_r(&t, &tm);
  for (int v : {tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec}) {
    body.push_back(uint8_t((v / 10) << 4 | (v % 10)));
  }
  ingest::Jt808Header header;
  header.message_id = 0x0200;
  header.version = ingest::Jt808Version::k2013;
  header.phone = phone;
  header.serial = serial;
  return ingest::BuildJt808Frame(header, 0x0200, serial, body);
}

class TcpClient {
 public:
  explicit TcpClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~TcpClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const ingest::Bytes& bytes) {
    ASSERT_EQ(::write(fd_, bytes.data(), bytes.size()), ssize_t(bytes.size()));
  }
  // The next whole frame from the server, decoded.
  std::optional<ingest::Jt808Message> Receive() {
    while (true) {
      if (!pending_.empty()) {
        auto frame = std::move(pending_.front());
        pending_.erase(pending_.begin());
        if (!frame) continue;
        auto message = ingest::DecodeJt808Frame(*frame);
        if (message) return *message;
        continue;
      }
      uint8_t buffer[512];
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) return std::nullopt;
      for (auto& f : splitter_.Feed({buffer, size_t(n)})) pending_.push_back(std::move(f));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  ingest::Jt808FrameSplitter splitter_;
  std::vector<Result<ingest::Bytes>> pending_;
};

class RoadsGpsTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    ASSERT_TRUE(AddUser(dir_->path(), "chen", "station_chief", kPassword));
    ASSERT_TRUE(AddUser(dir_->path(), "li", "dispatcher", kPassword));
    auto imported = RunPingan({"import", "roads", kPortland, "--data-dir", dir_->path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out;
    ASSERT_NE(imported.out.find("nodes"), std::string::npos) << imported.out;
    server_ = new ServerProcess(
        dir_->path(), {"--jt808-listen", "127.0.0.1:0", "--osmand-listen", "127.0.0.1:0"});
    ASSERT_NE(server_->port(), 0) << server_->output();
    jt808_port_ = PortAfter(server_->output(), "JT/T 808");
    osmand_port_ = PortAfter(server_->output(), "OsmAnd");
    ASSERT_NE(jt808_port_, 0) << server_->output();
    ASSERT_NE(osmand_port_, 0) << server_->output();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static std::unique_ptr<HttpClient> As(const std::string& user) {
    auto client = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    EXPECT_EQ(client->Login(user, kPassword).status, 201);
    return client;
  }
  static std::int64_t NewUnit(const std::string& callsign, const std::string& force = "patrol",
                              const std::string& mode = "car") {
    HttpResult r =
        As("chen")->Post("/api/units", {{"callsign", callsign}, {"force", force}, {"mode", mode}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("id", 0);
  }
  static void Place(std::int64_t unit, double lon, double lat) {
    HttpResult r =
        As("li")->Post(fmt("/api/units/{}/position", unit), {{"lon", lon}, {"lat", lat}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  template <typename... A>
  static std::string fmt(const std::string& pattern, A... a) {
    std::string out = pattern;
    ((out.replace(out.find("{}"), 2, std::to_string(a))), ...);
    return out;
  }
  static TempDir* dir_;
  static ServerProcess* server_;
  static std::uint16_t jt808_port_, osmand_port_;
};
TempDir* RoadsGpsTest::dir_ = nullptr;
ServerProcess* RoadsGpsTest::server_ = nullptr;
std::uint16_t RoadsGpsTest::jt808_port_ = 0;
std::uint16_t RoadsGpsTest::osmand_port_ = 0;

TEST_F(RoadsGpsTest, RecommendationsRankUnitsByRoadAndSayWhy) {
  auto li = As("li");
  std::int64_t near = NewUnit("R-1"), farther = NewUnit("R-2"), busy = NewUnit("R-3"),
               guard = NewUnit("R-4", "guard", "foot");
  Place(near, -122.6790, 45.5190);     // downtown, a few blocks away
  Place(farther, -122.6600, 45.5300);  // across the river
  Place(busy, -122.6770, 45.5195);
  Place(guard, -122.6770, 45.5195);
  ASSERT_EQ(li->Post(fmt("/api/units/{}/status", busy), {{"status", "busy"}}).status, 200);
  HttpResult created = li->Post("/api/incidents", {{"category", "traffic"},
                                                   {"priority", 2},
                                                   {"lon", -122.6765},
                                                   {"lat", 45.5200},
                                                   {"address", "SW Broadway"}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::int64_t incident = created.Json()["id"];

  HttpResult r = li->Get(fmt("/api/incidents/{}/recommendations?k=2", incident));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.Json();
  ASSERT_EQ(body["recommendations"].size(), 2u) << body.dump(2);
  json first = body["recommendations"][0], second = body["recommendations"][1];
  EXPECT_EQ(first["unit_id"], near);
  EXPECT_EQ(second["unit_id"], farther);
  EXPECT_LT(first["eta_s"].get<double>(), second["eta_s"].get<double>());
  EXPECT_GT(first["distance_m"].get<double>(), 0);
  EXPECT_EQ(first["reason"], "fastest_by_road");
  EXPECT_EQ(first["route"]["type"], "LineString");
  EXPECT_GE(first["route"]["coordinates"].size(), 2u);
  EXPECT_EQ(body["shortfall"], 0);
  std::map<std::int64_t, std::string> passed;
  for (const auto& p : body["passed_over"]) passed[p["unit_id"]] = p["reason"];
  EXPECT_EQ(passed[busy], "busy");
  EXPECT_EQ(passed[guard], "wrong_force") << "guards are not sent to traffic accidents";

  EXPECT_EQ(li->Get(fmt("/api/incidents/{}/recommendations?k=0", incident)).Json()["field"], "k");
  EXPECT_EQ(li->Get("/api/incidents/999999/recommendations").status, 404);
  EXPECT_EQ(li->Get("/api/roads").Json()["loaded"], true);
}

TEST_F(RoadsGpsTest, DeviceBindingsAreValidated) {
  auto chen = As("chen");
  std::int64_t unit = NewUnit("D-1");
  EXPECT_EQ(chen->Post("/api/devices",
                       {{"protocol", "carrier-pigeon"}, {"identifier", "1"}, {"unit_id", unit}})
                .Json()["field"],
            "protocol");
  EXPECT_EQ(
      chen->Post("/api/devices", {{"protocol", "jt808"}, {"identifier", "13x"}, {"unit_id", unit}})
          .Json()["field"],
      "identifier");
  EXPECT_EQ(
      chen->Post("/api/devices", {{"protocol", "osmand"}, {"identifier", "a"}, {"unit_id", 424242}})
          .status,
      404);
  EXPECT_EQ(
      As("li")
          ->Post("/api/devices", {{"protocol", "osmand"}, {"identifier", "a"}, {"unit_id", unit}})
          .status,
      403);
}

TEST_F(RoadsGpsTest, OsmAndReportsMoveTheUnit) {
  auto chen = As("chen");
  std::int64_t unit = NewUnit("O-1");
  ASSERT_EQ(chen->Post("/api/devices",
                       {{"protocol", "osmand"}, {"identifier", "traccar-77"}, {"unit_id", unit}})
                .status,
            201);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  HttpClient phone("127.0.0.1", osmand_port_);
  HttpResult r = phone.Request("GET", "/?id=traccar-77&lat=45.5231&lon=-122.6765&timestamp=" +
                                          std::to_string(now) + "&speed=5&bearing=90&accuracy=8");
  ASSERT_EQ(r.status, 200) << r.body;
  json position = chen->Get(fmt("/api/units/{}", unit)).Json()["position"];
  ASSERT_TRUE(position.is_object());
  EXPECT_NEAR(position["lon"].get<double>(), -122.6765, 1e-6);
  EXPECT_NEAR(position["lat"].get<double>(), 45.5231, 1e-6);
  EXPECT_EQ(
      phone.Request("GET", "/?id=stranger&lat=45.5&lon=-122.6&timestamp=" + std::to_string(now))
          .status,
      404);
  EXPECT_EQ(phone.Request("GET", "/?id=traccar-77&lat=north&lon=-122.6").status, 400);
}

TEST_F(RoadsGpsTest, Jt808TerminalsAreAckedAfterTheirFixIsStored) {
  auto chen = As("chen");
  std::int64_t unit = NewUnit("J-1"), china_unit = NewUnit("J-2");
  ASSERT_EQ(chen->Post("/api/devices",
                       {{"protocol", "jt808"}, {"identifier", "013912345678"}, {"unit_id", unit}})
                .status,
            201);
  ASSERT_EQ(chen->Post("/api/devices", {{"protocol", "jt808"},
                                        {"identifier", "13800000001"},
                                        {"unit_id", china_unit},
                                        {"coordinates", "gcj02"}})
                .status,
            201);

  // Subscribe to the live feed first: the move must arrive there too.
  std::string token = chen->Login("chen", kPassword).Json()["token"];
  WebSocketClient ws;
  ASSERT_EQ(ws.Connect("127.0.0.1", server_->port(), "/api/live?access_token=" + token), 101);
  ASSERT_TRUE(ws.Read(2000));  // hello

  TcpClient terminal(jt808_port_);
  ASSERT_TRUE(terminal.connected());
  auto fix_time = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  terminal.Send(LocationFrame("013912345678", 7, -122.6712, 45.5120, fix_time));
  auto reply = terminal.Receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header.message_id, 0x8001);
  ASSERT_EQ(reply->body.size(), 5u);
  EXPECT_EQ(reply->body[0] << 8 | reply->body[1], 7) << "answers the terminal's serial";
  EXPECT_EQ(reply->body[2] << 8 | reply->body[3], 0x0200);
  EXPECT_EQ(reply->body[4], 0) << "stored";

  json position = chen->Get(fmt("/api/units/{}", unit)).Json()["position"];
  ASSERT_TRUE(position.is_object()) << "acknowledged means visible";
  EXPECT_NEAR(position["lon"].get<double>(), -122.6712, 1e-6);
  EXPECT_NEAR(position["lat"].get<double>(), 45.5120, 1e-6);

  bool seen_on_feed = false;
  for (int i = 0; i < 10 && !seen_on_feed; ++i) {
    auto message = ws.Read(1000);
    if (!message) continue;
    json m = json::parse(*message);
    if (m["type"] != "positions") continue;
    for (const auto& p : m["positions"]) seen_on_feed |= p["unit_id"] == unit;
  }
  EXPECT_TRUE(seen_on_feed);

  // A terminal that reports GCJ-02 (Shanghai) is stored in WGS84.
  Gcj02LonLat sent{121.4737, 31.2304};
  terminal.Send(LocationFrame("13800000001", 8, sent.lon, sent.lat, fix_time));
  reply = terminal.Receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body[4], 0);
  json stored = chen->Get(fmt("/api/units/{}", china_unit)).Json()["position"];
  LonLat expected = ToWgs84(sent);
  EXPECT_NEAR(stored["lon"].get<double>(), expected.lon, 2e-7);
  EXPECT_NEAR(stored["lat"].get<double>(), expected.lat, 2e-7);
  EXPECT_GT(DistanceM({stored["lon"], stored["lat"]}, {sent.lon, sent.lat}), 100)
      << "really converted";

  // A fix stamped a day ahead (a terminal with a wrong clock) is acknowledged, so the terminal
  // does not resend it forever, but not stored: the unit stays where it was.
  terminal.Send(
      LocationFrame("013912345678", 12, -122.60, 45.40, fix_time + std::chrono::hours(24)));
  reply = terminal.Receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body[4], 0);
  EXPECT_NEAR(chen->Get(fmt("/api/units/{}", unit)).Json()["position"]["lat"].get<double>(),
              45.5120, 1e-6);

  // An unbound terminal is refused, a broken frame answered as such, and the connection lives on.
  terminal.Send(LocationFrame("19900000000", 9, 121.4, 31.2, fix_time));
  reply = terminal.Receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body[4], 1);
  ingest::Bytes broken = LocationFrame("013912345678", 10, -122.67, 45.51, fix_time);
  // A wrong checksum that is neither a delimiter (7e) nor an escape (7d): the checksum depends
  // on the time, so flipping its bits made one of those now and then and broke the framing.
  if (broken[broken.size() - 3] == 0x7d) {
    broken.erase(broken.end() - 3);  // an escaped 7d or 7e checksum becomes 01 or 02
  } else {
    broken[broken.size() - 2] = broken[broken.size() - 2] == 0x01 ? 0x02 : 0x01;
  }
  terminal.Send(broken);
  terminal.Send(
      LocationFrame("013912345678", 11, -122.6700, 45.5100, fix_time + std::chrono::seconds(5)));
  reply = terminal.Receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body[0] << 8 | reply->body[1], 10);
  EXPECT_EQ(reply->body[4], 2)
      << "a frame whose header is readable but checksum wrong: message error";
  reply = terminal.Receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body[0] << 8 | reply->body[1], 11);
  EXPECT_EQ(reply->body[4], 0) << "the connection survived the broken frame";
}

TEST(RoadsGpsRestart, PositionsSurviveARestart) {
  TempDir dir;
  ASSERT_TRUE(AddUser(dir.path(), "chen", "station_chief", kPassword));
  std::int64_t unit = 0;
  {
    ServerProcess server(dir.path());
    ASSERT_NE(server.port(), 0) << server.output();
    HttpClient chen("127.0.0.1", server.port());
    ASSERT_EQ(chen.Login("chen", kPassword).status, 201);
    HttpResult created =
        chen.Post("/api/units", {{"callsign", "S-1"}, {"force", "patrol"}, {"mode", "car"}});
    unit = created.Json()["id"];
    ASSERT_EQ(chen.Post("/api/units/" + std::to_string(unit) + "/position",
                        {{"lon", 116.39}, {"lat", 39.91}})
                  .status,
              200);
    server.Kill();  // acknowledged positions must be on disk, not in a buffer
  }
  // A damaged road graph must not keep 110 intake from starting.
  FILE* junk = std::fopen(dir.File("roads.graph").c_str(), "w");
  std::fputs("not a graph", junk);
  std::fclose(junk);
  ServerProcess again(dir.path());
  ASSERT_NE(again.port(), 0) << again.output();
  HttpClient chen("127.0.0.1", again.port());
  ASSERT_EQ(chen.Login("chen", kPassword).status, 201);
  json position = chen.Get("/api/units/" + std::to_string(unit)).Json()["position"];
  ASSERT_TRUE(position.is_object());
  EXPECT_NEAR(position["lon"].get<double>(), 116.39, 1e-6);
  EXPECT_EQ(chen.Get("/api/incidents/1/recommendations").status, 503) << "the graph is unusable";
  EXPECT_NE(again.output().find("road network not loaded"), std::string::npos) << again.output();
}

}  // namespace
}  // namespace pingan::test
