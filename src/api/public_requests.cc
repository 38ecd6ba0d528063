#include "api/public_requests.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "api/json_codec.h"
#include "api/static_files.h"
#include "core/geo.h"

namespace pingan::api {

using nlohmann::json;

namespace {

Error TooLarge(const PublicLimits& limits) {
  return Error{ErrorCode::kTooLarge,
               fmt::format("the body is over {} bytes", limits.max_body_bytes), "body"};
}

Error NoSms() {
  return Error{ErrorCode::kUnavailable,
               "verification codes cannot be sent now (no SMS gateway, or too many waiting); try "
               "again in a minute",
               "phone"};
}

// A string field of at most `max_chars` characters (code points); "" when absent. Errors name
// the field.
Result<std::string> TextField(const json& body, const std::string& field, size_t max_chars,
                              bool required) {
  // Four bytes per character at most: the byte check is only a first, cheap bound.
  auto value = OptionalString(body, field, max_chars * 4);
  if (!value) return value.error();
  std::string text = value->value_or("");
  size_t first = text.find_first_not_of(" \t\r\n");
  text = first == std::string::npos ? std::string() : text.substr(first);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (required && text.empty()) return InvalidInput(field, field + " is required");
  if (CodePoints(text) > max_chars)
    return InvalidInput(field, fmt::format("{} is at most {} characters", field, max_chars));
  return text;
}

Result<std::string> PhoneField(const json& body) {
  auto text = RequiredString(body, "phone", 32);
  if (!text) return text.error();
  auto phone = sms::NormalizeMobileNumber(*text);
  if (!phone) return InvalidInput("phone", "a mainland mobile number: 11 digits starting with 1");
  return *phone;
}

void ServicesRoute(const CitizenRequestDesk& desk, Call& call) {
  json types = json::array();
  for (const CitizenRequestType& t : CitizenRequestTypes())
    types.push_back({{"code", t.code}, {"name", t.name}});
  json topics = json::array();
  for (const CitizenTopic& t : CitizenTopics())
    topics.push_back({{"code", t.code}, {"name", t.name}, {"description", t.description}});
  const PublicLimits& l = desk.limits();
  call.Reply(200, {{"types", std::move(types)},
                   {"topics", std::move(topics)},
                   {"limits",
                    {{"description_max_chars", l.max_description_chars},
                     {"address_max_chars", l.max_address_chars},
                     {"name_max_chars", l.max_name_chars},
                     {"code_lifetime_s", std::chrono::seconds(l.code_lifetime).count()},
                     {"code_tries", l.code_tries}}}});
}

void VerifyRoute(const std::shared_ptr<CitizenRequestDesk>& desk, Call& call) {
  const PublicLimits& limits = desk->limits();
  if (call.request.body.size() > limits.max_body_bytes) return call.Fail(TooLarge(limits));
  const TimePoint now = desk->Now();
  if (auto wait = desk->codes_per_address.Take(ClientKey(call.request.remote_address), now)) {
    return call.respond(
        RateLimitedResponse(*wait, "too many codes requested from this address; try again later"));
  }
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  auto phone = PhoneField(*body);
  if (!phone) return call.Fail(phone.error());
  if (desk->context().sms == nullptr) return call.Fail(NoSms());
  // The global bucket first: while it refuses, nobody's phone bucket is touched (or created).
  if (auto wait = desk->codes_overall.Take("*", now)) {
    return call.respond(RateLimitedResponse(*wait, "codes are being sent; try again shortly"));
  }
  if (auto wait = desk->codes_per_phone.Take(*phone, now)) {
    return call.respond(
        RateLimitedResponse(*wait, "a code was sent to this phone a moment ago; wait for it"));
  }
  const auto minutes = limits.code_lifetime.count();
  auto text = [minutes](const std::string& code) {
    return fmt::format("您的接诉即办验证码是 {}，{} 分钟内有效。如非本人操作，请忽略本短信。", code,
                       minutes);
  };
  // A full SMS queue refuses before a code is made, so the code the resident already has stays
  // live rather than being replaced by one that was never sent.
  bool queued = desk->SendCode(*phone, text, [call, minutes](Result<sms::SentSms> sent) {
    if (!sent) {
      Error e = sent.error();
      if (e.field == "to") e.field = "phone";
      return call.Fail(e);
    }
    call.Reply(202, {{"sent", true}, {"expires_in_s", minutes * 60}});
  });
  if (!queued) call.Fail(NoSms());
}

void SubmitRoute(const std::shared_ptr<CitizenRequestDesk>& desk, Call& call) {
  const PublicLimits& limits = desk->limits();
  if (call.request.body.size() > limits.max_body_bytes) return call.Fail(TooLarge(limits));
  const TimePoint now = desk->Now();
  if (auto wait = desk->submissions_per_address.Take(ClientKey(call.request.remote_address), now)) {
    return call.respond(
        RateLimitedResponse(*wait, "too many requests from this address; try again later"));
  }
  auto body = call.JsonBody();
  if (!body) return call.Fail(body.error());
  auto phone = PhoneField(*body);
  if (!phone) return call.Fail(phone.error());
  auto code = RequiredString(*body, "code", 16);
  if (!code) return call.Fail(code.error());
  auto type = RequiredString(*body, "type", 32);
  if (!type) return call.Fail(type.error());
  if (!FindCitizenRequestType(*type))
    return call.Fail(InvalidInput("type", "type is consultation, complaint or suggestion"));
  auto topic = RequiredString(*body, "topic", 32);
  if (!topic) return call.Fail(topic.error());
  if (!FindCitizenTopic(*topic))
    return call.Fail(InvalidInput("topic", fmt::format("no topic '{}'", *topic)));
  auto description = TextField(*body, "description", limits.max_description_chars, true);
  if (!description) return call.Fail(description.error());
  auto address = TextField(*body, "address", limits.max_address_chars, false);
  if (!address) return call.Fail(address.error());
  auto name = TextField(*body, "name", limits.max_name_chars, false);
  if (!name) return call.Fail(name.error());
  auto location = OptionalLonLat(*body);
  if (!location) return call.Fail(location.error());
  if (*location && !IsValid(**location))
    return call.Fail(InvalidInput("lon", "longitude/latitude out of range"));

  if (Status s = desk->CheckCode(*phone, *code, /*consume=*/false); !s) return call.Fail(s.error());
  if (auto wait = desk->submissions_per_phone.Take(*phone, now)) {
    return call.respond(
        RateLimitedResponse(*wait, "too many requests from this phone; try again later"));
  }
  NewCitizenRequest request;
  request.channel = "public_page";
  request.actor = "public_page";
  request.type = *type;
  request.topic = *topic;
  request.description = *description;
  request.address = *address;
  request.location = *location;
  request.citizen_name = *name;
  request.citizen_phone = *phone;
  request.sender = *phone;
  if (auto earlier = desk->FindDuplicate(request)) {
    auto since = std::chrono::duration_cast<std::chrono::seconds>(now - earlier->received_at);
    auto wait = std::chrono::duration_cast<std::chrono::seconds>(limits.duplicate_window) - since;
    HttpResponse response =
        RateLimitedResponse(std::max(wait, std::chrono::seconds(1)),
                            fmt::format("the same request came from this phone {} s ago as {}",
                                        since.count(), earlier->tracking_no));
    // The sender proved the phone with a code: telling them their own number is no leak.
    json error = json::parse(response.body);
    error["tracking_no"] = earlier->tracking_no;
    response.body = error.dump();
    return call.respond(std::move(response));
  }
  if (auto wait = desk->submissions_overall.Take("*", now)) {
    return call.respond(RateLimitedResponse(*wait, "the desk is busy; try again shortly"));
  }
  if (Status s = desk->CheckCode(*phone, *code, /*consume=*/true); !s) return call.Fail(s.error());

  std::string to = *phone;
  desk->Open(std::move(request), [desk, call, to](Result<CreatedCitizenRequest> created) {
    if (!created) return call.Fail(created.error());
    if (created->is_duplicate) {
      return call.respond(RateLimitedResponse(
          std::chrono::seconds(60), "the same request from this phone is being received"));
    }
    auto record = desk->engine().Read([&](const engine::ReadView& view) {
      auto it = view.cases.find(created->case_id);
      return it == view.cases.end() ? nullptr : it->second;
    });
    json reply = record ? PublicRequestView(*record, *desk, desk->Now())
                        : json{{"tracking_no", created->tracking_no}};
    reply["track_url"] = "/jiesu/#/track/" + created->tracking_no;
    call.Reply(201, reply);
    // Best effort: the page shows the number too.
    desk->SendSms(
        {to,
         fmt::format("您的诉求已受理，查询编号 {}。可在接诉即办页面凭此编号查看办理进度。",
                     created->tracking_no),
         "request_received"},
        nullptr);
  });
}

void TrackRoute(const std::shared_ptr<CitizenRequestDesk>& desk, Call& call) {
  if (auto wait =
          desk->reads_per_address.Take(ClientKey(call.request.remote_address), desk->Now())) {
    return call.respond(RateLimitedResponse(*wait, "too many lookups; try again later"));
  }
  auto record = desk->FindByTrackingNo(call.params.at("tracking_no"));
  if (!record) {
    return call.Fail(
        NotFound("no request with this tracking number; check it and try again", "tracking_no"));
  }
  call.Reply(200, PublicRequestView(*record, *desk, desk->Now()));
}

}  // namespace

void AddPublicRequestRoutes(Router& router, const std::shared_ptr<CitizenRequestDesk>& desk) {
  json phone = {{"type", "string"}, {"description", "mainland mobile number"}};
  router.Add({"GET", "/api/public/services",
              "接诉即办: the request types and topics a resident may choose, and the limits",
              "public", true, std::nullopt, nullptr, nullptr, "200 {types, topics, limits}",
              [desk](Call& call) { ServicesRoute(*desk, call); }});
  router.Add({"POST", "/api/public/verify",
              "接诉即办: send a six-digit code to a phone by SMS (10 minutes, 5 tries)", "public",
              true, std::nullopt,
              json{{"type", "object"}, {"required", {"phone"}}, {"properties", {{"phone", phone}}}},
              nullptr, "202 {sent, expires_in_s}; 429 with Retry-After",
              [desk](Call& call) { VerifyRoute(desk, call); }});
  router.Add(
      {"POST", "/api/public/requests",
       "接诉即办: open a request with a verified phone; answers its tracking number", "public",
       true, std::nullopt,
       json{{"type", "object"},
            {"required", {"phone", "code", "type", "topic", "description"}},
            {"properties",
             {{"phone", phone},
              {"code", {{"type", "string"}}},
              {"type", {{"type", "string"}, {"enum", {"consultation", "complaint", "suggestion"}}}},
              {"topic", {{"type", "string"}}},
              {"description", {{"type", "string"}, {"maxLength", 2000}}},
              {"address", {{"type", "string"}, {"maxLength", 200}}},
              {"lon", {{"type", "number"}}},
              {"lat", {{"type", "number"}}},
              {"name", {{"type", "string"}, {"maxLength", 50}}}}}},
       nullptr, "201 {tracking_no, state, steps, deadlines, ...}; 429 with Retry-After",
       [desk](Call& call) { SubmitRoute(desk, call); }});
  router.Add({"GET", "/api/public/requests/{tracking_no}",
              "接诉即办: a request's status, steps, deadlines and reply, by tracking number",
              "public", true, std::nullopt, nullptr, nullptr,
              "200 {tracking_no, state, state_name, steps, reply, deadlines, is_overdue}",
              [desk](Call& call) { TrackRoute(desk, call); }});
  router.Add({"GET", "/jiesu", "The resident page (redirects to /jiesu/)", "public", true,
              std::nullopt, nullptr, nullptr, "301 to /jiesu/", [](Call& call) {
                HttpResponse response;
                response.status = 301;
                response.content_type = "text/plain; charset=utf-8";
                response.headers.emplace_back("Location", "/jiesu/");
                response.body = "/jiesu/\n";
                call.respond(std::move(response));
              }});
  router.Add({"GET", "/jiesu/", "The resident page of 接诉即办 (mobile, no login; for the QR code)",
              "public", true, std::nullopt, nullptr, nullptr, "200 text/html", [desk](Call& call) {
                auto page = ServeStaticFile(desk->context().web_root, "/jiesu/index.html");
                if (!page) {
                  return call.Fail(NotFound(
                      "the resident page is not built: run `make` (it is web/dist/jiesu/)"));
                }
                call.respond(std::move(*page));
              }});
}

}  // namespace pingan::api
