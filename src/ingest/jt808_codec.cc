#include "ingest/jt808_codec.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "core/check.h"

namespace pingan::ingest {

namespace {

constexpr std::uint8_t kFlag = 0x7E;
constexpr std::uint8_t kEscape = 0x7D;

constexpr std::uint16_t kBodyLengthMask = 0x03FF;
constexpr int kEncryptionShift = 10;
constexpr std::uint16_t kEncryptionMask = 0x7;
constexpr std::uint16_t kSubpackageBit = 1 << 13;
constexpr std::uint16_t kVersionBit = 1 << 14;

constexpr std::size_t k2013PhoneBytes = 6;
constexpr std::size_t k2019PhoneBytes = 10;
// id (2) + properties (2) + phone (6) + serial (2); 2019 adds a version byte and 4 phone bytes.
constexpr std::size_t k2013HeaderBytes = 12;
constexpr std::size_t k2019HeaderBytes = 17;
constexpr std::size_t kSubpackageFieldBytes = 4;
constexpr std::size_t kChecksumBytes = 1;

constexpr std::size_t kLocationBasicBytes = 28;
constexpr std::uint32_t kStatusPositioned = 1u << 1;
constexpr std::uint32_t kStatusSouth = 1u << 2;
constexpr std::uint32_t kStatusWest = 1u << 3;

// The 2013 registration layout is 37 bytes before the plate; the 2011 layout, which many
// terminals still send with a 2013 header, is 25.
constexpr std::size_t k2013RegistrationBytes = 37;
constexpr std::size_t k2011RegistrationBytes = 25;

constexpr double kKmhToMps = 1000.0 / 3600.0;

// Reads big-endian integers from a span; the caller checks the size first.
std::uint16_t ReadU16(std::span<const std::uint8_t> bytes, std::size_t pos) {
  return static_cast<std::uint16_t>((bytes[pos] << 8) | bytes[pos + 1]);
}

std::uint32_t ReadU32(std::span<const std::uint8_t> bytes, std::size_t pos) {
  return (static_cast<std::uint32_t>(bytes[pos]) << 24) |
         (static_cast<std::uint32_t>(bytes[pos + 1]) << 16) |
         (static_cast<std::uint32_t>(bytes[pos + 2]) << 8) |
         static_cast<std::uint32_t>(bytes[pos + 3]);
}

void AppendU16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

std::string HexDigits(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A fixed-width text field: bytes up to the first NUL, trailing spaces removed.
std::string FixedText(std::span<const std::uint8_t> bytes) {
  std::size_t end = 0;
  while (end < bytes.size() && bytes[end] != 0) ++end;
  while (end > 0 && bytes[end - 1] == ' ') --end;
  return std::string(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end));
}

// Text without trailing NUL padding (STRING fields may be zero-padded by terminals).
std::string TrimmedText(std::span<const std::uint8_t> bytes) {
  std::size_t end = bytes.size();
  while (end > 0 && bytes[end - 1] == 0) --end;
  return std::string(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(end));
}

std::span<const std::uint8_t> WithoutFlags(std::span<const std::uint8_t> frame) {
  if (!frame.empty() && frame.front() == kFlag) frame = frame.subspan(1);
  if (!frame.empty() && frame.back() == kFlag) frame = frame.first(frame.size() - 1);
  return frame;
}

struct ParsedHeader {
  Jt808Header header;
  std::size_t size = 0;  // bytes the header occupies
};

// Reads the header at the start of `bytes` (unescaped). Checks only that its bytes are present.
Result<ParsedHeader> ParseHeader(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 4) {
    return InvalidInput("header",
                        fmt::format("{} bytes cannot hold a message header", bytes.size()));
  }
  ParsedHeader out;
  Jt808Header& h = out.header;
  h.message_id = ReadU16(bytes, 0);
  std::uint16_t properties = ReadU16(bytes, 2);
  h.body_length = properties & kBodyLengthMask;
  h.encryption = static_cast<std::uint8_t>((properties >> kEncryptionShift) & kEncryptionMask);
  h.is_subpackage = (properties & kSubpackageBit) != 0;
  h.version = (properties & kVersionBit) != 0 ? Jt808Version::k2019 : Jt808Version::k2013;
  bool is_2019 = h.version == Jt808Version::k2019;
  out.size = (is_2019 ? k2019HeaderBytes : k2013HeaderBytes) +
             (h.is_subpackage ? kSubpackageFieldBytes : 0);
  if (bytes.size() < out.size) {
    return InvalidInput("header", fmt::format("truncated header: {} bytes, a {}{} header needs {}",
                                              bytes.size(), is_2019 ? "2019" : "2013",
                                              h.is_subpackage ? " subpackage" : "", out.size));
  }
  std::size_t pos = 4;
  if (is_2019) h.protocol_version = bytes[pos++];
  std::size_t phone_bytes = is_2019 ? k2019PhoneBytes : k2013PhoneBytes;
  h.phone = HexDigits(bytes.subspan(pos, phone_bytes));
  pos += phone_bytes;
  h.serial = ReadU16(bytes, pos);
  pos += 2;
  if (h.is_subpackage) {
    h.packet_total = ReadU16(bytes, pos);
    h.packet_index = ReadU16(bytes, pos + 2);
  }
  return out;
}

int BcdByte(std::uint8_t b) {
  int high = b >> 4;
  int low = b & 0x0F;
  if (high > 9 || low > 9) return -1;
  return high * 10 + low;
}

// BCD YYMMDDhhmmss in Beijing time (UTC+8, no daylight saving) → UTC.
Result<TimePoint> ParseBcdBeijingTime(std::span<const std::uint8_t> bcd) {
  std::array<int, 6> fields{};
  for (std::size_t i = 0; i < 6; ++i) {
    fields[i] = BcdByte(bcd[i]);
    if (fields[i] < 0) {
      return InvalidInput("time", fmt::format("time {} is not BCD", HexDigits(bcd)));
    }
  }
  std::chrono::year_month_day date{std::chrono::year(2000 + fields[0]),
                                   std::chrono::month(static_cast<unsigned>(fields[1])),
                                   std::chrono::day(static_cast<unsigned>(fields[2]))};
  if (!date.ok() || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) {
    return InvalidInput("time",
                        fmt::format("time {} is not a valid date and time", HexDigits(bcd)));
  }
  auto beijing = std::chrono::sys_days(date) + std::chrono::hours(fields[3]) +
                 std::chrono::minutes(fields[4]) + std::chrono::seconds(fields[5]);
  return std::chrono::time_point_cast<std::chrono::milliseconds>(beijing - std::chrono::hours(8));
}

}  // namespace

Jt808FrameSplitter::Jt808FrameSplitter(std::size_t max_frame_bytes)
    : max_frame_bytes_(max_frame_bytes) {}

std::vector<Result<Bytes>> Jt808FrameSplitter::Feed(std::span<const std::uint8_t> bytes) {
  std::vector<Result<Bytes>> out;
  for (std::uint8_t b : bytes) {
    if (b == kFlag) {
      if (!has_seen_flag_) {
        has_seen_flag_ = true;
        if (bytes_before_flag_ > 0) {
          out.emplace_back(InvalidInput(
              "frame",
              fmt::format("discarded {} bytes before the first 0x7E flag", bytes_before_flag_)));
          bytes_before_flag_ = 0;
        }
      } else if (is_dropping_) {
        is_dropping_ = false;
      } else if (!current_.empty()) {
        out.emplace_back(std::move(current_));
        current_ = Bytes();
      }
      continue;
    }
    if (!has_seen_flag_) {
      ++bytes_before_flag_;
    } else if (is_dropping_) {
      continue;
    } else if (current_.size() >= max_frame_bytes_) {
      out.emplace_back(InvalidInput(
          "frame", fmt::format("frame longer than {} bytes discarded", max_frame_bytes_)));
      current_ = Bytes();
      is_dropping_ = true;
    } else {
      current_.push_back(b);
    }
  }
  return out;
}

Bytes Jt808Escape(std::span<const std::uint8_t> raw) {
  Bytes out;
  out.reserve(raw.size() + raw.size() / 8 + 2);
  for (std::uint8_t b : raw) {
    if (b == kFlag) {
      out.push_back(kEscape);
      out.push_back(0x02);
    } else if (b == kEscape) {
      out.push_back(kEscape);
      out.push_back(0x01);
    } else {
      out.push_back(b);
    }
  }
  return out;
}

Result<Bytes> Jt808Unescape(std::span<const std::uint8_t> escaped) {
  Bytes out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    std::uint8_t b = escaped[i];
    if (b == kFlag) {
      return InvalidInput("escape", fmt::format("unescaped 0x7E at offset {} inside the frame", i));
    }
    if (b != kEscape) {
      out.push_back(b);
      continue;
    }
    if (i + 1 >= escaped.size()) {
      return InvalidInput("escape", "frame ends with the escape byte 0x7D");
    }
    std::uint8_t next = escaped[++i];
    if (next == 0x02) {
      out.push_back(kFlag);
    } else if (next == 0x01) {
      out.push_back(kEscape);
    } else {
      return InvalidInput("escape",
                          fmt::format("invalid escape 0x7D 0x{:02X} at offset {}", next, i - 1));
    }
  }
  return out;
}

std::uint8_t Jt808Checksum(std::span<const std::uint8_t> bytes) {
  std::uint8_t sum = 0;
  for (std::uint8_t b : bytes) sum ^= b;
  return sum;
}

Result<Jt808Message> DecodeJt808Frame(std::span<const std::uint8_t> frame) {
  Result<Bytes> raw = Jt808Unescape(WithoutFlags(frame));
  if (!raw) return raw.error();
  std::span<const std::uint8_t> bytes(*raw);
  if (bytes.size() < k2013HeaderBytes + kChecksumBytes) {
    return InvalidInput("header", fmt::format("frame of {} bytes is shorter than the smallest "
                                              "message ({} bytes)",
                                              bytes.size(), k2013HeaderBytes + kChecksumBytes));
  }
  std::span<const std::uint8_t> content = bytes.first(bytes.size() - kChecksumBytes);
  std::uint8_t computed = Jt808Checksum(content);
  if (computed != bytes.back()) {
    return InvalidInput("checksum", fmt::format("checksum mismatch: computed 0x{:02X}, frame says "
                                                "0x{:02X}",
                                                computed, bytes.back()));
  }
  Result<ParsedHeader> parsed = ParseHeader(content);
  if (!parsed) return parsed.error();
  std::size_t actual_body = content.size() - parsed->size;
  if (actual_body != parsed->header.body_length) {
    return InvalidInput("body_length",
                        fmt::format("header declares a {}-byte body, frame carries {} bytes",
                                    parsed->header.body_length, actual_body));
  }
  Jt808Message message;
  message.header = std::move(parsed->header);
  auto body = content.subspan(parsed->size);
  message.body.assign(body.begin(), body.end());
  return message;
}

std::optional<Jt808Header> ReadJt808Header(std::span<const std::uint8_t> frame) {
  Result<Bytes> raw = Jt808Unescape(WithoutFlags(frame));
  if (!raw) return std::nullopt;
  Result<ParsedHeader> parsed = ParseHeader(*raw);
  if (!parsed) return std::nullopt;
  return std::move(parsed->header);
}

std::string Jt808DeviceIdentifier(const Jt808Header& header) {
  std::size_t first = header.phone.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  return header.phone.substr(first);
}

Result<Jt808Registration> ParseJt808Registration(const Jt808Message& message) {
  std::span<const std::uint8_t> body(message.body);
  std::size_t maker_bytes = 5, model_bytes = 20, terminal_id_bytes = 7;
  if (message.header.version == Jt808Version::k2019) {
    maker_bytes = 11;
    model_bytes = 30;
    terminal_id_bytes = 30;
  } else if (body.size() < k2013RegistrationBytes) {
    model_bytes = 8;
  }
  std::size_t fixed = 4 + maker_bytes + model_bytes + terminal_id_bytes + 1;
  if (body.size() < fixed) {
    return InvalidInput("body", fmt::format("registration body of {} bytes is shorter than the "
                                            "{} bytes of its fixed fields",
                                            body.size(), fixed));
  }
  static_assert(k2011RegistrationBytes == 4 + 5 + 8 + 7 + 1);
  Jt808Registration out;
  out.province_id = ReadU16(body, 0);
  out.city_id = ReadU16(body, 2);
  std::size_t pos = 4;
  out.maker_id = FixedText(body.subspan(pos, maker_bytes));
  pos += maker_bytes;
  out.model = FixedText(body.subspan(pos, model_bytes));
  pos += model_bytes;
  out.terminal_id = FixedText(body.subspan(pos, terminal_id_bytes));
  pos += terminal_id_bytes;
  out.plate_colour = body[pos++];
  out.plate = TrimmedText(body.subspan(pos));
  return out;
}

Result<Jt808Authentication> ParseJt808Authentication(const Jt808Message& message) {
  std::span<const std::uint8_t> body(message.body);
  Jt808Authentication out;
  if (message.header.version == Jt808Version::k2013) {
    if (body.empty()) return InvalidInput("body", "authentication without an auth code");
    out.auth_code = TrimmedText(body);
    return out;
  }
  if (body.empty()) return InvalidInput("body", "2019 authentication without a code length");
  std::size_t code_bytes = body[0];
  if (1 + code_bytes > body.size()) {
    return InvalidInput("body", fmt::format("auth code of {} bytes runs past the {}-byte body",
                                            code_bytes, body.size()));
  }
  out.auth_code = TrimmedText(body.subspan(1, code_bytes));
  std::size_t pos = 1 + code_bytes;
  constexpr std::size_t kImeiBytes = 15;
  constexpr std::size_t kSoftwareVersionBytes = 20;
  if (pos + kImeiBytes <= body.size()) {
    out.imei = FixedText(body.subspan(pos, kImeiBytes));
    pos += kImeiBytes;
    out.software_version =
        FixedText(body.subspan(pos, std::min(kSoftwareVersionBytes, body.size() - pos)));
  }
  return out;
}

Result<Jt808Location> ParseJt808Location(std::span<const std::uint8_t> body) {
  if (body.size() < kLocationBasicBytes) {
    return InvalidInput("body", fmt::format("location of {} bytes is shorter than its {} bytes of "
                                            "basic fields",
                                            body.size(), kLocationBasicBytes));
  }
  Jt808Location out;
  out.alarm_flags = ReadU32(body, 0);
  out.status_flags = ReadU32(body, 4);
  std::uint32_t lat_micro = ReadU32(body, 8);
  std::uint32_t lon_micro = ReadU32(body, 12);
  if (lat_micro > 90'000'000) {
    return InvalidInput("lat", fmt::format("latitude {} (1e-6 degrees) is over 90", lat_micro));
  }
  if (lon_micro > 180'000'000) {
    return InvalidInput("lon", fmt::format("longitude {} (1e-6 degrees) is over 180", lon_micro));
  }
  out.lat = lat_micro / 1e6;
  out.lon = lon_micro / 1e6;
  if ((out.status_flags & kStatusSouth) != 0) out.lat = -out.lat;
  if ((out.status_flags & kStatusWest) != 0) out.lon = -out.lon;
  out.altitude_m = static_cast<std::int16_t>(ReadU16(body, 16));
  out.speed_kmh = ReadU16(body, 18) / 10.0;
  out.direction_deg = ReadU16(body, 20);
  Result<TimePoint> time = ParseBcdBeijingTime(body.subspan(22, 6));
  if (!time) return time.error();
  out.time = *time;
  out.is_valid_fix = (out.status_flags & kStatusPositioned) != 0;
  std::size_t pos = kLocationBasicBytes;
  while (pos < body.size()) {
    if (pos + 2 > body.size() || pos + 2 + body[pos + 1] > body.size()) {
      out.has_malformed_additional_items = true;
      break;
    }
    Jt808AdditionalItem item;
    item.id = body[pos];
    std::size_t length = body[pos + 1];
    auto value = body.subspan(pos + 2, length);
    item.value.assign(value.begin(), value.end());
    out.additional_items.push_back(std::move(item));
    pos += 2 + length;
  }
  return out;
}

Result<Jt808LocationBatch> ParseJt808LocationBatch(std::span<const std::uint8_t> body) {
  if (body.size() < 3) {
    return InvalidInput("body",
                        fmt::format("batch of {} bytes has no 3-byte batch header", body.size()));
  }
  Jt808LocationBatch out;
  out.declared_count = ReadU16(body, 0);
  out.type = body[2];
  std::size_t pos = 3;
  int index = 0;
  while (pos < body.size()) {
    ++index;
    if (pos + 2 > body.size()) {
      out.skipped_items.push_back(fmt::format("item {}: 1 stray byte instead of a length", index));
      break;
    }
    std::size_t length = ReadU16(body, pos);
    if (pos + 2 + length > body.size()) {
      out.skipped_items.push_back(
          fmt::format("item {}: length {} runs past the body ({} bytes "
                      "left); the rest of the batch is unreadable",
                      index, length, body.size() - pos - 2));
      break;
    }
    Result<Jt808Location> location = ParseJt808Location(body.subspan(pos + 2, length));
    if (location) {
      out.locations.push_back(std::move(*location));
    } else {
      out.skipped_items.push_back(fmt::format("item {}: {}", index, location.error().message));
    }
    pos += 2 + length;
  }
  return out;
}

DeviceFix ToDeviceFix(const Jt808Location& location) {
  DeviceFix fix;
  fix.time = location.time;
  fix.lon = location.lon;
  fix.lat = location.lat;
  fix.is_valid_fix = location.is_valid_fix;
  fix.speed_mps = location.speed_kmh * kKmhToMps;
  fix.heading_deg = location.direction_deg % 360;
  fix.altitude_m = location.altitude_m;
  return fix;
}

Bytes BuildJt808Frame(const Jt808Header& request, std::uint16_t message_id,
                      std::uint16_t platform_serial, std::span<const std::uint8_t> body) {
  PINGAN_CHECK(body.size() <= kJt808MaxBodyBytes);
  bool is_2019 = request.version == Jt808Version::k2019;
  std::size_t phone_digits = 2 * (is_2019 ? k2019PhoneBytes : k2013PhoneBytes);
  PINGAN_CHECK(request.phone.size() <= phone_digits);
  std::string phone = std::string(phone_digits - request.phone.size(), '0') + request.phone;

  Bytes raw;
  raw.reserve(k2019HeaderBytes + body.size() + kChecksumBytes);
  AppendU16(raw, message_id);
  AppendU16(raw, static_cast<std::uint16_t>(body.size() | (is_2019 ? kVersionBit : 0)));
  if (is_2019) raw.push_back(request.protocol_version);
  for (std::size_t i = 0; i < phone.size(); i += 2) {
    int high = HexValue(phone[i]);
    int low = HexValue(phone[i + 1]);
    PINGAN_CHECK(high >= 0 && low >= 0);
    raw.push_back(static_cast<std::uint8_t>(high << 4 | low));
  }
  AppendU16(raw, platform_serial);
  raw.insert(raw.end(), body.begin(), body.end());
  raw.push_back(Jt808Checksum(raw));

  Bytes out;
  out.reserve(raw.size() * 2 + 2);
  out.push_back(kFlag);
  Bytes escaped = Jt808Escape(raw);
  out.insert(out.end(), escaped.begin(), escaped.end());
  out.push_back(kFlag);
  return out;
}

Bytes BuildJt808GeneralResponse(const Jt808Header& request, std::uint16_t platform_serial,
                                Jt808ResponseResult result) {
  Bytes body;
  AppendU16(body, request.serial);
  AppendU16(body, request.message_id);
  body.push_back(static_cast<std::uint8_t>(result));
  return BuildJt808Frame(request, kJt808PlatformGeneralResponse, platform_serial, body);
}

Bytes BuildJt808RegisterResponse(const Jt808Header& request, std::uint16_t platform_serial,
                                 Jt808RegisterResult result, std::string_view auth_code) {
  PINGAN_CHECK(auth_code.size() <= kJt808MaxBodyBytes - 3);
  std::string_view code = result == Jt808RegisterResult::kSuccess ? auth_code : std::string_view();
  // Sized up front: appending the code after push_back trips a false -Wstringop-overflow in
  // g++ 12.
  Bytes body(3 + code.size());
  body[0] = static_cast<std::uint8_t>(request.serial >> 8);
  body[1] = static_cast<std::uint8_t>(request.serial & 0xFF);
  body[2] = static_cast<std::uint8_t>(result);
  std::copy(code.begin(), code.end(), body.begin() + 3);
  return BuildJt808Frame(request, kJt808RegisterResponse, platform_serial, body);
}

}  // namespace pingan::ingest
