// The places registry routes (docs/registry.md): places by category on the map and in their
// grid, inspection campaigns with their counts, inspections whose hazards open `hazard` cases in
// the ledger, hazard photos, and anti-fraud outreach events with their totals (MISSION I1, I2,
// F3). Re-inspection of a hazard is an action on its case, through the case routes.
#pragma once

#include <memory>

#include <boost/asio/thread_pool.hpp>

#include "api/router.h"
#include "engine/engine.h"

namespace pingan::registry {
struct Registry;
}  // namespace pingan::registry

namespace pingan::api {

struct RegistryRoutesContext {
  engine::Engine& engine;
  // Registry reads and writes run here, off the HTTP threads.
  boost::asio::thread_pool& workers;
  // Null: every registry route answers 503.
  registry::Registry* registry = nullptr;
};

// Adds GET/POST /api/places, GET /api/places/categories, GET /api/places/summary,
// GET/PUT /api/places/{id}, GET /api/places/{id}/inspections, GET/POST /api/campaigns,
// GET /api/campaigns/{id}, POST /api/inspections, POST /api/photos, GET /api/photos/{id},
// GET/POST /api/outreach and GET /api/outreach/summary. Reading needs a login; writing needs the
// permission to open cases, and a campaign the permission to manage units (station chiefs,
// admin). Contacts of places are masked unless the role may see personal data, and a read of
// them unmasked is audited.
//
// Also opens the hazard cases a previous run stored but did not get to open (a crash between
// the two writes), before returning; so call it before the server listens, with the engine
// started. Everything in `context` must outlive the router.
void AddRegistryRoutes(Router& router, const RegistryRoutesContext& context);

}  // namespace pingan::api
