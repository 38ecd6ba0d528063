// The patrol plan routes (docs/api.md, "Patrol plans"): build a district day's plan for the
// engine's units from the day's risk map (patrol/plans.h), store it as a new version
// (api/plan_store.h), publish it, and tell each unit where the published plan wants it now.
#pragma once

#include <memory>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "api/plan_store.h"
#include "api/risk_layer.h"
#include "api/router.h"
#include "engine/engine.h"
#include "patrol/visibility.h"
#include "roads/road_graph.h"

namespace pingan::api {

struct PlanRoutesContext {
  engine::Engine& engine;
  // Builds run here: a district day's risk plan takes seconds.
  boost::asio::thread_pool& workers;
  // The road network; null: building answers 503.
  const roads::RoadGraph* graph = nullptr;
  // The base map's places, whose kinds carry fixed duties (school posts, key areas).
  std::vector<patrol::KeyPlace> places;
  // The day's risk map, the one visibility measures against.
  VisibilityLayer& day_risk;
  // Null: every plan route answers 503.
  PlanStore* store = nullptr;
};

// Adds POST /api/plans, GET /api/plans, GET /api/plans/current, GET /api/plans/{date}/{version}
// and POST /api/plans/{date}/{version}/publish. Building and publishing need the permission to
// manage units (station chiefs, admin); reading needs a login. Everything in `context` must
// outlive the router.
void AddPlanRoutes(Router& router, std::shared_ptr<const PlanRoutesContext> context);

}  // namespace pingan::api
