#include <algorithm>
#include <cmath>
#include <fstream>
#include <queue>
#include <random>

#include <gtest/gtest.h>

#include "roads/graph_file.h"
#include "roads/osm_import.h"
#include "roads/road_graph.h"
#include "roads/road_snapper.h"
#include "roads/travel_times.h"
#include "support/temp_dir.h"

namespace pingan::roads {
namespace {

const std::string kMaps = std::string(PINGAN_SHARED_DATA) + "/maps/";

// The textbook algorithm over a plain adjacency list built straight from the segments, to
// check the CSR graph and the backward search against.
std::vector<uint64_t> ReferenceDijkstra(const RoadGraph& g, TravelMode mode, NodeIndex from) {
  std::vector<std::vector<std::pair<NodeIndex, uint32_t>>> adj(g.node_count());
  for (SegmentIndex s = 0; s < g.segment_count(); ++s) {
    auto t = g.time_ms(mode, s);
    if (t[0]) adj[g.segment(s).from].push_back({g.segment(s).to, t[0]});
    if (t[1]) adj[g.segment(s).to].push_back({g.segment(s).from, t[1]});
  }
  std::vector<uint64_t> dist(g.node_count(), UINT64_MAX);
  using Item = std::pair<uint64_t, NodeIndex>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  dist[from] = 0;
  q.push({0, from});
  while (!q.empty()) {
    auto [d, u] = q.top();
    q.pop();
    if (d != dist[u]) continue;
    for (auto [v, w] : adj[u]) {
      if (d + w < dist[v]) {
        dist[v] = d + w;
        q.push({d + w, v});
      }
    }
  }
  return dist;
}

// A snap exactly at node `n`, on any segment touching it (direction does not matter at an end).
std::optional<Snap> SnapAtNode(const RoadGraph& g, NodeIndex n) {
  for (SegmentIndex s = 0; s < g.segment_count(); ++s) {
    if (g.segment(s).from == n) return Snap{s, 0, g.node(n), 0};
    if (g.segment(s).to == n) return Snap{s, 1, g.node(n), 0};
  }
  return std::nullopt;
}

// A random road graph: a jittered grid with random one-ways, speeds and closures.
RoadGraph RandomGraph(uint32_t seed, int side) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(-0.0002, 0.0002);
  std::vector<LonLat> nodes;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      nodes.push_back({120 + x * 0.001 + jitter(rng), 30 + y * 0.001 + jitter(rng)});
  std::vector<Segment> segments;
  std::array<std::vector<std::array<uint32_t, 2>>, kModeCount> times;
  std::uniform_int_distribution<int> pick(0, 9);
  auto add = [&](NodeIndex a, NodeIndex b) {
    float len = float(DistanceM(nodes[a], nodes[b]));
    segments.push_back({a, b, len, 0, 0, 0});
    for (int m = 0; m < kModeCount; ++m) {
      int r = pick(rng);
      uint32_t t = uint32_t(len / (2 + pick(rng)) * 1000) + 1;
      times[m].push_back({r == 0 ? 0u : t, r == 1 ? 0u : (r == 2 ? t * 2 : t)});
    }
  };
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      NodeIndex n = NodeIndex(y * side + x);
      if (x + 1 < side) add(n, n + 1);
      if (y + 1 < side) add(n, n + NodeIndex(side));
      if (x + 1 < side && y + 1 < side && pick(rng) == 0) add(n, n + NodeIndex(side) + 1);
    }
  }
  return RoadGraph(nodes, segments, {""}, times);
}

void ExpectMatchesReference(const RoadGraph& g, TravelMode mode, int pairs, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<NodeIndex> node(0, NodeIndex(g.node_count() - 1));
  TravelTimes search(g, mode);
  int compared = 0, reachable = 0;
  for (int source_round = 0; compared < pairs; ++source_round) {
    NodeIndex from = node(rng);
    auto from_snap = SnapAtNode(g, from);
    if (!from_snap) continue;
    std::vector<uint64_t> reference = ReferenceDijkstra(g, mode, from);
    for (int k = 0; k < 50 && compared < pairs; ++k, ++compared) {
      NodeIndex to = node(rng);
      auto to_snap = SnapAtNode(g, to);
      ASSERT_TRUE(to_snap);
      auto arrival = search.Between(*from_snap, *to_snap, false);
      if (reference[to] == UINT64_MAX) {
        EXPECT_FALSE(arrival) << from << "->" << to;
      } else {
        ++reachable;
        ASSERT_TRUE(arrival) << from << "->" << to;
        EXPECT_EQ(arrival->time_ms, reference[to]) << from << "->" << to;
      }
    }
  }
  EXPECT_GT(reachable, pairs / 4) << "too few reachable pairs to mean anything";
}

TEST(TravelTimes, EqualPlainDijkstraOnRandomGraphs) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    RoadGraph g = RandomGraph(seed, 30);
    for (TravelMode mode : {TravelMode::kCar, TravelMode::kFoot})
      ExpectMatchesReference(g, mode, 400, seed);
  }
}

// Mid-segment and same-segment positions, against plain Dijkstra on the graph split at the
// two points (in doubles: the search rounds each partial segment to whole milliseconds).
double SplitGraphReference(const RoadGraph& g, TravelMode mode, const Snap& from, const Snap& to) {
  const size_t n = g.node_count(), vs = n, vt = n + 1;
  std::vector<std::vector<std::pair<size_t, double>>> adj(n + 2);
  for (SegmentIndex s = 0; s < g.segment_count(); ++s) {
    auto t = g.time_ms(mode, s);
    std::vector<std::pair<double, size_t>> points = {{0.0, g.segment(s).from}};
    if (from.segment == s) points.push_back({from.fraction, vs});
    if (to.segment == s) points.push_back({to.fraction, vt});
    points.push_back({1.0, g.segment(s).to});
    std::stable_sort(points.begin() + 1, points.end() - 1);
    for (size_t i = 0; i + 1 < points.size(); ++i) {
      double part = points[i + 1].first - points[i].first;
      if (t[0] || part == 0) adj[points[i].second].push_back({points[i + 1].second, part * t[0]});
      if (t[1] || part == 0) adj[points[i + 1].second].push_back({points[i].second, part * t[1]});
    }
  }
  std::vector<double> d(n + 2, INFINITY);
  using Item = std::pair<double, size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  d[vs] = 0;
  q.push({0, vs});
  while (!q.empty()) {
    auto [du, u] = q.top();
    q.pop();
    if (du != d[u]) continue;
    for (auto [v, w] : adj[u]) {
      if (du + w < d[v]) {
        d[v] = du + w;
        q.push({d[v], v});
      }
    }
  }
  return d[vt];
}

TEST(TravelTimes, MidSegmentAndSameSegmentPositionsMatchASplitGraph) {
  int same_segment = 0, reachable = 0;
  for (uint32_t seed = 1; seed <= 2; ++seed) {
    RoadGraph g = RandomGraph(seed, 15);
    std::mt19937 rng(seed * 77);
    for (TravelMode mode : {TravelMode::kCar, TravelMode::kFoot}) {
      TravelTimes search(g, mode);
      std::vector<SegmentIndex> usable;
      for (SegmentIndex s = 0; s < g.segment_count(); ++s) {
        if (g.segment(s).mode_mask & (1u << ModeSlot(mode))) usable.push_back(s);
      }
      std::uniform_int_distribution<size_t> pick(0, usable.size() - 1);
      std::uniform_real_distribution<double> fraction(0, 1);
      std::uniform_int_distribution<int> coin(0, 9);
      auto snap = [&](SegmentIndex s) {
        int c = coin(rng);
        return Snap{s, c == 0 ? 0.0 : c == 1 ? 1.0 : fraction(rng), {}, 0};
      };
      for (int i = 0; i < 1000; ++i) {
        Snap to = snap(usable[pick(rng)]);
        Snap from = coin(rng) < 3 ? snap(to.segment) : snap(usable[pick(rng)]);
        same_segment += from.segment == to.segment;
        double expected = SplitGraphReference(g, mode, from, to);
        auto got = search.Between(from, to, false);
        if (std::isinf(expected)) {
          EXPECT_FALSE(got);
          continue;
        }
        ++reachable;
        ASSERT_TRUE(got) << from.segment << "@" << from.fraction << " -> " << to.segment << "@"
                         << to.fraction;
        EXPECT_NEAR(double(got->time_ms), expected, 2.01)
            << from.segment << "@" << from.fraction << " -> " << to.segment << "@" << to.fraction;
      }
    }
  }
  EXPECT_GT(same_segment, 500);
  EXPECT_GT(reachable, 2000);
}

class PortlandRoads : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto g = ImportOsm(kMaps + "portland-central-2015.osm.pbf", &report_);
    ASSERT_TRUE(g) << g.error().message;
    graph_ = new RoadGraph(std::move(*g));
  }
  static void TearDownTestSuite() { delete graph_; }
  static RoadGraph* graph_;
  static ImportReport report_;
};
RoadGraph* PortlandRoads::graph_ = nullptr;
ImportReport PortlandRoads::report_;

TEST_F(PortlandRoads, ImportsAnUnsortedFileWithNegativeIds) {
  EXPECT_GT(graph_->node_count(), 10000u);
  EXPECT_GT(graph_->edge_count(TravelMode::kCar), 10000u);
  EXPECT_GT(graph_->edge_count(TravelMode::kFoot), graph_->edge_count(TravelMode::kCar) / 2);
  EXPECT_GT(report_.ways_routable, 1000u);
  size_t named = 0;
  for (const Segment& s : graph_->segments()) named += s.name != 0;
  EXPECT_GT(named, graph_->segment_count() / 2) << "street names are kept";
  EXPECT_NE(std::find(graph_->names().begin(), graph_->names().end(), "Southwest Broadway"),
            graph_->names().end());
}

TEST_F(PortlandRoads, AccessRulesKeepModesApart) {
  size_t footways = 0, motorways = 0, oneway_car = 0;
  for (SegmentIndex s = 0; s < graph_->segment_count(); ++s) {
    auto rc = RoadClass(graph_->segment(s).road_class);
    auto car = graph_->time_ms(TravelMode::kCar, s);
    auto foot = graph_->time_ms(TravelMode::kFoot, s);
    if (rc == RoadClass::kFootway) {
      ++footways;
      EXPECT_EQ(car[0] + car[1], 0u) << "no cars on footways";
    }
    if (rc == RoadClass::kMotorway) {
      ++motorways;
      EXPECT_EQ(foot[0] + foot[1], 0u) << "no walking on motorways";
    }
    if ((car[0] == 0) != (car[1] == 0)) {
      ++oneway_car;
      EXPECT_TRUE((foot[0] != 0 && foot[1] != 0) || foot[0] + foot[1] == 0)
          << "one-way streets are two-way on foot";
    }
  }
  EXPECT_GT(footways, 100u);
  EXPECT_GT(motorways, 10u);
  EXPECT_GT(oneway_car, 1000u) << "downtown Portland is full of one-way streets";
}

TEST_F(PortlandRoads, TravelTimesEqualPlainDijkstra) {
  ExpectMatchesReference(*graph_, TravelMode::kCar, 1000, 7);
  ExpectMatchesReference(*graph_, TravelMode::kFoot, 1000, 8);
}

TEST_F(PortlandRoads, SnapFindsTheSameSegmentDistanceAsAScan) {
  RoadSnapper snapper(*graph_);
  std::mt19937 rng(3);
  BoundingBox b = graph_->bounds();
  std::uniform_real_distribution<double> lon(b.min_lon, b.max_lon), lat(b.min_lat, b.max_lat);
  for (int i = 0; i < 300; ++i) {
    LonLat p{lon(rng), lat(rng)};
    for (TravelMode mode : {TravelMode::kCar, TravelMode::kFoot}) {
      auto snap = snapper.Nearest(p, mode);
      ASSERT_TRUE(snap);
      // Brute force over every usable segment, by dense sampling of each segment.
      double best = INFINITY;
      for (const Segment& s : graph_->segments()) {
        if (!(s.mode_mask & (1u << ModeSlot(mode)))) continue;
        LonLat a = graph_->node(s.from), c = graph_->node(s.to);
        if (DistanceM(p, a) - s.length_m > best) continue;
        for (int k = 0; k <= 64; ++k) {
          double t = k / 64.0;
          best = std::min(best,
                          DistanceM(p, {a.lon + t * (c.lon - a.lon), a.lat + t * (c.lat - a.lat)}));
        }
      }
      EXPECT_NEAR(snap->distance_m, DistanceM(p, snap->point), 1e-6);
      // The index works on a local plane (error < 0.1 %); the brute force samples each
      // segment at 65 points, so it may overestimate by up to a couple of metres.
      EXPECT_LE(snap->distance_m, best + 0.5 + 0.001 * best)
          << "snapped farther than the nearest road";
      EXPECT_GE(snap->distance_m, best - 2.0 - 0.001 * best);
    }
  }
  auto far = snapper.Nearest({-122.0, 45.0}, TravelMode::kCar);
  ASSERT_TRUE(far);
  EXPECT_GT(far->distance_m, 10 * kMaxSnapDistanceM) << "a point far outside is reported as far";
}

TEST_F(PortlandRoads, NearestSourcesComeInOrderOfRoadTime) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<NodeIndex> node(0, NodeIndex(graph_->node_count() - 1));
  TravelTimes search(*graph_, TravelMode::kCar);
  for (int round = 0; round < 20; ++round) {
    NodeIndex target = node(rng);
    auto target_snap = SnapAtNode(*graph_, target);
    std::vector<Source> sources;
    std::vector<uint64_t> expected;
    for (uint32_t i = 0; i < 40; ++i) {
      NodeIndex at = node(rng);
      sources.push_back({i, *SnapAtNode(*graph_, at)});
      expected.push_back(ReferenceDijkstra(*graph_, TravelMode::kCar, at)[target]);
    }
    auto arrivals = search.NearestSources(*target_snap, sources, 5, UINT32_MAX, true);
    std::vector<uint64_t> sorted = expected;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(arrivals.size(),
              std::min<size_t>(5, std::count_if(sorted.begin(), sorted.end(),
                                                [](uint64_t d) { return d != UINT64_MAX; })));
    for (size_t k = 0; k < arrivals.size(); ++k) {
      EXPECT_EQ(arrivals[k].time_ms, sorted[k]);
      EXPECT_EQ(arrivals[k].time_ms, expected[arrivals[k].id]);
      ASSERT_GE(arrivals[k].route.size(), 2u);
      EXPECT_EQ(arrivals[k].route.front(), sources[arrivals[k].id].snap.point);
      EXPECT_EQ(arrivals[k].route.back(), target_snap->point);
      double straight = DistanceM(arrivals[k].route.front(), arrivals[k].route.back());
      EXPECT_GE(arrivals[k].distance_m + 1, straight)
          << "a road is never shorter than a straight line";
    }
  }
}

TEST(RoadImport, CopesWithWaysCutAtTheEdgeOfAnExtract) {
  ImportReport report;
  auto g = ImportOsm(kMaps + "milan-small.osm.pbf", &report);
  ASSERT_TRUE(g) << g.error().message;
  // The missing nodes of this extract belong to ways we do not route on (buildings, land
  // use); whatever is missing, the graph must only hold nodes that have a position.
  EXPECT_GT(g->edge_count(TravelMode::kCar), 50000u);
  for (LonLat p : g->nodes()) ASSERT_TRUE(IsValid(p));
}

TEST(RoadImport, ReadsCompressedOsmXml) {
  auto g = ImportOsm(kMaps + "sf-southeast-2014.osm.gz");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_GT(g->segment_count(), 5000u);
}

TEST(RoadImport, NamesTheFileWhenItCannotBeRead) {
  auto g = ImportOsm("/nonexistent/map.osm.pbf");
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("/nonexistent/map.osm.pbf"), std::string::npos);
}

TEST(GraphFile, RoundTripsAndRefusesDamage) {
  test::TempDir dir;
  RoadGraph g = RandomGraph(42, 20);
  ASSERT_TRUE(GraphFile::Save(g, dir.File("roads.graph")));
  auto loaded = GraphFile::Load(dir.File("roads.graph"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->node_count(), g.node_count());
  ASSERT_EQ(loaded->segment_count(), g.segment_count());
  for (int m = 0; m < kModeCount; ++m) {
    EXPECT_EQ(loaded->edge_count(TravelMode(m)), g.edge_count(TravelMode(m)));
    for (SegmentIndex s = 0; s < g.segment_count(); ++s) {
      ASSERT_EQ(loaded->time_ms(TravelMode(m), s), g.time_ms(TravelMode(m), s));
    }
  }
  EXPECT_EQ(loaded->node(17), g.node(17));

  std::fstream f(dir.File("roads.graph"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(100);
  f.put('\x55');
  f.close();
  auto damaged = GraphFile::Load(dir.File("roads.graph"));
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message.find("checksum"), std::string::npos);

  std::ofstream(dir.File("other")) << "hello";
  auto other = GraphFile::Load(dir.File("other"));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("not a Pingan road graph"), std::string::npos);
}

}  // namespace
}  // namespace pingan::roads
