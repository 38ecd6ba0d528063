// The base map: vector tiles decoded back and checked, address search, places, static files.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <protozero/pbf_reader.hpp>

#include "api/static_files.h"
#include "map/address_search.h"
#include "map/places.h"
#include "map/vector_tiles.h"
#include "support/temp_dir.h"

namespace pingan::map {
namespace {

using roads::RoadClass;
using roads::RoadGraph;
using roads::Segment;

// A decoded MVT feature: its tags as strings and its geometry as parts of points.
struct Feature {
  int type = 0;
  std::map<std::string, std::string> tags;
  std::vector<std::vector<std::pair<int, int>>> parts;
};
struct Layer {
  std::string name;
  uint32_t version = 0, extent = 0;
  std::vector<Feature> features;
};

std::vector<Layer> Decode(const std::string& tile) {
  std::vector<Layer> layers;
  protozero::pbf_reader t(tile);
  while (t.next(3)) {
    protozero::pbf_reader l = t.get_message();
    Layer layer;
    std::vector<std::string> keys, values;
    std::vector<std::pair<std::vector<uint32_t>, std::pair<int, std::vector<uint32_t>>>> raw;
    while (l.next()) {
      switch (l.tag()) {
        case 15: layer.version = l.get_uint32(); break;
        case 1: layer.name = l.get_string(); break;
        case 3: keys.push_back(l.get_string()); break;
        case 4: {
          protozero::pbf_reader v = l.get_message();
          while (v.next(1)) values.push_back(v.get_string());
          break;
        }
        case 5: layer.extent = l.get_uint32(); break;
        case 2: {
          protozero::pbf_reader f = l.get_message();
          std::vector<uint32_t> tags, geometry;
          int type = 0;
          while (f.next()) {
            if (f.tag() == 2) {
              auto r = f.get_packed_uint32();
              tags.assign(r.begin(), r.end());
            } else if (f.tag() == 3) {
              type = f.get_enum();
            } else if (f.tag() == 4) {
              auto r = f.get_packed_uint32();
              geometry.assign(r.begin(), r.end());
            } else {
              f.skip();
            }
          }
          raw.push_back({tags, {type, geometry}});
          break;
        }
        default: l.skip();
      }
    }
    for (const auto& [tags, typed] : raw) {
      Feature f;
      f.type = typed.first;
      for (size_t i = 0; i + 1 < tags.size(); i += 2)
        f.tags[keys.at(tags[i])] = values.at(tags[i + 1]);
      const auto& g = typed.second;
      int x = 0, y = 0;
      for (size_t i = 0; i < g.size();) {
        uint32_t command = g[i] & 7, count = g[i] >> 3;
        ++i;
        if (command == 1) f.parts.emplace_back();
        for (uint32_t k = 0; k < count; ++k) {
          auto unzig = [](uint32_t n) { return int((n >> 1) ^ -(n & 1)); };
          x += unzig(g[i]);
          y += unzig(g[i + 1]);
          i += 2;
          f.parts.back().push_back({x, y});
        }
      }
      layer.features.push_back(std::move(f));
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

// The centre of the z14 tile holding 117.2 E 31.8 N (about 2 km across).
LonLat TileCentre() {
  WorldXY w = ToWorld({117.2, 31.8});
  const double n = 1 << 14;
  double x = (std::floor(w.x * n) + 0.5) / n, y = (std::floor(w.y * n) + 0.5) / n;
  const double pi = 3.14159265358979;
  return {x * 360 - 180, std::atan(std::sinh(pi * (1 - 2 * y))) * 180 / pi};
}

// Two streets crossing at node 2 (the centre of a z14 tile): 人民路 east–west in four pieces (a
// primary road) and 文化路 north–south (residential), 100 m per piece.
std::shared_ptr<const RoadGraph> CrossGraph() {
  const LonLat c = TileCentre();
  const double dlon = 100 / (111'320 * std::cos(c.lat * 3.14159265358979 / 180)),
               dlat = 100 / 111'320.0;
  std::vector<LonLat> nodes;
  for (int i = 0; i < 5; ++i) nodes.push_back({c.lon + (i - 2) * dlon, c.lat});  // 0..4
  nodes.push_back({c.lon, c.lat + dlat});                                        // 5 north
  nodes.push_back({c.lon, c.lat - dlat});                                        // 6 south
  std::vector<std::string> names = {"", "人民路", "文化路", "Main St"};
  std::vector<Segment> segments;
  for (uint32_t i = 0; i < 4; ++i)
    segments.push_back({i, i + 1, 100, 1, uint8_t(RoadClass::kPrimary), 0});
  segments.push_back({5, 2, 100, 2, uint8_t(RoadClass::kResidential), 0});
  segments.push_back({2, 6, 100, 2, uint8_t(RoadClass::kResidential), 0});
  std::array<std::vector<std::array<uint32_t, 2>>, roads::kModeCount> times;
  for (auto& t : times) t.assign(segments.size(), {10'000, 10'000});
  return std::make_shared<const RoadGraph>(std::move(nodes), std::move(segments), std::move(names),
                                           std::move(times));
}

std::array<uint32_t, 2> TileOf(LonLat p, int z) {
  WorldXY w = ToWorld(p);
  return {uint32_t(w.x * (1u << z)), uint32_t(w.y * (1u << z))};
}

TEST(VectorTiles, StreetsAreMergedIntoOneLinePerNameWithTheirTags) {
  auto graph = CrossGraph();
  LonLat school = {graph->node(3).lon, graph->node(5).lat};
  VectorTiles tiles(graph, {{"实验小学", "school", school}});
  auto [x, y] = TileOf(graph->node(2), 14);
  auto layers = Decode(*tiles.Tile(14, x, y));
  ASSERT_GE(layers.size(), 1u);
  const Layer& roads = layers[0];
  EXPECT_EQ(roads.name, "roads");
  EXPECT_EQ(roads.version, 2u);
  EXPECT_EQ(roads.extent, 4096u);
  std::map<std::string, const Feature*> by_name;
  for (const Feature& f : roads.features) by_name[f.tags.at("name")] = &f;
  ASSERT_EQ(by_name.size(), 2u);
  // 人民路's four pieces are one line of five points (within the buffered tile).
  const Feature& renmin = *by_name.at("人民路");
  EXPECT_EQ(renmin.type, 2);
  EXPECT_EQ(renmin.tags.at("class"), "primary");
  size_t points = 0;
  for (const auto& part : renmin.parts) points += part.size();
  EXPECT_EQ(renmin.parts.size(), 1u);
  EXPECT_EQ(points, 5u);
  // 文化路 runs north–south: x constant, y decreasing northwards (tile y grows southwards).
  const Feature& wenhua = *by_name.at("文化路");
  ASSERT_EQ(wenhua.parts.size(), 1u);
  ASSERT_EQ(wenhua.parts[0].size(), 3u);
  EXPECT_NEAR(wenhua.parts[0][0].first, wenhua.parts[0][2].first, 1);
  EXPECT_NE(wenhua.parts[0][0].second, wenhua.parts[0][2].second);
  // Every coordinate is inside the tile plus its buffer.
  for (const Feature& f : roads.features)
    for (const auto& part : f.parts)
      for (auto [px, py] : part) {
        EXPECT_GE(px, -VectorTiles::kBuffer);
        EXPECT_LE(px, VectorTiles::kExtent + VectorTiles::kBuffer);
        EXPECT_GE(py, -VectorTiles::kBuffer);
        EXPECT_LE(py, VectorTiles::kExtent + VectorTiles::kBuffer);
      }
  // The school is in the places layer with its kind.
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[1].name, "places");
  ASSERT_EQ(layers[1].features.size(), 1u);
  EXPECT_EQ(layers[1].features[0].type, 1);
  EXPECT_EQ(layers[1].features[0].tags.at("name"), "实验小学");
  EXPECT_EQ(layers[1].features[0].tags.at("kind"), "school");
}

TEST(VectorTiles, MinorRoadsAppearOnlyWhenZoomedIn) {
  auto graph = CrossGraph();
  VectorTiles tiles(graph, {});
  auto [x, y] = TileOf(graph->node(2), 12);
  auto layers = Decode(*tiles.Tile(12, x, y));
  ASSERT_EQ(layers.size(), 1u);
  ASSERT_EQ(layers[0].features.size(), 1u);
  EXPECT_EQ(layers[0].features[0].tags.at("name"),
            "人民路");  // the residential street waits for z13
  EXPECT_EQ(VectorTiles::MinZoom(RoadClass::kResidential), 13);
}

TEST(VectorTiles, ClipsLongLinesAtTheTileEdgeAndLeavesFarTilesEmpty) {
  auto graph = CrossGraph();
  VectorTiles tiles(graph, {});
  // At z19 a tile is about 60 m wide: 人民路 (400 m) crosses it and must be cut at the buffer.
  auto [x, y] = TileOf(graph->node(2), 19);
  auto layers = Decode(tiles.Build(19, x, y));
  ASSERT_FALSE(layers.empty());
  for (const Feature& f : layers[0].features)
    for (const auto& part : f.parts)
      for (auto [px, py] : part) {
        EXPECT_GE(px, -VectorTiles::kBuffer);
        EXPECT_LE(px, VectorTiles::kExtent + VectorTiles::kBuffer);
      }
  auto far = TileOf({0.5, 0.5}, 16);
  EXPECT_TRUE(tiles.Tile(16, far[0], far[1])->empty());
  EXPECT_TRUE(tiles.Tile(5, 0, 0)->empty());          // below the served zooms
  EXPECT_TRUE(tiles.Tile(16, 1u << 16, 0)->empty());  // outside the level
}

TEST(AddressSearch, FindsStreetsPlacesAndCrossings) {
  auto graph = CrossGraph();
  AddressIndex index(
      *graph, {{"实验小学", "school", graph->node(5)}, {"人民医院", "hospital", graph->node(6)}});
  auto hits = index.Search("人民", 10);
  ASSERT_GE(hits.size(), 2u);
  // Both start with the query; the place comes before the street of the same rank.
  EXPECT_EQ(hits[0].name, "人民医院");
  EXPECT_EQ(hits[1].name, "人民路");
  EXPECT_EQ(hits[1].kind, "street");
  // The street's point lies on the street (one of its nodes).
  EXPECT_NEAR(hits[1].at.lat, graph->node(0).lat, 1e-9);

  auto exact = index.Search("人民路", 10);
  ASSERT_FALSE(exact.empty());
  EXPECT_EQ(exact[0].name, "人民路");

  for (std::string q : {"人民路与文化路", "人民路和文化路交叉口", "文化路 & 人民路"}) {
    auto crossing = index.Search(q, 5);
    ASSERT_FALSE(crossing.empty()) << q;
    EXPECT_EQ(crossing[0].kind, "intersection") << q;
    EXPECT_EQ(crossing[0].at, graph->node(2)) << q;
  }
  EXPECT_TRUE(index.Search("长江路", 5).empty());
  EXPECT_TRUE(index.Search("人民", 0).empty());
}

TEST(AddressSearch, LatinNamesMatchWhateverTheCase) {
  std::vector<LonLat> nodes = {{0, 0}, {0.001, 0}};
  std::vector<Segment> segments = {{0, 1, 100, 1, uint8_t(RoadClass::kResidential), 0}};
  std::array<std::vector<std::array<uint32_t, 2>>, roads::kModeCount> times;
  for (auto& t : times) t.assign(1, {1000, 1000});
  RoadGraph graph(nodes, segments, {"", "Main Street"}, times);
  AddressIndex index(graph, {});
  auto hits = index.Search("  MAIN   street ", 5);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].name, "Main Street");
  EXPECT_EQ(index.Search("street main", 5).size(), 1u);  // every word, any order
  EXPECT_EQ(FoldForSearch(" A  B "), "a b");
}

TEST(Places, KindsFromOsmTags) {
  EXPECT_EQ(PlaceKindFromTags("school", nullptr, nullptr, nullptr, nullptr, nullptr, "x"),
            "school");
  EXPECT_EQ(
      PlaceKindFromTags("marketplace", nullptr, nullptr, nullptr, nullptr, nullptr, "胜利路夜市"),
      "night_market");
  EXPECT_EQ(
      PlaceKindFromTags("marketplace", nullptr, nullptr, nullptr, nullptr, nullptr, "农贸市场"),
      "market");
  EXPECT_EQ(PlaceKindFromTags(nullptr, "mall", nullptr, nullptr, nullptr, nullptr, "x"), "mall");
  EXPECT_EQ(PlaceKindFromTags(nullptr, nullptr, nullptr, nullptr, "station", nullptr, "x"),
            "transport");
  EXPECT_EQ(PlaceKindFromTags("bench", nullptr, nullptr, nullptr, nullptr, nullptr, "x"), "");
}

TEST(Places, SaveLoadRoundTripAndErrorsNameTheFeature) {
  test::TempDir dir;
  std::vector<Place> places = {{"实验小学", "school", {117.2, 31.8}},
                               {"Mall \"A\"", "mall", {1, 2}}};
  ASSERT_TRUE(SavePlaces(dir.File("p.geojson"), places));
  auto loaded = LoadPlaces(dir.File("p.geojson"));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, places);
  auto missing = LoadPlaces(dir.File("none.geojson"));
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->empty());
  std::ofstream(dir.File("bad.geojson"))
      << R"({"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"ok"}},{"type":"Feature","geometry":{"type":"Point","coordinates":[500,2]},"properties":{"name":"far"}}]})";
  auto bad = LoadPlaces(dir.File("bad.geojson"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "features[1]");
}

TEST(StaticFiles, ServesTheConsoleAndRefusesToLeaveItsFolder) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.File("assets"));
  std::ofstream(dir.File("index.html")) << "<html>console</html>";
  std::ofstream(dir.File("assets/worker-abc.mjs")) << "export {}";
  std::ofstream(dir.path() + "/../pingan-secret-test") << "secret";
  auto index = api::ServeStaticFile(dir.path(), "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<html>console</html>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  auto worker = api::ServeStaticFile(dir.path(), "/assets/worker-abc.mjs");
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->content_type, "text/javascript; charset=utf-8");  // module workers need it
  bool immutable = false;
  for (const auto& [k, v] : worker->headers) immutable |= v.find("immutable") != std::string::npos;
  EXPECT_TRUE(immutable);
  EXPECT_FALSE(api::ServeStaticFile(dir.path(), "/../pingan-secret-test"));
  EXPECT_FALSE(api::ServeStaticFile(dir.path(), "/assets/../../pingan-secret-test"));
  EXPECT_FALSE(api::ServeStaticFile(dir.path(), "/missing.js"));
  EXPECT_FALSE(api::ServeStaticFile("", "/"));
  std::filesystem::remove(dir.path() + "/../pingan-secret-test");
}

}  // namespace
}  // namespace pingan::map
