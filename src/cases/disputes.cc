#include "cases/disputes.h"

#include <algorithm>
#include <map>

namespace pingan::cases {

namespace {

using nlohmann::json;

void AddUnique(std::vector<std::string>& keys, std::string key) {
  if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
    keys.push_back(std::move(key));
  }
}

}  // namespace

DisputeDraft DraftDispute(std::span<const Incident* const> incidents, const std::string& reason,
                          const std::string& note) {
  std::vector<const Incident*> by_time(incidents.begin(), incidents.end());
  std::sort(by_time.begin(), by_time.end(), [](const Incident* a, const Incident* b) {
    return a->received_at != b->received_at ? a->received_at < b->received_at : a->id < b->id;
  });
  DisputeDraft draft;
  draft.incident_id = by_time.back()->id;
  json ids = json::array();
  std::vector<std::string> parties;
  std::vector<std::string> party_keys;
  // Address text by its key: how often, and the latest spelling.
  std::map<std::string, std::pair<std::size_t, std::string>> addresses;
  std::string best_address_key;
  for (const Incident* i : by_time) {
    ids.push_back(i->id);
    if (!i->station_id.empty()) draft.station_id = i->station_id;
    if (i->location && IsValid(*i->location)) draft.location = i->location;
    if (std::string key = NormalizeParty(i->caller_name);
        !key.empty() && std::find(party_keys.begin(), party_keys.end(), key) == party_keys.end()) {
      party_keys.push_back(std::move(key));
      parties.push_back(i->caller_name);
    }
    if (std::string key = NormalizeAddress(i->address); !key.empty()) {
      auto& [count, text] = addresses[key];
      ++count;
      text = i->address;
      // Later incidents win ties, so ">=".
      if (best_address_key.empty() || count >= addresses[best_address_key].first) {
        best_address_key = key;
      }
    }
  }
  draft.fields = {{"incident_ids", std::move(ids)},
                  {"reason", reason},
                  {"address", best_address_key.empty() ? "" : addresses[best_address_key].second},
                  {"party_names", parties}};
  if (!note.empty()) draft.fields["note"] = note;
  return draft;
}

std::vector<IncidentId> CaseIncidentIds(const CaseRecord& record) {
  std::vector<IncidentId> ids;
  if (record.incident_id > 0) ids.push_back(record.incident_id);
  if (record.fields.is_object()) {
    auto it = record.fields.find("incident_ids");
    if (it != record.fields.end() && it->is_array()) {
      for (const json& id : *it) {
        if (id.is_number_integer() && id.get<IncidentId>() > 0) ids.push_back(id.get<IncidentId>());
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

DisputeSubject DisputeSubjectOf(const CaseRecord& dispute,
                                const std::function<const Incident*(IncidentId)>& find,
                                const RepeatOptions& options, TimePoint now) {
  DisputeSubject s;
  s.linked = CaseIncidentIds(dispute);
  TimePoint earliest = dispute.opened_at;
  if (dispute.location && IsValid(*dispute.location)) s.locations.push_back(*dispute.location);
  AddUnique(s.addresses, NormalizeAddress(FieldText(dispute.fields, "address")));
  if (dispute.fields.is_object()) {
    auto parties = dispute.fields.find("party_names");
    if (parties != dispute.fields.end() && parties->is_array()) {
      for (const json& p : *parties) {
        if (p.is_string()) AddUnique(s.parties, NormalizeParty(p.get<std::string>()));
      }
    }
  }
  for (IncidentId id : s.linked) {
    const Incident* i = find ? find(id) : nullptr;
    if (i == nullptr) continue;
    earliest = std::min(earliest, i->received_at);
    if (i->location && IsValid(*i->location)) s.locations.push_back(*i->location);
    AddUnique(s.addresses, NormalizeAddress(i->address));
    AddUnique(s.phones, NormalizePhone(i->caller_phone));
    AddUnique(s.parties, NormalizeParty(i->caller_name));
  }
  s.from = earliest - std::chrono::duration_cast<std::chrono::milliseconds>(options.window);
  s.to = now;
  if (dispute.closed_at) {
    s.to = std::min(now, *dispute.closed_at +
                             std::chrono::duration_cast<std::chrono::milliseconds>(options.window));
  }
  return s;
}

std::vector<RelatedIncident> FindRelatedIncidents(const DisputeSubject& dispute,
                                                  std::span<const RepeatSubject> subjects,
                                                  const RepeatOptions& options) {
  struct Found {
    RelatedIncident related;
    TimePoint at;
  };
  std::vector<Found> found;
  for (const RepeatSubject& s : subjects) {
    const bool is_linked = std::binary_search(dispute.linked.begin(), dispute.linked.end(), s.id);
    if (!is_linked && (s.at < dispute.from || s.at > dispute.to)) continue;
    RelatedIncident r;
    r.id = s.id;
    r.is_linked = is_linked;
    if (options.by_place) {
      bool at_place = false;
      if (s.location && IsValid(*s.location)) {
        at_place = std::any_of(dispute.locations.begin(), dispute.locations.end(), [&](LonLat p) {
          return DistanceM(p, *s.location) <= options.distance_m;
        });
      }
      if (!at_place && !dispute.addresses.empty()) {
        const std::string key = NormalizeAddress(s.address);
        at_place = !key.empty() && std::find(dispute.addresses.begin(), dispute.addresses.end(),
                                             key) != dispute.addresses.end();
      }
      if (at_place) r.reasons.push_back(RepeatReason::kPlace);
    }
    if (options.by_phone && !dispute.phones.empty()) {
      const std::string key = NormalizePhone(s.caller_phone);
      if (!key.empty() &&
          std::find(dispute.phones.begin(), dispute.phones.end(), key) != dispute.phones.end()) {
        r.reasons.push_back(RepeatReason::kPhone);
      }
    }
    if (options.by_parties && !dispute.parties.empty()) {
      const bool shares =
          std::any_of(s.parties.begin(), s.parties.end(), [&](const std::string& p) {
            const std::string key = NormalizeParty(p);
            return !key.empty() && std::find(dispute.parties.begin(), dispute.parties.end(), key) !=
                                       dispute.parties.end();
          });
      if (shares) r.reasons.push_back(RepeatReason::kParty);
    }
    if (r.reasons.empty() && !is_linked) continue;
    found.push_back({std::move(r), s.at});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.at != b.at ? a.at > b.at : a.related.id > b.related.id;
  });
  std::vector<RelatedIncident> out;
  out.reserve(found.size());
  for (Found& f : found) out.push_back(std::move(f.related));
  return out;
}

}  // namespace pingan::cases
