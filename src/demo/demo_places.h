// The demo district's places registry (场所, docs/registry.md): a few hundred made-up places of
// every category laid along the district's streets and at its named places, so that they fall
// inside its stations and grids. Mostly rented homes (出租房屋) in residential compounds and an
// urban village; hotels, internet cafés and other trades (行业场所); the nine kinds of small
// places (九小场所); a handful of hazardous-materials units (涉危单位); key units (重点单位) from
// the map's schools, hospitals, markets and stations; enterprises; and a few key projects
// (重点项目) with their officer. Beside them, a campaign under way with inspections done in it,
// some of which found hazards whose cases are in the ledger. Names, contacts and phones are
// invented.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/jurisdiction.h"
#include "core/result.h"
#include "engine/engine.h"
#include "map/places.h"
#include "registry/records.h"
#include "registry/registry_store.h"
#include "roads/road_graph.h"

namespace pingan::demo {

// The places, each at a point 15–40 m off a named street (or at one of `landmarks`, the base
// map's named places, for the key units they are) with a Chinese name and address, its station
// and grid from `index` (may be null), and an external id "DEMO-…". Every place passes
// registry::NormalizePlace. Deterministic in `seed` and the inputs; empty when `graph` has no
// named street.
std::vector<registry::Place> GenerateDemoPlaces(const roads::RoadGraph& graph,
                                                const std::vector<map::Place>& landmarks,
                                                const JurisdictionIndex* index, uint64_t seed);

struct DemoPlacesReport {
  bool seeded = false;  // false: the registry held places already and nothing was written
  std::int64_t places = 0;
  registry::CampaignId campaign_id = 0;
  std::int64_t inspections = 0;
  std::int64_t hazards = 0;         // each with its case opened
  std::int64_t hazards_closed = 0;  // rectified and passed re-inspection
};

// When `store` holds no places, writes the demo's registry through the store's own functions:
// GenerateDemoPlaces (one transaction), the campaign 节前安全大检查 over trades, small places,
// rented homes and hazardous units, from 9 district days (China Standard Time) before today
// to 20 after, inspections in it dated from its first day to today and a few routine ones of
// key units outside it. Each hazard found opens its `hazard` case in the ledger as the API
// opens it (registry::HazardCaseCommand, then RegistryStore::SetHazardCase); two are then
// rectified and pass re-inspection, one waits for re-inspection. The cases are opened now, so
// none is overdue until its deadline (24 h for the priority-1 hazard) passes. `actor` writes.
// Engine thread excluded (it waits for the engine). Deterministic in `seed` and today's date.
// Errors: the first store or engine error; what was written before it stays (a start that
// finds places does not seed again).
Result<DemoPlacesReport> SeedDemoPlaces(engine::Engine& engine, registry::RegistryStore& store,
                                        const roads::RoadGraph& graph,
                                        const std::vector<map::Place>& landmarks, uint64_t seed,
                                        const std::string& actor = "demo");

}  // namespace pingan::demo
