#include "api/citizen_requests.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/http_errors.h"
#include "api/open311_routes.h"
#include "api/public_requests.h"
#include "core/commands.h"
#include "core/jurisdiction.h"
#include "core/time_format.h"

namespace pingan::api {

using nlohmann::json;

namespace {

constexpr std::string_view kTrackingAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view kTrackingPrefix = "JS";
constexpr size_t kTrackingChars = 12;
constexpr size_t kMaxPendingCodes = 100'000;

json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? json(FormatIso8601(*t)) : json();
}

// Labels for the resident; result and SLA names are the request workflow's.
std::string ResultLabel(const std::string& result) {
  if (result == "resolved") return "已解决";
  if (result == "explained") return "已解释说明";
  if (result == "referred") return "已转有关部门";
  if (result == "duplicate") return "重复诉求，已合并办理";
  return result;
}
std::string SlaLabel(const std::string& sla) {
  if (sla == "first_response") return "首次答复";
  if (sla == "handled") return "办结";
  return sla;
}

// "  a   b\n" → "a b", ASCII lower-cased: what counts as the same text for duplicates.
std::string NormalizedText(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

const std::vector<CitizenTopic>& CitizenTopics() {
  static const std::vector<CitizenTopic> topics = {
      {"public_order", "治安", "噪音扰民、打架斗殴、可疑人员、治安隐患等（紧急情况请拨打 110）",
       "治安,噪音,扰民,打架,可疑,隐患,public order,noise"},
      {"dispute", "纠纷", "邻里、家庭、消费、劳资等矛盾纠纷的调解与咨询",
       "纠纷,邻里,家庭,调解,dispute,neighbours"},
      {"documents", "证件", "身份证、户籍、居住证、出入境证件的办理与咨询",
       "证件,身份证,户籍,户口,居住证,出入境,documents,ID card"},
      {"traffic", "交通", "交通秩序、违法停车、道路安全隐患", "交通,违停,道路,traffic,parking"},
      {"other", "其他", "其他与公安工作有关的事项", "其他,other"},
  };
  return topics;
}

const CitizenTopic* FindCitizenTopic(std::string_view code) {
  for (const CitizenTopic& t : CitizenTopics())
    if (t.code == code) return &t;
  return nullptr;
}

const std::vector<CitizenRequestType>& CitizenRequestTypes() {
  static const std::vector<CitizenRequestType> types = {
      {"consultation", "咨询"}, {"complaint", "投诉"}, {"suggestion", "建议"}};
  return types;
}

const CitizenRequestType* FindCitizenRequestType(std::string_view code) {
  for (const CitizenRequestType& t : CitizenRequestTypes())
    if (t.code == code) return &t;
  return nullptr;
}

std::string NewTrackingNo() {
  std::array<unsigned char, 8> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::uint64_t bits = 0;
  for (unsigned char b : bytes) bits = (bits << 8) | b;
  std::string out(kTrackingPrefix);
  for (size_t i = 0; i < kTrackingChars; ++i) {
    if (i % 4 == 0) out.push_back('-');
    out.push_back(kTrackingAlphabet[bits & 31]);
    bits >>= 5;
  }
  return out;
}

std::string NormalizeTrackingNo(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back(c);
    if (out.size() > kTrackingPrefix.size() + kTrackingChars) return {};
  }
  if (!out.starts_with(kTrackingPrefix) || out.size() != kTrackingPrefix.size() + kTrackingChars)
    return {};
  for (size_t i = kTrackingPrefix.size(); i < out.size(); ++i) {
    char& c = out[i];
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (kTrackingAlphabet.find(c) == std::string_view::npos) return {};
  }
  return out;
}

std::string RequestStateLabel(const std::string& state) {
  if (state == "received") return "已受理，待分派";
  if (state == "assigned") return "办理中";
  if (state == "responded") return "已答复";
  if (state == "closed") return "已办结";
  if (state == "rejected") return "不予受理";
  return state;
}

std::size_t CodePoints(std::string_view text) {
  return size_t(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string FirstCodePoints(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // A code point starts at every byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == max_chars)
      return std::string(text.substr(0, i));
  }
  return std::string(text);
}

HttpResponse RateLimitedResponse(std::chrono::seconds retry_after, const std::string& message) {
  HttpResponse response = ErrorResponse(Error{ErrorCode::kRateLimited, message, ""});
  response.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  return response;
}

// ---------------------------------------------------------------------------------------------

CitizenRequestDesk::CitizenRequestDesk(CitizenRequestsContext context)
    : codes_per_address(context.limits.codes_per_address),
      codes_per_phone(context.limits.codes_per_phone),
      codes_overall(context.limits.codes_overall),
      submissions_per_address(context.limits.submissions_per_address),
      submissions_per_phone(context.limits.submissions_per_phone),
      open311_per_address(context.limits.open311_per_address),
      open311_per_key(context.limits.open311_per_key),
      submissions_overall(context.limits.submissions_overall),
      reads_per_address(context.limits.reads_per_address),
      context_(std::move(context)),
      sms_strand_(boost::asio::make_strand(context_.workers)) {}

CitizenRequestDesk::~CitizenRequestDesk() = default;

std::string CitizenRequestDesk::IssueCode(const std::string& phone) {
  const std::uint32_t n = randombytes_uniform(1'000'000);
  std::string code = fmt::format("{:06d}", n);
  PendingCode pending;
  pending.salt = NewToken().substr(0, 32);
  pending.hash = HashToken(pending.salt + ":" + phone + ":" + code);
  pending.expires_at = Now() + context_.limits.code_lifetime;
  pending.tries_left = context_.limits.code_tries;
  std::lock_guard lock(mu_);
  if (codes_.size() >= kMaxPendingCodes) {
    const TimePoint now = Now();
    std::erase_if(codes_, [&](const auto& entry) { return entry.second.expires_at <= now; });
  }
  codes_[phone] = std::move(pending);
  return code;
}

Status CitizenRequestDesk::CheckCode(const std::string& phone, std::string_view code,
                                     bool consume) {
  std::lock_guard lock(mu_);
  auto it = codes_.find(phone);
  if (it == codes_.end() || it->second.expires_at <= Now()) {
    if (it != codes_.end()) codes_.erase(it);
    return InvalidInput("code", "no valid code for this phone: request a new one");
  }
  PendingCode& pending = it->second;
  if (HashToken(pending.salt + ":" + phone + ":" + std::string(code)) != pending.hash) {
    if (--pending.tries_left <= 0) {
      codes_.erase(it);
      return InvalidInput("code", "wrong code, and no tries left: request a new one");
    }
    return InvalidInput("code", fmt::format("wrong code; {} tries left", pending.tries_left));
  }
  if (consume) codes_.erase(it);
  return {};
}

bool CitizenRequestDesk::SendCode(
    const std::string& phone, const std::function<std::string(const std::string& code)>& text_of,
    std::function<void(Result<sms::SentSms>)> done) {
  if (!ReserveSms()) return false;
  const std::string code = IssueCode(phone);
  PostSms({phone, text_of(code), "verify_code"}, std::move(done));
  return true;
}

bool CitizenRequestDesk::SendSms(sms::OutgoingSms message,
                                 std::function<void(Result<sms::SentSms>)> done) {
  if (!ReserveSms()) return false;
  PostSms(std::move(message), std::move(done));
  return true;
}

bool CitizenRequestDesk::ReserveSms() {
  if (context_.sms == nullptr) return false;
  if (queued_sms_.fetch_add(1) >= context_.limits.max_queued_sms) {
    queued_sms_.fetch_sub(1);
    return false;
  }
  return true;
}

void CitizenRequestDesk::PostSms(sms::OutgoingSms message,
                                 std::function<void(Result<sms::SentSms>)> done) {
  boost::asio::post(sms_strand_,
                    [this, message = std::move(message), done = std::move(done)]() mutable {
                      Result<sms::SentSms> sent = context_.sms->Send(message);
                      queued_sms_.fetch_sub(1);
                      if (done) done(std::move(sent));
                    });
}

std::string CitizenRequestDesk::DuplicateKey(const NewCitizenRequest& request) const {
  std::string sender = request.sender;
  if (request.channel == "open311") {
    // One key serves all of an app's users, whose apps offer the same templated texts ("路灯
    // 不亮"): only the same person about the same place is a resubmission.
    auto extra = [&](const char* name) {
      const json* v = request.extra.is_object() && request.extra.contains(name)
                          ? &request.extra.at(name)
                          : nullptr;
      return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
    };
    const std::string place = request.location ? fmt::format("{:.4f},{:.4f}", request.location->lon,
                                                             request.location->lat)
                                               : std::string();
    for (const std::string& part :
         {NormalizedText(request.citizen_name), NormalizedText(request.citizen_email),
          NormalizedText(request.citizen_phone), extra("device_id"), extra("account_id"), place,
          NormalizedText(request.address), extra("address_id")}) {
      sender += "\x1f" + part;
    }
  }
  return HashToken(sender + "\x1e" + request.topic + "\x1e" + NormalizedText(request.description));
}

std::optional<CreatedCitizenRequest> CitizenRequestDesk::FindDuplicate(
    const NewCitizenRequest& request) {
  const std::string key = DuplicateKey(request);
  const TimePoint cutoff = Now() - context_.limits.duplicate_window;
  std::lock_guard lock(mu_);
  auto it = recent_.find(key);
  if (it == recent_.end()) return std::nullopt;
  if (it->second.created.received_at <= cutoff) {
    recent_.erase(it);
    return std::nullopt;
  }
  CreatedCitizenRequest found = it->second.created;
  found.is_duplicate = true;
  return found;
}

void CitizenRequestDesk::Open(NewCitizenRequest request,
                              std::function<void(Result<CreatedCitizenRequest>)> done) {
  const TimePoint now = Now();
  CreatedCitizenRequest created;
  created.tracking_no = NewTrackingNo();
  created.token = NewToken().substr(0, 24);
  created.received_at = now;
  const std::string key = DuplicateKey(request);
  {
    std::lock_guard lock(mu_);
    // Forget what is past the window, so memory follows the traffic of the last minutes.
    const TimePoint cutoff = now - context_.limits.duplicate_window;
    std::erase_if(recent_,
                  [&](const auto& entry) { return entry.second.created.received_at <= cutoff; });
    if (auto it = recent_.find(key); it != recent_.end()) {
      CreatedCitizenRequest earlier = it->second.created;
      earlier.is_duplicate = true;
      boost::asio::post(context_.workers, [done, earlier] { done(earlier); });
      return;
    }
    recent_[key] = RecentRequest{created};
  }

  CreateCase cmd;
  cmd.kind = "request";
  cmd.priority = 3;
  cmd.location = request.location;
  json fields = request.extra.is_object() ? request.extra : json::object();
  fields["channel"] = request.channel;
  fields["type"] = request.type;
  fields["topic"] = request.topic;
  fields["description"] = request.description;
  fields["tracking_no"] = created.tracking_no;
  fields["open311_token"] = created.token;
  for (auto [name, value] :
       {std::pair{"address", &request.address}, std::pair{"citizen_name", &request.citizen_name},
        std::pair{"citizen_phone", &request.citizen_phone},
        std::pair{"citizen_email", &request.citizen_email},
        std::pair{"media_url", &request.media_url}}) {
    if (!value->empty()) fields[name] = *value;
  }
  cmd.fields = std::move(fields);
  context_.engine.Submit(
      Command{request.actor, std::move(cmd)},
      [this, key, created, done = std::move(done)](Result<CommandOutcome> outcome) mutable {
        boost::asio::post(context_.workers, [this, key, created, done = std::move(done),
                                             outcome = std::move(outcome)]() mutable {
          {
            std::lock_guard lock(mu_);
            if (!outcome) {
              recent_.erase(key);
            } else {
              created.case_id = outcome->id;
              if (auto it = recent_.find(key); it != recent_.end()) it->second.created = created;
              by_tracking_no_[NormalizeTrackingNo(created.tracking_no)] = created.case_id;
              by_token_[created.token] = created.case_id;
            }
          }
          if (!outcome) return done(outcome.error());
          done(created);
        });
      });
}

void CitizenRequestDesk::IndexNewCases(const engine::ReadView& view) {
  // Case ids rise as cases are opened, so each case is looked at once.
  for (auto it = view.cases.upper_bound(indexed_up_to_); it != view.cases.end(); ++it) {
    indexed_up_to_ = it->first;
    const CaseRecord& c = *it->second;
    if (c.kind != "request") continue;
    by_opened_at_.emplace(c.opened_at, c.id);
    if (std::string t = FieldText(c.fields, "tracking_no"); !t.empty())
      by_tracking_no_[NormalizeTrackingNo(t)] = c.id;
    if (std::string t = FieldText(c.fields, "open311_token"); !t.empty()) by_token_[t] = c.id;
  }
}

std::vector<std::shared_ptr<const CaseRecord>> CitizenRequestDesk::RequestsOpened(
    TimePoint from, TimePoint to, std::size_t limit,
    const std::function<bool(const CaseRecord&)>& keep) {
  std::vector<std::shared_ptr<const CaseRecord>> out;
  if (to < from || limit == 0) return out;
  std::lock_guard lock(mu_);
  context_.engine.Read([&](const engine::ReadView& view) {
    IndexNewCases(view);
    const auto first = by_opened_at_.lower_bound({from, std::numeric_limits<CaseId>::min()});
    auto it = by_opened_at_.upper_bound({to, std::numeric_limits<CaseId>::max()});
    while (it != first && out.size() < limit) {
      --it;
      auto found = view.cases.find(it->second);
      if (found != view.cases.end() && keep(*found->second)) out.push_back(found->second);
    }
  });
  return out;
}

std::shared_ptr<const CaseRecord> CitizenRequestDesk::FindByTrackingNo(
    std::string_view tracking_no) {
  const std::string key = NormalizeTrackingNo(tracking_no);
  if (key.empty()) return nullptr;
  CaseId id = 0;
  {
    std::lock_guard lock(mu_);
    auto it = by_tracking_no_.find(key);
    if (it == by_tracking_no_.end()) {
      context_.engine.Read([&](const engine::ReadView& view) { IndexNewCases(view); });
      it = by_tracking_no_.find(key);
    }
    if (it == by_tracking_no_.end()) return nullptr;
    id = it->second;
  }
  return context_.engine.Read([&](const engine::ReadView& view) {
    auto it = view.cases.find(id);
    return it == view.cases.end() ? nullptr : it->second;
  });
}

std::shared_ptr<const CaseRecord> CitizenRequestDesk::FindByToken(std::string_view token) {
  if (token.empty() || token.size() > 64) return nullptr;
  CaseId id = 0;
  {
    std::lock_guard lock(mu_);
    auto it = by_token_.find(std::string(token));
    if (it == by_token_.end()) {
      context_.engine.Read([&](const engine::ReadView& view) { IndexNewCases(view); });
      it = by_token_.find(std::string(token));
    }
    if (it == by_token_.end()) return nullptr;
    id = it->second;
  }
  return context_.engine.Read([&](const engine::ReadView& view) {
    auto it = view.cases.find(id);
    return it == view.cases.end() ? nullptr : it->second;
  });
}

std::string CitizenRequestDesk::StationName(const std::string& station_id) const {
  if (station_id.empty()) return {};
  auto index = context_.engine.jurisdictions();
  if (!index) return {};
  const Jurisdiction* j = index->Find(station_id);
  return j ? j->name : std::string();
}

// ---------------------------------------------------------------------------------------------

json PublicRequestView(const CaseRecord& record, const CitizenRequestDesk& desk, TimePoint now) {
  const std::string type = FieldText(record.fields, "type");
  const std::string topic = FieldText(record.fields, "topic");
  const CitizenRequestType* type_info = FindCitizenRequestType(type);
  const CitizenTopic* topic_info = FindCitizenTopic(topic);
  const std::string station = desk.StationName(record.station_id);
  const std::string reply = FieldText(record.fields, "response");
  const std::string result = FieldText(record.fields, "result");

  json steps = json::array();
  for (const CaseEvent& e : record.timeline) {
    json step = {{"at", FormatIso8601(e.at)}, {"step", e.action}};
    if (e.action == "open") {
      step["label"] = "诉求已受理";
    } else if (e.action == "assign") {
      std::string name = desk.StationName(FieldText(e.fields, "station_id"));
      step["label"] = name.empty() ? "已分派办理" : "已分派至" + name + "办理";
    } else if (e.action == "respond") {
      step["label"] = "已答复";
      step["detail"] = FieldText(e.fields, "response");
    } else if (e.action == "close") {
      step["label"] = "已办结：" + ResultLabel(FieldText(e.fields, "result"));
    } else if (e.action == "reject") {
      step["label"] = "不予受理";
      step["detail"] = FieldText(e.fields, "reason");
    } else if (e.action == "reopen") {
      step["label"] = "重新办理";
    } else {
      continue;  // notes and escalations are the bureau's own business
    }
    steps.push_back(std::move(step));
  }

  json deadlines = json::array();
  bool is_overdue = false;
  for (const SlaTimer& t : record.slas) {
    if (t.is_void) continue;
    bool late = IsOverdue(t, now);
    is_overdue = is_overdue || late;
    deadlines.push_back({{"name", t.name},
                         {"label", SlaLabel(t.name)},
                         {"due", FormatIso8601(t.deadline)},
                         {"met_at", OptionalTime(t.met_at)},
                         {"is_overdue", late}});
  }
  TimePoint updated = record.timeline.empty() ? record.opened_at : record.timeline.back().at;
  return {{"tracking_no", FieldText(record.fields, "tracking_no")},
          {"type", type},
          {"type_name", type_info ? type_info->name : type},
          {"topic", topic},
          {"topic_name", topic_info ? topic_info->name : topic},
          {"state", record.state},
          {"state_name", RequestStateLabel(record.state)},
          {"is_open", record.IsOpen()},
          {"received_at", FormatIso8601(record.opened_at)},
          {"updated_at", FormatIso8601(updated)},
          {"closed_at", OptionalTime(record.closed_at)},
          {"station", station.empty() ? json() : json(station)},
          {"reply", reply.empty() ? json() : json(reply)},
          {"result", result.empty() ? json() : json(result)},
          {"result_name", result.empty() ? json() : json(ResultLabel(result))},
          {"deadlines", std::move(deadlines)},
          {"is_overdue", is_overdue},
          {"steps", std::move(steps)}};
}

void AddCitizenRequestRoutes(Router& router, CitizenRequestsContext context) {
  auto desk = std::make_shared<CitizenRequestDesk>(std::move(context));
  AddPublicRequestRoutes(router, desk);
  AddOpen311Routes(router, desk);
}

}  // namespace pingan::api
