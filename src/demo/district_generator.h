// The demo district: everything `pingan demo` needs that a bureau would otherwise bring, made
// up from nothing but a seed. A street plan with arterials, local streets, a river crossed only
// by the main roads (so the nearest unit as the crow flies is often not the fastest), places
// (schools, malls, night markets, hospitals, stations), four police stations with grids, and the
// units on shift. The streets are written as an OpenStreetMap file and imported like any map, so
// the demo and a real district share one path; with a real map only the stations, grids and
// units are generated over it.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/commands.h"
#include "core/jurisdiction.h"
#include "map/places.h"
#include "roads/road_graph.h"

namespace pingan::demo {

// A whole made-up district as OSM XML (ways with highway, name and oneway tags; places as
// tagged nodes). About 7 km by 6 km around `centre`.
std::string GenerateDistrictOsm(uint64_t seed, LonLat centre = {117.2272, 31.8206});

// The organisation laid over a road network: a bureau, four stations (the quadrants around the
// network's median node) and four grids in each.
std::vector<Jurisdiction> GenerateJurisdictions(const roads::RoadGraph& graph);

// The units on shift: per station three patrol cars, two motorcycles, two foot patrols, a
// guard on foot and a volunteer on a bicycle; two bureau cars. Callsigns are unique.
std::vector<CreateUnit> GenerateUnits(const std::vector<Jurisdiction>& jurisdictions,
                                      uint64_t seed);

// A made-up Chinese name (crews, callers).
std::string RandomPersonName(std::mt19937_64& rng);

// A few made-up places where a real map has none of a kind the demo's calls gather around
// (schools, malls, night markets), each at a road node inside the network.
std::vector<map::Place> AddMissingPlaces(const roads::RoadGraph& graph,
                                         std::vector<map::Place> places, uint64_t seed);

}  // namespace pingan::demo
