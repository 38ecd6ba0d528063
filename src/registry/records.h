// What the registry keeps (MISSION I1, I2, F3): places by category, inspection campaigns,
// inspections with the hazards (隐患) they found, and anti-fraud outreach events (反诈宣传). These
// are plain records and the checks that make them valid; storage is RegistryStore's
// (registry/registry_store.h), the hazard cases themselves live in the ledger.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/case_record.h"
#include "core/clock.h"
#include "core/commands.h"
#include "core/geo.h"
#include "core/jurisdiction.h"
#include "core/result.h"

namespace pingan::registry {

using PlaceId = std::int64_t;
using CampaignId = std::int64_t;
using InspectionId = std::int64_t;
using HazardId = std::int64_t;
using OutreachId = std::int64_t;

// A calendar day of the district (China Standard Time), as inspections and campaigns count.
using Day = std::chrono::sys_days;
// "2026-11-23" only; nullopt for anything else (including 2026-02-30).
std::optional<Day> ParseDay(std::string_view text);
std::string FormatDay(Day day);
// The district day `t` falls on.
Day DistrictDay(TimePoint t);

// A place on file (场所): a hazardous-materials unit, a hotel, a rented home, a key project...
struct Place {
  PlaceId id = 0;
  // The id in the system it was imported from; re-importing it updates this place. Unique in
  // the registry; empty for places entered by hand.
  std::string external_id;
  std::string name;
  std::string category;  // a code of PlaceCategories(): "trade"
  std::string sub_kind;  // "hotel"; may be empty
  std::string address;
  std::optional<LonLat> location;  // WGS84
  // From the location through the jurisdictions (AssignJurisdiction); as given when the
  // location is missing or outside every station's area.
  std::string station_id;
  std::string grid_id;
  // Personal data: shown masked to roles without the permission to see it.
  std::string contact_name;
  std::string contact_phone;
  std::string officer;  // the officer responsible (项目警官 of a key project, 责任民警)
  std::string notes;
  TimePoint created_at;
  TimePoint updated_at;
};

// Trims and checks a place as entered or imported: name and category required, category and
// sub-kind given as code or label become codes, a key project needs its officer, lengths
// bounded, a location in range, a phone of digits. Errors are kInvalidInput naming the field as
// the JSON and the CSV call it ("contact_phone", "lon").
Status NormalizePlace(Place& place);

// Sets station_id and grid_id from the place's location when it lies in a station's area
// (grid_id then "" when it lies in no grid); leaves them as they are otherwise. `index` may be
// null (no jurisdictions imported yet).
void AssignJurisdiction(Place& place, const JurisdictionIndex* index);

// An inspection campaign (专项检查), e.g. a holiday clean-up (节前清查): which categories and
// stations it covers (empty: all) over which days.
struct Campaign {
  CampaignId id = 0;
  std::string name;
  std::vector<std::string> categories;  // codes
  std::vector<std::string> station_ids;
  Day from;
  Day to;  // inclusive
  std::string notes;
  std::string created_by;
  TimePoint created_at;

  // Whether `place` is in the campaign's scope (its category and station).
  bool Covers(const Place& place) const;
};

// Name required, categories known (labels become codes), no repeats, from ≤ to. Errors name
// the field ("categories[1]", "to").
Status NormalizeCampaign(Campaign& campaign);

// A hazard found in an inspection; its rectification is a `hazard` case in the ledger.
struct Hazard {
  HazardId id = 0;
  InspectionId inspection_id = 0;
  PlaceId place_id = 0;
  std::string description;
  int priority = 3;  // 1 most urgent; rectify within 24 h, 72 h, a week (cases/case_kinds.h)
  std::vector<std::string> photos;  // PhotoStore ids
  CaseId case_id = 0;               // 0 until the case is opened
};

// The ledger case `hazard` (of `place`) opens, kind `hazard` (cases/case_kinds.h): at the place's
// station when `index` knows it as a station (else the engine places it by the location), at
// the place's location, with the hazard's priority (which sets the rectification deadline) and
// fields naming the place, inspection and hazard (`hazard_id` finds the case again after a
// crash). The API and the demo both open hazard cases with it. `index` may be null.
CreateCase HazardCaseCommand(const Place& place, const Hazard& hazard,
                             const JurisdictionIndex* index);

inline constexpr std::string_view kResultOk = "ok";
inline constexpr std::string_view kResultHazardsFound = "hazards_found";

// One visit to a place (检查记录).
struct Inspection {
  InspectionId id = 0;
  PlaceId place_id = 0;
  CampaignId campaign_id = 0;  // 0: outside any campaign
  Day date;
  std::string inspector;
  std::string result;  // kResultOk or kResultHazardsFound
  std::string notes;
  std::string created_by;
  TimePoint created_at;
  std::vector<Hazard> hazards;
};

// Result derived from the hazards when empty; "ok" with hazards or "hazards_found" without is
// refused, as are more than 50 hazards, an empty description, a priority outside 1–4 and more
// than 20 photos to a hazard. Errors name the field ("hazards[0].priority").
Status NormalizeInspection(Inspection& inspection);

// An anti-fraud outreach event (反诈宣传活动).
struct OutreachEvent {
  OutreachId id = 0;
  Day date;
  std::string place;  // where, in words
  std::optional<LonLat> location;
  std::string kind;           // a code of OutreachKinds()
  std::int64_t audience = 0;  // people reached
  std::string station_id;
  std::string notes;
  std::string created_by;
  TimePoint created_at;
};

// Place required, kind known (labels become codes), audience ≥ 0, a station. Errors name the
// field.
Status NormalizeOutreach(OutreachEvent& event);

}  // namespace pingan::registry
