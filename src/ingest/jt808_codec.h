// JT/T 808 (2013 and 2019) framing, message decoding and reply building, without I/O. The
// server (ingest/jt808_server.h) feeds received bytes to a Jt808FrameSplitter, decodes each
// frame with DecodeJt808Frame, parses bodies with the Parse* functions and answers with the
// Build* functions. Nothing here throws; every malformed input is an Error that says why.
// Wire format: docs/gps_protocols.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "ingest/position_sink.h"

namespace pingan::ingest {

using Bytes = std::vector<std::uint8_t>;

// Message ids used by the platform (JT/T 808-2019 §8; the 2013 edition uses the same ids).
inline constexpr std::uint16_t kJt808TerminalGeneralResponse = 0x0001;
inline constexpr std::uint16_t kJt808Heartbeat = 0x0002;
inline constexpr std::uint16_t kJt808Logout = 0x0003;
inline constexpr std::uint16_t kJt808Register = 0x0100;
inline constexpr std::uint16_t kJt808Authentication = 0x0102;
inline constexpr std::uint16_t kJt808Location = 0x0200;
inline constexpr std::uint16_t kJt808LocationBatch = 0x0704;
inline constexpr std::uint16_t kJt808PlatformGeneralResponse = 0x8001;
inline constexpr std::uint16_t kJt808RegisterResponse = 0x8100;

// Largest escaped frame the splitter keeps. A body holds at most 1023 bytes and escaping at most
// doubles a frame, so a legal frame stays under 2.1 KiB; anything longer is garbage.
inline constexpr std::size_t kJt808MaxFrameBytes = 4096;
// Largest body the 10-bit length field can declare.
inline constexpr std::size_t kJt808MaxBodyBytes = 1023;

enum class Jt808Version {
  k2013,  // 12-byte header: id, properties, 6-byte BCD phone, serial (also used by 2011)
  k2019,  // bit 14 of the properties set: a protocol-version byte and a 10-byte BCD phone
};

// The message header, after unescaping.
struct Jt808Header {
  std::uint16_t message_id = 0;
  Jt808Version version = Jt808Version::k2013;
  std::uint8_t protocol_version = 0;  // 2019 header only (1 for JT/T 808-2019); 0 for 2013
  // The terminal's phone number as its BCD digits, exactly as sent: 12 digits (2013) or 20
  // (2019), leading zeros kept. Nibbles above 9, which some terminals send, appear as 'a'..'f'
  // so that a reply can repeat the bytes exactly.
  std::string phone;
  std::uint16_t serial = 0;        // the terminal's message serial number
  std::uint16_t body_length = 0;   // as declared in the properties (10 bits)
  std::uint8_t encryption = 0;     // properties bits 10-12: 0 plain, 1 RSA; others reserved
  bool is_subpackage = false;      // properties bit 13: one part of a long message
  std::uint16_t packet_total = 0;  // when is_subpackage: number of parts
  std::uint16_t packet_index = 0;  // when is_subpackage: this part, from 1
};

// One decoded frame: header and the body bytes (unescaped, checksum removed).
struct Jt808Message {
  Jt808Header header;
  Bytes body;
};

// Cuts a TCP byte stream into frames at the 0x7E flags. Each run of bytes between two flags is
// one frame candidate, so one lost or garbled frame never desynchronises the frames after it.
// Not thread-safe; one per connection.
class Jt808FrameSplitter {
 public:
  explicit Jt808FrameSplitter(std::size_t max_frame_bytes = kJt808MaxFrameBytes);

  // Consumes `bytes`, any slice of the stream, and returns in stream order one entry per event:
  // a complete frame (its escaped bytes between the flags, flags excluded), or an Error for
  // bytes thrown away: data before the first flag, or a frame longer than max_frame_bytes
  // (reported once when the cap is hit; the rest up to the next flag is dropped silently).
  // Two adjacent flags (an empty frame) are skipped: terminals often send 7E 7E between frames.
  std::vector<Result<Bytes>> Feed(std::span<const std::uint8_t> bytes);

  // Bytes held for the frame in progress; never more than max_frame_bytes.
  std::size_t buffered_bytes() const { return current_.size(); }

 private:
  std::size_t max_frame_bytes_;
  Bytes current_;
  bool has_seen_flag_ = false;  // false until the stream's first 0x7E
  bool is_dropping_ = false;    // true after the cap was hit, until the next flag
  std::size_t bytes_before_flag_ = 0;
};

// Escaping: 0x7E → 0x7D 0x02 and 0x7D → 0x7D 0x01.
Bytes Jt808Escape(std::span<const std::uint8_t> raw);
// The reverse. Errors (kInvalidInput, field "escape"): 0x7D followed by anything but 0x01 or
// 0x02, a 0x7D at the end, or a raw 0x7E inside the frame.
Result<Bytes> Jt808Unescape(std::span<const std::uint8_t> escaped);
// XOR of all bytes: the check code over header and body.
std::uint8_t Jt808Checksum(std::span<const std::uint8_t> bytes);

// Decodes one frame as the splitter returns it; a leading and a trailing 0x7E flag, if present,
// are ignored, so a whole frame from a capture works too. Checks, in order: escaping, minimum
// size, checksum, header, and that the declared body length matches the bytes present. Errors
// are kInvalidInput with `field` naming the part at fault ("escape", "checksum", "header",
// "body_length") and a message with the numbers involved.
Result<Jt808Message> DecodeJt808Frame(std::span<const std::uint8_t> frame);

// Reads only the header of a frame that DecodeJt808Frame refused, ignoring the checksum and the
// body length, so the server can still address a "message error" reply to the terminal.
// nullopt when even the header cannot be read (bad escaping, too short).
std::optional<Jt808Header> ReadJt808Header(std::span<const std::uint8_t> frame);

// The identifier a terminal is known by: its phone digits without leading zeros, so a
// terminal keeps its identity when it moves from a 2013 to a 2019 header ("013800138000" and
// "00000000013800138000" are both "13800138000"). All zeros give "0".
std::string Jt808DeviceIdentifier(const Jt808Header& header);

// 0x0100 terminal registration (终端注册).
struct Jt808Registration {
  std::uint16_t province_id = 0;  // GB/T 2260 province code, 0 when not set
  std::uint16_t city_id = 0;      // GB/T 2260 city or county code
  std::string maker_id;           // manufacturer id; trailing NUL bytes and spaces removed
  std::string model;              // terminal model
  std::string terminal_id;        // terminal id given by the manufacturer
  std::uint8_t plate_colour = 0;  // JT/T 697.7: 0 no plate (plate holds the VIN), 1 blue, 2 yellow…
  std::string plate;              // raw bytes as sent, GBK in practice; not validated
};
// Field widths: 2019 maker 11, model 30, terminal id 30; 2013 maker 5, model 20, terminal id 7;
// a 2013-header body shorter than the 2013 layout (37 bytes) is read with the 2011 layout
// (model 8). Errors: kInvalidInput, field "body", when the body is shorter than the layout.
Result<Jt808Registration> ParseJt808Registration(const Jt808Message& message);

// 0x0102 terminal authentication (终端鉴权).
struct Jt808Authentication {
  std::string auth_code;         // as sent; trailing NUL bytes removed
  std::string imei;              // 2019 only, 15 ASCII digits; empty for 2013
  std::string software_version;  // 2019 only; trailing NUL bytes removed
};
// 2013: the whole body is the code. 2019: a length byte, the code, the IMEI (15 bytes) and the
// software version (20 bytes); IMEI and version are read when present. Errors: kInvalidInput,
// field "body", when a 2019 code length runs past the body or a 2013 body is empty.
Result<Jt808Authentication> ParseJt808Authentication(const Jt808Message& message);

// An additional information item after a location's basic fields (附加信息), kept raw.
struct Jt808AdditionalItem {
  std::uint8_t id = 0;
  Bytes value;
};

// 0x0200 location report (位置信息汇报), also each item of a 0x0704 batch.
struct Jt808Location {
  std::uint32_t alarm_flags = 0;
  std::uint32_t status_flags = 0;
  // Degrees, south and west negative (status bits 2 and 3). The datum is the terminal's: WGS84
  // or CGCS2000 (equal to within centimetres) per the standard, GCJ-02 for some terminals sold
  // in China.
  double lat = 0;
  double lon = 0;
  // Metres. The standard says WORD; it is read as signed so that places below sea level
  // (Turpan, −154 m) come out right. Terminals never report above 32767 m.
  int altitude_m = 0;
  double speed_kmh = 0;       // the wire carries 0.1 km/h
  int direction_deg = 0;      // 0-359, clockwise from north
  TimePoint time;             // UTC; the wire carries Beijing time (UTC+8) as BCD YYMMDDhhmmss
  bool is_valid_fix = false;  // status bit 1 (定位)
  std::vector<Jt808AdditionalItem> additional_items;  // in order, up to the first malformed one
  // True when the additional items could not all be read (an item running past the body);
  // the basic fields above are still good.
  bool has_malformed_additional_items = false;
};
// Reads the 28 bytes of basic fields and the additional items after them. Errors (kInvalidInput):
// field "body" when fewer than 28 bytes; field "time" when the BCD time has a nibble above 9 or
// is not a calendar date (an all-zero time, sent by some terminals before the first fix, too).
Result<Jt808Location> ParseJt808Location(std::span<const std::uint8_t> body);

// 0x0704 batch of stored locations (定位数据批量上传).
struct Jt808LocationBatch {
  std::uint8_t type = 0;                 // 0 regular batch, 1 blind-area upload (盲区补报)
  std::uint16_t declared_count = 0;      // as the header of the batch says
  std::vector<Jt808Location> locations;  // the items that parsed, in order
  // Why each item that did not parse was skipped ("item 3: ..."). Parsing stops at an item
  // whose length runs past the body, as nothing after it can be found.
  std::vector<std::string> skipped_items;
};
// Errors: kInvalidInput, field "body", when the 3-byte batch header is missing.
Result<Jt808LocationBatch> ParseJt808LocationBatch(std::span<const std::uint8_t> body);

// The position as the sink takes it (speed in m/s).
DeviceFix ToDeviceFix(const Jt808Location& location);

// Result byte of 0x8001 platform general response (平台通用应答).
enum class Jt808ResponseResult : std::uint8_t {
  kSuccess = 0,
  kFailure = 1,
  kMessageError = 2,
  kUnsupported = 3,
};

// Result byte of 0x8100 register response (终端注册应答).
enum class Jt808RegisterResult : std::uint8_t {
  kSuccess = 0,
  kVehicleRegistered = 1,
  kNoSuchVehicle = 2,
  kTerminalRegistered = 3,
  kNoSuchTerminal = 4,
};

// A complete platform message to the terminal that sent `request`: flags, escaped header and
// body, checksum. The header has the request's version, protocol-version byte and phone, the
// given `platform_serial`, no encryption and no subpackage.
// REQUIRES: body.size() <= kJt808MaxBodyBytes; request.phone is at most 12 (2013) or 20 (2019)
// hex digits (shorter is padded with leading zeros).
Bytes BuildJt808Frame(const Jt808Header& request, std::uint16_t message_id,
                      std::uint16_t platform_serial, std::span<const std::uint8_t> body);

// 0x8001: answers `request` (its serial and message id) with `result`.
Bytes BuildJt808GeneralResponse(const Jt808Header& request, std::uint16_t platform_serial,
                                Jt808ResponseResult result);

// 0x8100: answers a registration with `result`; the auth code follows only on kSuccess.
// REQUIRES: auth_code.size() <= kJt808MaxBodyBytes - 3.
Bytes BuildJt808RegisterResponse(const Jt808Header& request, std::uint16_t platform_serial,
                                 Jt808RegisterResult result, std::string_view auth_code);

}  // namespace pingan::ingest
