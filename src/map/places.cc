#include "map/places.h"

#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <osmium/handler.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/visitor.hpp>

namespace pingan::map {
namespace {

struct TagsView {
  const char* amenity;
  const char* shop;
  const char* leisure;
  const char* tourism;
  const char* railway;
  const char* public_transport;
};

const char* PlaceName(const osmium::TagList& tags) {
  // A Chinese name first: the console speaks Chinese.
  const char* name = tags["name:zh"];
  return name ? name : tags["name"];
}

std::string KindOf(const osmium::TagList& tags, const char* name) {
  return PlaceKindFromTags(tags["amenity"], tags["shop"], tags["leisure"], tags["tourism"],
                           tags["railway"], tags["public_transport"], name);
}

// Pass 1: named ways that are places, and the nodes their outlines need.
class WayPlaces : public osmium::handler::Handler {
 public:
  struct Pending {
    std::string name;
    std::string kind;
    std::vector<osmium::object_id_type> refs;
  };
  std::vector<Pending> pending;
  std::unordered_map<osmium::object_id_type, LonLat> needed;

  void way(const osmium::Way& way) {  // NOLINT(readability-identifier-naming)
    const char* name = PlaceName(way.tags());
    if (name == nullptr || *name == '\0') return;
    std::string kind = KindOf(way.tags(), name);
    if (kind.empty()) return;
    Pending p{name, std::move(kind), {}};
    for (const osmium::NodeRef& ref : way.nodes()) {
      p.refs.push_back(ref.ref());
      needed.emplace(ref.ref(), LonLat{999, 999});
    }
    pending.push_back(std::move(p));
  }
};

// Pass 2: named nodes that are places, and the outline nodes of pass 1.
class NodePlaces : public osmium::handler::Handler {
 public:
  explicit NodePlaces(std::unordered_map<osmium::object_id_type, LonLat>& needed)
      : needed_(needed) {}
  std::vector<Place> places;

  void node(const osmium::Node& node) {  // NOLINT(readability-identifier-naming)
    if (!node.location().valid()) return;
    LonLat at{node.location().lon(), node.location().lat()};
    if (auto it = needed_.find(node.id()); it != needed_.end()) it->second = at;
    const char* name = PlaceName(node.tags());
    if (name == nullptr || *name == '\0') return;
    std::string kind = KindOf(node.tags(), name);
    if (!kind.empty()) places.push_back(Place{name, std::move(kind), at});
  }

 private:
  std::unordered_map<osmium::object_id_type, LonLat>& needed_;
};

bool Is(const char* value, std::initializer_list<std::string_view> options) {
  if (value == nullptr) return false;
  for (std::string_view o : options)
    if (o == value) return true;
  return false;
}

}  // namespace

std::string PlaceKindFromTags(const char* amenity, const char* shop, const char* leisure,
                              const char* tourism, const char* railway,
                              const char* public_transport, std::string_view name) {
  if (Is(amenity, {"school", "kindergarten", "college", "university"})) return "school";
  if (Is(amenity, {"marketplace"}) || Is(shop, {"market"})) {
    return name.find("夜市") != std::string_view::npos ? "night_market" : "market";
  }
  if (Is(shop, {"mall", "department_store", "supermarket"})) return "mall";
  if (Is(amenity, {"hospital", "clinic"})) return "hospital";
  if (Is(amenity, {"police"})) return "police";
  if (Is(amenity, {"bus_station", "ferry_terminal"}) || Is(railway, {"station"}) ||
      Is(public_transport, {"station"})) {
    return "transport";
  }
  if (Is(amenity, {"bar", "pub", "nightclub", "karaoke_box"})) return "nightlife";
  if (Is(leisure, {"park", "stadium"})) return "park";
  if (Is(tourism, {"attraction", "museum", "hotel"}) || Is(amenity, {"townhall", "bank"})) {
    return "landmark";
  }
  return {};
}

Result<std::vector<Place>> ImportOsmPlaces(const std::string& path) {
  WayPlaces ways;
  std::vector<Place> places;
  try {
    osmium::io::File file(path);
    {
      osmium::io::Reader reader(file, osmium::osm_entity_bits::way);
      osmium::apply(reader, ways);
      reader.close();
    }
    NodePlaces nodes(ways.needed);
    {
      osmium::io::Reader reader(file, osmium::osm_entity_bits::node);
      osmium::apply(reader, nodes);
      reader.close();
    }
    places = std::move(nodes.places);
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInvalidInput, fmt::format("{}: {}", path, e.what()), "file"};
  }
  for (const WayPlaces::Pending& p : ways.pending) {
    // The mean of the outline's distinct nodes: good enough for a label and a search hit.
    double lon = 0, lat = 0;
    int n = 0;
    for (size_t i = 0; i < p.refs.size(); ++i) {
      if (i + 1 == p.refs.size() && p.refs.size() > 1 && p.refs[i] == p.refs[0]) break;
      LonLat at = ways.needed[p.refs[i]];
      if (at.lon > 180) continue;  // outside a clipped extract
      lon += at.lon;
      lat += at.lat;
      ++n;
    }
    if (n > 0) places.push_back(Place{p.name, p.kind, {lon / n, lat / n}});
  }
  return places;
}

Result<std::vector<Place>> LoadPlaces(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::vector<Place>{};
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidInput("file", fmt::format("{}: {}", path, e.what()));
  }
  if (!doc.is_object() || !doc.contains("features") || !doc["features"].is_array()) {
    return InvalidInput("features", path + ": not a GeoJSON FeatureCollection");
  }
  std::vector<Place> places;
  for (size_t i = 0; i < doc["features"].size(); ++i) {
    const auto& f = doc["features"][i];
    std::string field = fmt::format("features[{}]", i);
    try {
      const auto& c = f.at("geometry").at("coordinates");
      Place p{f.at("properties").at("name").get<std::string>(),
              f.at("properties").value("kind", std::string("other")),
              {c.at(0).get<double>(), c.at(1).get<double>()}};
      if (!IsValid(p.at)) return InvalidInput(field, path + ": coordinates out of range");
      places.push_back(std::move(p));
    } catch (const nlohmann::json::exception& e) {
      return InvalidInput(field, fmt::format("{}: {}: {}", path, field, e.what()));
    }
  }
  return places;
}

Status SavePlaces(const std::string& path, const std::vector<Place>& places) {
  nlohmann::json features = nlohmann::json::array();
  for (const Place& p : places) {
    features.push_back({{"type", "Feature"},
                        {"geometry", {{"type", "Point"}, {"coordinates", {p.at.lon, p.at.lat}}}},
                        {"properties", {{"name", p.name}, {"kind", p.kind}}}});
  }
  nlohmann::json doc = {{"type", "FeatureCollection"}, {"features", features}};
  // Written beside and renamed over: a crash leaves the old file or the new, never half.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << doc.dump(1) << "\n";
    out.flush();
    if (!out) return Error{ErrorCode::kInternal, "cannot write " + tmp, "file"};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error{ErrorCode::kInternal, "cannot rename " + tmp + " to " + path, "file"};
  }
  return {};
}

}  // namespace pingan::map
