// 接诉即办 from the public: what residents may ask about (topics and types), and the desk both
// public channels share — the resident page (/jiesu/, /api/public/*, api/public_requests.h) and
// Open311 GeoReport v2 (/open311/v2/*, api/open311_routes.h). The desk verifies phones by SMS
// code, limits how often anyone may do anything, throttles duplicates, opens `request` cases in
// the engine with a tracking number, and finds them again by tracking number or Open311 token.
//
// What the public side may see of a case is decided here (PublicRequestView) and in the Open311
// view: status, steps, deadlines, the station's name and reply — never a citizen's name, phone
// or e-mail, and never who on the staff did what.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "api/rate_limit.h"
#include "api/router.h"
#include "core/case_record.h"
#include "engine/engine.h"
#include "sms/sms_gateway.h"

namespace pingan::api {

class ApiKeyStore;

// What a request is about (Open311 service_code; the page's 类别).
struct CitizenTopic {
  std::string code;  // "public_order"
  std::string name;  // "治安"
  std::string description;
  std::string keywords;  // comma-separated, for Open311 clients' search
};
const std::vector<CitizenTopic>& CitizenTopics();
const CitizenTopic* FindCitizenTopic(std::string_view code);

// What kind of request it is (the Open311 attribute `type`; the page's 类型).
struct CitizenRequestType {
  std::string code;  // "consultation", "complaint", "suggestion"
  std::string name;  // "咨询", "投诉", "建议"
};
const std::vector<CitizenRequestType>& CitizenRequestTypes();
const CitizenRequestType* FindCitizenRequestType(std::string_view code);

// Limits of the public side. The defaults are for a district bureau's real traffic: a resident
// submits a few requests a day, a partner's Open311 client a few a minute.
struct PublicLimits {
  std::size_t max_body_bytes = 16 * 1024;  // larger bodies get 413
  std::size_t max_description_chars = 2000;
  std::size_t max_address_chars = 200;
  std::size_t max_name_chars = 50;
  std::size_t max_attributes = 30;                           // Open311 attribute[...] per request
  std::size_t max_attribute_chars = 500;                     // each attribute's value
  std::chrono::minutes code_lifetime{10};                    // an SMS verification code
  int code_tries = 5;                                        // wrong guesses before a code is void
  std::chrono::minutes duplicate_window{10};                 // same sender and same text: refused
  RateLimit codes_per_address{5, std::chrono::seconds(60)};  // verification SMS per IP
  RateLimit codes_per_phone{3, std::chrono::seconds(300)};   // ... and per phone number
  // Every verification SMS together: what an attacker with many addresses can make the bureau
  // pay for (SMS pumping), and what residents can still get while that happens.
  RateLimit codes_overall{200, std::chrono::seconds(1)};
  RateLimit submissions_per_address{10, std::chrono::seconds(60)};
  RateLimit submissions_per_phone{5, std::chrono::seconds(600)};
  RateLimit open311_per_address{60, std::chrono::seconds(1)};  // Open311 POSTs per IP
  RateLimit open311_per_key{120, std::chrono::milliseconds(500)};
  // Every public submission together, whoever sends it: what the desk lets into the engine.
  RateLimit submissions_overall{200, std::chrono::milliseconds(20)};
  RateLimit reads_per_address{60, std::chrono::milliseconds(100)};  // GETs per IP
  std::size_t max_queued_sms = 64;  // verification SMS waiting for the gateway; more: 503
  std::size_t max_open311_results = 1000;
};

struct CitizenRequestsContext {
  engine::Engine& engine;
  // Replies that wait for the engine run here (never on the writer thread); SMS go out on a
  // strand of it, so a slow SMS provider holds at most one of these threads.
  boost::asio::thread_pool& workers;
  sms::SmsGateway* sms = nullptr;   // null: /api/public/verify answers 503
  ApiKeyStore* api_keys = nullptr;  // null: every Open311 POST is refused (403)
  std::string web_root;             // the built console, holding jiesu/
  PublicLimits limits;
};

// A request as either channel hands it over, validated.
struct NewCitizenRequest {
  std::string channel;  // "public_page" | "open311"
  std::string actor;    // "public_page", "open311:fixmystreet"
  std::string type;     // a CitizenRequestType code
  std::string topic;    // a CitizenTopic code
  std::string description;
  std::string address;
  std::optional<LonLat> location;
  std::string citizen_name;
  std::string citizen_phone;  // 11 digits when verified (the page); as given through Open311
  std::string citizen_email;
  std::string media_url;
  nlohmann::json extra = nlohmann::json::object();  // more case fields (Open311's attributes...)
  // Who sent it, for duplicate throttling: the verified phone, or the Open311 actor (whose
  // duplicates are further told apart by the sender's details and place; see FindDuplicate).
  std::string sender;
};

struct CreatedCitizenRequest {
  CaseId case_id = 0;
  std::string tracking_no;
  std::string token;          // Open311 token, resolvable through /open311/v2/tokens/{token}
  bool is_duplicate = false;  // an earlier request from the same sender with the same text
  TimePoint received_at;
};

class CitizenRequestDesk {
 public:
  explicit CitizenRequestDesk(CitizenRequestsContext context);
  ~CitizenRequestDesk();
  CitizenRequestDesk(const CitizenRequestDesk&) = delete;
  CitizenRequestDesk& operator=(const CitizenRequestDesk&) = delete;

  const CitizenRequestsContext& context() const { return context_; }
  const PublicLimits& limits() const { return context_.limits; }
  engine::Engine& engine() const { return context_.engine; }
  TimePoint Now() const { return context_.engine.clock().Now(); }

  // Rate limits by name; each refusal says how long to wait.
  RateLimiter codes_per_address, codes_per_phone, codes_overall, submissions_per_address,
      submissions_per_phone, open311_per_address, open311_per_key, submissions_overall,
      reads_per_address;

  // --- verification codes (SMS) ---
  // Makes a new six-digit code for `phone` (11 digits), replacing any earlier one, and sends
  // `text_of(code)` to it as SendSms does. Only a salted hash of the code is kept, with its
  // expiry and the tries left. False when SendSms would refuse: then no code is made and the
  // earlier one stays live.
  bool SendCode(const std::string& phone,
                const std::function<std::string(const std::string& code)>& text_of,
                std::function<void(Result<sms::SentSms>)> done);
  // Whether `code` is the live code of `phone`. A wrong code uses up a try; the last wrong try
  // voids the code. Errors: kInvalidInput (field "code") saying whether to retry or ask again.
  // `consume`: a right code is used up (it opens one request).
  Status CheckCode(const std::string& phone, std::string_view code, bool consume);

  // Sends `sms` on the SMS strand and calls `done` there. False, without calling `done`, when
  // there is no gateway or max_queued_sms are already waiting.
  bool SendSms(sms::OutgoingSms sms, std::function<void(Result<sms::SentSms>)> done);

  // --- opening requests ---
  // The earlier request from the same sender with the same topic and text within the
  // duplicate window, if any (received_at tells how long ago). For Open311, where one key
  // serves all of an app's users, the same sender also means the same name, e-mail, phone,
  // device_id and account_id, and the same place (lat/long to 4 decimals, about 10 m;
  // address_string; address_id): two residents sending an app's templated text are two
  // requests, a client resending after a lost answer is one.
  std::optional<CreatedCitizenRequest> FindDuplicate(const NewCitizenRequest& request);
  // Opens a `request` case (its station found from the location, else left for the duty desk
  // to assign) and calls `done` on a worker thread with what was created. A sender resending
  // the same text while the first is still being written gets it as a duplicate.
  void Open(NewCitizenRequest request, std::function<void(Result<CreatedCitizenRequest>)> done);

  // --- finding them again ---
  // The request cases opened in [from, to] that `keep` accepts, newest first, at most `limit`.
  // The desk keeps the request cases ordered by opening time, so this costs O(log n) to find
  // the window and one look-up per request opened in it, however old the window is. `keep`
  // runs under the engine's read lock: keep it short.
  std::vector<std::shared_ptr<const CaseRecord>> RequestsOpened(
      TimePoint from, TimePoint to, std::size_t limit,
      const std::function<bool(const CaseRecord&)>& keep);
  // The request case with this tracking number (any case, dashes optional) or Open311 token.
  std::shared_ptr<const CaseRecord> FindByTrackingNo(std::string_view tracking_no);
  std::shared_ptr<const CaseRecord> FindByToken(std::string_view token);
  // The station's name ("" when the case has none or the station is unknown).
  std::string StationName(const std::string& station_id) const;

 private:
  // A new code for `phone`, replacing any earlier one.
  std::string IssueCode(const std::string& phone);
  // Takes a place in the SMS queue: false when there is no gateway or the queue is full.
  bool ReserveSms();
  // REQUIRES: a place taken by ReserveSms, which this gives back once the SMS is sent.
  void PostSms(sms::OutgoingSms sms, std::function<void(Result<sms::SentSms>)> done);
  // REQUIRES: mu_ held. Indexes the tracking numbers, tokens and opening times of request cases
  // opened since the last call.
  void IndexNewCases(const engine::ReadView& view);
  std::string DuplicateKey(const NewCitizenRequest& request) const;

  CitizenRequestsContext context_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> sms_strand_;
  std::atomic<std::size_t> queued_sms_ = 0;

  struct PendingCode {
    std::string salt;
    std::string hash;
    TimePoint expires_at;
    int tries_left = 0;
  };
  struct RecentRequest {
    CreatedCitizenRequest created;  // case_id 0 while being written
  };

  std::mutex mu_;
  std::unordered_map<std::string, PendingCode> codes_;      // by phone; guarded by mu_
  std::unordered_map<std::string, RecentRequest> recent_;   // by DuplicateKey; guarded by mu_
  std::unordered_map<std::string, CaseId> by_tracking_no_;  // guarded by mu_
  std::unordered_map<std::string, CaseId> by_token_;        // guarded by mu_
  std::set<std::pair<TimePoint, CaseId>> by_opened_at_;     // request cases; guarded by mu_
  CaseId indexed_up_to_ = 0;                                // guarded by mu_
};

// "JS-7K3M-9QXP-2HDA": 60 random bits in Crockford base32 (no I, L, O, U), grouped for reading
// aloud over the phone.
std::string NewTrackingNo();
// Upper case, without dashes or spaces, with O read as 0 and I/L as 1: "JS7K3M9QXP2HDA". Empty
// when `text` cannot be a tracking number.
std::string NormalizeTrackingNo(std::string_view text);

// The request workflow's state as a resident reads it ("办理中" for `assigned`); shown on the
// resident page and as an Open311 request's status notes.
std::string RequestStateLabel(const std::string& state);

// Counts UTF-8 code points (what a resident calls characters).
std::size_t CodePoints(std::string_view text);
// The first `max_chars` code points of `text` (all of it when shorter), cut only between UTF-8
// sequences: for quoting what a client sent in an error message.
std::string FirstCodePoints(std::string_view text, std::size_t max_chars);

// What a resident holding the tracking number sees: type, topic, state and its label, the
// station's name, steps (received, assigned to a station, replied, closed — no internal notes,
// escalations or staff names), the reply, the deadlines and whether any is past.
nlohmann::json PublicRequestView(const CaseRecord& record, const CitizenRequestDesk& desk,
                                 TimePoint now);

// A 429 with a Retry-After header.
HttpResponse RateLimitedResponse(std::chrono::seconds retry_after, const std::string& message);

// Adds both public channels: AddPublicRequestRoutes and AddOpen311Routes on one desk. `context`
// must outlive the router's use (the engine, the workers, the SMS gateway, the key store).
void AddCitizenRequestRoutes(Router& router, CitizenRequestsContext context);

}  // namespace pingan::api
