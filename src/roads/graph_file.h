// The road graph on disk: DIR/roads.graph, written by `pingan import roads` and loaded by
// `pingan serve`. Layout in docs/roads.md. Loading rebuilds the CSR arrays (a counting sort,
// linear in the edges), which keeps the file small and its format independent of them.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "roads/road_graph.h"

namespace pingan::roads {

// The graph's file name inside a data directory.
inline constexpr std::string_view kRoadGraphFile = "roads.graph";

class GraphFile {
 public:
  // Writes `graph` to `path` atomically (temporary file, fsync, rename).
  static Status Save(const RoadGraph& graph, const std::string& path);
  // Reads a graph written by Save. Errors name the file and what is wrong (not a graph file,
  // newer format version, truncated, checksum mismatch).
  static Result<RoadGraph> Load(const std::string& path);
};

}  // namespace pingan::roads
