// The base map on a real network: cutting a vector tile from scratch (what a first visit to an
// area costs) against serving one from the cache (every later visit), and address search.
//
//   build/bench/map_bench [--benchmark_filter=...]      (map: PINGAN_BENCH_MAP or Malta)
#include <cstdlib>
#include <memory>

#include <benchmark/benchmark.h>

#include "map/address_search.h"
#include "map/places.h"
#include "map/vector_tiles.h"
#include "roads/osm_import.h"

namespace pingan::map {
namespace {

struct Fixture {
  std::shared_ptr<const roads::RoadGraph> graph;
  std::unique_ptr<VectorTiles> tiles;
  std::unique_ptr<AddressIndex> addresses;
  std::vector<std::array<uint32_t, 2>> z14;  // every z14 tile over the network
};

const Fixture& Map() {
  static Fixture* f = [] {
    const char* env = std::getenv("PINGAN_BENCH_MAP");
    std::string path = env ? env : std::string(PINGAN_SHARED_DATA) + "/maps/malta-2016.osm.pbf";
    auto graph = roads::ImportOsm(path);
    if (!graph) {
      std::fprintf(stderr, "%s\n", graph.error().message.c_str());
      std::exit(1);
    }
    auto places = ImportOsmPlaces(path);
    auto* fx = new Fixture;
    fx->graph = std::make_shared<const roads::RoadGraph>(std::move(*graph));
    fx->tiles = std::make_unique<VectorTiles>(fx->graph, places ? *places : std::vector<Place>{});
    fx->addresses =
        std::make_unique<AddressIndex>(*fx->graph, places ? *places : std::vector<Place>{});
    BoundingBox b = fx->graph->bounds();
    WorldXY lo = ToWorld({b.min_lon, b.max_lat}), hi = ToWorld({b.max_lon, b.min_lat});
    for (auto x = uint32_t(lo.x * (1 << 14)); x <= uint32_t(hi.x * (1 << 14)); ++x)
      for (auto y = uint32_t(lo.y * (1 << 14)); y <= uint32_t(hi.y * (1 << 14)); ++y)
        fx->z14.push_back({x, y});
    return fx;
  }();
  return *f;
}

// A tile cut from scratch, cycling over every z14 tile of the district.
void BM_TileBuild(benchmark::State& state) {
  const Fixture& f = Map();
  const int z = int(state.range(0));
  const int shift = 14 - z;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    auto [x, y] = f.z14[i++ % f.z14.size()];
    std::string tile = f.tiles->Build(z, shift >= 0 ? x >> shift : x << -shift,
                                      shift >= 0 ? y >> shift : y << -shift);
    bytes += tile.size();
    benchmark::DoNotOptimize(tile);
  }
  state.counters["bytes_per_tile"] = double(bytes) / double(state.iterations());
  state.counters["tiles_in_district_z14"] = double(f.z14.size());
}
BENCHMARK(BM_TileBuild)->Arg(12)->Arg(14)->Arg(16)->Unit(benchmark::kMicrosecond);

// The same tiles from the cache (the baseline: what a tile costs once cut).
void BM_TileCached(benchmark::State& state) {
  const Fixture& f = Map();
  for (const auto& [x, y] : f.z14) (void)f.tiles->Tile(14, x, y);
  size_t i = 0;
  for (auto _ : state) {
    auto [x, y] = f.z14[i++ % f.z14.size()];
    benchmark::DoNotOptimize(f.tiles->Tile(14, x, y));
  }
}
BENCHMARK(BM_TileCached)->Unit(benchmark::kMicrosecond);

void BM_AddressSearch(benchmark::State& state) {
  const Fixture& f = Map();
  const char* queries[] = {"triq", "Triq il-Kbira", "hospital", "Valletta", "st"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.addresses->Search(queries[i++ % 5], 10));
}
BENCHMARK(BM_AddressSearch)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pingan::map

BENCHMARK_MAIN();
