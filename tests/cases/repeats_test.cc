// Repeat incidents: links by place, phone and party within the window, groups as connected
// components, the group's summary and JSON; and the fast search against the O(N²) reference.
#include "cases/repeats.h"

#include <algorithm>
#include <random>
#include <utility>

#include <gtest/gtest.h>

#include "cases/repeats_reference.h"

namespace pingan::cases {
namespace {

using std::chrono::days;
using std::chrono::hours;

constexpr LonLat kBase{116.40, 39.90};
constexpr TimePoint kT0{std::chrono::milliseconds(1772352000000)};  // 2026-03-01T08:00:00Z

// `p` moved east and north by metres (small offsets; a local flat approximation).
LonLat Offset(LonLat p, double east_m, double north_m) {
  constexpr double kMPerDeg = 6371008.8 * 3.14159265358979323846 / 180;
  return {p.lon + east_m / (kMPerDeg * std::cos(p.lat * 3.14159265358979323846 / 180)),
          p.lat + north_m / kMPerDeg};
}

RepeatSubject At(IncidentId id, TimePoint t, std::optional<LonLat> where = std::nullopt) {
  RepeatSubject s;
  s.id = id;
  s.at = t;
  s.location = where;
  s.station_id = "S1";
  s.category = "dispute";
  return s;
}

std::vector<std::vector<IncidentId>> Ids(const RepeatResult& r) {
  std::vector<std::vector<IncidentId>> out;
  for (const RepeatGroup& g : r.groups) out.push_back(g.ids);
  return out;
}

using IdGroups = std::vector<std::vector<IncidentId>>;

TEST(Repeats, SameSpotTenMetresApartWithinTheWindowLinks) {
  std::vector<RepeatSubject> s = {At(1, kT0, kBase), At(2, kT0 + days(3), Offset(kBase, 10, 0))};
  RepeatResult r = FindRepeats(s);
  EXPECT_EQ(Ids(r), (IdGroups{{1, 2}}));
  EXPECT_EQ(r.groups[0].reason, RepeatReason::kPlace);
  EXPECT_EQ(r.links.place, 1u);
}

TEST(Repeats, SixtyMetresApartDoesNotLinkAtTheDefaultFifty) {
  std::vector<RepeatSubject> s = {At(1, kT0, kBase), At(2, kT0 + hours(1), Offset(kBase, 0, 60))};
  EXPECT_TRUE(FindRepeats(s).groups.empty());
  RepeatOptions wide;
  wide.distance_m = 70;
  EXPECT_EQ(Ids(FindRepeats(s, wide)), (IdGroups{{1, 2}}));
}

TEST(Repeats, CallsAlongAStreetDoNotChainFromNeighbourToNeighbour) {
  // Ten calls 40 m apart in a row, a day apart: each is within 50 m of the next, but a place's
  // group holds only calls within 50 m of its first. Chaining would make one 360 m group.
  std::vector<RepeatSubject> s;
  for (int k = 0; k < 10; ++k)
    s.push_back(At(IncidentId(k + 1), kT0 + days(k), Offset(kBase, 40.0 * k, 0)));
  RepeatResult r = FindRepeats(s);
  // Equal sizes: the latest first.
  EXPECT_EQ(Ids(r), (IdGroups{{9, 10}, {7, 8}, {5, 6}, {3, 4}, {1, 2}}));
  // A call back at the first place joins that place's group while it is still in its window.
  s.push_back(At(11, kT0 + days(12), Offset(kBase, 3, 0)));
  EXPECT_EQ(Ids(FindRepeats(s)).front(), (std::vector<IncidentId>{1, 2, 11}));
}

TEST(Repeats, ThirtyOneDaysApartLinksOnlyThroughAMiddleIncident) {
  std::vector<RepeatSubject> s = {At(1, kT0, kBase), At(2, kT0 + days(31), Offset(kBase, 5, 5))};
  RepeatResult r = FindRepeats(s);
  EXPECT_TRUE(r.groups.empty());
  EXPECT_EQ(r.links.place, 0u);
  s.push_back(At(3, kT0 + days(16), Offset(kBase, -5, 0)));
  r = FindRepeats(s);
  EXPECT_EQ(Ids(r), (IdGroups{{1, 3, 2}}));  // by time: the middle one is second
  EXPECT_EQ(r.links.place, 2u);
}

TEST(Repeats, TheWindowIsInclusive) {
  std::vector<RepeatSubject> s = {At(1, kT0, kBase), At(2, kT0 + days(30), kBase)};
  EXPECT_EQ(Ids(FindRepeats(s)), (IdGroups{{1, 2}}));
}

TEST(Repeats, AddressTextIsNormalised) {
  struct Row {
    const char* a;
    const char* b;
  };
  for (const Row& row : {
           Row{"朝阳路１２号", "朝阳路12号"}, Row{"朝阳路 12 号", "朝阳路12号"},
           Row{"朝阳路12号。", "朝阳路12号"}, Row{"  朝阳路12号 ，", "朝阳路12号"},
           Row{"ＡＢＣ大厦３栋", "abc大厦3栋"}, Row{"Main   Street 5.", "main street 5"},
           Row{"朝阳路12号　", "朝阳路12号"},  // ideographic space
       }) {
    EXPECT_EQ(NormalizeAddress(row.a), NormalizeAddress(row.b)) << row.a;
    EXPECT_EQ(NormalizeAddress(row.a), row.b) << row.a;
  }
  EXPECT_NE(NormalizeAddress("朝阳路12号"), NormalizeAddress("朝阳路13号"));
  EXPECT_NE(NormalizeAddress("main street 5"), NormalizeAddress("mainstreet 5"));
  EXPECT_EQ(NormalizeAddress(" 。 "), "");
  EXPECT_EQ(NormalizeAddress("\xff\xfe"), "\xff\xfe");  // not UTF-8: kept byte for byte

  // Without locations, text alone links; empty text links nothing.
  std::vector<RepeatSubject> s = {At(1, kT0), At(2, kT0 + days(1)), At(3, kT0 + days(2)),
                                  At(4, kT0 + days(3))};
  s[0].address = "幸福小区３号楼 ";
  s[1].address = "幸福小区3号楼。";
  RepeatResult r = FindRepeats(s);
  EXPECT_EQ(Ids(r), (IdGroups{{1, 2}}));
  EXPECT_EQ(r.groups[0].reason, RepeatReason::kPlace);
  EXPECT_FALSE(r.groups[0].location);
}

TEST(Repeats, PhoneNumbersAreNormalised) {
  EXPECT_EQ(NormalizePhone("+86 138-0013-8000"), "13800138000");
  EXPECT_EQ(NormalizePhone("13800138000"), "13800138000");
  EXPECT_EQ(NormalizePhone("86 138 0013 8000"), "13800138000");
  EXPECT_EQ(NormalizePhone("008613800138000"), "13800138000");
  EXPECT_EQ(NormalizePhone("１３８００１３８０００"), "13800138000");  // full-width digits
  EXPECT_EQ(NormalizePhone("+86 10 8888 1234"), "01088881234");        // landline from abroad
  EXPECT_EQ(NormalizePhone("(010) 8888-1234"), "01088881234");

  std::vector<RepeatSubject> s = {At(1, kT0), At(2, kT0 + days(1))};
  s[0].caller_phone = "+86 138-0013-8000";
  s[1].caller_phone = "13800138000";
  RepeatResult r = FindRepeats(s);
  EXPECT_EQ(Ids(r), (IdGroups{{1, 2}}));
  EXPECT_EQ(r.groups[0].reason, RepeatReason::kPhone);
  EXPECT_EQ(r.links.phone, 1u);
}

TEST(Repeats, ShortAndPlaceholderPhonesAreIgnored) {
  for (const char* bad : {"", "110", "12345", "123456", "unknown", "00000000", "1111111"}) {
    EXPECT_EQ(NormalizePhone(bad), "") << bad;
  }
  EXPECT_EQ(NormalizePhone("1234567"), "1234567");
  std::vector<RepeatSubject> s = {At(1, kT0), At(2, kT0 + days(1)), At(3, kT0 + days(2))};
  s[0].caller_phone = s[1].caller_phone = "110";
  s[2].caller_phone = "unknown";
  EXPECT_TRUE(FindRepeats(s).groups.empty());
}

TEST(Repeats, ASharedPartyLinks) {
  EXPECT_EQ(NormalizeParty("  Li   Ming "), "li ming");
  EXPECT_EQ(NormalizeParty("张 三"), "张三");
  std::vector<RepeatSubject> s = {At(1, kT0), At(2, kT0 + days(5)), At(3, kT0 + days(6))};
  s[0].parties = {"张三", "李四"};
  s[1].parties = {"王五", " 李四 "};
  s[2].parties = {"", "  "};  // blank names link nothing
  RepeatResult r = FindRepeats(s);
  EXPECT_EQ(Ids(r), (IdGroups{{1, 2}}));
  EXPECT_EQ(r.groups[0].reason, RepeatReason::kParty);
  EXPECT_EQ(r.links.party, 1u);
}

TEST(Repeats, EachReasonCanBeTurnedOff) {
  // 1–2 share a spot, 3–4 an address text, 5–6 a phone, 7–8 a party; all far apart otherwise.
  std::vector<RepeatSubject> s;
  for (IncidentId id = 1; id <= 8; ++id) {
    s.push_back(At(id, kT0 + hours(id), Offset(kBase, 1000.0 * double(id), 0)));
  }
  s[1].location = Offset(kBase, 1005, 0);
  s[2].address = s[3].address = "和平街8号";
  s[4].caller_phone = s[5].caller_phone = "13912345678";
  s[6].parties = s[7].parties = {"赵六"};
  struct Row {
    bool by_place, by_phone, by_parties;
    IdGroups expected;
  };
  for (const Row& row : {
           Row{true, true, true, {{1, 2}, {3, 4}, {5, 6}, {7, 8}}},
           Row{false, true, true, {{5, 6}, {7, 8}}},
           Row{true, false, true, {{1, 2}, {3, 4}, {7, 8}}},
           Row{true, true, false, {{1, 2}, {3, 4}, {5, 6}}},
           Row{false, false, false, {}},
       }) {
    RepeatOptions o;
    o.by_place = row.by_place;
    o.by_phone = row.by_phone;
    o.by_parties = row.by_parties;
    IdGroups got = Ids(FindRepeats(s, o));
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, row.expected) << row.by_place << row.by_phone << row.by_parties;
  }
}

TEST(Repeats, MinGroupDropsSmallGroupsButNotTheirLinks) {
  std::vector<RepeatSubject> s = {At(1, kT0, kBase),
                                  At(2, kT0 + hours(1), kBase),
                                  At(3, kT0 + hours(2), kBase),
                                  At(4, kT0, Offset(kBase, 500, 0)),
                                  At(5, kT0 + hours(1), Offset(kBase, 500, 0)),
                                  At(6, kT0, Offset(kBase, 900, 0))};
  RepeatOptions o;
  o.min_group = 3;
  RepeatResult r = FindRepeats(s, o);
  EXPECT_EQ(Ids(r), (IdGroups{{1, 2, 3}}));
  EXPECT_EQ(r.links.place, 3u);
  o.min_group = 1;  // every incident is a group
  EXPECT_EQ(FindRepeats(s, o).groups.size(), 3u);
}

TEST(Repeats, GroupsAreOrderedByCountThenLatest) {
  const LonLat a = kBase, b = Offset(kBase, 500, 0), c = Offset(kBase, 1000, 0);
  std::vector<RepeatSubject> s = {At(1, kT0, a),
                                  At(2, kT0 + hours(1), a),  // 2, ends early
                                  At(3, kT0, b),
                                  At(4, kT0 + days(2), b),  // 2, ends late
                                  At(5, kT0 + hours(2), c),
                                  At(6, kT0 + hours(3), c),
                                  At(7, kT0 + hours(4), c)};  // 3
  RepeatResult r = FindRepeats(s);
  EXPECT_EQ(Ids(r), (IdGroups{{5, 6, 7}, {3, 4}, {1, 2}}));
  EXPECT_EQ(r.groups[0].count, 3u);
  EXPECT_EQ(r.groups[0].first_at, kT0 + hours(2));
  EXPECT_EQ(r.groups[0].last_at, kT0 + hours(4));
}

TEST(Repeats, IdsAreInTimeOrderWhateverTheInputOrder) {
  std::vector<RepeatSubject> s = {At(9, kT0 + days(2), kBase), At(4, kT0, kBase),
                                  At(7, kT0 + days(1), kBase), At(2, kT0 + days(1), kBase)};
  EXPECT_EQ(Ids(FindRepeats(s)), (IdGroups{{4, 2, 7, 9}}));  // equal times by id
}

TEST(Repeats, TheStationIsTheLatestIncidents) {
  // The station that follows a group up is the one the latest call went to, whatever the
  // earlier calls' stations were.
  std::vector<RepeatSubject> s;
  for (IncidentId id = 1; id <= 5; ++id) s.push_back(At(id, kT0 + hours(id), kBase));
  s[0].station_id = "A";
  s[1].station_id = "A";
  s[2].station_id = "A";
  s[3].station_id = "B";
  s[4].station_id = "";  // none: the latest that has one
  EXPECT_EQ(FindRepeats(s).groups[0].station_id, "B");
  s[4].station_id = "C";
  EXPECT_EQ(FindRepeats(s).groups[0].station_id, "C");
}

TEST(Repeats, EachGroupHasOneReasonAndACallerMovingBetweenPlacesJoinsNone) {
  // Places A and B, 2 km apart, each called three times; one repeat caller rang from both (2
  // at A, 5 at B) and a party shared by 3 and 6. Linking across reasons made one group of all
  // six; each reason now keeps its own groups, and an incident is in one group per reason.
  const LonLat a = kBase, b = Offset(kBase, 2000, 0);
  std::vector<RepeatSubject> s = {At(1, kT0, a),
                                  At(2, kT0 + hours(1), a),
                                  At(3, kT0 + hours(2), a),
                                  At(4, kT0 + hours(3), b),
                                  At(5, kT0 + hours(4), b),
                                  At(6, kT0 + hours(5), b)};
  s[1].caller_phone = s[4].caller_phone = "13912345678";
  s[2].parties = {"张三"};
  s[5].parties = {"张三"};
  RepeatResult r = FindRepeats(s);
  struct Row {
    RepeatReason reason;
    std::vector<IncidentId> ids;
  };
  std::vector<Row> got;
  for (const RepeatGroup& g : r.groups) got.push_back({g.reason, g.ids});
  ASSERT_EQ(got.size(), 4u);
  // By count, then latest: B's place (ends at 6), A's place, the party (ends at 6), the phone.
  EXPECT_EQ(got[0].reason, RepeatReason::kPlace);
  EXPECT_EQ(got[0].ids, (std::vector<IncidentId>{4, 5, 6}));
  EXPECT_EQ(got[1].reason, RepeatReason::kPlace);
  EXPECT_EQ(got[1].ids, (std::vector<IncidentId>{1, 2, 3}));
  EXPECT_EQ(got[2].reason, RepeatReason::kParty);
  EXPECT_EQ(got[2].ids, (std::vector<IncidentId>{3, 6}));
  EXPECT_EQ(got[3].reason, RepeatReason::kPhone);
  EXPECT_EQ(got[3].ids, (std::vector<IncidentId>{2, 5}));
  EXPECT_EQ(r.links.place, 4u);
  EXPECT_EQ(r.links.phone, 1u);
  EXPECT_EQ(r.links.party, 1u);
  // Each reason on its own gives the same groups of that reason.
  for (RepeatReason only : {RepeatReason::kPlace, RepeatReason::kPhone, RepeatReason::kParty}) {
    RepeatOptions o;
    o.by_place = only == RepeatReason::kPlace;
    o.by_phone = only == RepeatReason::kPhone;
    o.by_parties = only == RepeatReason::kParty;
    for (const RepeatGroup& g : FindRepeats(s, o).groups) {
      EXPECT_EQ(g.reason, only);
      EXPECT_TRUE(std::any_of(r.groups.begin(), r.groups.end(), [&](const RepeatGroup& h) {
        return h.reason == only && h.ids == g.ids;
      }));
    }
  }
}

TEST(Repeats, ReasonsHaveTextNames) {
  for (RepeatReason r : {RepeatReason::kPlace, RepeatReason::kPhone, RepeatReason::kParty}) {
    EXPECT_EQ(ParseRepeatReason(ToString(r)), r);
  }
  EXPECT_EQ(ToString(RepeatReason::kPlace), "place");
  EXPECT_FALSE(ParseRepeatReason("address"));
  EXPECT_FALSE(ParseRepeatReason(""));
}

TEST(Repeats, TheGroupSummarisesCategoriesAndTheMedianLocation) {
  std::vector<RepeatSubject> s = {
      At(1, kT0, Offset(kBase, 0, 0)), At(2, kT0 + hours(1), Offset(kBase, 20, 0)),
      At(3, kT0 + hours(2), Offset(kBase, 30, 0)), At(4, kT0 + hours(3))};
  s[1].category = "noise";
  s[3].address = s[2].address = "幸福里1号";
  RepeatResult r = FindRepeats(s);
  ASSERT_EQ(r.groups.size(), 1u);
  const RepeatGroup& g = r.groups[0];
  EXPECT_EQ(g.categories, (std::map<std::string, std::size_t>{{"dispute", 3}, {"noise", 1}}));
  ASSERT_TRUE(g.location);
  EXPECT_NEAR(g.location->lon, Offset(kBase, 20, 0).lon, 1e-9);
  EXPECT_NEAR(g.location->lat, kBase.lat, 1e-9);
  EXPECT_EQ(r.links.place, 3u);
}

TEST(Repeats, ABurstAtOneAddressIsOneGroup) {
  std::vector<RepeatSubject> s;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> jitter(-10, 10);
  for (IncidentId id = 0; id < 20000; ++id) {
    s.push_back(At(id, kT0 + std::chrono::minutes(id), Offset(kBase, jitter(rng), jitter(rng))));
  }
  RepeatResult r = FindRepeats(s);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].count, 20000u);
  EXPECT_EQ(r.links.place, 19999u);
}

TEST(Repeats, GroupsForStationKeepsOnlyThatStationsGroups) {
  std::vector<RepeatSubject> s = {At(1, kT0, kBase), At(2, kT0 + hours(1), kBase),
                                  At(3, kT0, Offset(kBase, 800, 0)),
                                  At(4, kT0 + hours(1), Offset(kBase, 800, 0))};
  s[2].station_id = s[3].station_id = "S2";
  RepeatResult r = FindRepeats(s);
  ASSERT_EQ(r.groups.size(), 2u);
  std::vector<RepeatGroup> mine = GroupsForStation(r.groups, "S2");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].ids, (std::vector<IncidentId>{3, 4}));
  EXPECT_TRUE(GroupsForStation(r.groups, "S9").empty());
}

TEST(Repeats, JsonCarriesTheSummaryAndNoPersonalData) {
  std::vector<RepeatSubject> s = {At(1, kT0, kBase), At(2, kT0 + days(2))};
  s[0].caller_phone = "+86 138-0013-8000";
  s[1].caller_phone = "13800138000";
  s[0].parties = s[1].parties = {"张三"};
  RepeatResult r = FindRepeats(s);
  ASSERT_EQ(r.groups.size(), 2u);  // the same two incidents: a phone group and a party group
  EXPECT_EQ(r.groups[0].reason, RepeatReason::kPhone);
  EXPECT_EQ(r.groups[1].reason, RepeatReason::kParty);
  EXPECT_EQ(RepeatGroupToJson(r.groups[1])["reason"], "party");
  const nlohmann::json j = RepeatGroupToJson(r.groups[0]);
  EXPECT_EQ(j["ids"], nlohmann::json({1, 2}));
  EXPECT_EQ(j["reason"], "phone");
  EXPECT_EQ(j["station_id"], "S1");
  EXPECT_EQ(j["first_at"], "2026-03-01T08:00:00.000Z");
  EXPECT_EQ(j["last_at"], "2026-03-03T08:00:00.000Z");
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["categories"], nlohmann::json({{"dispute", 2}}));
  EXPECT_DOUBLE_EQ(j["location"]["lon"].get<double>(), kBase.lon);
  EXPECT_DOUBLE_EQ(j["location"]["lat"].get<double>(), kBase.lat);
  const std::string text = j.dump() + RepeatGroupToJson(r.groups[1]).dump();
  for (const char* secret : {"13800138000", "138-0013", "8000", "张三"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }

  RepeatGroup bare;
  bare.ids = {5};
  EXPECT_TRUE(RepeatGroupToJson(bare)["location"].is_null());
}

TEST(Repeats, SubjectOfTakesTheIncidentsFields) {
  Incident incident;
  incident.id = 42;
  incident.received_at = kT0;
  incident.location = kBase;
  incident.address = "和平街8号";
  incident.caller_phone = "13800138000";
  incident.station_id = "S3";
  incident.category = "theft";
  const RepeatSubject s = SubjectOf(incident);
  EXPECT_EQ(s.id, 42);
  EXPECT_EQ(s.at, kT0);
  EXPECT_EQ(s.location, kBase);
  EXPECT_EQ(s.address, "和平街8号");
  EXPECT_EQ(s.caller_phone, "13800138000");
  EXPECT_TRUE(s.parties.empty());
  EXPECT_EQ(s.station_id, "S3");
  EXPECT_EQ(s.category, "theft");
}

// A random district scaled to the options, so that every round has many groups of several
// sizes and no group swallows the district: an area 60 distance_m wide over 6 windows, repeat
// spots, shared addresses in several spellings, repeat callers and parties, a few bad positions.
std::vector<RepeatSubject> RandomSubjects(std::mt19937_64& rng, std::size_t n, LonLat base,
                                          const RepeatOptions& o) {
  const double side_m = 60 * o.distance_m;
  std::uniform_real_distribution<double> unit(0, 1), area(0, side_m),
      jitter(-0.7 * o.distance_m, 0.7 * o.distance_m);
  std::uniform_int_distribution<long long> when(0, 6 * o.window.count());
  std::vector<LonLat> spots;
  spots.reserve(100);
  for (int i = 0; i < 100; ++i) spots.push_back(Offset(base, area(rng), area(rng)));
  constexpr const char* kStreets[] = {"幸福路", "和平街", "Main Street", "人民路"};
  constexpr const char* kNames[] = {"张三", "李四", "王五", "Li Ming", "赵六", "钱七"};
  std::vector<RepeatSubject> out;
  for (std::size_t i = 0; i < n; ++i) {
    RepeatSubject s;
    s.id = static_cast<IncidentId>(i + 1);
    s.at = (i > 0 && unit(rng) < 0.05) ? out[rng() % out.size()].at  // same instant
                                       : kT0 + std::chrono::seconds(when(rng));
    const double where = unit(rng);
    if (where < 0.3) {
      s.location = Offset(spots[rng() % spots.size()], jitter(rng), jitter(rng));
    } else if (where < 0.88) {
      s.location = Offset(base, area(rng), area(rng));
    } else if (where < 0.9) {
      s.location = LonLat{200, 95};  // invalid: counts as none
    }
    if (unit(rng) < 0.4) {
      const int number = int(rng() % 400);
      std::string text = std::string(kStreets[rng() % 4]) + std::to_string(number) + "号";
      if (unit(rng) < 0.3) text = " " + std::move(text) + "。";
      if (unit(rng) < 0.2 && number < 10) {
        text = std::string(kStreets[0]) + "\xef\xbc" + char(0x90 + number) + "号";  // full-width
      }
      s.address = text;
    }
    if (unit(rng) < 0.4) {
      const std::string mobile = "139" + std::to_string(10000000 + rng() % 600);
      const double form = unit(rng);
      s.caller_phone = form < 0.3   ? mobile
                       : form < 0.6 ? "+86 " + mobile.substr(0, 3) + "-" + mobile.substr(3)
                       : form < 0.8 ? "86" + mobile
                                    : std::to_string(rng() % 100000);  // too short
    }
    if (unit(rng) < 0.3) {
      for (int k = 1 + int(rng() % 2); k > 0; --k) {
        std::string name = kNames[rng() % 6] + std::to_string(rng() % 100);
        if (unit(rng) < 0.3) name = "  " + std::move(name) + " ";
        s.parties.push_back(name);
      }
    }
    s.station_id = "S" + std::to_string(rng() % 3);
    s.category = unit(rng) < 0.5 ? "dispute" : "noise";
    out.push_back(std::move(s));
  }
  return out;
}

TEST(Repeats, MatchesTheReferenceFarFromTheSpatialHashsReferenceLatitude) {
  // Most incidents at 60°N set the projection; at the equator its cells are twice as wide, so
  // two incidents in one cell may be further apart than distance_m and the search must not
  // stop at its first hit there.
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<RepeatSubject> s;
  for (IncidentId id = 1; id <= 1200; ++id) {
    s.push_back(At(id, kT0 + days(id % 97), Offset({24.94, 60.17}, 900 * unit(rng), 0)));
  }
  for (IncidentId id = 2000; id < 2600; ++id) {
    s.push_back(At(id, kT0 + std::chrono::minutes(int(unit(rng) * 60 * 24 * 90)),
                   Offset({10, 0.01}, 300 * unit(rng), 300 * unit(rng))));
  }
  RepeatOptions o;
  o.window = days(2);
  const RepeatResult fast = FindRepeats(s, o);
  const test::ReferenceResult slow = test::ReferenceRepeats(s, o);
  std::vector<test::ReferenceGroup> got;
  for (const RepeatGroup& g : fast.groups) got.push_back({g.reason, g.ids});
  std::sort(got.begin(), got.end());
  EXPECT_GT(slow.groups.size(), 20u);
  EXPECT_TRUE(got == slow.groups);
  EXPECT_EQ(fast.links.place, slow.links.place);
}

TEST(Repeats, MatchesTheAllPairsReferenceOnRandomDistricts) {
  constexpr LonLat kBases[] = {{116.40, 39.90}, {0.0, 0.0}, {24.94, 60.17}, {-58.38, -34.60}};
  std::mt19937_64 rng(20260301);
  for (int round = 0; round < 12; ++round) {
    RepeatOptions o;
    o.distance_m = std::vector<double>{20, 50, 150}[rng() % 3];
    o.window = std::vector<std::chrono::seconds>{days(1), days(7), days(30)}[rng() % 3];
    o.min_group = 2 + rng() % 2;
    o.by_place = round % 5 != 1;
    o.by_phone = round % 5 != 2;
    o.by_parties = round % 5 != 3;
    std::vector<RepeatSubject> s = RandomSubjects(rng, 2000, kBases[round % 4], o);
    if (round % 4 == 2) {
      // Half the district 60° further south: far from the spatial hash's reference latitude,
      // where its cells are stretched (or squeezed) and its bounds must still hold.
      for (RepeatSubject& x : s) {
        if (x.id % 2 == 1 && x.location && IsValid(*x.location)) x.location->lat -= 60;
      }
    }
    SCOPED_TRACE(testing::Message() << "round " << round << " distance " << o.distance_m
                                    << " window " << o.window.count());

    const RepeatResult fast = FindRepeats(s, o);
    const test::ReferenceResult slow = test::ReferenceRepeats(s, o);
    std::vector<test::ReferenceGroup> got;
    for (const RepeatGroup& g : fast.groups) {
      EXPECT_EQ(g.count, g.ids.size());
      got.push_back({g.reason, g.ids});
    }
    std::sort(got.begin(), got.end());
    // The data must exercise the grouping: many groups, none swallowing the district.
    EXPECT_GT(slow.groups.size(), 50u);
    for (const test::ReferenceGroup& g : slow.groups) EXPECT_LT(g.ids.size(), 500u);
    EXPECT_EQ(got.size(), slow.groups.size());
    EXPECT_TRUE(got == slow.groups);
    EXPECT_EQ(fast.links.place, slow.links.place);
    EXPECT_EQ(fast.links.phone, slow.links.phone);
    EXPECT_EQ(fast.links.party, slow.links.party);
    for (std::size_t i = 1; i < fast.groups.size(); ++i) {
      const RepeatGroup& a = fast.groups[i - 1];
      const RepeatGroup& b = fast.groups[i];
      EXPECT_TRUE(a.count > b.count || (a.count == b.count && a.last_at >= b.last_at));
    }
  }
}

}  // namespace
}  // namespace pingan::cases
