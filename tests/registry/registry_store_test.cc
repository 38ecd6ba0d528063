// The registry's SQLite store: places saved and re-imported by their external id, lists by map
// box, category, station and text against a brute-force filter, campaigns that refuse
// inspections outside their scope, counts by campaign, category and station, outreach totals,
// and everything still there after reopening.
#include "registry/registry_store.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "registry/registry_fixtures.h"
#include "support/temp_dir.h"

namespace pingan::registry {
namespace {

using test::MakePlace;

const TimePoint kT0 = FromMillis(1'790'000'000'000);
const Day kDay = *ParseDay("2026-09-20");

class RegistryStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    auto store = RegistryStore::Open(dir_.File("registry.db"));
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    index_ = test::DistrictIndex();
  }

  // Normalises, locates and saves `p`.
  Place Save(Place p) {
    Status ok = NormalizePlace(p);
    EXPECT_TRUE(ok) << ok.error().field << ": " << ok.error().message;
    AssignJurisdiction(p, index_.get());
    auto saved = store_->SavePlace(p, kT0);
    EXPECT_TRUE(saved) << saved.error().message;
    return *saved;
  }

  Campaign AddCampaign(std::vector<std::string> categories, std::vector<std::string> stations) {
    Campaign c;
    c.name = "国庆节前清查";
    c.categories = std::move(categories);
    c.station_ids = std::move(stations);
    c.from = kDay;
    c.to = kDay + std::chrono::days(7);
    c.created_by = "chief";
    EXPECT_TRUE(NormalizeCampaign(c));
    auto added = store_->AddCampaign(c, kT0);
    EXPECT_TRUE(added) << added.error().message;
    return *added;
  }

  Result<Inspection> Inspect(PlaceId place, CampaignId campaign, int hazards, Day day = kDay) {
    Inspection in;
    in.place_id = place;
    in.campaign_id = campaign;
    in.date = day;
    in.inspector = "王警官";
    for (int i = 0; i < hazards; ++i) in.hazards.push_back({0, 0, 0, "消防通道堵塞", 2, {}, 0});
    EXPECT_TRUE(NormalizeInspection(in));
    return store_->AddInspection(in, kT0);
  }

  test::TempDir dir_;
  std::unique_ptr<RegistryStore> store_;
  std::shared_ptr<const JurisdictionIndex> index_;
};

TEST_F(RegistryStoreTest, PlacesAreLocatedInStationAndGridFromTheirLocation) {
  Place nw = Save(MakePlace("H-1", "海景宾馆", "行业场所", "宾馆", {121.42, 37.52}));
  EXPECT_EQ(nw.category, "trade");
  EXPECT_EQ(nw.sub_kind, "hotel");
  EXPECT_EQ(nw.station_id, "S-N");
  EXPECT_EQ(nw.grid_id, "G-NW");
  Place south = Save(MakePlace("H-2", "南山网吧", "trade", "internet_cafe", {121.47, 37.46}));
  EXPECT_EQ(south.station_id, "S-S");
  EXPECT_EQ(south.grid_id, "");
  // Outside every station: the station given is kept.
  Place outside = MakePlace("H-3", "城外旅馆", "trade", "hotel", {121.60, 37.52});
  outside.station_id = "S-S";
  EXPECT_EQ(Save(outside).station_id, "S-S");
  auto found = store_->FindPlace(nw.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->name, "海景宾馆");
  EXPECT_NEAR((*found)->location->lon, 121.42, 1e-12);
  EXPECT_FALSE(*store_->FindPlace(999));
}

TEST_F(RegistryStoreTest, NormalizingRefusesBadPlacesNamingTheField) {
  struct Row {
    Place place;
    std::string field;
  };
  Place no_officer = MakePlace("P-1", "地铁三号线", "key_project", "", {121.41, 37.51});
  no_officer.officer.clear();
  Place bad_phone = MakePlace("P-2", "小卖部", "nine_small", "shop", {121.41, 37.51});
  bad_phone.contact_phone = "138-abc";
  Place bad_lat = MakePlace("P-3", "小卖部", "nine_small", "shop", {121.41, 97.0});
  const std::vector<Row> rows = {
      {MakePlace("X", "", "trade", "hotel", {121.4, 37.5}), "name"},
      {MakePlace("X", "某地", "bakery", "", {121.4, 37.5}), "category"},
      {MakePlace("X", "某地", "trade", "bakery", {121.4, 37.5}), "sub_kind"},
      {MakePlace("X", "某地", "nine_small", "小面馆", {121.4, 37.5}), "sub_kind"},
      {no_officer, "officer"},
      {bad_phone, "contact_phone"},
      {bad_lat, "lat"},
  };
  for (Row row : rows) {
    Status s = NormalizePlace(row.place);
    ASSERT_FALSE(s) << row.field;
    EXPECT_EQ(s.error().field, row.field) << s.error().message;
  }
  // Open categories take sub-kinds of their own.
  Place enterprise = MakePlace("E-1", "某某科技", "企业", "软件开发", {121.4, 37.5});
  ASSERT_TRUE(NormalizePlace(enterprise));
  EXPECT_EQ(enterprise.category, "enterprise");
  EXPECT_EQ(enterprise.sub_kind, "软件开发");
}

// Run with a few rows (the triggers keep the map index) and with many (it is rebuilt for the
// rows at the end of the import).
class ReimportTest : public RegistryStoreTest, public testing::WithParamInterface<int> {};

TEST_P(ReimportTest, ReimportingTheSameExternalIdsUpdatesAndNeverDuplicates) {
  const int n = GetParam();
  std::vector<Place> places;
  for (int i = 0; i < n; ++i) {
    Place p = MakePlace("RH-" + std::to_string(i), "出租屋 " + std::to_string(i), "rental_housing",
                        "whole", {121.401 + i * 0.00008, 37.46 + i * 0.00008});
    if (i % 10 == 9) p.location.reset();
    ASSERT_TRUE(NormalizePlace(p));
    AssignJurisdiction(p, index_.get());
    places.push_back(p);
  }
  auto first = store_->ImportPlaces(places, kT0);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->created, n);
  EXPECT_EQ(first->updated, 0);
  auto before = store_->ListPlaces({.text = "RH-7", .limit = 10});
  ASSERT_TRUE(before);
  ASSERT_EQ(before->places.size(), 1u);
  const BoundingBox everywhere{121.40, 37.45, 121.70, 37.70};
  EXPECT_EQ(store_->ListPlaces({.bbox = everywhere})->total, n - n / 10);

  places[7].name = "出租屋 七号（已换租户）";
  places[7].location = LonLat{121.43, 37.53};
  AssignJurisdiction(places[7], index_.get());
  places[8].location.reset();
  places[9].location = LonLat{121.49, 37.46};  // had none
  auto second = store_->ImportPlaces(places, kT0 + std::chrono::hours(24));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->created, 0);
  EXPECT_EQ(second->updated, n);
  EXPECT_EQ(*store_->CountPlaces(), n);
  auto after = store_->FindPlace(before->places[0].id);
  ASSERT_TRUE(after && *after);
  EXPECT_EQ((*after)->name, "出租屋 七号（已换租户）");
  EXPECT_EQ((*after)->created_at, kT0);
  EXPECT_EQ((*after)->updated_at, kT0 + std::chrono::hours(24));
  EXPECT_EQ((*after)->station_id, "S-N");
  // The map index followed the moves.
  auto box = store_->ListPlaces({.bbox = BoundingBox{121.429, 37.529, 121.431, 37.531}});
  ASSERT_TRUE(box);
  ASSERT_EQ(box->total, 1);
  EXPECT_EQ(box->places[0].external_id, "RH-7");
  EXPECT_EQ(store_->ListPlaces({.bbox = everywhere})->total, n - n / 10);
  EXPECT_EQ(store_->ListPlaces({.bbox = BoundingBox{121.489, 37.459, 121.491, 37.461}})->total, 1);
  // And a place saved one at a time afterwards is indexed too: the triggers are back.
  Place single = MakePlace("ONE", "单个", "trade", "hotel", {121.45, 37.45});
  ASSERT_TRUE(NormalizePlace(single));
  ASSERT_TRUE(store_->SavePlace(single, kT0));
  EXPECT_EQ(store_->ListPlaces({.bbox = BoundingBox{121.449, 37.449, 121.451, 37.451}})->total, 1);
}

INSTANTIATE_TEST_SUITE_P(FewAndMany, ReimportTest, testing::Values(300, 2500));

TEST_F(RegistryStoreTest, AFailedImportLeavesNothingBehind) {
  for (size_t n : {5, 1500}) {
    std::vector<Place> places;
    for (size_t i = 0; i < n; ++i) {
      Place p =
          MakePlace("K-" + std::to_string(i), "重点单位", "key_unit", "school", {121.41, 37.51});
      ASSERT_TRUE(NormalizePlace(p));
      places.push_back(p);
    }
    // A row the database refuses (it never passed NormalizePlace), after others: those go too.
    places[n - 2].name.clear();
    auto result = store_->ImportPlaces(places, kT0);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("K-" + std::to_string(n - 2)), std::string::npos)
        << result.error().message;
    EXPECT_EQ(*store_->CountPlaces(), 0);
  }
  // The map index's triggers survived the rolled-back bulk import.
  Place single = MakePlace("ONE", "单个", "trade", "hotel", {121.45, 37.45});
  ASSERT_TRUE(NormalizePlace(single));
  ASSERT_TRUE(store_->SavePlace(single, kT0));
  EXPECT_EQ(store_->ListPlaces({.bbox = BoundingBox{121.449, 37.449, 121.451, 37.451}})->total, 1);
}

TEST_F(RegistryStoreTest, ListsByBoxCategoryStationAndTextMatchABruteForceFilter) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> lon(121.40, 121.50), lat(37.45, 37.55);
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"rental_housing", "whole"}, {"rental_housing", "shared"}, {"trade", "hotel"},
      {"trade", "internet_cafe"},  {"nine_small", "shop"},       {"hazardous", "fireworks"}};
  std::vector<Place> places;
  for (int i = 0; i < 2000; ++i) {
    const auto& [category, sub_kind] = kinds[static_cast<size_t>(i) % kinds.size()];
    Place p = MakePlace("X-" + std::to_string(i), fmt::format("场所{}号", i), category, sub_kind,
                        {lon(rng), lat(rng)});
    p.address = i % 10 == 0 ? "幸福路 " + std::to_string(i) + " 号" : "解放路";
    if (i % 50 == 0) p.location.reset();  // some rented homes have an address only
    ASSERT_TRUE(NormalizePlace(p));
    AssignJurisdiction(p, index_.get());
    places.push_back(p);
  }
  ASSERT_TRUE(store_->ImportPlaces(places, kT0));

  const BoundingBox box{121.42, 37.47, 121.46, 37.53};
  const std::vector<PlaceQuery> queries = {
      {.bbox = box, .limit = 1000},
      {.category = "trade", .bbox = box, .limit = 1000},
      {.category = "rental_housing", .sub_kind = "shared", .limit = 1000},
      {.station_id = "S-S", .limit = 1000},
      {.category = "nine_small", .grid_id = "G-NW", .limit = 1000},
      {.station_id = "S-N", .bbox = box, .text = "幸福路", .limit = 1000},
      {.text = "X-1999", .limit = 1000},
  };
  for (const PlaceQuery& q : queries) {
    std::vector<std::string> expected;
    for (const Place& p : places) {
      if (!q.category.empty() && p.category != q.category) continue;
      if (!q.sub_kind.empty() && p.sub_kind != q.sub_kind) continue;
      if (!q.station_id.empty() && p.station_id != q.station_id) continue;
      if (!q.grid_id.empty() && p.grid_id != q.grid_id) continue;
      if (q.bbox && (!p.location || !q.bbox->Contains(*p.location))) continue;
      if (!q.text.empty() && p.name.find(q.text) == std::string::npos &&
          p.address.find(q.text) == std::string::npos && p.external_id != q.text)
        continue;
      expected.push_back(p.external_id);
    }
    auto page = store_->ListPlaces(q);
    ASSERT_TRUE(page) << page.error().message;
    std::vector<std::string> got;
    for (const Place& p : page->places) got.push_back(p.external_id);
    EXPECT_EQ(page->total, static_cast<std::int64_t>(expected.size()));
    EXPECT_EQ(got, expected) << "category=" << q.category << " station=" << q.station_id;
    EXPECT_FALSE(expected.empty());
  }

  // Pages follow one another without gaps or repeats.
  std::vector<PlaceId> seen;
  for (std::int64_t offset = 0;; offset += 70) {
    auto page = store_->ListPlaces({.category = "trade", .limit = 70, .offset = offset});
    ASSERT_TRUE(page);
    if (page->places.empty()) break;
    for (const Place& p : page->places) seen.push_back(p.id);
  }
  EXPECT_EQ(seen.size(), 2000u / 3);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
  // LIKE's own characters are searched for as they are.
  EXPECT_EQ(store_->ListPlaces({.text = "%"})->total, 0);
}

TEST_F(RegistryStoreTest, CampaignsRefuseInspectionsOutsideTheirScopeOrDays) {
  Place hotel = Save(MakePlace("H-1", "海景宾馆", "trade", "hotel", {121.42, 37.52}));
  Place south_hotel = Save(MakePlace("H-2", "南城宾馆", "trade", "hotel", {121.42, 37.46}));
  Place shop = Save(MakePlace("N-1", "小卖部", "nine_small", "shop", {121.42, 37.52}));
  Campaign c = AddCampaign({"trade"}, {"S-N"});
  EXPECT_TRUE(Inspect(hotel.id, c.id, 0));
  for (auto [place, field] : {std::pair{south_hotel.id, "campaign_id"},  // other station
                              std::pair{shop.id, "campaign_id"}}) {      // other category
    auto refused = Inspect(place, c.id, 0);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().field, field) << refused.error().message;
  }
  auto late = Inspect(hotel.id, c.id, 0, kDay + std::chrono::days(8));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().field, "date");
  EXPECT_EQ(Inspect(hotel.id, 99, 0).error().field, "campaign_id");
  EXPECT_EQ(Inspect(12345, 0, 0).error().field, "place_id");
  // Outside any campaign, anything goes.
  EXPECT_TRUE(Inspect(shop.id, 0, 1));

  Inspection bad;
  bad.place_id = hotel.id;
  bad.inspector = "王警官";
  bad.result = "ok";
  bad.hazards.push_back({0, 0, 0, "灭火器过期", 2, {}, 0});
  EXPECT_EQ(NormalizeInspection(bad).error().field, "result");
  bad.result = "";
  bad.hazards[0].priority = 7;
  EXPECT_EQ(NormalizeInspection(bad).error().field, "hazards[0].priority");
  bad.hazards[0].priority = 1;
  bad.hazards[0].description = "  ";
  EXPECT_EQ(NormalizeInspection(bad).error().field, "hazards[0].description");
}

TEST_F(RegistryStoreTest, CountsByCampaignCategoryAndStation) {
  // In scope (trade in S-N): three hotels and a cafe; a south hotel and a shop are not.
  std::vector<Place> in_scope = {
      Save(MakePlace("H-1", "宾馆一", "trade", "hotel", {121.42, 37.52})),
      Save(MakePlace("H-2", "宾馆二", "trade", "hotel", {121.47, 37.52})),
      Save(MakePlace("H-3", "宾馆三", "trade", "hotel", {121.48, 37.53})),
      Save(MakePlace("C-1", "网吧一", "trade", "internet_cafe", {121.43, 37.51})),
  };
  Place south = Save(MakePlace("H-9", "南城宾馆", "trade", "hotel", {121.42, 37.46}));
  Place shop = Save(MakePlace("N-1", "小卖部", "nine_small", "shop", {121.42, 37.52}));
  Campaign c = AddCampaign({"trade"}, {"S-N"});

  // Hotel 1 twice (ok, then 2 hazards), the cafe once with 1 hazard; outside the campaign the
  // south hotel and the shop with a hazard each.
  ASSERT_TRUE(Inspect(in_scope[0].id, c.id, 0));
  auto with_two = Inspect(in_scope[0].id, c.id, 2, kDay + std::chrono::days(1));
  ASSERT_TRUE(with_two);
  auto with_one = Inspect(in_scope[3].id, c.id, 1);
  ASSERT_TRUE(with_one);
  ASSERT_TRUE(Inspect(south.id, 0, 1));
  ASSERT_TRUE(Inspect(shop.id, 0, 1));

  // Cases: 101 closed, 102 overdue, 103 open; the rest not opened yet.
  ASSERT_TRUE(store_->SetHazardCase(with_two->hazards[0].id, 101));
  ASSERT_TRUE(store_->SetHazardCase(with_two->hazards[1].id, 102));
  ASSERT_TRUE(store_->SetHazardCase(with_one->hazards[0].id, 103));
  EXPECT_EQ(store_->SetHazardCase(9999, 1).error().code, ErrorCode::kNotFound);
  auto status_of = [](CaseId id) {
    return id == 101   ? HazardStatus::kClosed
           : id == 102 ? HazardStatus::kOverdue
                       : HazardStatus::kOpen;
  };
  auto tally =
      store_->Count({c.categories, c.station_ids, c.id, std::nullopt, std::nullopt}, status_of);
  ASSERT_TRUE(tally) << tally.error().message;
  const TallyRow& t = tally->total;
  EXPECT_EQ(t.places, 4);
  EXPECT_EQ(t.inspected_places, 2);
  EXPECT_EQ(t.inspections, 3);
  EXPECT_EQ(t.hazards, 3);
  EXPECT_EQ(t.hazards_closed, 1);
  EXPECT_EQ(t.hazards_open, 2);
  EXPECT_EQ(t.hazards_overdue, 1);
  ASSERT_EQ(tally->by_category.size(), 1u);
  EXPECT_EQ(tally->by_category[0].key, "trade");
  ASSERT_EQ(tally->by_station.size(), 1u);
  EXPECT_EQ(tally->by_station[0].key, "S-N");

  // The whole district, all inspections: by category and by station.
  auto all = store_->Count({}, status_of);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->total.places, 6);
  EXPECT_EQ(all->total.inspected_places, 4);
  EXPECT_EQ(all->total.inspections, 5);
  EXPECT_EQ(all->total.hazards, 5);
  EXPECT_EQ(all->total.hazards_open, 4);  // two never opened count as open
  auto row = [](const std::vector<TallyRow>& rows, const std::string& key) {
    auto it =
        std::find_if(rows.begin(), rows.end(), [&](const TallyRow& r) { return r.key == key; });
    return it == rows.end() ? TallyRow{} : *it;
  };
  EXPECT_EQ(row(all->by_category, "trade").places, 5);
  EXPECT_EQ(row(all->by_category, "trade").hazards, 4);
  EXPECT_EQ(row(all->by_category, "nine_small").inspected_places, 1);
  EXPECT_EQ(row(all->by_station, "S-N").places, 5);
  EXPECT_EQ(row(all->by_station, "S-S").hazards, 1);
  // A period: only the second day's inspection.
  auto day_two = store_->Count(
      {.from = kDay + std::chrono::days(1), .to = kDay + std::chrono::days(1)}, status_of);
  ASSERT_TRUE(day_two);
  EXPECT_EQ(day_two->total.inspections, 1);
  EXPECT_EQ(day_two->total.hazards, 2);
  EXPECT_EQ(day_two->total.places, 6);

  auto pending = store_->HazardsWithoutCase();
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->size(), 2u);
  auto history = store_->InspectionsOf(in_scope[0].id);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].date, kDay + std::chrono::days(1));  // newest first
  EXPECT_EQ((*history)[0].result, "hazards_found");
  ASSERT_EQ((*history)[0].hazards.size(), 2u);
  EXPECT_EQ((*history)[0].hazards[1].case_id, 102);
  EXPECT_EQ((*history)[1].result, "ok");
}

TEST_F(RegistryStoreTest, OutreachTotalsByStationKindAndMonth) {
  auto add = [&](const char* day, const char* kind, std::int64_t audience, const char* station) {
    OutreachEvent e;
    e.date = *ParseDay(day);
    e.place = "幸福社区广场";
    e.kind = kind;
    e.audience = audience;
    e.station_id = station;
    e.created_by = "officer";
    ASSERT_TRUE(NormalizeOutreach(e));
    ASSERT_TRUE(store_->AddOutreach(e, kT0));
  };
  add("2026-10-01", "讲座", 120, "S-N");
  add("2026-10-15", "street_stall", 300, "S-N");
  add("2026-11-02", "door_to_door", 45, "S-S");
  add("2026-12-01", "online", 5000, "S-S");
  auto all = store_->SummarizeOutreach({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->total.events, 4);
  EXPECT_EQ(all->total.audience, 5465);
  auto period =
      store_->SummarizeOutreach({.from = *ParseDay("2026-10-01"), .to = *ParseDay("2026-11-30")});
  ASSERT_TRUE(period);
  EXPECT_EQ(period->total.events, 3);
  EXPECT_EQ(period->total.audience, 465);
  ASSERT_EQ(period->by_station.size(), 2u);
  EXPECT_EQ(period->by_station[0].key, "S-N");
  EXPECT_EQ(period->by_station[0].audience, 420);
  ASSERT_EQ(period->by_month.size(), 2u);
  EXPECT_EQ(period->by_month[1].key, "2026-11");
  EXPECT_EQ(period->by_month[1].events, 1);
  ASSERT_EQ(period->by_kind.size(), 3u);
  EXPECT_EQ(period->by_kind[1].key, "lecture");
  auto station = store_->ListOutreach({.station_id = "S-S"});
  ASSERT_TRUE(station);
  ASSERT_EQ(station->total, 2);
  EXPECT_EQ(registry::FormatDay(station->events[0].date), "2026-12-01");  // newest first

  OutreachEvent negative;
  negative.place = "x";
  negative.kind = "lecture";
  negative.station_id = "S-N";
  negative.audience = -1;
  EXPECT_EQ(NormalizeOutreach(negative).error().field, "audience");
  negative.audience = 1;
  negative.kind = "parade";
  EXPECT_EQ(NormalizeOutreach(negative).error().field, "kind");
}

TEST_F(RegistryStoreTest, EverythingIsThereAfterReopening) {
  Place hotel = Save(MakePlace("H-1", "海景宾馆", "trade", "hotel", {121.42, 37.52}));
  Campaign c = AddCampaign({}, {});
  ASSERT_TRUE(Inspect(hotel.id, c.id, 1));
  store_.reset();
  auto reopened = RegistryStore::Open(dir_.File("registry.db"));
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(*(*reopened)->CountPlaces(), 1);
  auto campaigns = (*reopened)->ListCampaigns();
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), 1u);
  EXPECT_EQ((*campaigns)[0].name, "国庆节前清查");
  EXPECT_TRUE((*campaigns)[0].categories.empty());
  EXPECT_EQ((*campaigns)[0].to, kDay + std::chrono::days(7));
  EXPECT_EQ((*reopened)->HazardsWithoutCase()->size(), 1u);
}

TEST(Days, OnlyRealCalendarDaysParse) {
  EXPECT_TRUE(ParseDay("2024-02-29"));
  EXPECT_FALSE(ParseDay("2026-02-29"));
  EXPECT_FALSE(ParseDay("2026-13-01"));
  EXPECT_FALSE(ParseDay("2026-1-01"));
  EXPECT_FALSE(ParseDay("20261101"));
  EXPECT_EQ(FormatDay(*ParseDay("2026-11-03")), "2026-11-03");
  // 23:30 UTC is the next morning in the district.
  EXPECT_EQ(FormatDay(DistrictDay(*ParseTime("2026-11-03T23:30:00Z"))), "2026-11-04");
}

}  // namespace
}  // namespace pingan::registry
