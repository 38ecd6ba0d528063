#include "ingest/jt808_codec.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/time_format.h"
#include "ingest/test_vectors.h"

namespace pingan::ingest {
namespace {

using test::FromHex;
using test::ToHex;

const std::string kVectorsPath = PINGAN_SHARED_DATA "/protocol-vectors/jt808_traccar.tsv";

// The vectors file by its source-line column, so tests can name the frame they check.
std::map<std::string, Bytes> VectorFrames() {
  std::map<std::string, Bytes> frames;
  for (const auto& row : test::ReadTsv(kVectorsPath)) frames[row.at(0)] = FromHex(row.at(3));
  return frames;
}

Jt808Message DecodeVector(const std::string& source_line) {
  Bytes frame = VectorFrames().at(source_line);
  Result<Jt808Message> message = DecodeJt808Frame(frame);
  EXPECT_TRUE(message.has_value()) << source_line << ": " << message.error().message;
  return message ? *message : Jt808Message{};
}

TimePoint Utc(const char* iso) {
  return ParseTime(iso).value();
}

Jt808Header Header2013(const std::string& phone, std::uint16_t message_id, std::uint16_t serial) {
  Jt808Header header;
  header.message_id = message_id;
  header.phone = phone;
  header.serial = serial;
  return header;
}

// --- escaping and framing ---

TEST(Jt808Escaping, EscapesFlagAndEscapeBytesOnly) {
  EXPECT_EQ(Jt808Escape(FromHex("307e087d55")), FromHex("307d02087d0155"));
  EXPECT_EQ(Jt808Escape(FromHex("7e7d7e")), FromHex("7d027d017d02"));
  EXPECT_EQ(Jt808Escape(FromHex("0102037c7f")), FromHex("0102037c7f"));
}

TEST(Jt808Escaping, UnescapesByteForByte) {
  EXPECT_EQ(*Jt808Unescape(FromHex("307d02087d0155")), FromHex("307e087d55"));
  EXPECT_EQ(*Jt808Unescape(FromHex("7d027d017d02")), FromHex("7e7d7e"));
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(*Jt808Unescape(Jt808Escape(all)), all);
}

TEST(Jt808Escaping, RefusesInvalidEscapes) {
  for (const char* bad : {"307d03", "7d00", "307d", "307e31"}) {
    Result<Bytes> out = Jt808Unescape(FromHex(bad));
    ASSERT_FALSE(out.has_value()) << bad;
    EXPECT_EQ(out.error().field, "escape") << bad;
    EXPECT_FALSE(out.error().message.empty());
  }
}

TEST(Jt808FrameSplitter, SplitsSeveralFramesInOneRead) {
  Jt808FrameSplitter splitter;
  auto out = splitter.Feed(FromHex("7e0102037e7e04057e"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], FromHex("010203"));
  EXPECT_EQ(*out[1], FromHex("0405"));
  EXPECT_EQ(splitter.buffered_bytes(), 0u);
}

TEST(Jt808FrameSplitter, JoinsAFrameSplitAcrossReads) {
  Jt808FrameSplitter splitter;
  EXPECT_TRUE(splitter.Feed(FromHex("7e01")).empty());
  EXPECT_TRUE(splitter.Feed(FromHex("0203")).empty());
  auto out = splitter.Feed(FromHex("047e7e05"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*out[0], FromHex("01020304"));
  out = splitter.Feed(FromHex("7e"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(*out[0], FromHex("05"));
}

TEST(Jt808FrameSplitter, ReportsGarbageBeforeTheFirstFlagAndKeepsTheFrame) {
  Jt808FrameSplitter splitter;
  auto out = splitter.Feed(FromHex("4854545020"));  // "HTTP " from a port scanner
  EXPECT_TRUE(out.empty());
  out = splitter.Feed(FromHex("7e0a0b7e"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].has_value());
  EXPECT_NE(out[0].error().message.find("5 bytes"), std::string::npos);
  EXPECT_EQ(*out[1], FromHex("0a0b"));
}

TEST(Jt808FrameSplitter, GarbageBetweenFramesCostsNoFollowingFrame) {
  Jt808FrameSplitter splitter;
  Bytes a = FromHex("7e0002000004304832546500b7ca7e");
  Bytes stream = a;
  for (std::uint8_t b : FromHex("0d0a41542b")) stream.push_back(b);  // "\r\nAT+" noise
  stream.insert(stream.end(), a.begin(), a.end());
  auto out = splitter.Feed(stream);
  // Frame, the noise as its own candidate (which DecodeJt808Frame refuses), frame.
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(DecodeJt808Frame(*out[0]).has_value());
  EXPECT_FALSE(DecodeJt808Frame(*out[1]).has_value());
  EXPECT_TRUE(DecodeJt808Frame(*out[2]).has_value());
}

TEST(Jt808FrameSplitter, DiscardsAnOverlongFrameAndRecovers) {
  Jt808FrameSplitter splitter(/*max_frame_bytes=*/16);
  Bytes stream = {0x7e};
  stream.insert(stream.end(), 40, 0x11);
  for (std::uint8_t b : FromHex("7e2222237e")) stream.push_back(b);
  auto out = splitter.Feed(stream);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].has_value());
  EXPECT_NE(out[0].error().message.find("longer than 16"), std::string::npos);
  EXPECT_EQ(*out[1], FromHex("222223"));
  EXPECT_LE(splitter.buffered_bytes(), 16u);
}

// --- decoding ---

TEST(Jt808Decode, DecodesAHeartbeat) {
  // 0x0002, empty body, phone 043048325465, serial 0x00b7, checksum 0xca.
  Result<Jt808Message> message = DecodeJt808Frame(FromHex("7e0002000004304832546500b7ca7e"));
  ASSERT_TRUE(message.has_value()) << message.error().message;
  EXPECT_EQ(message->header.message_id, kJt808Heartbeat);
  EXPECT_EQ(message->header.version, Jt808Version::k2013);
  EXPECT_EQ(message->header.phone, "043048325465");
  EXPECT_EQ(message->header.serial, 0x00b7);
  EXPECT_TRUE(message->body.empty());
  EXPECT_EQ(Jt808DeviceIdentifier(message->header), "43048325465");
}

TEST(Jt808Decode, RefusesAWrongChecksum) {
  Result<Jt808Message> message = DecodeJt808Frame(FromHex("7e0002000004304832546500b7cb7e"));
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error().field, "checksum");
  EXPECT_NE(message.error().message.find("0xCA"), std::string::npos) << message.error().message;
  // The header is still readable, so the server can answer "message error".
  std::optional<Jt808Header> header = ReadJt808Header(FromHex("7e0002000004304832546500b7cb7e"));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->serial, 0x00b7);
}

TEST(Jt808Decode, RefusesABodyLengthMismatch) {
  // The heartbeat declaring a 1-byte body it does not carry (checksum adjusted).
  Result<Jt808Message> message = DecodeJt808Frame(FromHex("7e0002000104304832546500b7cb7e"));
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error().field, "body_length");
}

TEST(Jt808Decode, RefusesTruncatedHeaders) {
  for (const char* bad : {"", "7e7e", "7e00027e", "7e000200000430483254657e"}) {
    Result<Jt808Message> message = DecodeJt808Frame(FromHex(bad));
    ASSERT_FALSE(message.has_value()) << bad;
    EXPECT_EQ(message.error().field, "header") << bad;
  }
  // A 2019 header needs 17 bytes: 12 bytes and a valid checksum are not enough.
  Bytes short_2019 = FromHex("000240000100000000000000");
  short_2019.push_back(Jt808Checksum(short_2019));
  Result<Jt808Message> message = DecodeJt808Frame(short_2019);
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error().field, "header");
  EXPECT_NE(message.error().message.find("2019"), std::string::npos) << message.error().message;
}

TEST(Jt808Decode, NeverCrashesOnMutatedFrames) {
  // Every single-byte change and every truncation of a real frame is decoded or refused.
  Bytes frame = VectorFrames().at("33");
  for (std::size_t i = 0; i < frame.size(); ++i) {
    for (std::uint8_t delta : {0x01, 0x40, 0x7e, 0xff}) {
      Bytes mutated = frame;
      mutated[i] = static_cast<std::uint8_t>(mutated[i] ^ delta);
      Result<Jt808Message> message = DecodeJt808Frame(mutated);
      if (message) {
        (void)ParseJt808LocationBatch(message->body);
        (void)ParseJt808Registration(*message);
        (void)ParseJt808Authentication(*message);
      } else {
        EXPECT_FALSE(message.error().message.empty());
      }
    }
    Result<Jt808Message> truncated = DecodeJt808Frame(std::span(frame).first(i));
    if (!truncated) {
      EXPECT_FALSE(truncated.error().message.empty());
    }
  }
}

// --- bodies from the vectors, expected values worked out by hand from the hex ---

TEST(Jt808Location, DecodesANorthEastFixInBeijingTime) {
  // Source line 26: lat 0x0159885e = 22644830, lon 0x06cbf344 = 114029380, status 0x000c0002
  // (bit 1 positioned), time BCD 200807180722 Beijing = 2020-08-07 10:07:22 UTC.
  Jt808Message message = DecodeVector("26");
  EXPECT_EQ(message.header.message_id, kJt808Location);
  EXPECT_EQ(Jt808DeviceIdentifier(message.header), "51160004464");
  EXPECT_EQ(message.header.serial, 13);
  Result<Jt808Location> location = ParseJt808Location(message.body);
  ASSERT_TRUE(location.has_value()) << location.error().message;
  EXPECT_DOUBLE_EQ(location->lat, 22.644830);
  EXPECT_DOUBLE_EQ(location->lon, 114.029380);
  EXPECT_EQ(location->time, Utc("2020-08-07T10:07:22Z"));
  EXPECT_TRUE(location->is_valid_fix);
  EXPECT_EQ(location->status_flags, 0x000c0002u);
  EXPECT_EQ(location->speed_kmh, 0);
  EXPECT_FALSE(location->has_malformed_additional_items);
  EXPECT_EQ(location->additional_items.size(), 8u);
}

TEST(Jt808Location, AppliesSouthAndWestFlags) {
  // Source line 37: status 0x022c004e sets bits 1, 2 (south) and 3 (west); speed 0x0012 = 1.8
  // km/h; altitude 0x005c = 92 m; time 251118112611 Beijing = 2025-11-18 03:26:11 UTC.
  Result<Jt808Location> location = ParseJt808Location(DecodeVector("37").body);
  ASSERT_TRUE(location.has_value()) << location.error().message;
  EXPECT_DOUBLE_EQ(location->lat, -25.269608);
  EXPECT_DOUBLE_EQ(location->lon, -57.602956);
  EXPECT_EQ(location->altitude_m, 92);
  EXPECT_DOUBLE_EQ(location->speed_kmh, 1.8);
  EXPECT_EQ(location->time, Utc("2025-11-18T03:26:11Z"));
  DeviceFix fix = ToDeviceFix(*location);
  EXPECT_NEAR(fix.speed_mps, 0.5, 1e-12);
  EXPECT_EQ(fix.lat, location->lat);
  EXPECT_TRUE(fix.is_valid_fix);
}

TEST(Jt808Location, ConvertsSpeedFromTenthsOfKmPerHour) {
  // Source line 65: speed 0x01c2 = 450 → 45.0 km/h = 12.5 m/s; lat 0x01d9f2d4, lon 0x073ca28d.
  Result<Jt808Location> location = ParseJt808Location(DecodeVector("65").body);
  ASSERT_TRUE(location.has_value()) << location.error().message;
  EXPECT_DOUBLE_EQ(location->speed_kmh, 45.0);
  EXPECT_NEAR(ToDeviceFix(*location).speed_mps, 12.5, 1e-12);
  EXPECT_DOUBLE_EQ(location->lat, 31.060692);
  EXPECT_DOUBLE_EQ(location->lon, 121.414285);
  EXPECT_EQ(location->time, Utc("2024-01-10T09:26:05Z"));
}

TEST(Jt808Location, KeepsBasicFieldsWhenAnAdditionalItemIsMalformed) {
  // Source line 252: after the basic fields come items 00/00 ... and then an item claiming 0x78
  // bytes with only a few left.
  Result<Jt808Location> location = ParseJt808Location(DecodeVector("252").body);
  ASSERT_TRUE(location.has_value()) << location.error().message;
  EXPECT_TRUE(location->has_malformed_additional_items);
  EXPECT_DOUBLE_EQ(location->lat, -27.455656);
  EXPECT_DOUBLE_EQ(location->lon, 153.029616);
  EXPECT_EQ(location->time, Utc("2020-11-02T19:17:33Z"));
}

TEST(Jt808Location, RefusesShortBodiesAndImpossibleTimes) {
  Bytes body = DecodeVector("26").body;
  Result<Jt808Location> too_short = ParseJt808Location(std::span(body).first(27));
  ASSERT_FALSE(too_short.has_value());
  EXPECT_EQ(too_short.error().field, "body");

  Bytes zero_time = body;
  std::fill(zero_time.begin() + 22, zero_time.begin() + 28, 0);
  Result<Jt808Location> location = ParseJt808Location(zero_time);
  ASSERT_FALSE(location.has_value());
  EXPECT_EQ(location.error().field, "time");

  Bytes not_bcd = body;
  not_bcd[23] = 0x1a;
  ASSERT_FALSE(ParseJt808Location(not_bcd).has_value());

  Bytes bad_lat = body;
  bad_lat[8] = 0xff;
  Result<Jt808Location> lat = ParseJt808Location(bad_lat);
  ASSERT_FALSE(lat.has_value());
  EXPECT_EQ(lat.error().field, "lat");
}

TEST(Jt808Batch, DecodesEveryItemOfABatch) {
  // Source line 298: count 0x0008, type 1 (blind area), eight items of 0x26 bytes.
  Jt808Message message = DecodeVector("298");
  EXPECT_EQ(message.header.message_id, kJt808LocationBatch);
  Result<Jt808LocationBatch> batch = ParseJt808LocationBatch(message.body);
  ASSERT_TRUE(batch.has_value()) << batch.error().message;
  EXPECT_EQ(batch->declared_count, 8);
  EXPECT_EQ(batch->type, 1);
  ASSERT_EQ(batch->locations.size(), 8u);
  EXPECT_TRUE(batch->skipped_items.empty());
  EXPECT_DOUBLE_EQ(batch->locations.front().lat, 22.639634);
  EXPECT_DOUBLE_EQ(batch->locations.front().lon, 114.031952);
  EXPECT_EQ(batch->locations.front().altitude_m, 370);
  EXPECT_EQ(batch->locations.front().time, Utc("2016-05-27T01:06:24Z"));
  EXPECT_EQ(batch->locations.back().time, Utc("2016-05-27T01:10:02Z"));
}

TEST(Jt808Batch, SkipsAnItemThatRunsPastTheBody) {
  Bytes body = DecodeVector("298").body;
  body.resize(body.size() - 5);  // cut into the last item
  Result<Jt808LocationBatch> batch = ParseJt808LocationBatch(body);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->locations.size(), 7u);
  ASSERT_EQ(batch->skipped_items.size(), 1u);
  EXPECT_NE(batch->skipped_items[0].find("item 8"), std::string::npos);
}

TEST(Jt808Header2019, DecodesVersionByteAndTenBytePhone) {
  // Source line 33: properties 0x402d (bit 14: 2019, body 0x2d = 45 bytes), version 1, phone
  // 00000866496077582164, serial 0x881d; a batch of one fix in the south-east.
  Jt808Message message = DecodeVector("33");
  EXPECT_EQ(message.header.version, Jt808Version::k2019);
  EXPECT_EQ(message.header.protocol_version, 1);
  EXPECT_EQ(message.header.phone, "00000866496077582164");
  EXPECT_EQ(Jt808DeviceIdentifier(message.header), "866496077582164");
  EXPECT_EQ(message.header.serial, 0x881d);
  EXPECT_EQ(message.body.size(), 45u);
  Result<Jt808LocationBatch> batch = ParseJt808LocationBatch(message.body);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->locations.size(), 1u);
  EXPECT_DOUBLE_EQ(batch->locations[0].lat, -27.263378);
  EXPECT_DOUBLE_EQ(batch->locations[0].lon, 153.037383);
  EXPECT_EQ(batch->locations[0].time, Utc("2026-05-09T08:42:27Z"));
}

TEST(Jt808Registration, Decodes2013Layout) {
  // Source line 316: province 0x002c, city 0x012f, maker "70111", model "BSJ-A6-BD",
  // terminal "0567872", colour 1 (blue), plate GBK d4c1 "B88888" (粤B88888).
  Result<Jt808Registration> r = ParseJt808Registration(DecodeVector("316"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->province_id, 44);
  EXPECT_EQ(r->city_id, 303);
  EXPECT_EQ(r->maker_id, "70111");
  EXPECT_EQ(r->model, "BSJ-A6-BD");
  EXPECT_EQ(r->terminal_id, "0567872");
  EXPECT_EQ(r->plate_colour, 1);
  EXPECT_EQ(r->plate, std::string("\xd4\xc1"
                                  "B88888"));
}

TEST(Jt808Registration, Decodes2011LayoutUnderA2013Header) {
  // Source line 221: 33-byte body, model 8 bytes "BSJ-M7B " and terminal "0000000".
  Result<Jt808Registration> r = ParseJt808Registration(DecodeVector("221"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model, "BSJ-M7B");
  EXPECT_EQ(r->terminal_id, "0000000");
  EXPECT_EQ(r->plate, std::string("\xd4\xc1"
                                  "B88888"));
}

TEST(Jt808Registration, Decodes2019Layout) {
  // Source line 30: maker 11 zero bytes, model "MD300", terminal id "866496077582164", colour 4.
  Result<Jt808Registration> r = ParseJt808Registration(DecodeVector("30"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->maker_id, "");
  EXPECT_EQ(r->model, "MD300");
  EXPECT_EQ(r->terminal_id, "866496077582164");
  EXPECT_EQ(r->plate_colour, 4);
  EXPECT_EQ(r->plate, "");
}

TEST(Jt808Authentication, Decodes2013AndRefusesABad2019Length) {
  Result<Jt808Authentication> a = ParseJt808Authentication(DecodeVector("325"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->auth_code, "authentication");

  Jt808Message message;
  message.header.version = Jt808Version::k2019;
  message.body = FromHex("0431323334");  // length 4, "1234", no IMEI
  a = ParseJt808Authentication(message);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->auth_code, "1234");
  EXPECT_EQ(a->imei, "");
  message.body = FromHex("09313233");  // claims 9 bytes, has 3
  EXPECT_FALSE(ParseJt808Authentication(message).has_value());
}

TEST(Jt808Authentication, Decodes2019WithImeiAndVersion) {
  Jt808Message message;
  message.header.version = Jt808Version::k2019;
  std::string body = std::string("\x02") + "AB" + "861234567890123" + "V1.2";
  body.append(16, '\0');
  message.body.assign(body.begin(), body.end());
  Result<Jt808Authentication> a = ParseJt808Authentication(message);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->auth_code, "AB");
  EXPECT_EQ(a->imei, "861234567890123");
  EXPECT_EQ(a->software_version, "V1.2");
}

// --- the whole vectors file ---

TEST(Jt808Vectors, EveryFrameDecodesOrIsRefusedWithAReason) {
  auto rows = test::ReadTsv(kVectorsPath);
  ASSERT_EQ(rows.size(), 112u);
  int clean = 0, locations = 0, batches = 0, batch_fixes = 0, malformed_extras = 0;
  std::map<std::string, int> refusals;  // by field
  for (const auto& row : rows) {
    Bytes frame = FromHex(row.at(3));
    Result<Jt808Message> message = DecodeJt808Frame(frame);
    if (!message) {
      EXPECT_FALSE(message.error().message.empty()) << row[0];
      EXPECT_FALSE(message.error().field.empty()) << row[0];
      ++refusals[message.error().field];
      continue;
    }
    ++clean;
    if (message->header.message_id == kJt808Location) {
      Result<Jt808Location> location = ParseJt808Location(message->body);
      EXPECT_TRUE(location.has_value()) << row[0] << ": " << location.error().message;
      if (location) {
        ++locations;
        if (location->has_malformed_additional_items) ++malformed_extras;
      }
    } else if (message->header.message_id == kJt808LocationBatch) {
      Result<Jt808LocationBatch> batch = ParseJt808LocationBatch(message->body);
      ASSERT_TRUE(batch.has_value()) << row[0];
      EXPECT_TRUE(batch->skipped_items.empty()) << row[0];
      EXPECT_EQ(batch->locations.size(), std::size_t{batch->declared_count}) << row[0];
      ++batches;
      batch_fixes += static_cast<int>(batch->locations.size());
    } else if (message->header.message_id == kJt808Register) {
      EXPECT_TRUE(ParseJt808Registration(*message).has_value()) << row[0];
    } else if (message->header.message_id == kJt808Authentication) {
      EXPECT_TRUE(ParseJt808Authentication(*message).has_value()) << row[0];
    }
  }
  // 22 frames are vendor variants or damaged: 8 carry an unescaped 0x7E or a bad escape, 8 fail
  // the checksum (one is not JT/T 808 at all but ASCII), 6 declare a body length other than
  // what they carry (5 of them, a vendor's 0x55xx messages, declare one byte more).
  EXPECT_EQ(clean, 90);
  EXPECT_EQ(refusals["escape"], 8);
  EXPECT_EQ(refusals["checksum"], 8);
  EXPECT_EQ(refusals["body_length"], 6);
  EXPECT_EQ(locations, 59);
  EXPECT_EQ(malformed_extras, 1);
  EXPECT_EQ(batches, 8);
  EXPECT_EQ(batch_fixes, 32);
}

TEST(Jt808Vectors, TheWholeFileAsOneStreamInAnySplitGivesTheSameFrames) {
  Bytes stream;
  int clean_by_line = 0;
  for (const auto& row : test::ReadTsv(kVectorsPath)) {
    Bytes frame = FromHex(row.at(3));
    if (DecodeJt808Frame(frame)) ++clean_by_line;
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100}, stream.size()}) {
    Jt808FrameSplitter splitter;
    int clean = 0;
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
      auto piece = std::span(stream).subspan(pos, std::min(chunk, stream.size() - pos));
      for (Result<Bytes>& item : splitter.Feed(piece)) {
        if (item && DecodeJt808Frame(*item)) ++clean;
      }
    }
    EXPECT_EQ(clean, clean_by_line) << "chunk " << chunk;
  }
}

// --- replies, expected bytes built by hand from the standard ---

TEST(Jt808Reply, GeneralResponseBytes) {
  // To heartbeat serial 0x00b7 from 043048325465, platform serial 0, result 0:
  // 8001 | 0005 | 043048325465 | 0000 | 00b7 0002 00 | XOR 4e
  Jt808Header request = Header2013("043048325465", kJt808Heartbeat, 0x00b7);
  EXPECT_EQ(ToHex(BuildJt808GeneralResponse(request, 0, Jt808ResponseResult::kSuccess)),
            "7e80010005043048325465000000b70002004e7e");
}

TEST(Jt808Reply, GeneralResponseIsEscaped) {
  // Request serial 0x7e7d and platform serial 0x007d put 7d, 7e, 7d in the raw bytes:
  // 8001 0005 013800138000 007d 7e7d 0200 00, XOR 52.
  Jt808Header request = Header2013("013800138000", kJt808Location, 0x7e7d);
  EXPECT_EQ(ToHex(BuildJt808GeneralResponse(request, 0x007d, Jt808ResponseResult::kSuccess)),
            "7e80010005013800138000007d017d027d0102000052"
            "7e");
  // Round trip through our own decoder.
  Result<Jt808Message> decoded =
      DecodeJt808Frame(BuildJt808GeneralResponse(request, 0x007d, Jt808ResponseResult::kFailure));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(ToHex(decoded->body), "7e7d020001");
}

TEST(Jt808Reply, RegisterResponseBytes) {
  // To source line 316 (phone 014130567872, serial 0x0024), platform serial 1:
  // 8100 | 0005 | 014130567872 | 0001 | 0024 00 "AB" | XOR 8e
  Jt808Header request = Header2013("014130567872", kJt808Register, 0x0024);
  EXPECT_EQ(ToHex(BuildJt808RegisterResponse(request, 1, Jt808RegisterResult::kSuccess, "AB")),
            "7e8100000501413056787200010024004142"
            "8e7e");
  // No auth code after a refusal: body 0024 04, length 3.
  Bytes refused =
      BuildJt808RegisterResponse(request, 1, Jt808RegisterResult::kNoSuchTerminal, "AB");
  Result<Jt808Message> decoded = DecodeJt808Frame(refused);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(ToHex(decoded->body), "002404");
}

TEST(Jt808Reply, KeepsThe2019HeaderOfTheRequest) {
  // To source line 33 (2019, version 1, phone 00000866496077582164, 0x0704 serial 0x881d),
  // platform serial 2: 8001 | 4005 | 01 | 00000866496077582164 | 0002 | 881d 0704 00 | XOR 7c
  Jt808Message message = DecodeVector("33");
  EXPECT_EQ(ToHex(BuildJt808GeneralResponse(message.header, 2, Jt808ResponseResult::kSuccess)),
            "7e800140050100000866496077582164"
            "0002881d0704007c7e");
}

}  // namespace
}  // namespace pingan::ingest
