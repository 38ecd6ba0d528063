#include "demo/demo_places.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <map>
#include <numbers>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "demo/district_generator.h"

namespace pingan::demo {

using registry::Campaign;
using registry::Day;
using registry::Hazard;
using registry::Inspection;
using registry::Place;

namespace {

constexpr double kMetresPerDegree = 111'320;

double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
int Between(std::mt19937_64& rng, int lo, int hi) {  // inclusive
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}
bool Chance(std::mt19937_64& rng, double p) {
  return Uniform(rng, 0, 1) < p;
}
template <typename T>
const T& OneOf(std::mt19937_64& rng, const std::vector<T>& items) {
  return items[std::uniform_int_distribution<size_t>(0, items.size() - 1)(rng)];
}

std::string PhoneNumber(std::mt19937_64& rng) {
  static const std::vector<std::string> kPrefixes = {"133", "135", "136", "137", "138", "139",
                                                     "150", "151", "152", "155", "158", "159",
                                                     "176", "177", "180", "186", "187", "189"};
  std::string phone = OneOf(rng, kPrefixes);
  for (int i = 0; i < 8; ++i) phone += static_cast<char>('0' + Between(rng, 0, 9));
  return phone;
}

// "人民路" → "人民", for names such as 人民加油站.
std::string StreetStem(std::string street) {
  for (std::string_view suffix : {"大道", "大街", "路", "街", "巷", "道"}) {
    if (street.size() > suffix.size() + 3 && street.ends_with(suffix)) {
      street.resize(street.size() - suffix.size());
      break;
    }
  }
  return street;
}

// Where a place stands: beside a named street, with a house number on its side of it.
struct Spot {
  LonLat at;
  std::string street;
  int number = 0;
};

enum class Where { kAnywhere, kMainRoad, kSideStreet, kOutskirts };

// The district's named streets, by kind, to put places beside.
class Streets {
 public:
  explicit Streets(const roads::RoadGraph& graph) : graph_(graph) {
    const BoundingBox b = graph.bounds();
    centre_ = {(b.min_lon + b.max_lon) / 2, (b.min_lat + b.max_lat) / 2};
    const double reach_m = DistanceM(centre_, {b.max_lon, b.max_lat});
    for (roads::SegmentIndex s = 0; s < graph.segment_count(); ++s) {
      const roads::Segment& seg = graph.segment(s);
      const auto road = static_cast<roads::RoadClass>(seg.road_class);
      if (seg.name == 0 || seg.length_m < 40 || road >= roads::RoadClass::kService) continue;
      all_.push_back(s);
      if (road <= roads::RoadClass::kSecondary) main_.push_back(s);
      if (road >= roads::RoadClass::kTertiary) side_.push_back(s);
      if (DistanceM(Middle(seg), centre_) > 0.6 * reach_m) outskirts_.push_back(s);
    }
  }

  bool empty() const { return all_.empty(); }

  // A point `min_m`–`max_m` off a random street of the kind asked for (any street when the
  // district has none of that kind).
  Spot Beside(std::mt19937_64& rng, Where where, double min_m = 15, double max_m = 40) const {
    const std::vector<roads::SegmentIndex>* from = &all_;
    if (where == Where::kMainRoad && !main_.empty()) from = &main_;
    if (where == Where::kSideStreet && !side_.empty()) from = &side_;
    if (where == Where::kOutskirts && !outskirts_.empty()) from = &outskirts_;
    const roads::Segment& seg = graph_.segment(OneOf(rng, *from));
    const LonLat a = graph_.node(seg.from), b = graph_.node(seg.to);
    const double cos_lat = std::cos(a.lat * std::numbers::pi / 180);
    const double dx = (b.lon - a.lon) * kMetresPerDegree * cos_lat;
    const double dy = (b.lat - a.lat) * kMetresPerDegree;
    const double length = std::max(std::hypot(dx, dy), 1.0);
    const double t = Uniform(rng, 0.15, 0.85);
    const int side = Chance(rng, 0.5) ? 1 : -1;
    const double off = side * Uniform(rng, min_m, max_m);
    const double x = t * dx - off * dy / length, y = t * dy + off * dx / length;
    Spot spot;
    spot.at = {a.lon + x / (kMetresPerDegree * cos_lat), a.lat + y / kMetresPerDegree};
    spot.street = std::string(graph_.name(seg.name));
    // Odd numbers on one side of the street, even on the other.
    spot.number = 2 * Between(rng, 1, 150) - (side > 0 ? 1 : 0);
    return spot;
  }

  // The name of the named street nearest to `p` (a scan: called for a few dozen landmarks).
  std::string NearestStreet(LonLat p) const {
    double best = 1e18;
    std::string name;
    for (roads::SegmentIndex s : all_) {
      const double d = DistanceM(p, Middle(graph_.segment(s)));
      if (d < best) {
        best = d;
        name = graph_.name(graph_.segment(s).name);
      }
    }
    return name;
  }

 private:
  LonLat Middle(const roads::Segment& seg) const {
    const LonLat a = graph_.node(seg.from), b = graph_.node(seg.to);
    return {(a.lon + b.lon) / 2, (a.lat + b.lat) / 2};
  }

  const roads::RoadGraph& graph_;
  LonLat centre_;
  std::vector<roads::SegmentIndex> all_, main_, side_, outskirts_;
};

// A point up to `radius_m` from `p`, uniform over the disc.
LonLat Around(std::mt19937_64& rng, LonLat p, double radius_m) {
  const double r = radius_m * std::sqrt(Uniform(rng, 0, 1));
  const double angle = Uniform(rng, 0, 2 * std::numbers::pi);
  const double cos_lat = std::cos(p.lat * std::numbers::pi / 180);
  return {p.lon + r * std::cos(angle) / (kMetresPerDegree * cos_lat),
          p.lat + r * std::sin(angle) / kMetresPerDegree};
}

// Words trades and shops take their names from.
const std::vector<std::string>& TradeWords() {
  static const std::vector<std::string> kWords = {
      "兴旺", "福源", "安泰", "鑫源", "恒通", "顺达", "金鼎", "宏发", "利民", "佳和",
      "永兴", "瑞丰", "康宁", "惠民", "华庭", "聚福", "同心", "众诚", "天元", "和顺",
      "金鹏", "日升", "家乐", "万通", "旺角", "德润", "益民", "春来", "满堂", "友邻"};
  return kWords;
}

// One kind of place the generator makes `count` of: names are a word (or the street's stem)
// followed by one of `suffixes`.
struct Recipe {
  const char* category;
  const char* sub_kind;
  int count;
  std::vector<std::string> suffixes;
  Where where;
  bool named_after_street = false;  // 人民路加油站 rather than 兴旺加油站
};

const std::vector<Recipe>& Recipes() {
  static const std::vector<Recipe> kRecipes = {
      // 行业场所
      {"trade",
       "hotel",
       9,
       {"宾馆", "商务酒店", "快捷酒店", "大酒店", "假日酒店"},
       Where::kMainRoad,
       false},
      {"trade", "internet_cafe", 5, {"网咖", "网吧", "电竞馆"}, Where::kAnywhere, false},
      {"trade", "entertainment", 4, {"量贩KTV", "娱乐会所", "歌城"}, Where::kMainRoad, false},
      {"trade", "pawn", 2, {"典当行"}, Where::kMainRoad, false},
      {"trade",
       "second_hand",
       3,
       {"废旧物资回收站", "二手手机店", "再生资源回收点"},
       Where::kOutskirts,
       false},
      {"trade", "seal_engraving", 2, {"刻章店", "印章刻制部"}, Where::kAnywhere, false},
      {"trade", "car_rental", 2, {"汽车租赁", "租车行"}, Where::kMainRoad, false},
      {"trade",
       "vehicle_repair",
       5,
       {"汽车修理厂", "汽修", "汽车维修中心"},
       Where::kOutskirts,
       false},
      {"trade", "unlocking", 3, {"开锁服务部", "开锁换锁"}, Where::kSideStreet, false},
      {"trade", "courier", 4, {"快递驿站", "物流配送点", "快递网点"}, Where::kSideStreet, false},
      // 九小场所
      {"nine_small",
       "shop",
       12,
       {"便利店", "超市", "五金店", "日杂店", "烟酒店"},
       Where::kSideStreet,
       false},
      {"nine_small",
       "restaurant",
       14,
       {"面馆", "饭店", "烧烤", "火锅店", "小吃店", "包子铺"},
       Where::kAnywhere,
       false},
      {"nine_small", "hotel", 4, {"旅社", "招待所", "家庭旅馆"}, Where::kSideStreet, false},
      {"nine_small", "entertainment", 3, {"棋牌室", "歌舞厅"}, Where::kSideStreet, false},
      {"nine_small", "internet_cafe", 2, {"网吧"}, Where::kSideStreet, false},
      {"nine_small",
       "beauty_bath",
       6,
       {"美容美发", "足浴", "浴室", "理发店"},
       Where::kSideStreet,
       false},
      {"nine_small",
       "workshop",
       5,
       {"服装加工厂", "木器加工厂", "印刷厂", "食品加工坊"},
       Where::kOutskirts,
       false},
      {"nine_small", "clinic", 3, {"诊所", "社区卫生服务站"}, Where::kSideStreet, false},
      {"nine_small", "school_kindergarten", 3, {"幼儿园", "托管中心"}, Where::kSideStreet, false},
      // 涉危单位
      {"hazardous", "fuel_station", 3, {"加油站"}, Where::kMainRoad, true},
      {"hazardous", "fireworks", 2, {"烟花爆竹零售点"}, Where::kOutskirts, false},
      {"hazardous",
       "hazardous_chemicals",
       2,
       {"化工原料经营部", "化工有限公司"},
       Where::kOutskirts,
       false},
      {"hazardous", "toxic_chemicals", 1, {"电镀厂"}, Where::kOutskirts, false},
      {"hazardous", "radioactive", 1, {"无损探伤检测有限公司"}, Where::kOutskirts, false},
      // 重点单位 (besides those on the map)
      {"key_unit", "government", 2, {"街道办事处"}, Where::kMainRoad, true},
      {"key_unit",
       "finance",
       3,
       {"农商银行支行", "信用社", "邮储银行营业所"},
       Where::kMainRoad,
       true},
      {"key_unit", "utility", 2, {"自来水厂", "变电站"}, Where::kOutskirts, true},
      {"key_unit", "media", 1, {"广播电视中心"}, Where::kMainRoad, false},
      // 企业
      {"enterprise",
       "manufacturing",
       4,
       {"机械制造有限公司", "电子有限公司", "食品有限公司"},
       Where::kOutskirts,
       false},
      {"enterprise", "construction", 3, {"建筑工程有限公司", "建设集团"}, Where::kAnywhere, false},
      {"enterprise", "logistics", 3, {"物流有限公司", "供应链有限公司"}, Where::kOutskirts, false},
      {"enterprise", "commerce", 4, {"商贸有限公司", "贸易有限公司"}, Where::kAnywhere, false},
      {"enterprise",
       "technology",
       4,
       {"科技有限公司", "网络科技有限公司", "信息技术有限公司"},
       Where::kAnywhere,
       false},
  };
  return kRecipes;
}

// What a named place of the base map is on file as, if anything.
std::optional<std::pair<std::string, std::string>> LandmarkCategory(const map::Place& p) {
  auto has = [&](std::string_view word) { return p.name.find(word) != std::string::npos; };
  if (p.kind == "school") {
    if (has("幼儿园")) return std::pair{"nine_small", "school_kindergarten"};
    return std::pair{"key_unit", "school"};
  }
  if (p.kind == "hospital") return std::pair{"key_unit", "hospital"};
  if (p.kind == "mall" || p.kind == "market" || p.kind == "night_market")
    return std::pair{"key_unit", "market"};
  if (p.kind == "transport") return std::pair{"key_unit", "transport_hub"};
  if (p.kind == "nightlife") return std::pair{"trade", "entertainment"};
  if (has("银行")) return std::pair{"key_unit", "finance"};
  if (has("政府")) return std::pair{"key_unit", "government"};
  if (has("体育") || has("剧院") || has("会展")) return std::pair{"key_unit", "venue"};
  if (has("宾馆") || has("酒店")) return std::pair{"trade", "hotel"};
  return std::nullopt;
}

// Names of residential compounds and of the urban villages (城中村) where group rentals are.
const std::vector<std::string>& CompoundNames() {
  static const std::vector<std::string> kNames = {
      "桂花苑",   "锦绣花园", "阳光小区", "翠竹园",   "幸福家园", "金色家园", "碧水湾",
      "东方名苑", "和谐小区", "丽景苑",   "怡景花园", "康乐新村", "书香门第", "滨江花园",
      "蓝湾公寓", "紫薇苑",   "金桥小区", "育才新村", "凤凰城",   "春江雅居", "绿洲家园"};
  return kNames;
}
const std::vector<std::string>& VillageNames() {
  static const std::vector<std::string> kNames = {"王家村", "河东村", "张湾村", "后营村"};
  return kNames;
}

class Generator {
 public:
  Generator(const roads::RoadGraph& graph, const JurisdictionIndex* index, uint64_t seed)
      : streets_(graph), index_(index), rng_(seed ^ 0x91ace5'c0ffeeULL) {}

  std::vector<Place> Run(const std::vector<map::Place>& landmarks) {
    if (streets_.empty()) return {};
    Landmarks(landmarks);
    Rentals();
    for (const Recipe& r : Recipes()) Trades(r);
    KeyProjects();
    return std::move(places_);
  }

 private:
  // Adds `p` with its station and grid, contact and officer; drops (and logs) a place that
  // does not pass the registry's checks (a --map landmark with an odd name).
  void Add(Place p, const char* prefix, bool with_officer) {
    p.external_id = fmt::format("DEMO-{}-{:04d}", prefix, ++serial_[prefix]);
    registry::AssignJurisdiction(p, index_);
    // A landmark of a real map may lie beyond the district's stations.
    if (index_ != nullptr && p.station_id.empty()) return;
    p.contact_name = RandomPersonName(rng_);
    p.contact_phone = PhoneNumber(rng_);
    if (with_officer || p.category == "key_project") p.officer = OfficerOf(p.station_id);
    if (Status ok = registry::NormalizePlace(p); !ok) {
      spdlog::warn("demo: place {} left out: {}", p.name, ok.error().message);
      return;
    }
    places_.push_back(std::move(p));
  }

  // The community officers (社区民警) of a station, three each, made up as they are first asked.
  std::string OfficerOf(const std::string& station_id) {
    auto& names = officers_[station_id];
    while (names.size() < 3) names.push_back(RandomPersonName(rng_));
    return OneOf(rng_, names);
  }

  // A name not given yet: the word and suffix, else with the street as a branch (分店).
  std::string UniqueName(std::string name, const std::string& street) {
    if (names_.insert(name).second) return name;
    std::string branch = fmt::format("{}（{}店）", name, StreetStem(street));
    for (int k = 2; !names_.insert(branch).second; ++k)
      branch = fmt::format("{}（{}{}店）", name, StreetStem(street), k);
    return branch;
  }

  // Schools, hospitals, markets, stations and the like on the map, as key units (at most 40).
  void Landmarks(const std::vector<map::Place>& landmarks) {
    int taken = 0;
    for (const map::Place& m : landmarks) {
      auto category = LandmarkCategory(m);
      if (!category || taken >= 40 || !names_.insert(m.name).second) continue;
      ++taken;
      Place p;
      p.name = m.name;
      p.category = category->first;
      p.sub_kind = category->second;
      p.location = m.at;
      std::string street = streets_.NearestStreet(m.at);
      p.address = street.empty() ? m.name : fmt::format("{}{}号", street, Between(rng_, 1, 200));
      const char* prefix = p.category == "key_unit" ? "KU" : p.category == "trade" ? "TR" : "NS";
      Add(std::move(p), prefix, true);
    }
  }

  // 出租房屋: flats in residential compounds, rooms in the urban villages (more shared and
  // group rentals there), about 220 in all.
  void Rentals() {
    std::vector<std::string> compounds = CompoundNames();
    std::shuffle(compounds.begin(), compounds.end(), rng_);
    std::vector<std::string> villages = VillageNames();
    std::shuffle(villages.begin(), villages.end(), rng_);
    static const std::vector<std::pair<const char*, int>> kInCompound = {
        {"whole", 60}, {"shared", 32}, {"group", 5}, {"dormitory", 3}};
    static const std::vector<std::pair<const char*, int>> kInVillage = {
        {"whole", 25}, {"shared", 40}, {"group", 25}, {"dormitory", 10}};
    auto sub_kind = [&](const std::vector<std::pair<const char*, int>>& weights) {
      std::vector<int> w;
      for (const auto& [kind, weight] : weights) w.push_back(weight);
      return std::string(
          weights[std::discrete_distribution<size_t>(w.begin(), w.end())(rng_)].first);
    };
    auto tenants = [&](const std::string& kind) {
      if (kind == "whole") return Between(rng_, 1, 4);
      if (kind == "shared") return Between(rng_, 2, 5);
      if (kind == "group") return Between(rng_, 6, 14);
      return Between(rng_, 8, 30);
    };
    for (const std::string& compound : compounds) {
      const Spot gate = streets_.Beside(rng_, Where::kSideStreet, 45, 70);
      const int flats = Between(rng_, 7, 10);
      std::set<std::string> rooms;
      for (int k = 0; k < flats; ++k) {
        std::string room;
        do {
          room = fmt::format("{}栋{}单元{}{:02d}室", Between(rng_, 1, 12), Between(rng_, 1, 3),
                             Between(rng_, 1, 18), Between(rng_, 1, 4));
        } while (!rooms.insert(room).second);
        Place p;
        p.name = compound + room;
        p.category = "rental_housing";
        p.sub_kind = sub_kind(kInCompound);
        p.location = Around(rng_, gate.at, 60);
        p.address = fmt::format("{}{}号{}{}", gate.street, gate.number, compound, room);
        p.notes = fmt::format("在住 {} 人", tenants(p.sub_kind));
        Add(std::move(p), "RH", false);
      }
    }
    for (const std::string& village : villages) {
      const Spot centre = streets_.Beside(rng_, Where::kOutskirts, 50, 80);
      const int houses = Between(rng_, 9, 13);
      std::set<int> numbers;
      for (int k = 0; k < houses; ++k) {
        int n = 0;
        do {
          n = Between(rng_, 1, 160);
        } while (!numbers.insert(n).second);
        Place p;
        p.category = "rental_housing";
        p.sub_kind = sub_kind(kInVillage);
        p.name = p.sub_kind == "dormitory" ? fmt::format("{}{}号员工宿舍", village, n)
                                           : fmt::format("{}{}号", village, n);
        p.location = Around(rng_, centre.at, 80);
        p.address = fmt::format("{}{}号（{}旁）", village, n, centre.street);
        p.notes = fmt::format("在住 {} 人", tenants(p.sub_kind));
        Add(std::move(p), "RH", false);
      }
    }
  }

  void Trades(const Recipe& r) {
    const std::string prefix = r.category == std::string_view("trade")        ? "TR"
                               : r.category == std::string_view("nine_small") ? "NS"
                               : r.category == std::string_view("hazardous")  ? "HZ"
                               : r.category == std::string_view("key_unit")   ? "KU"
                                                                              : "EN";
    const bool with_officer = prefix == "HZ" || prefix == "KU";
    for (int k = 0; k < r.count; ++k) {
      const Spot spot = streets_.Beside(rng_, r.where);
      const std::string word =
          r.named_after_street ? StreetStem(spot.street) : OneOf(rng_, TradeWords());
      Place p;
      p.name = UniqueName(word + OneOf(rng_, r.suffixes), spot.street);
      p.category = r.category;
      p.sub_kind = r.sub_kind;
      p.location = spot.at;
      p.address = fmt::format("{}{}号", spot.street, spot.number);
      Add(std::move(p), prefix.c_str(), with_officer);
    }
  }

  // 重点项目: a metro station's works, an estate's renewal and a park's second phase, each with
  // the officer responsible for it (项目警官).
  void KeyProjects() {
    const Spot metro = streets_.Beside(rng_, Where::kMainRoad, 10, 25);
    const Spot renewal = streets_.Beside(rng_, Where::kSideStreet, 40, 80);
    const Spot park = streets_.Beside(rng_, Where::kOutskirts, 60, 120);
    const std::vector<std::tuple<std::string, const char*, Spot, const char*>> projects = {
        {fmt::format("地铁3号线{}站施工项目", StreetStem(metro.street)), "infrastructure", metro,
         "施工围挡沿主干道约 400 米，夜间施工"},
        {fmt::format("{}片区棚户区改造项目", StreetStem(renewal.street)), "public_works", renewal,
         "涉及征迁 300 余户，外来务工人员约 200 人"},
        {fmt::format("{}智能制造产业园二期", OneOf(rng_, TradeWords())), "industrial", park,
         "在建厂房 6 栋"}};
    for (const auto& [name, kind, spot, notes] : projects) {
      Place p;
      p.name = name;
      p.category = "key_project";
      p.sub_kind = kind;
      p.location = spot.at;
      p.address = fmt::format("{}{}号", spot.street, spot.number);
      p.notes = notes;
      Add(std::move(p), "KP", true);
    }
  }

  Streets streets_;
  const JurisdictionIndex* index_;
  std::mt19937_64 rng_;
  std::vector<Place> places_;
  std::map<std::string, int> serial_;
  std::map<std::string, std::vector<std::string>> officers_;
  std::set<std::string> names_;
};

// What inspectors find, by category.
const std::vector<std::string>& HazardTexts(const std::string& category) {
  static const std::map<std::string, std::vector<std::string>> kTexts = {
      {"rental_housing",
       {"楼道堆放杂物，堵塞疏散通道", "电动自行车在室内停放充电", "私拉乱接电线，插线板串接使用",
        "新入住租客 2 人未登记", "室内使用易燃材料隔断"}},
      {"trade",
       {"未按规定逐人登记住宿旅客身份信息", "安全出口上锁，疏散指示标志损坏",
        "灭火器压力不足，已过检验期", "监控录像保存不足 30 天", "收购物品未登记来源"}},
      {"nine_small",
       {"店内住人，生产经营与住宿未分隔（“三合一”）", "液化气钢瓶与灶具间距不足，未装燃气报警器",
        "电气线路老化，私接大功率电器", "灭火器配置不足", "后门堆放纸箱，堵塞安全出口"}},
      {"hazardous",
       {"防雷防静电检测报告过期", "出入库台账记录不全", "超量储存，未按规定分区存放",
        "双人双锁制度未落实"}},
  };
  static const std::vector<std::string> kOther = {"监控设备部分故障", "门卫登记制度未落实"};
  auto it = kTexts.find(category);
  return it == kTexts.end() ? kOther : it->second;
}

}  // namespace

std::vector<Place> GenerateDemoPlaces(const roads::RoadGraph& graph,
                                      const std::vector<map::Place>& landmarks,
                                      const JurisdictionIndex* index, uint64_t seed) {
  return Generator(graph, index, seed).Run(landmarks);
}

Result<DemoPlacesReport> SeedDemoPlaces(engine::Engine& engine, registry::RegistryStore& store,
                                        const roads::RoadGraph& graph,
                                        const std::vector<map::Place>& landmarks, uint64_t seed,
                                        const std::string& actor) {
  DemoPlacesReport report;
  auto on_file = store.CountPlaces();
  if (!on_file) return on_file.error();
  if (*on_file > 0) return report;
  const auto index = engine.jurisdictions();
  std::vector<Place> generated = GenerateDemoPlaces(graph, landmarks, index.get(), seed);
  if (generated.empty()) return report;
  const TimePoint now = engine.clock().Now();
  if (auto imported = store.ImportPlaces(generated, now); !imported) return imported.error();
  report.seeded = true;

  // The places as stored, with their ids.
  std::vector<Place> places;
  registry::PlaceQuery all;
  all.limit = 500;
  for (;;) {
    auto page = store.ListPlaces(all);
    if (!page) return page.error();
    for (Place& p : page->places) places.push_back(std::move(p));
    if (page->places.empty() || std::ssize(places) >= page->total) break;
    all.offset = std::ssize(places);
  }
  report.places = std::ssize(places);

  std::mt19937_64 rng(seed ^ 0x1a5bec7ULL);
  const Day today = registry::DistrictDay(now);
  Campaign campaign;
  campaign.name = "节前安全大检查";
  campaign.categories = {"trade", "nine_small", "rental_housing", "hazardous"};
  campaign.from = today - std::chrono::days(9);
  campaign.to = today + std::chrono::days(20);
  campaign.notes =
      "元旦、春节前对行业场所、九小场所、出租房屋和涉危单位开展安全检查：消防通道、用电用气、"
      "实名登记、危险物品管理。";
  campaign.created_by = actor;
  if (Status ok = registry::NormalizeCampaign(campaign); !ok) return ok.error();
  auto added = store.AddCampaign(campaign, now);
  if (!added) return added.error();
  campaign = *added;
  report.campaign_id = campaign.id;

  // Whom the campaign sends: two inspectors per station.
  std::map<std::string, std::vector<std::string>> inspectors;
  auto inspector_of = [&](const Place& p) {
    auto& names = inspectors[p.station_id];
    while (names.size() < 2) names.push_back(RandomPersonName(rng));
    return OneOf(rng, names);
  };

  // Which places were visited: every hazardous unit and 38 others in scope, on days from the
  // campaign's first to today; ten visits found hazards (two of them two).
  std::vector<const Place*> in_scope;
  for (const Place& p : places)
    if (campaign.Covers(p)) in_scope.push_back(&p);
  std::shuffle(in_scope.begin(), in_scope.end(), rng);
  // Hazardous units first: the campaign checks every one of them.
  std::stable_partition(in_scope.begin(), in_scope.end(),
                        [](const Place* p) { return p->category == "hazardous"; });
  const auto hazardous = std::count_if(in_scope.begin(), in_scope.end(),
                                       [](const Place* p) { return p->category == "hazardous"; });
  in_scope.resize(std::min<size_t>(in_scope.size(), static_cast<size_t>(hazardous) + 38));
  std::shuffle(in_scope.begin(), in_scope.end(), rng);
  const int days = static_cast<int>((today - campaign.from).count());

  struct Visit {
    const Place* place;
    registry::CampaignId campaign_id;
    Day date;
    int hazards;
  };
  std::vector<Visit> visits;
  for (size_t k = 0; k < in_scope.size(); ++k) {
    // Shuffled: the first ten visits are those that found something.
    const int hazards = k < 10 ? (k % 5 == 0 ? 2 : 1) : 0;
    visits.push_back({in_scope[k], campaign.id,
                      campaign.from + std::chrono::days(Between(rng, 0, days)), hazards});
  }
  // Routine visits of key units, outside the campaign, in the weeks before it.
  std::vector<const Place*> key_units;
  for (const Place& p : places)
    if (p.category == "key_unit") key_units.push_back(&p);
  std::shuffle(key_units.begin(), key_units.end(), rng);
  for (size_t k = 0; k < std::min<size_t>(key_units.size(), 6); ++k)
    visits.push_back({key_units[k], 0, today - std::chrono::days(Between(rng, 10, 28)), 0});
  std::stable_sort(visits.begin(), visits.end(),
                   [](const Visit& a, const Visit& b) { return a.date < b.date; });

  static const std::vector<std::string> kAllWell = {
      "检查正常，消防设施完好", "登记台账规范，未发现问题", "已开展消防安全提示",
      "安全出口畅通，灭火器在有效期内", "从业人员信息已核对"};
  static const std::vector<std::string> kHomeWell = {
      "租客信息已核对，在住人员与登记一致", "楼道畅通，未发现问题", "已开展防火和反诈宣传"};
  struct Opened {
    CaseId case_id;
    Day date;
    std::string inspector;
  };
  std::vector<Opened> opened;
  int priority_one = 0;
  for (const Visit& v : visits) {
    Inspection in;
    in.place_id = v.place->id;
    in.campaign_id = v.campaign_id;
    in.date = v.date;
    in.inspector = inspector_of(*v.place);
    in.created_by = actor;
    std::vector<std::string> texts = HazardTexts(v.place->category);
    std::shuffle(texts.begin(), texts.end(), rng);
    for (int h = 0; h < v.hazards; ++h) {
      Hazard hazard;
      hazard.description = texts[static_cast<size_t>(h) % texts.size()];
      // One urgent hazard (rectify within 24 h), a few within 72 h, the rest within a week.
      hazard.priority = priority_one++ == 3 ? 1 : (Chance(rng, 0.3) ? 2 : 3);
      in.hazards.push_back(std::move(hazard));
    }
    if (v.hazards > 0) {
      in.notes = "已当场下达整改通知书";
    } else {
      in.notes = OneOf(rng, v.place->category == "rental_housing" ? kHomeWell : kAllWell);
    }
    if (Status ok = registry::NormalizeInspection(in); !ok) return ok.error();
    auto stored = store.AddInspection(std::move(in), now);
    if (!stored) return stored.error();
    ++report.inspections;
    // Each hazard's case, opened as POST /api/inspections opens it and then recorded.
    for (const Hazard& h : stored->hazards) {
      auto done =
          engine.Execute(Command{actor, registry::HazardCaseCommand(*v.place, h, index.get())});
      if (!done) return done.error();
      if (Status saved = store.SetHazardCase(h.id, done->id); !saved) return saved.error();
      opened.push_back({done->id, stored->date, stored->inspector});
      ++report.hazards;
    }
  }

  // The oldest two hazards were put right and passed re-inspection; the third is put right
  // and waits for its re-inspection.
  static const std::vector<std::string> kRectified = {"已清理完毕并拍照留存",
                                                      "已更换并张贴检查标签", "已整改到位"};
  for (size_t k = 0; k < std::min<size_t>(opened.size(), 3); ++k) {
    auto rectified = engine.Execute(Command{
        actor, CaseAction{opened[k].case_id, "rectify", {{"rectification", kRectified[k]}}}});
    if (!rectified) return rectified.error();
    if (k == 2) break;
    auto passed = engine.Execute(Command{
        actor,
        CaseAction{opened[k].case_id, "reinspect_pass", {{"inspector", opened[k].inspector}}}});
    if (!passed) return passed.error();
    ++report.hazards_closed;
  }
  return report;
}

}  // namespace pingan::demo
