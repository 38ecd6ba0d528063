#include "demo/district_generator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <random>

#include <fmt/format.h>

namespace pingan::demo {
namespace {

// The street plan: a lattice of 33 × 25 nodes, 225 m apart east–west and 250 m north–south.
constexpr int kCols = 33, kRows = 25;
constexpr double kDx = 225, kDy = 250;
constexpr double kWidth = (kCols - 1) * kDx, kHeight = (kRows - 1) * kDy;

bool ArterialCol(int i) {
  return i % 4 == 0;
}
bool ArterialRow(int j) {
  return j % 4 == 0;
}

// The river, as y (metres from the south edge) along x; only arterials bridge it.
double RiverY(double x) {
  return 2150 + 320 * std::sin(x / 1300);
}

struct Street {
  std::string name;
  std::string highway;
};

Street RowStreet(int j, const std::vector<std::string>& words, size_t& next_word) {
  static const std::map<int, Street> kArterials = {
      {0, {"南环路", "trunk"}},    {4, {"建设路", "secondary"}},  {8, {"中山路", "primary"}},
      {12, {"人民路", "primary"}}, {16, {"解放路", "secondary"}}, {20, {"和平路", "secondary"}},
      {24, {"北环路", "trunk"}}};
  if (auto it = kArterials.find(j); it != kArterials.end()) return it->second;
  return {words[next_word++ % words.size()] + "街", j % 4 == 2 ? "tertiary" : "residential"};
}

Street ColStreet(int i, const std::vector<std::string>& words, size_t& next_word) {
  static const std::map<int, Street> kArterials = {
      {0, {"西环路", "trunk"}},      {4, {"长江路", "secondary"}},  {8, {"黄河路", "secondary"}},
      {12, {"文化路", "primary"}},   {16, {"胜利路", "primary"}},   {20, {"光明路", "secondary"}},
      {24, {"迎宾大道", "primary"}}, {28, {"学府路", "secondary"}}, {32, {"东环路", "trunk"}}};
  if (auto it = kArterials.find(i); it != kArterials.end()) return it->second;
  return {words[next_word++ % words.size()] + "路", i % 4 == 2 ? "tertiary" : "residential"};
}

struct PlaceSpec {
  int i, j;
  const char* name;
  const char* key;
  const char* value;
};

// Where the district's places stand, by lattice node (the place sits 40 m off the road).
const std::vector<PlaceSpec>& PlaceSpecs() {
  static const std::vector<PlaceSpec> kPlaces = {
      {6, 18, "实验小学", "amenity", "school"},
      {22, 19, "育才中学", "amenity", "school"},
      {10, 6, "第二中学", "amenity", "school"},
      {27, 7, "师范附属小学", "amenity", "school"},
      {14, 21, "外国语学校", "amenity", "school"},
      {30, 14, "东湖小学", "amenity", "school"},
      {3, 10, "阳光幼儿园", "amenity", "kindergarten"},
      {19, 3, "职业技术学院", "amenity", "college"},
      {17, 13, "万达广场", "shop", "mall"},
      {9, 14, "银泰城", "shop", "mall"},
      {25, 10, "苏宁广场", "shop", "mall"},
      {13, 11, "百货大楼", "shop", "department_store"},
      {15, 14, "胜利路夜市", "amenity", "marketplace"},
      {21, 8, "河畔夜市", "amenity", "marketplace"},
      {6, 5, "老街小吃夜市", "amenity", "marketplace"},
      {11, 17, "农贸市场", "amenity", "marketplace"},
      {18, 16, "区人民医院", "amenity", "hospital"},
      {7, 9, "中医院", "amenity", "hospital"},
      {4, 7, "滨河公园", "leisure", "park"},
      {21, 15, "人民公园", "leisure", "park"},
      {29, 21, "植物园", "leisure", "park"},
      {31, 2, "高铁站", "railway", "station"},
      {2, 22, "汽车客运站", "amenity", "bus_station"},
      {16, 11, "中山路地铁站", "public_transport", "station"},
      {23, 13, "星光KTV", "amenity", "karaoke_box"},
      {14, 15, "蓝调酒吧", "amenity", "bar"},
      {26, 16, "夜色酒吧", "amenity", "pub"},
      {8, 18, "城北派出所", "amenity", "police"},
      {24, 18, "东湖派出所", "amenity", "police"},
      {8, 6, "西城派出所", "amenity", "police"},
      {24, 6, "南苑派出所", "amenity", "police"},
      {16, 13, "示范区公安分局", "amenity", "police"},
      {15, 12, "区政府", "amenity", "townhall"},
      {27, 4, "体育中心", "leisure", "stadium"},
      {10, 12, "工商银行", "amenity", "bank"},
  };
  return kPlaces;
}

const std::vector<std::string>& StreetWords() {
  static const std::vector<std::string> kWords = {
      "幸福", "和谐", "兴业", "桂花", "梧桐", "丰乐", "安居", "民主", "青年", "工农",
      "红旗", "东风", "朝阳", "新村", "园林", "翠竹", "柳荫", "松林", "杏花", "石榴",
      "金桥", "银杏", "玉兰", "海棠", "紫荆", "芙蓉", "百合", "牡丹", "清溪", "长安",
      "永安", "瑞祥", "吉祥", "锦绣", "春晖", "秋实", "明珠", "望江", "临河", "北苑",
      "南苑", "文昌", "育英", "新华", "复兴", "团结"};
  return kWords;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// Local metres around `centre` to WGS84 (equirectangular: exact enough over 7 km).
LonLat ToLonLat(LonLat centre, double x, double y) {
  constexpr double kMetresPerDegree = 111'320;
  return {centre.lon + x / (kMetresPerDegree * std::cos(centre.lat * std::numbers::pi / 180)),
          centre.lat + y / kMetresPerDegree};
}

struct StationSpec {
  const char* code;
  const char* name;
  const char* short_name;  // the callsign prefix
};
// North-west, north-east, south-west, south-east.
constexpr StationSpec kStations[4] = {{"demo-cb", "城北派出所", "北"},
                                      {"demo-dh", "东湖派出所", "东"},
                                      {"demo-xc", "西城派出所", "西"},
                                      {"demo-ny", "南苑派出所", "南"}};

Polygon Rect(double x0, double y0, double x1, double y1) {
  return Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}, {}};
}

}  // namespace

std::string RandomPersonName(std::mt19937_64& rng) {
  static const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                    "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
  static const char* kGiven[] = {"伟",   "芳",   "娜",   "敏",   "静",   "强",   "磊",
                                 "军",   "洋",   "勇",   "艳",   "杰",   "涛",   "明",
                                 "超",   "秀英", "建国", "志强", "海燕", "晓东", "丽娟",
                                 "文博", "思远", "雨桐", "桂兰", "国庆", "建华"};
  std::uniform_int_distribution<size_t> s(0, std::size(kSurnames) - 1);
  std::uniform_int_distribution<size_t> g(0, std::size(kGiven) - 1);
  return std::string(kSurnames[s(rng)]) + kGiven[g(rng)];
}

std::string GenerateDistrictOsm(uint64_t seed, LonLat centre) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(-30, 30);
  std::uniform_real_distribution<double> unit(0, 1);

  // Node positions in metres from the south-west corner.
  std::vector<std::array<double, 2>> xy(size_t(kCols * kRows));
  auto id = [](int i, int j) { return j * kCols + i; };
  for (int j = 0; j < kRows; ++j) {
    for (int i = 0; i < kCols; ++i) {
      double x = i * kDx, y = j * kDy;
      // Arterials bend gently; local streets wander a little.
      x += ArterialCol(i) ? 45 * std::sin(y / 900 + i)
                          : (i == 0 || i == kCols - 1 ? 0 : jitter(rng));
      y += ArterialRow(j) ? 35 * std::sin(x / 1100 + j)
                          : (j == 0 || j == kRows - 1 ? 0 : jitter(rng));
      xy[size_t(id(i, j))] = {x, y};
    }
  }
  auto crosses_river = [&](int a, int b) {
    auto side = [&](int n) { return xy[size_t(n)][1] > RiverY(xy[size_t(n)][0]); };
    return side(a) != side(b);
  };

  std::string out =
      "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"pingan demo\">\n";
  for (int n = 0; n < kCols * kRows; ++n) {
    LonLat p = ToLonLat(centre, xy[size_t(n)][0] - kWidth / 2, xy[size_t(n)][1] - kHeight / 2);
    out += fmt::format("  <node id=\"{}\" version=\"1\" lat=\"{:.7f}\" lon=\"{:.7f}\"/>\n", n + 1,
                       p.lat, p.lon);
  }
  int64_t next_id = 1;
  const std::vector<std::string>& words = StreetWords();
  size_t next_word = 0;
  // One line of the lattice (a row or a column) becomes ways: runs of kept segments.
  auto emit_line = [&](const std::vector<int>& nodes, const Street& street, bool arterial,
                       bool oneway) {
    std::vector<std::vector<int>> runs(1);
    for (size_t k = 0; k + 1 < nodes.size(); ++k) {
      bool river = crosses_river(nodes[k], nodes[k + 1]);
      // Only arterials bridge the river; one local block in ten is missing (a compound, a
      // building site), which makes the road distance differ from the straight line.
      bool keep = arterial || (!river && unit(rng) > 0.10);
      if (!keep) {
        if (runs.back().size() >= 2) runs.emplace_back();
        runs.back().clear();
        continue;
      }
      if (runs.back().empty()) runs.back().push_back(nodes[k]);
      runs.back().push_back(nodes[k + 1]);
      if (arterial && river) {
        // The bridge is its own way, so it can say so.
        runs.emplace_back(std::vector<int>{nodes[k + 1]});
      }
    }
    for (const auto& run : runs) {
      if (run.size() < 2) continue;
      out += fmt::format("  <way id=\"{}\" version=\"1\">\n", next_id++);
      for (int n : run) out += fmt::format("    <nd ref=\"{}\"/>\n", n + 1);
      out += fmt::format("    <tag k=\"highway\" v=\"{}\"/>\n    <tag k=\"name\" v=\"{}\"/>\n",
                         street.highway, XmlEscape(street.name));
      if (oneway) out += "    <tag k=\"oneway\" v=\"yes\"/>\n";
      if (arterial && run.size() == 2 && crosses_river(run[0], run[1])) {
        out += "    <tag k=\"bridge\" v=\"yes\"/>\n";
      }
      out += "  </way>\n";
    }
  };
  for (int j = 0; j < kRows; ++j) {
    std::vector<int> nodes;
    for (int i = 0; i < kCols; ++i) nodes.push_back(id(i, j));
    bool oneway = !ArterialRow(j) && unit(rng) < 0.2;
    if (oneway && unit(rng) < 0.5) std::reverse(nodes.begin(), nodes.end());
    emit_line(nodes, RowStreet(j, words, next_word), ArterialRow(j), oneway);
  }
  for (int i = 0; i < kCols; ++i) {
    std::vector<int> nodes;
    for (int j = 0; j < kRows; ++j) nodes.push_back(id(i, j));
    bool oneway = !ArterialCol(i) && unit(rng) < 0.15;
    if (oneway && unit(rng) < 0.5) std::reverse(nodes.begin(), nodes.end());
    emit_line(nodes, ColStreet(i, words, next_word), ArterialCol(i), oneway);
  }
  // Places: tagged nodes 40 m north-east of their lattice node.
  int64_t place_node = 1'000'000;
  for (const PlaceSpec& p : PlaceSpecs()) {
    const auto& at = xy[size_t(id(p.i, p.j))];
    LonLat ll = ToLonLat(centre, at[0] + 40 - kWidth / 2, at[1] + 40 - kHeight / 2);
    out += fmt::format(
        "  <node id=\"{}\" version=\"1\" lat=\"{:.7f}\" lon=\"{:.7f}\">\n    <tag k=\"name\" "
        "v=\"{}\"/>\n    <tag k=\"{}\" v=\"{}\"/>\n  </node>\n",
        place_node++, ll.lat, ll.lon, XmlEscape(p.name), p.key, p.value);
  }
  out += "</osm>\n";
  return out;
}

std::vector<Jurisdiction> GenerateJurisdictions(const roads::RoadGraph& graph) {
  BoundingBox b = graph.bounds();
  // The split lines go through the median node, so each station has about as many streets.
  std::vector<double> lons, lats;
  for (const LonLat& n : graph.nodes()) {
    lons.push_back(n.lon);
    lats.push_back(n.lat);
  }
  std::nth_element(lons.begin(), lons.begin() + long(lons.size() / 2), lons.end());
  std::nth_element(lats.begin(), lats.begin() + long(lats.size() / 2), lats.end());
  const double mid_lon = lons[lons.size() / 2], mid_lat = lats[lats.size() / 2];
  const double pad = 0.002;  // about 200 m: nodes on the edge are inside
  const double x0 = b.min_lon - pad, x1 = b.max_lon + pad, y0 = b.min_lat - pad,
               y1 = b.max_lat + pad;

  std::vector<Jurisdiction> all;
  all.push_back(
      {"demo", "", "示范区公安分局", JurisdictionLevel::kBureau, {{Rect(x0, y0, x1, y1)}}});
  const double boxes[4][4] = {{x0, mid_lat, mid_lon, y1},
                              {mid_lon, mid_lat, x1, y1},
                              {x0, y0, mid_lon, mid_lat},
                              {mid_lon, y0, x1, mid_lat}};
  static const char* kGridNames[] = {"一", "二", "三", "四"};
  for (int s = 0; s < 4; ++s) {
    const auto& r = boxes[s];
    all.push_back({kStations[s].code,
                   "demo",
                   kStations[s].name,
                   JurisdictionLevel::kStation,
                   {{Rect(r[0], r[1], r[2], r[3])}}});
    const double mx = (r[0] + r[2]) / 2, my = (r[1] + r[3]) / 2;
    const double grids[4][4] = {
        {r[0], my, mx, r[3]}, {mx, my, r[2], r[3]}, {r[0], r[1], mx, my}, {mx, r[1], r[2], my}};
    for (int g = 0; g < 4; ++g) {
      const auto& q = grids[g];
      std::string name = std::string(kStations[s].name);
      name = name.substr(0, name.size() - std::string("派出所").size());
      all.push_back({fmt::format("{}-{}", kStations[s].code, g + 1),
                     kStations[s].code,
                     fmt::format("{}第{}网格", name, kGridNames[g]),
                     JurisdictionLevel::kGrid,
                     {{Rect(q[0], q[1], q[2], q[3])}}});
    }
  }
  return all;
}

std::vector<CreateUnit> GenerateUnits(const std::vector<Jurisdiction>& jurisdictions,
                                      uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5eed);
  std::vector<CreateUnit> units;
  auto crew = [&](int n) {
    std::vector<std::string> members;
    for (int k = 0; k < n; ++k) members.push_back(RandomPersonName(rng));
    return members;
  };
  for (const StationSpec& s : kStations) {
    bool present = std::any_of(jurisdictions.begin(), jurisdictions.end(),
                               [&](const Jurisdiction& j) { return j.id == s.code; });
    if (!present) continue;
    std::string p = s.short_name;
    for (int k = 1; k <= 2; ++k)
      units.push_back(
          {fmt::format("{}巡{}", p, k), Force::kPatrol, TravelMode::kCar, s.code, crew(2)});
    units.push_back({p + "所1", Force::kStation, TravelMode::kCar, s.code, crew(2)});
    for (int k = 1; k <= 2; ++k)
      units.push_back(
          {fmt::format("{}摩{}", p, k), Force::kPatrol, TravelMode::kMotorcycle, s.code, crew(1)});
    for (int k = 1; k <= 2; ++k)
      units.push_back(
          {fmt::format("{}步{}", p, k), Force::kPatrol, TravelMode::kFoot, s.code, crew(2)});
    units.push_back({p + "防1", Force::kGuard, TravelMode::kFoot, s.code, crew(2)});
    units.push_back({p + "志1", Force::kVolunteer, TravelMode::kBicycle, s.code, crew(1)});
  }
  // The bureau's own cars patrol the whole district; they are booked to the first station.
  if (!units.empty()) {
    for (int k = 1; k <= 2; ++k)
      units.push_back(
          {fmt::format("特巡{}", k), Force::kHq, TravelMode::kCar, kStations[0].code, crew(3)});
  }
  return units;
}

std::vector<map::Place> AddMissingPlaces(const roads::RoadGraph& graph,
                                         std::vector<map::Place> places, uint64_t seed) {
  if (graph.node_count() == 0) return places;
  std::mt19937_64 rng(seed ^ 0x91ace5);
  std::uniform_int_distribution<size_t> node(0, graph.node_count() - 1);
  struct Wanted {
    const char* kind;
    std::vector<const char*> names;
  };
  const std::vector<Wanted> wanted = {{"school", {"示范第一小学", "示范中学", "示范实验学校"}},
                                      {"mall", {"示范购物中心", "示范百货"}},
                                      {"night_market", {"示范夜市", "美食夜市"}}};
  for (const Wanted& w : wanted) {
    bool has = std::any_of(places.begin(), places.end(),
                           [&](const map::Place& p) { return p.kind == w.kind; });
    if (has) continue;
    for (const char* name : w.names)
      places.push_back({name, w.kind, graph.node(uint32_t(node(rng)))});
  }
  return places;
}

}  // namespace pingan::demo
