// JSON at the API's edge: reading fields from request bodies with errors that name the field,
// and the views of incidents, units and jurisdictions that responses and the live feed carry.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/domain.h"
#include "core/result.h"
#include "core/workflow.h"
#include "dispatch/recommender.h"

namespace pingan::api {

// Field readers. A missing optional field gives nullopt; a field of the wrong type, or a
// missing required one, gives kInvalidInput naming it.
Result<std::string> RequiredString(const nlohmann::json& body, const std::string& field,
                                   size_t max_bytes = 256);
Result<std::optional<std::string>> OptionalString(const nlohmann::json& body,
                                                  const std::string& field, size_t max_bytes = 256);
Result<std::int64_t> RequiredInteger(const nlohmann::json& body, const std::string& field);
Result<std::optional<std::int64_t>> OptionalInteger(const nlohmann::json& body,
                                                    const std::string& field);
// lon/lat as two numbers at the top level of `body`; both or neither.
Result<std::optional<LonLat>> OptionalLonLat(const nlohmann::json& body);

struct ViewOptions {
  bool reveal_personal_data = false;
  bool with_timeline = true;
};

nlohmann::json IncidentView(const Incident& incident, const WorkflowDefinition& workflow,
                            TimePoint now, const ViewOptions& options);
// `latest`: a newer position than the ledger's (from the live index), if any.
nlohmann::json UnitView(const Unit& unit, const std::optional<Position>& latest = std::nullopt);
// The reply of GET /api/incidents/{id}/recommendations; routes as GeoJSON LineStrings.
nlohmann::json RecommendationsJson(const dispatch::Recommendations& r);
nlohmann::json TimeOrNull(const std::optional<TimePoint>& t);

}  // namespace pingan::api
