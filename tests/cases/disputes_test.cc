// Disputes and incidents: a group's dispute draft, and the incidents related to a dispute by
// place, phone and party within its period.
#include "cases/disputes.h"

#include <map>

#include <gtest/gtest.h>

#include "cases/case_kinds.h"

namespace pingan::cases {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;

const TimePoint kT0 = FromMillis(1'790'000'000'000);
constexpr LonLat kHome{121.40, 37.50};

// `p` moved east by metres (a local flat approximation).
LonLat East(LonLat p, double m) {
  return {p.lon + m / (111195.0 * std::cos(p.lat * 3.14159265358979323846 / 180)), p.lat};
}

Incident Call(IncidentId id, TimePoint at, std::string station = "S1") {
  Incident i;
  i.id = id;
  i.received_at = at;
  i.station_id = std::move(station);
  i.category = "dispute";
  return i;
}

TEST(Disputes, ADraftTakesTheLatestIncidentAndTheCommonAddress) {
  std::vector<Incident> calls = {Call(3, kT0 + hours(2), "S2"), Call(1, kT0),
                                 Call(2, kT0 + hours(1)), Call(4, kT0 + hours(3), "")};
  calls[0].address = "幸福里3号";
  calls[1].address = "幸福里３号。";  // the same address, spelt otherwise
  calls[2].address = "和平街1号";
  calls[1].location = kHome;
  calls[0].location = East(kHome, 10);
  calls[1].caller_name = "张三";
  calls[2].caller_name = "李四";
  calls[0].caller_name = " 张三";
  std::vector<const Incident*> pointers;
  for (const Incident& i : calls) pointers.push_back(&i);
  DisputeDraft d = DraftDispute(pointers, "place", "邻里噪音");
  EXPECT_EQ(d.incident_id, 4);
  EXPECT_EQ(d.station_id, "S2");  // the latest with a station
  EXPECT_EQ(d.location, East(kHome, 10));
  EXPECT_EQ(d.fields["incident_ids"], json({1, 2, 3, 4}));
  EXPECT_EQ(d.fields["reason"], "place");
  EXPECT_EQ(d.fields["address"], "幸福里3号");  // twice, latest spelling
  EXPECT_EQ(d.fields["party_names"], json({"张三", "李四"}));
  EXPECT_EQ(d.fields["note"], "邻里噪音");
  EXPECT_FALSE(DraftDispute(pointers, "manual", "").fields.contains("note"));
}

TEST(Disputes, ACaseNamesItsIncidentsByIdAndByField) {
  CaseRecord c;
  c.incident_id = 7;
  c.fields = {{"incident_ids", {3, 7, 0, -2, "x", 5}}};
  EXPECT_EQ(CaseIncidentIds(c), (std::vector<IncidentId>{3, 5, 7}));
  c.fields = json::object();
  EXPECT_EQ(CaseIncidentIds(c), (std::vector<IncidentId>{7}));
}

TEST(Disputes, RelatedIncidentsShareThePlaceAPhoneOrAPartyWithinThePeriod) {
  // The dispute names incidents 1 and 2 (at home, caller 13912345678, 张三). Others: 3 at
  // 30 m, 4 at 80 m, 5 with the same address text far away, 6 from the same phone elsewhere, 7
  // naming 张三 elsewhere, 8 at home but 40 days before, 9 at home after the dispute closed
  // plus the window, 10 unrelated.
  std::map<IncidentId, Incident> all;
  auto add = [&](Incident i) { all[i.id] = std::move(i); };
  Incident a = Call(1, kT0);
  a.location = kHome;
  a.address = "幸福里3号";
  a.caller_phone = "13912345678";
  a.caller_name = "张三";
  add(a);
  Incident b = Call(2, kT0 + days(3));
  b.location = East(kHome, 5);
  add(b);
  Incident c = Call(3, kT0 + days(10));
  c.location = East(kHome, 30);
  add(c);
  Incident d = Call(4, kT0 + days(11));
  d.location = East(kHome, 80);
  add(d);
  Incident e = Call(5, kT0 + days(12));
  e.address = "幸福里 3号";
  e.location = East(kHome, 5000);
  add(e);
  Incident f = Call(6, kT0 + days(13));
  f.caller_phone = "+86 139 1234 5678";
  add(f);
  Incident g = Call(7, kT0 + days(14));
  g.caller_name = "张三";
  add(g);
  Incident h = Call(8, kT0 - days(40));
  h.location = kHome;
  add(h);
  Incident late = Call(9, kT0 + days(100));
  late.location = kHome;
  add(late);
  add(Call(10, kT0 + days(5)));

  CaseRecord dispute;
  dispute.kind = "dispute";
  dispute.incident_id = 2;
  dispute.opened_at = kT0 + days(4);
  dispute.closed_at = kT0 + days(20);
  dispute.fields = {{"incident_ids", {1, 2}}};
  const RepeatOptions options;  // 50 m, 30 days
  auto find = [&](IncidentId id) -> const Incident* {
    auto it = all.find(id);
    return it == all.end() ? nullptr : &it->second;
  };
  DisputeSubject s = DisputeSubjectOf(dispute, find, options, kT0 + days(200));
  EXPECT_EQ(s.linked, (std::vector<IncidentId>{1, 2}));
  EXPECT_EQ(s.from, kT0 - days(30));
  EXPECT_EQ(s.to, kT0 + days(50));
  EXPECT_EQ(s.phones, (std::vector<std::string>{"13912345678"}));
  EXPECT_EQ(s.parties, (std::vector<std::string>{"张三"}));

  std::vector<RepeatSubject> subjects;
  for (const auto& [id, i] : all) {
    RepeatSubject subject = SubjectOf(i);
    if (!i.caller_name.empty()) subject.parties.push_back(i.caller_name);
    subjects.push_back(std::move(subject));
  }
  std::map<IncidentId, std::vector<RepeatReason>> got;
  std::vector<IncidentId> order;
  for (const RelatedIncident& r : FindRelatedIncidents(s, subjects, options)) {
    got[r.id] = r.reasons;
    order.push_back(r.id);
    EXPECT_EQ(r.is_linked, r.id == 1 || r.id == 2) << r.id;
  }
  using R = RepeatReason;
  EXPECT_EQ(got, (std::map<IncidentId, std::vector<R>>{
                     {1, {R::kPlace, R::kPhone, R::kParty}},
                     {2, {R::kPlace}},
                     {3, {R::kPlace}},
                     {5, {R::kPlace}},
                     {6, {R::kPhone}},
                     {7, {R::kParty}},
                 }));
  EXPECT_EQ(order, (std::vector<IncidentId>{7, 6, 5, 3, 2, 1}));  // newest first

  // An open dispute looks up to now; turning a reason off drops what only it found.
  dispute.closed_at.reset();
  RepeatOptions no_phone;
  no_phone.by_phone = false;
  s = DisputeSubjectOf(dispute, find, no_phone, kT0 + days(200));
  EXPECT_EQ(s.to, kT0 + days(200));
  got.clear();
  for (const RelatedIncident& r : FindRelatedIncidents(s, subjects, no_phone))
    got[r.id] = r.reasons;
  EXPECT_TRUE(got.contains(9));
  EXPECT_FALSE(got.contains(6));
}

}  // namespace
}  // namespace pingan::cases
