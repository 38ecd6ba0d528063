// The demo district's places registry: seeded once into an empty registry, every place inside a
// station and a grid, every category on file, a campaign under way whose hazards have their
// cases in the ledger, some of them closed.
#include "demo/demo_places.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "cases/case_kinds.h"
#include "core/incident_workflow.h"
#include "demo/district_generator.h"
#include "ledger/sqlite/sqlite_event_log.h"
#include "registry/place_categories.h"
#include "roads/osm_import.h"
#include "support/temp_dir.h"

namespace pingan::demo {
namespace {

using registry::Place;

// 2026-11-23 10:00 China Standard Time.
const TimePoint kNow = TimePoint(std::chrono::milliseconds(1'795'399'200'000));

class DemoRegistry : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string osm = dir_->File("district.osm");
    std::ofstream(osm) << GenerateDistrictOsm(3);
    auto graph = roads::ImportOsm(osm);
    ASSERT_TRUE(graph) << graph.error().message;
    graph_ = new roads::RoadGraph(std::move(*graph));
    auto landmarks = map::ImportOsmPlaces(osm);
    ASSERT_TRUE(landmarks) << landmarks.error().message;
    landmarks_ = new std::vector<map::Place>(std::move(*landmarks));
  }
  static void TearDownTestSuite() {
    delete landmarks_;
    delete graph_;
    delete dir_;
  }

  void SetUp() override {
    auto log = ledger::sqlite::SqliteEventLog::Open(data_.File("ledger.db"));
    ASSERT_TRUE(log) << log.error().message;
    log_ = std::move(*log);
    engine_ =
        std::make_unique<engine::Engine>(*log_, clock_, IncidentWorkflow(), engine::EngineOptions{},
                                         cases::DefaultCaseCatalog(std::chrono::minutes(30)));
    ASSERT_TRUE(engine_->Start());
    jurisdictions_ = GenerateJurisdictions(*graph_);
    ASSERT_TRUE(engine_->Execute(Command{"demo", DefineJurisdictions{jurisdictions_}}));
    auto store = registry::RegistryStore::Open(data_.File("registry.db"));
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override {
    if (engine_) engine_->Stop();
  }

  std::vector<Place> AllPlaces() {
    std::vector<Place> out;
    registry::PlaceQuery q;
    q.limit = 500;
    for (;;) {
      auto page = store_->ListPlaces(q);
      EXPECT_TRUE(page);
      if (!page || page->places.empty()) break;
      for (Place& p : page->places) out.push_back(std::move(p));
      q.offset = std::ssize(out);
    }
    return out;
  }

  std::shared_ptr<const CaseRecord> Case(CaseId id) {
    return engine_->Read([&](const engine::ReadView& v) -> std::shared_ptr<const CaseRecord> {
      auto it = v.cases.find(id);
      return it == v.cases.end() ? nullptr : it->second;
    });
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline roads::RoadGraph* graph_ = nullptr;
  static inline std::vector<map::Place>* landmarks_ = nullptr;
  test::TempDir data_;
  FakeClock clock_{kNow};
  std::unique_ptr<ledger::EventLog> log_;
  std::unique_ptr<engine::Engine> engine_;
  std::vector<Jurisdiction> jurisdictions_;
  std::unique_ptr<registry::RegistryStore> store_;
};

TEST_F(DemoRegistry, EveryPlaceLiesInAStationAndAGridAndEveryCategoryIsOnFile) {
  auto seeded = SeedDemoPlaces(*engine_, *store_, *graph_, *landmarks_, 3);
  ASSERT_TRUE(seeded) << seeded.error().message;
  ASSERT_TRUE(seeded->seeded);
  std::vector<Place> places = AllPlaces();
  EXPECT_EQ(std::ssize(places), seeded->places);
  EXPECT_GE(places.size(), 250u);
  EXPECT_LE(places.size(), 500u);

  auto index = engine_->jurisdictions();
  ASSERT_NE(index, nullptr);
  std::map<std::string, int> by_category;
  std::set<std::string> stations, external_ids;
  for (const Place& p : places) {
    ASSERT_TRUE(p.location) << p.name;
    // Where the jurisdictions put its location, not merely what was stored.
    JurisdictionPath at = index->Locate(*p.location);
    EXPECT_FALSE(at.station_id.empty()) << p.name << " lies in no station";
    EXPECT_FALSE(at.grid_id.empty()) << p.name << " lies in no grid";
    EXPECT_EQ(p.station_id, at.station_id) << p.name;
    EXPECT_EQ(p.grid_id, at.grid_id) << p.name;
    EXPECT_FALSE(p.address.empty()) << p.name;
    EXPECT_FALSE(p.contact_phone.empty()) << p.name;
    EXPECT_TRUE(external_ids.insert(p.external_id).second) << p.external_id;
    if (p.category == "key_project") {
      EXPECT_FALSE(p.officer.empty()) << p.name;
    }
    by_category[p.category]++;
    stations.insert(p.station_id);
  }
  for (const registry::PlaceCategory& c : registry::PlaceCategories())
    EXPECT_GT(by_category[std::string(c.code)], 0) << c.code;
  // Mostly rented homes; each of the four stations has places.
  EXPECT_GT(by_category["rental_housing"] * 2, std::ssize(places)) << by_category.size();
  EXPECT_EQ(stations.size(), 4u);
  // The map's schools and hospitals are key units under their own names.
  EXPECT_TRUE(std::any_of(places.begin(), places.end(), [](const Place& p) {
    return p.name == "区人民医院" && p.category == "key_unit" && p.sub_kind == "hospital";
  }));
}

TEST_F(DemoRegistry, HazardsFoundInTheCampaignHaveTheirCasesInTheLedger) {
  auto seeded = SeedDemoPlaces(*engine_, *store_, *graph_, *landmarks_, 3);
  ASSERT_TRUE(seeded) << seeded.error().message;
  auto campaigns = store_->ListCampaigns();
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), 1u);
  const registry::Campaign& c = campaigns->front();
  EXPECT_EQ(c.id, seeded->campaign_id);
  const registry::Day today = registry::DistrictDay(kNow);
  EXPECT_LE(c.from, today);
  EXPECT_GE(c.to, today);  // under way

  std::int64_t inspections = 0, hazards = 0, closed = 0, rectified = 0, in_campaign = 0;
  for (const Place& p : AllPlaces()) {
    auto list = store_->InspectionsOf(p.id);
    ASSERT_TRUE(list);
    for (const registry::Inspection& in : *list) {
      ++inspections;
      EXPECT_LE(in.date, today);
      if (in.campaign_id != 0) {
        ++in_campaign;
        EXPECT_TRUE(c.Covers(p)) << p.name;
        EXPECT_GE(in.date, c.from);
      }
      EXPECT_EQ(in.result, in.hazards.empty() ? "ok" : "hazards_found");
      for (const registry::Hazard& h : in.hazards) {
        ++hazards;
        ASSERT_NE(h.case_id, 0) << "hazard " << h.id << " has no case";
        auto record = Case(h.case_id);
        ASSERT_NE(record, nullptr) << "case " << h.case_id << " is not in the ledger";
        EXPECT_EQ(record->kind, "hazard");
        EXPECT_EQ(record->fields.value("hazard_id", 0), h.id);
        EXPECT_EQ(record->fields.value("place_id", 0), p.id);
        EXPECT_EQ(record->station_id, p.station_id);
        EXPECT_EQ(record->priority, h.priority);
        if (record->state == "closed") ++closed;
        if (record->state == "rectified") ++rectified;
      }
    }
  }
  EXPECT_EQ(inspections, seeded->inspections);
  EXPECT_GE(in_campaign, 30);
  EXPECT_EQ(hazards, seeded->hazards);
  EXPECT_GE(hazards, 10);
  EXPECT_EQ(closed, 2);
  EXPECT_EQ(rectified, 1);
  EXPECT_EQ(seeded->hazards_closed, 2);

  // The counts the console shows agree: open hazards are the rest, none overdue yet, and a
  // day and a half later the urgent (24 h) one is.
  auto count = [&] {
    const TimePoint now = clock_.Now();
    return store_->Count({c.categories, c.station_ids, c.id, std::nullopt, std::nullopt},
                         [&](CaseId id) {
                           auto r = Case(id);
                           if (!r) return registry::HazardStatus::kUnknown;
                           if (!r->IsOpen()) return registry::HazardStatus::kClosed;
                           return IsOverdue(*r, now) ? registry::HazardStatus::kOverdue
                                                     : registry::HazardStatus::kOpen;
                         });
  };
  auto tally = count();
  ASSERT_TRUE(tally);
  EXPECT_EQ(tally->total.hazards, hazards);
  EXPECT_EQ(tally->total.hazards_closed, 2);
  EXPECT_EQ(tally->total.hazards_open, hazards - 2);
  EXPECT_EQ(tally->total.hazards_overdue, 0);
  clock_.Advance(std::chrono::hours(36));
  tally = count();
  ASSERT_TRUE(tally);
  EXPECT_GE(tally->total.hazards_overdue, 1);
}

TEST_F(DemoRegistry, ASecondStartDoesNotSeedAgain) {
  auto first = SeedDemoPlaces(*engine_, *store_, *graph_, *landmarks_, 3);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->seeded);
  const std::size_t cases = engine_->Read([](const engine::ReadView& v) { return v.cases.size(); });
  auto again = SeedDemoPlaces(*engine_, *store_, *graph_, *landmarks_, 3);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->seeded);
  EXPECT_EQ(*store_->CountPlaces(), first->places);
  EXPECT_EQ(store_->ListCampaigns()->size(), 1u);
  EXPECT_EQ(engine_->Read([](const engine::ReadView& v) { return v.cases.size(); }), cases);
}

TEST_F(DemoRegistry, TheSameSeedGivesTheSamePlaces) {
  auto index = engine_->jurisdictions();
  auto a = GenerateDemoPlaces(*graph_, *landmarks_, index.get(), 3);
  auto b = GenerateDemoPlaces(*graph_, *landmarks_, index.get(), 3);
  auto c = GenerateDemoPlaces(*graph_, *landmarks_, index.get(), 4);
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].external_id, b[k].external_id);
    EXPECT_EQ(a[k].name, b[k].name);
    EXPECT_EQ(a[k].location, b[k].location);
  }
  EXPECT_FALSE(a.size() == c.size() &&
               std::equal(a.begin(), a.end(), c.begin(),
                          [](const Place& x, const Place& y) { return x.location == y.location; }));
}

}  // namespace
}  // namespace pingan::demo
