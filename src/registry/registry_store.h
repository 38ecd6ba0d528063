// RegistryStore: the places registry, inspection campaigns, inspections with their hazards and
// outreach events in one SQLite database (DATA_DIR/registry.db; WAL, synchronous=FULL, so a
// returned write is durable). Places are indexed by category, station, grid and an R*Tree on
// their location, so a district's tens of thousands of rented homes list by map box, category
// or station a page at a time without a scan. The schema is in docs/registry.md.
//
// Thread-safe: one connection behind a mutex (every call is short: indexed reads, a page of
// rows, one transaction). The hazard cases themselves live in the ledger; the store keeps the
// case id of each hazard and asks the caller how those cases stand when it counts.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "registry/records.h"

namespace pingan::registry {

inline constexpr const char* kRegistryFile = "registry.db";

struct PlaceQuery {
  std::string category = {};  // a code; empty: any
  std::string sub_kind = {};
  std::string station_id = {};
  std::string grid_id = {};
  std::optional<BoundingBox> bbox = {};
  std::string text = {};  // found in the name or the address
  int limit = 50;         // the page
  std::int64_t offset = 0;
};

struct PlacePage {
  std::vector<Place> places;  // by id
  std::int64_t total = 0;     // matching places, all pages
};

struct ImportCounts {
  std::int64_t created = 0;
  std::int64_t updated = 0;
};

// How a hazard's case stands, as the ledger says.
enum class HazardStatus { kOpen, kOverdue, kClosed, kUnknown };
using HazardStatusOf = std::function<HazardStatus(CaseId)>;

// What is counted: the places in scope (categories and stations, empty: all) and the
// inspections of a campaign or of a period.
struct TallyScope {
  std::vector<std::string> categories = {};
  std::vector<std::string> station_ids = {};
  CampaignId campaign_id = 0;       // 0: inspections of any campaign or none
  std::optional<Day> from{}, to{};  // inspection days, inclusive
};

struct TallyRow {
  std::string key;                    // the category or station; "" in the total
  std::int64_t places = 0;            // in scope
  std::int64_t inspected_places = 0;  // with at least one inspection counted
  std::int64_t inspections = 0;
  std::int64_t hazards = 0;
  std::int64_t hazards_open = 0;  // overdue ones included
  std::int64_t hazards_overdue = 0;
  std::int64_t hazards_closed = 0;
};

struct Tally {
  TallyRow total;
  std::vector<TallyRow> by_category;  // by code
  std::vector<TallyRow> by_station;   // by id; "" for places without a station
};

struct OutreachQuery {
  std::optional<Day> from{}, to{};  // inclusive
  std::string station_id = {};
  std::string kind = {};
  int limit = 50;
  std::int64_t offset = 0;
};

struct OutreachPage {
  std::vector<OutreachEvent> events;  // newest day first
  std::int64_t total = 0;
};

struct OutreachTotals {
  std::string key;
  std::int64_t events = 0;
  std::int64_t audience = 0;
};

struct OutreachSummary {
  OutreachTotals total;
  std::vector<OutreachTotals> by_station;
  std::vector<OutreachTotals> by_kind;
  std::vector<OutreachTotals> by_month;  // "2026-11"
};

class RegistryStore {
 public:
  // Opens or creates the database at `path`, migrating its schema. Errors: kUnavailable when it
  // cannot be opened, kInternal when it is newer than this build or damaged.
  static Result<std::unique_ptr<RegistryStore>> Open(const std::string& path);
  ~RegistryStore();
  RegistryStore(const RegistryStore&) = delete;
  RegistryStore& operator=(const RegistryStore&) = delete;

  // --- Places. `place` must have passed NormalizePlace.
  // A place with an external id that is already on file updates it (its id and created_at
  // stay); otherwise a new place. Returns the place as stored; `created` says which.
  Result<Place> SavePlace(Place place, TimePoint now, bool* created = nullptr);
  // Replaces place `id` with `place` (id and created_at kept). kNotFound when absent,
  // kConflict when its new external id belongs to another place.
  Result<Place> UpdatePlace(PlaceId id, Place place, TimePoint now);
  // SavePlace for every place in one transaction: all or nothing. External ids must be unique
  // within `places` (the CSV reader checks).
  Result<ImportCounts> ImportPlaces(std::span<const Place> places, TimePoint now);
  Result<std::optional<Place>> FindPlace(PlaceId id);
  Result<PlacePage> ListPlaces(const PlaceQuery& query);
  Result<std::int64_t> CountPlaces();

  // --- Campaigns. `campaign` must have passed NormalizeCampaign.
  Result<Campaign> AddCampaign(Campaign campaign, TimePoint now);
  Result<std::optional<Campaign>> FindCampaign(CampaignId id);
  Result<std::vector<Campaign>> ListCampaigns();  // newest first

  // --- Inspections. `inspection` must have passed NormalizeInspection; its place must exist
  // (kInvalidInput "place_id" otherwise), and so must its campaign, whose scope must cover the
  // place and whose days the date ("campaign_id", "date"). Stores the inspection and its
  // hazards in one transaction, without case ids; returns them with their ids.
  Result<Inspection> AddInspection(Inspection inspection, TimePoint now);
  // Records the ledger case opened for a hazard.
  Status SetHazardCase(HazardId hazard, CaseId case_id);
  // Hazards whose case has not been opened (or not recorded) yet, oldest first.
  Result<std::vector<Hazard>> HazardsWithoutCase();
  // A place's inspections, newest first, with their hazards.
  Result<std::vector<Inspection>> InspectionsOf(PlaceId place, int limit = 100);
  Result<std::optional<Inspection>> FindInspection(InspectionId id);

  // --- Counts: places in scope, inspected, hazards found and how their cases stand (asked of
  // `status_of` once per hazard with a case), in total, by category and by station.
  Result<Tally> Count(const TallyScope& scope, const HazardStatusOf& status_of);

  // --- Outreach. `event` must have passed NormalizeOutreach.
  Result<OutreachEvent> AddOutreach(OutreachEvent event, TimePoint now);
  Result<OutreachPage> ListOutreach(const OutreachQuery& query);
  // Events and audience in total, by station, kind and month (filters: days, station).
  Result<OutreachSummary> SummarizeOutreach(const OutreachQuery& query);

 private:
  struct Impl;
  explicit RegistryStore(std::unique_ptr<Impl> impl);
  std::mutex mu_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pingan::registry
