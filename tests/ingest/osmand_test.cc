#include "ingest/osmand.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "ingest/test_vectors.h"

namespace pingan::ingest {
namespace {

const std::string kVectorsPath = PINGAN_SHARED_DATA "/protocol-vectors/osmand_traccar.tsv";
const TimePoint kReceivedAt = ParseTime("2026-11-23T08:00:00Z").value();
constexpr double kKnot = 1852.0 / 3600.0;

TimePoint Utc(const char* iso) {
  return ParseTime(iso).value();
}

Result<OsmAndReport> Get(const std::string& target) {
  return ParseOsmAndRequest(OsmAndRequest{"GET", target, "", ""}, kReceivedAt);
}

Result<OsmAndReport> PostJson(const std::string& body) {
  return ParseOsmAndRequest(OsmAndRequest{"POST", "/", "application/json", body}, kReceivedAt);
}

// The vectors by source line: method, URI, content type, body.
std::map<std::string, OsmAndRequest> VectorRequests() {
  std::map<std::string, OsmAndRequest> out;
  for (const auto& row : test::ReadTsv(kVectorsPath)) {
    out[row.at(0)] = OsmAndRequest{row.at(2), row.at(3), row.size() > 4 ? row[4] : "",
                                   row.size() > 5 ? row[5] : ""};
  }
  return out;
}

TEST(OsmAndVectors, EveryRequestParsesOrIsRefusedForAStatedReason) {
  std::map<std::string, OsmAndRequest> requests = VectorRequests();
  ASSERT_EQ(requests.size(), 15u);
  // The four JSON rows lost their bodies when the vectors were extracted (the body column is
  // empty), line 35 carries only cell and Wi-Fi data, line 38 has no device id.
  const std::map<std::string, std::string> expected_refusals = {
      {"15", "body"}, {"18", "body"}, {"22", "body"}, {"25", "body"}, {"35", "lat"}, {"38", "id"},
  };
  int parsed = 0;
  for (const auto& [line, request] : requests) {
    Result<OsmAndReport> report = ParseOsmAndRequest(request, kReceivedAt);
    auto refusal = expected_refusals.find(line);
    if (refusal == expected_refusals.end()) {
      ASSERT_TRUE(report.has_value()) << line << ": " << report.error().message;
      ASSERT_EQ(report->fixes.size(), 1u) << line;
      ++parsed;
    } else {
      ASSERT_FALSE(report.has_value()) << line;
      EXPECT_EQ(report.error().field, refusal->second) << line << ": " << report.error().message;
      EXPECT_FALSE(report.error().message.empty()) << line;
    }
  }
  EXPECT_EQ(parsed, 9);
}

TEST(OsmAndVectors, IsoTimestampAndWesternLongitude) {
  // Line 41.
  Result<OsmAndReport> r = ParseOsmAndRequest(VectorRequests().at("41"), kReceivedAt);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->identifier, "902064");
  const DeviceFix& fix = r->fixes[0];
  EXPECT_DOUBLE_EQ(fix.lat, 42.06288);
  EXPECT_DOUBLE_EQ(fix.lon, -88.23412);
  EXPECT_EQ(fix.time, Utc("2016-01-27T18:55:47Z"));
  EXPECT_DOUBLE_EQ(fix.altitude_m, 224.0);
  EXPECT_EQ(fix.speed_mps, 0);
  EXPECT_TRUE(fix.is_valid_fix);
}

TEST(OsmAndVectors, UnixMillisecondsAndSeconds) {
  Result<OsmAndReport> ms = ParseOsmAndRequest(VectorRequests().at("44"), kReceivedAt);
  ASSERT_TRUE(ms.has_value());
  EXPECT_EQ(ms->fixes[0].time, Utc("2015-09-12T14:38:06.579Z"));
  Result<OsmAndReport> s = ParseOsmAndRequest(VectorRequests().at("50"), kReceivedAt);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->fixes[0].time, Utc("2013-08-22T13:14:27Z"));
  EXPECT_EQ(s->identifier, "123456");
}

TEST(OsmAndVectors, FormEncodedSpaceInTimestamp) {
  // Line 47: timestamp=2014-06-04+09%3A10%3A11, id last.
  Result<OsmAndReport> r = ParseOsmAndRequest(VectorRequests().at("47"), kReceivedAt);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->identifier, "353861053849681");
  EXPECT_EQ(r->fixes[0].time, Utc("2014-06-04T09:10:11Z"));
  EXPECT_DOUBLE_EQ(r->fixes[0].altitude_m, 384.7);
}

TEST(OsmAndVectors, DeviceIdAndNoTimestamp) {
  // Line 56: deviceid instead of id, heading instead of bearing, no timestamp.
  Result<OsmAndReport> r = ParseOsmAndRequest(VectorRequests().at("56"), kReceivedAt);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->identifier, "123456");
  EXPECT_EQ(r->fixes[0].time, kReceivedAt);
  EXPECT_DOUBLE_EQ(r->fixes[0].lat, 60.0);
  EXPECT_DOUBLE_EQ(r->fixes[0].lon, 30.0);
}

TEST(OsmAndVectors, LocationParameter) {
  // Line 62: location=60.0,30.0 is lat,lon.
  Result<OsmAndReport> r = ParseOsmAndRequest(VectorRequests().at("62"), kReceivedAt);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->fixes[0].lat, 60.0);
  EXPECT_DOUBLE_EQ(r->fixes[0].lon, 30.0);
}

TEST(OsmAndVectors, SpeedInKnotsAndBearing) {
  // Line 65: speed=40 knots = 20.578 m/s, bearing 7.19889788244; ignition, rpm, fuel ignored.
  Result<OsmAndReport> r = ParseOsmAndRequest(VectorRequests().at("65"), kReceivedAt);
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->fixes[0].speed_mps, 20.5778, 1e-4);
  EXPECT_DOUBLE_EQ(r->fixes[0].heading_deg, 7.19889788244);
  EXPECT_DOUBLE_EQ(r->fixes[0].lat, 40.7232948571);
  EXPECT_EQ(r->fixes[0].time, Utc("2017-09-07T05:56:50Z"));
}

TEST(OsmAndQuery, ReadsEveryParameter) {
  Result<OsmAndReport> r =
      Get("/?id=unit-7&lat=39.9087&lon=116.3975&timestamp=1700000000&speed=10&bearing=370"
          "&accuracy=4.5&altitude=44&batt=87&hdop=1.2");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const DeviceFix& fix = r->fixes[0];
  EXPECT_EQ(r->identifier, "unit-7");
  EXPECT_EQ(fix.time, Utc("2023-11-14T22:13:20Z"));
  EXPECT_NEAR(fix.speed_mps, 10 * kKnot, 1e-12);
  EXPECT_DOUBLE_EQ(fix.heading_deg, 10);
  EXPECT_DOUBLE_EQ(fix.accuracy_m, 4.5);
  EXPECT_DOUBLE_EQ(fix.altitude_m, 44);
}

TEST(OsmAndQuery, ReadsAFormBody) {
  Result<OsmAndReport> r = ParseOsmAndRequest(
      OsmAndRequest{"POST", "/", "application/x-www-form-urlencoded",
                    "id=%E8%AD%A6A01&lat=31.2285&lon=121.4782&timestamp=2024-05-01%2008%3A30%3A00"
                    "\r\n"},
      kReceivedAt);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->identifier,
            "\xe8\xad\xa6"
            "A01");  // 警A01
  EXPECT_EQ(r->fixes[0].time, Utc("2024-05-01T08:30:00Z"));
  EXPECT_DOUBLE_EQ(r->fixes[0].lon, 121.4782);
}

TEST(OsmAndQuery, NamesTheBadParameter) {
  struct Case {
    const char* target;
    const char* field;
  };
  const Case cases[] = {
      {"/?lat=1&lon=2", "id"},
      {"/?id=&lat=1&lon=2", "id"},
      {"/?id=a&lon=2", "lat"},
      {"/?id=a&lat=2", "lon"},
      {"/?id=a&lat=abc&lon=2", "lat"},
      {"/?id=a&lat=95&lon=2", "lat"},
      {"/?id=a&lat=1&lon=181", "lon"},
      {"/?id=a&lat=1&lon=nan", "lon"},
      {"/?id=a&location=60.0", "location"},
      {"/?id=a&lat=1&lon=2&timestamp=yesterday", "timestamp"},
      {"/?id=a&lat=1&lon=2&timestamp=-5", "timestamp"},
      {"/?id=a&lat=1&lon=2&speed=fast", "speed"},
      {"/?id=a&lat=1&lon=2&heading=x", "heading"},
      {"/?id=a&lat=1&lon=2&accuracy=", "accuracy"},
      {"/?id=a&lat=1&lon=2&altitude=1e999", "altitude"},
  };
  for (const Case& c : cases) {
    Result<OsmAndReport> r = Get(c.target);
    ASSERT_FALSE(r.has_value()) << c.target;
    EXPECT_EQ(r.error().field, c.field) << c.target << ": " << r.error().message;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(OsmAndQuery, NegativeSpeedAndHeadingMeanUnknown) {
  Result<OsmAndReport> r = Get("/?id=a&lat=1&lon=2&speed=-1&heading=-1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->fixes[0].speed_mps, 0);
  EXPECT_EQ(r->fixes[0].heading_deg, 0);
}

// The body the Traccar Client apps (version 9 and later) post, written here by hand.
constexpr const char* kTraccarClientJson = R"({
  "location": {
    "timestamp": "2024-05-01T08:30:00.123Z",
    "coords": {"latitude": 39.9087, "longitude": 116.3975, "accuracy": 5.2, "speed": 3.5,
               "heading": 92.5, "altitude": 44.1},
    "is_moving": true, "odometer": 1234, "event": "motionchange",
    "battery": {"level": 0.8, "is_charging": false}, "activity": {"type": "walking"},
    "extras": {}
  },
  "device_id": "officer-7"
})";

TEST(OsmAndJson, ReadsTheTraccarClientBody) {
  Result<OsmAndReport> r = PostJson(kTraccarClientJson);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->identifier, "officer-7");
  ASSERT_EQ(r->fixes.size(), 1u);
  const DeviceFix& fix = r->fixes[0];
  EXPECT_EQ(fix.time, Utc("2024-05-01T08:30:00.123Z"));
  EXPECT_DOUBLE_EQ(fix.lat, 39.9087);
  EXPECT_DOUBLE_EQ(fix.lon, 116.3975);
  EXPECT_DOUBLE_EQ(fix.accuracy_m, 5.2);
  EXPECT_DOUBLE_EQ(fix.speed_mps, 3.5);  // m/s in this form, not knots
  EXPECT_DOUBLE_EQ(fix.heading_deg, 92.5);
  EXPECT_DOUBLE_EQ(fix.altitude_m, 44.1);
}

TEST(OsmAndJson, ReadsAnArrayOfLocations) {
  Result<OsmAndReport> r = PostJson(R"({"device_id": 42, "location": [
      {"timestamp": "2024-05-01T08:30:00Z", "coords": {"latitude": 1, "longitude": 2}},
      {"timestamp": "2024-05-01T08:30:05Z", "coords": {"latitude": 1.1, "longitude": 2.1,
                                                       "speed": -1, "heading": -1}}]})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->identifier, "42");
  ASSERT_EQ(r->fixes.size(), 2u);
  EXPECT_EQ(r->fixes[1].time, Utc("2024-05-01T08:30:05Z"));
  EXPECT_EQ(r->fixes[1].speed_mps, 0);
}

TEST(OsmAndJson, NamesTheBadMember) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {"", "body"},
      {"{not json", "body"},
      {"[1,2]", "body"},
      {R"({"location": {"coords": {"latitude": 1, "longitude": 2}}})", "device_id"},
      {R"({"device_id": "a"})", "location"},
      {R"({"device_id": "a", "location": []})", "location"},
      {R"({"device_id": "a", "location": {}})", "location.coords"},
      {R"({"device_id": "a", "location": {"coords": {"longitude": 2}}})",
       "location.coords.latitude"},
      {R"({"device_id": "a", "location": {"coords": {"latitude": "1", "longitude": 2}}})",
       "location.coords.latitude"},
      {R"({"device_id": "a", "location": {"coords": {"latitude": 91, "longitude": 2}}})",
       "location.coords.latitude"},
      {R"({"device_id": "a", "location": {"coords": {"latitude": 1, "longitude": 2,
          "speed": "3"}}})",
       "location.coords.speed"},
      {R"({"device_id": "a", "location": {"timestamp": "soon",
          "coords": {"latitude": 1, "longitude": 2}}})",
       "location.timestamp"},
      {R"({"device_id": "a", "location": [{"coords": {"latitude": 1, "longitude": 2}},
          {"coords": {"latitude": 1}}]})",
       "location[1].coords.longitude"},
  };
  for (const Case& c : cases) {
    Result<OsmAndReport> r = PostJson(c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().field, c.field) << c.body << ": " << r.error().message;
  }
}

TEST(OsmAndJson, MissingTimestampTakesTheReceptionTime) {
  Result<OsmAndReport> r =
      PostJson(R"({"device_id": "a", "location": {"coords": {"latitude": 1, "longitude": 2}}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->fixes[0].time, kReceivedAt);
}

}  // namespace
}  // namespace pingan::ingest
