// Visibility (见警率): was a unit where it mattered, when it mattered? From GPS tracks, the
// share of targets — the day's top-risk cell-hours, key areas at their busy hours, school posts
// (护学岗) at the bell — that had police present within a radius for a minimum time.
//
// Pure computation: tracks and targets in, seconds of presence and shares out. Reading the
// tracks, the risk map and the places is the caller's (api/risk_layer.h puts a day together).
// Definitions, defaults and the CLI/API are in docs/patrol.md, "Visibility".
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/geo.h"

namespace pingan::patrol {

// One GPS fix: `t` in seconds of any epoch (the same for tracks and targets), WGS84.
struct Fix {
  double t = 0;
  LonLat at;
};
// One unit's fixes, sorted by t.
using Track = std::vector<Fix>;

// A place and time at which presence is wanted.
struct Target {
  std::string id;          // for the caller; not interpreted
  std::string kind;        // "risk_cell", "key_area", "school_post"
  std::string station_id;  // 派出所 the target belongs to; empty: none (district rows only)
  LonLat at;
  double radius_m = 150;        // present: within this distance of `at`
  double from = 0, to = 0;      // the window [from, to), seconds in the tracks' epoch
  double min_presence_s = 300;  // covered: present at least this long within the window
};

struct PresenceOptions {
  // Consecutive fixes of a unit further apart than this are not joined: the terminal was off
  // or out of coverage, and nothing is assumed about where the unit was in between.
  double max_gap_s = 180;
};

// For each target, the seconds of its window during which at least one unit was within its
// radius: the union over units, not the sum (two units together for 5 minutes give 300 s).
// A unit moves in a straight line at constant speed between consecutive fixes (at most
// `options.max_gap_s` apart); entering and leaving a circle is solved exactly on a local
// metric plane (equirectangular around the targets, well under 1 % off over a city). A single
// fix, or fixes with the same time, span no time. Segments partly outside a window count only
// inside it. Targets are indexed in a coarse grid, so each segment is tested against the few
// targets near it: a district day (hundreds of units, a fix every 10–30 s, thousands of
// targets) takes well under a second. REQUIRES: each track sorted by t (segments running
// backwards in time are skipped).
std::vector<double> PresenceSeconds(const std::vector<Track>& tracks,
                                    const std::vector<Target>& targets,
                                    const PresenceOptions& options = {});

// The share of covered targets (presence ≥ min_presence_s) for one station and kind.
struct VisibilityRow {
  std::string station_id;  // empty: the whole district
  std::string kind;
  int targets = 0, covered = 0;
  double share = 0;  // covered / targets
};

// One row per (station, kind) with at least one target, plus per kind one row with an empty
// station_id for the whole district (which also counts targets of no station). Sorted by
// station_id then kind, so the district rows come first. REQUIRES: presence.size() ==
// targets.size().
std::vector<VisibilityRow> Summarise(const std::vector<Target>& targets,
                                     const std::vector<double>& presence);

// ---------------------------------------------------------------------------------------------
// The targets of a day.

// The risk map of one day on square cells: expected incidents per cell and hour.
struct DayRisk {
  double cell_m = 150;
  std::vector<LonLat> centre;               // per cell of the study area
  std::vector<std::vector<double>> hourly;  // [hour 0–23][cell]: expected incidents
};

// A named place (map/places.h) that may carry a duty.
struct KeyPlace {
  std::string name;
  std::string kind;  // school, mall, night_market, transport, …
  LonLat at;
};

// Presence wanted at every place of one kind during a daily window.
struct PlaceDuty {
  std::string place_kind;   // "school"
  std::string target_kind;  // "school_post" or "key_area"
  int from_minute = 0;      // local minutes after midnight, [from, to)
  int to_minute = 0;
  double radius_m = 150;
  double min_presence_s = 600;
};

// School posts (护学岗) at the morning and afternoon bell, 07:30–08:30 and 16:30–17:30, within
// 100 m; key areas at their crowds: night markets 19:00–23:00, malls 18:00–21:00, transport hubs
// 07:00–09:00 and 17:00–19:00, within 150 m. Each wants 10 minutes of presence.
std::vector<PlaceDuty> DefaultPlaceDuties();

struct DayTargetOptions {
  double top_percent = 5;       // risk cells: the hottest share of the study area, each hour
  double radius_m = 150;        // risk cells: at least the cell's half-diagonal (106 m at 150 m)
  double min_presence_s = 300;  // risk cells
  std::vector<PlaceDuty> duties = DefaultPlaceDuties();
};

// Where a point belongs: its station id, or empty.
using StationOf = std::function<std::string(LonLat)>;

// For each hour of the day, the cells among the hottest `top_percent` % of the study area
// (cells with no risk never count; ties go to the lower cell index), each a target at its
// centre for that hour, `day_start` the local midnight in the tracks' epoch. Ids are
// "cell:INDEX@HH".
std::vector<Target> RiskCellTargets(double day_start, const DayRisk& risk,
                                    const StationOf& station_of, const DayTargetOptions& options);

// One target per place and duty of its kind, ids "KIND:NAME@HH:MM".
std::vector<Target> PlaceTargets(double day_start, const std::vector<KeyPlace>& places,
                                 const StationOf& station_of, const DayTargetOptions& options);

}  // namespace pingan::patrol
