#include "roads/osm_import.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <osmium/handler.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/visitor.hpp>

namespace pingan::roads {
namespace {

// The travel profile. Speeds are typical moving speeds in a city, not limits: a patrol car
// answering a call moves at about 80 % of the posted limit through traffic.
struct ClassSpeeds {
  RoadClass road_class;
  double car_kmh;   // also motorcycles; 0 = not allowed
  double foot_kmh;  // 0 = not allowed
  double bike_kmh;  // 0 = not allowed unless tagged bicycle=yes
  bool implies_oneway = false;
};

const ClassSpeeds* LookupHighway(std::string_view highway) {
  static const std::unordered_map<std::string_view, ClassSpeeds> kTable = {
      {"motorway", {RoadClass::kMotorway, 90, 0, 0, true}},
      {"motorway_link", {RoadClass::kMotorway, 45, 0, 0, true}},
      {"trunk", {RoadClass::kTrunk, 70, 5, 16}},
      {"trunk_link", {RoadClass::kTrunk, 40, 5, 16}},
      {"primary", {RoadClass::kPrimary, 55, 5, 16}},
      {"primary_link", {RoadClass::kPrimary, 35, 5, 16}},
      {"secondary", {RoadClass::kSecondary, 45, 5, 16}},
      {"secondary_link", {RoadClass::kSecondary, 30, 5, 16}},
      {"tertiary", {RoadClass::kTertiary, 40, 5, 16}},
      {"tertiary_link", {RoadClass::kTertiary, 25, 5, 16}},
      {"unclassified", {RoadClass::kUnclassified, 30, 5, 16}},
      {"road", {RoadClass::kUnclassified, 20, 5, 14}},
      {"residential", {RoadClass::kResidential, 25, 5, 16}},
      {"living_street", {RoadClass::kLivingStreet, 10, 5, 10}},
      {"service", {RoadClass::kService, 15, 5, 14}},
      {"track", {RoadClass::kTrack, 10, 5, 12}},
      {"pedestrian", {RoadClass::kPedestrian, 0, 5, 0}},
      {"footway", {RoadClass::kFootway, 0, 5, 0}},
      {"bridleway", {RoadClass::kPath, 0, 5, 0}},
      {"cycleway", {RoadClass::kCycleway, 0, 5, 18}},
      {"path", {RoadClass::kPath, 0, 5, 12}},
      {"steps", {RoadClass::kSteps, 0, 3, 0}},
  };
  auto it = kTable.find(highway);
  return it == kTable.end() ? nullptr : &it->second;
}

enum class Access { kUnset, kAllowed, kDenied };

Access ParseAccess(const char* value) {
  if (value == nullptr) return Access::kUnset;
  std::string_view v(value);
  if (v == "no" || v == "private" || v == "agricultural" || v == "forestry" ||
      v == "use_sidepath" || v == "discouraged") {
    return Access::kDenied;
  }
  if (v == "yes" || v == "designated" || v == "permissive" || v == "destination" ||
      v == "customers" || v == "official" || v == "delivery") {
    return Access::kAllowed;
  }
  return Access::kUnset;
}

// The most specific access tag that is set decides (motorcar before motor_vehicle before
// vehicle before access).
Access ResolveAccess(const osmium::TagList& tags, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    Access a = ParseAccess(tags[key]);
    if (a != Access::kUnset) return a;
  }
  return Access::kUnset;
}

// km/h from a maxspeed value ("50", "30 mph", "walk"); 0 when absent or unreadable.
double ParseMaxSpeedKmh(const char* value) {
  if (value == nullptr) return 0;
  std::string_view v(value);
  if (v == "walk") return 6;
  char* end = nullptr;
  double number = std::strtod(value, &end);
  if (end == value || number <= 0 || number > 200) return 0;
  if (std::string_view(end).find("mph") != std::string_view::npos) number *= 1.609344;
  return number;
}

// +1 forward only, -1 backward only, 0 both ways.
int ParseOneway(const char* value, bool implied) {
  if (value == nullptr) return implied ? 1 : 0;
  std::string_view v(value);
  if (v == "yes" || v == "true" || v == "1") return 1;
  if (v == "-1" || v == "reverse") return -1;
  if (v == "no" || v == "false" || v == "0") return 0;
  return implied ? 1 : 0;
}

bool StartsWith(const char* value, std::string_view prefix) {
  return value != nullptr && std::string_view(value).substr(0, prefix.size()) == prefix;
}

struct WayRecord {
  std::vector<osmium::object_id_type> refs;
  uint32_t name = 0;
  RoadClass road_class = RoadClass::kResidential;
  // Speeds in km/h per mode and direction (0 = not allowed).
  std::array<std::array<float, 2>, kModeCount> kmh{};
};

class WayCollector : public osmium::handler::Handler {
 public:
  std::vector<WayRecord> ways;
  std::unordered_map<osmium::object_id_type, NodeIndex> node_index;
  std::vector<std::string> names{""};
  std::unordered_map<std::string, uint32_t> name_ids{{"", 0}};
  uint64_t ways_read = 0;

  void way(const osmium::Way& way) {  // NOLINT(readability-identifier-naming): osmium's name
    ++ways_read;
    const osmium::TagList& tags = way.tags();
    const char* highway = tags["highway"];
    if (highway == nullptr || way.nodes().size() < 2) return;
    const ClassSpeeds* profile = LookupHighway(highway);
    if (profile == nullptr) return;
    if (const char* area = tags["area"]; area != nullptr && std::strcmp(area, "yes") == 0) return;

    WayRecord record;
    record.road_class = profile->road_class;
    const bool implied_oneway =
        profile->implies_oneway ||
        (tags["junction"] != nullptr && (std::strcmp(tags["junction"], "roundabout") == 0 ||
                                         std::strcmp(tags["junction"], "circular") == 0));
    const int oneway = ParseOneway(tags["oneway"], implied_oneway);
    const double maxspeed = ParseMaxSpeedKmh(tags["maxspeed"]);

    auto directions = [](double kmh, int dir) {
      return std::array<float, 2>{dir >= 0 ? float(kmh) : 0.f, dir <= 0 ? float(kmh) : 0.f};
    };

    // Car and motorcycle.
    for (TravelMode m : {TravelMode::kCar, TravelMode::kMotorcycle}) {
      double kmh = profile->car_kmh;
      Access access =
          m == TravelMode::kCar
              ? ResolveAccess(tags, {"motorcar", "motor_vehicle", "vehicle", "access"})
              : ResolveAccess(tags, {"motorcycle", "motor_vehicle", "vehicle", "access"});
      if (access == Access::kDenied) kmh = 0;
      if (kmh > 0 && maxspeed > 0) kmh = std::max(5.0, maxspeed * 0.8);
      record.kmh[ModeSlot(m)] = directions(kmh, oneway);
    }
    // Foot: oneway does not apply unless tagged for pedestrians.
    {
      double kmh = profile->foot_kmh;
      Access access = ResolveAccess(tags, {"foot", "access"});
      if (access == Access::kDenied) kmh = 0;
      if (kmh == 0 && access == Access::kAllowed && profile->car_kmh == 0) kmh = 5;
      record.kmh[ModeSlot(TravelMode::kFoot)] =
          directions(kmh, ParseOneway(tags["oneway:foot"], false));
    }
    // Bicycle: oneway applies unless lifted for bicycles.
    {
      double kmh = profile->bike_kmh;
      Access access = ResolveAccess(tags, {"bicycle", "vehicle", "access"});
      if (access == Access::kDenied) kmh = 0;
      if (kmh == 0 && access == Access::kAllowed && profile->road_class != RoadClass::kSteps &&
          profile->road_class != RoadClass::kMotorway) {
        kmh = 12;
      }
      int dir = oneway;
      if (const char* ob = tags["oneway:bicycle"]; ob != nullptr) dir = ParseOneway(ob, false);
      if (StartsWith(tags["cycleway"], "opposite")) dir = 0;
      record.kmh[ModeSlot(TravelMode::kBicycle)] = directions(kmh, dir);
    }

    bool usable = false;
    for (const auto& pair : record.kmh) usable |= pair[0] > 0 || pair[1] > 0;
    if (!usable) return;

    const char* name = tags["name"];
    if (name == nullptr) name = tags["ref"];
    if (name != nullptr) {
      auto [it, inserted] = name_ids.emplace(name, uint32_t(names.size()));
      if (inserted) names.emplace_back(name);
      record.name = it->second;
    }
    record.refs.reserve(way.nodes().size());
    for (const osmium::NodeRef& ref : way.nodes()) {
      record.refs.push_back(ref.ref());
      node_index.emplace(ref.ref(), kNone);
    }
    ways.push_back(std::move(record));
  }
};

class NodeCollector : public osmium::handler::Handler {
 public:
  explicit NodeCollector(std::unordered_map<osmium::object_id_type, NodeIndex>& index)
      : index_(index) {}
  std::vector<LonLat> nodes;

  void node(const osmium::Node& node) {  // NOLINT(readability-identifier-naming)
    auto it = index_.find(node.id());
    if (it == index_.end() || it->second != kNone || !node.location().valid()) return;
    it->second = NodeIndex(nodes.size());
    nodes.push_back(LonLat{node.location().lon(), node.location().lat()});
  }

 private:
  std::unordered_map<osmium::object_id_type, NodeIndex>& index_;
};

}  // namespace

Result<RoadGraph> ImportOsm(const std::string& path, ImportReport* report) {
  ImportReport local;
  ImportReport& r = report ? *report : local;
  WayCollector ways;
  std::vector<LonLat> node_positions;
  try {
    // Two passes, ways first, so that unsorted files (JOSM writes them) work and only the
    // nodes of routable ways are kept in memory.
    osmium::io::File file(path);
    {
      osmium::io::Reader reader(file, osmium::osm_entity_bits::way);
      osmium::apply(reader, ways);
      reader.close();
    }
    NodeCollector nodes(ways.node_index);
    {
      osmium::io::Reader reader(file, osmium::osm_entity_bits::node);
      osmium::apply(reader, nodes);
      reader.close();
    }
    node_positions = std::move(nodes.nodes);
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInvalidInput, fmt::format("{}: {}", path, e.what()), "file"};
  }
  r.ways_read = ways.ways_read;
  r.ways_routable = ways.ways.size();
  r.nodes_needed = ways.node_index.size();

  std::vector<Segment> segments;
  std::array<std::vector<std::array<uint32_t, 2>>, kModeCount> times;
  for (const WayRecord& way : ways.ways) {
    for (size_t i = 0; i + 1 < way.refs.size(); ++i) {
      NodeIndex a = ways.node_index[way.refs[i]];
      NodeIndex b = ways.node_index[way.refs[i + 1]];
      if (a == kNone || b == kNone) {
        ++r.node_refs_missing;
        continue;  // the way is cut here; its pieces on either side stay
      }
      if (a == b) continue;
      double length = DistanceM(node_positions[a], node_positions[b]);
      if (length > 50'000) {
        ++r.segments_too_long;
        continue;
      }
      segments.push_back(Segment{a, b, float(length), way.name, uint8_t(way.road_class), 0});
      for (int m = 0; m < kModeCount; ++m) {
        std::array<uint32_t, 2> t{0, 0};
        for (int d = 0; d < 2; ++d) {
          float kmh = way.kmh[m][d];
          if (kmh > 0)
            t[d] = std::max<uint32_t>(1, uint32_t(std::lround(length / (kmh / 3.6) * 1000)));
        }
        times[m].push_back(t);
      }
    }
  }
  r.segments = segments.size();
  return RoadGraph(std::move(node_positions), std::move(segments), std::move(ways.names),
                   std::move(times));
}

}  // namespace pingan::roads
