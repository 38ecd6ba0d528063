// Builds a RoadGraph from an OpenStreetMap extract (.osm.pbf, .osm, .osm.gz, .osm.bz2) with
// libosmium. Which ways each mode may use, in which direction and how fast is decided by the
// travel profile in osm_import.cc (documented in docs/roads.md).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "roads/road_graph.h"

namespace pingan::roads {

struct ImportReport {
  uint64_t ways_read = 0;
  uint64_t ways_routable = 0;
  uint64_t nodes_needed = 0;
  uint64_t node_refs_missing = 0;  // segments dropped: a node is missing (clipped extracts)
  uint64_t segments = 0;
  uint64_t segments_too_long = 0;  // dropped: a "segment" over 50 km is a broken way
};

// Reads `path` and builds the graph. Errors name the file. Ways that reference nodes missing
// from the file are cut at the missing node and the pieces kept (city extracts clip ways at
// their edge). Unsorted files and negative ids (JOSM output) are fine.
Result<RoadGraph> ImportOsm(const std::string& path, ImportReport* report = nullptr);

}  // namespace pingan::roads
