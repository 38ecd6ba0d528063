// The base map, drawn from the imported road network and places as Mapbox Vector Tiles (v2),
// so the console needs no map server and no outside host. Streets are merged into long lines
// per name and class inside each tile, so the browser can lay their names along them.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "map/places.h"
#include "roads/road_graph.h"

namespace pingan::map {

// Web Mercator in world units: x and y in [0, 1), y down (the XYZ tile scheme).
struct WorldXY {
  double x = 0, y = 0;
};
WorldXY ToWorld(LonLat p);

class VectorTiles {
 public:
  static constexpr int kMinZoom = 10;
  static constexpr int kMaxZoom = 16;  // the browser over-zooms beyond
  static constexpr int kExtent = 4096;
  static constexpr int kBuffer = 64;  // tile units drawn beyond each edge, so lines join

  VectorTiles(std::shared_ptr<const roads::RoadGraph> graph, std::vector<Place> places,
              size_t cache_tiles = 4096);
  ~VectorTiles();
  VectorTiles(const VectorTiles&) = delete;
  VectorTiles& operator=(const VectorTiles&) = delete;

  // The encoded tile; an empty string when the tile holds nothing or is outside the zoom
  // range. Safe from any thread; recent tiles come from a cache.
  std::shared_ptr<const std::string> Tile(int z, uint32_t x, uint32_t y) const;

  // Builds a tile without the cache (benchmarks, tests).
  std::string Build(int z, uint32_t x, uint32_t y) const;

  const std::vector<Place>& places() const { return places_; }
  const roads::RoadGraph& graph() const { return *graph_; }

  // The lowest zoom at which a road class is drawn (main roads first, footpaths last).
  static int MinZoom(roads::RoadClass c);

 private:
  static constexpr int kIndexZoom = 14;
  static uint64_t CellKey(uint32_t cx, uint32_t cy) { return (uint64_t(cx) << 32) | cy; }

  std::shared_ptr<const roads::RoadGraph> graph_;
  std::vector<Place> places_;
  std::vector<WorldXY> node_xy_;
  std::vector<WorldXY> place_xy_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> segment_cells_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> place_cells_;

  mutable std::mutex cache_mu_;
  size_t cache_capacity_;
  mutable std::list<uint64_t> lru_;  // most recent first
  struct Cached {
    std::shared_ptr<const std::string> tile;
    std::list<uint64_t>::iterator at;
  };
  mutable std::unordered_map<uint64_t, Cached> cache_;
};

}  // namespace pingan::map
