// Named places a dispatcher searches for and sees on the map: schools, malls, night markets,
// hospitals, stations. Read from OpenStreetMap beside the roads (`pingan import roads`) or
// written by the demo generator, and kept in DIR/places.geojson (a GeoJSON FeatureCollection of
// points, so it can be edited or replaced by hand).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/geo.h"
#include "core/result.h"

namespace pingan::map {

struct Place {
  std::string name;
  std::string kind;  // school, mall, night_market, market, hospital, park, police, transport,
                     // landmark, nightlife, other
  LonLat at;
  bool operator==(const Place&) const = default;
};

inline constexpr std::string_view kPlacesFile = "places.geojson";

// The named points and areas of an OSM extract that matter to policing, as places (an area
// becomes the centre of its outline). Errors name the file.
Result<std::vector<Place>> ImportOsmPlaces(const std::string& path);

// The kind of an OSM object from its tags (`tag(key)` returns the value or null); empty when
// the object is not a place we keep.
std::string PlaceKindFromTags(const char* amenity, const char* shop, const char* leisure,
                              const char* tourism, const char* railway,
                              const char* public_transport, std::string_view name);

// DIR/places.geojson. A missing file is an empty list; a malformed one is an error naming the
// feature.
Result<std::vector<Place>> LoadPlaces(const std::string& path);
Status SavePlaces(const std::string& path, const std::vector<Place>& places);

}  // namespace pingan::map
