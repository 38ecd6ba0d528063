// 纠纷 disputes tied to incidents (MISSION I3, C5): a repeat group turned into a dispute case,
// and the incidents related to a dispute — at its place, from its phones, with its parties.
// Pure functions over incidents and case records; the routes are in api/repeat_routes.h.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/repeats.h"
#include "core/case_record.h"
#include "core/domain.h"

namespace pingan::cases {

// What CreateCase needs to open a dispute for some incidents.
struct DisputeDraft {
  IncidentId incident_id = 0;      // the latest of them
  std::string station_id;          // the latest one's station that has one ("" if none has)
  std::optional<LonLat> location;  // the latest located one's
  // incident_ids (by time), reason, address (the most common address text, the latest among
  // equals), party_names (the callers' names, distinct, by time), note when not empty.
  nlohmann::json fields = nlohmann::json::object();
};

// The dispute for `incidents`, which the repeat grouping linked by `reason` (any text: "place",
// "phone", "party", or "manual" for incidents picked by hand).
// REQUIRES: `incidents` not empty, no null pointers.
DisputeDraft DraftDispute(std::span<const Incident* const> incidents, const std::string& reason,
                          const std::string& note);

// The incident ids a case is about: its incident_id and its fields' incident_ids, sorted,
// without duplicates or zeros.
std::vector<IncidentId> CaseIncidentIds(const CaseRecord& record);

// What a dispute concerns, gathered from its case and its incidents.
struct DisputeSubject {
  std::vector<IncidentId> linked;  // sorted
  std::vector<LonLat> locations;
  std::vector<std::string> addresses;  // NormalizeAddress() keys, not empty
  std::vector<std::string> phones;     // NormalizePhone() keys, not empty
  std::vector<std::string> parties;    // NormalizeParty() keys, not empty
  TimePoint from, to;                  // the incidents considered were received in [from, to]
};

// The subject of `dispute`: its location and fields "address" and "party_names" (an array of
// names), and of each incident it names (CaseIncidentIds, looked up with `find`, which may
// return null) the location, address, caller phone and caller name. The period runs from
// `options.window` before the earliest of the case's opening and its incidents, to `now`, or to
// `options.window` after the close of a closed dispute (if that is earlier).
DisputeSubject DisputeSubjectOf(const CaseRecord& dispute,
                                const std::function<const Incident*(IncidentId)>& find,
                                const RepeatOptions& options, TimePoint now);

struct RelatedIncident {
  IncidentId id = 0;
  std::vector<RepeatReason> reasons;  // each that matched, in enum order
  bool is_linked = false;             // one of the dispute's own incidents
};

// The incidents among `subjects` received within the subject's period that are at one of its
// places (within options.distance_m of one of its locations, or with one of its address
// texts), called from one of its phones, or share one of its parties; and its own incidents
// whatever they match. Newest first (then by id, descending). Reasons count only when the
// options allow them.
std::vector<RelatedIncident> FindRelatedIncidents(const DisputeSubject& dispute,
                                                  std::span<const RepeatSubject> subjects,
                                                  const RepeatOptions& options);

}  // namespace pingan::cases
