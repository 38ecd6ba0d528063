// Text messages to citizens: callbacks (回访) after an incident and verification codes. An
// SmsGateway hands a message to a carrier; SimulatorGateway keeps them in memory for the demo
// and tests, HttpGateway posts them to a provider.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace pingan::sms {

// The longest text accepted, in UTF-8 code points (carriers split longer texts into parts and
// charge per part; 500 is already seven parts).
inline constexpr std::size_t kMaxTextCodePoints = 500;

struct OutgoingSms {
  std::string to;       // a mainland mobile number; "+86", "86", spaces and dashes allowed
  std::string text;     // UTF-8, 1 to kMaxTextCodePoints code points, without the signature
  std::string purpose;  // what it is for: "callback", "verify_code", ...
};

struct SentSms {
  std::string id;    // the gateway's id for the message: "SIM-000001", or the provider's
  std::string to;    // normalised: 11 digits
  std::string text;  // as handed to the carrier (HttpGateway: with its 【signature】 in front)
  std::string purpose;
  TimePoint sent_at;
  std::string status;  // "sent" (simulator) or "accepted" (a provider took it for delivery)
};

class SmsGateway {
 public:
  virtual ~SmsGateway();

  // Validates `sms` (ValidateOutgoingSms) and hands it to the carrier. Blocks until the carrier
  // has answered. Thread-safe. Errors: kInvalidInput with field "to" or "text" for a bad
  // message; kUnavailable when the carrier cannot be reached or refuses the message (the
  // message may then be sent again later).
  virtual Result<SentSms> Send(const OutgoingSms& sms) = 0;
  // A short name for logs: "simulator", "http".
  virtual std::string_view name() const = 0;
};

// A mainland mobile number (1[3-9] and nine digits) as 11 digits. Accepts a "+86" or "86"
// prefix, surrounding whitespace and spaces or dashes between digits ("+86 138-0013-8000").
// Error: kInvalidInput, field "to".
Result<std::string> NormalizeMobileNumber(std::string_view to);

// Error when `text` is empty or only whitespace, is not UTF-8, or is longer than
// kMaxTextCodePoints code points: kInvalidInput, field "text".
Status ValidateSmsText(std::string_view text);

// `sms` with its number normalised, or the first error of the two checks above.
Result<OutgoingSms> ValidateOutgoingSms(const OutgoingSms& sms);

}  // namespace pingan::sms
