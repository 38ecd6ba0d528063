// Finding a place by what a caller says: a street name, a named place, or a crossing of two
// streets ("人民路与文化路", "Main St & 3rd Ave"). Every answer is a point on the map.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "map/places.h"
#include "roads/road_graph.h"

namespace pingan::map {

struct AddressHit {
  std::string name;
  std::string kind;  // street, intersection, or a place kind (school, mall, ...)
  LonLat at;
};

class AddressIndex {
 public:
  // `graph` must outlive the index.
  AddressIndex(const roads::RoadGraph& graph, const std::vector<Place>& places);

  // Best first: exact names, then names starting with the query, then names containing it;
  // places before streets of the same rank, shorter names first. Case-insensitive for Latin
  // letters; every word of the query must appear.
  std::vector<AddressHit> Search(std::string_view query, size_t limit) const;

  size_t street_count() const { return streets_.size(); }

 private:
  struct Street {
    uint32_t name = 0;            // RoadGraph name index
    LonLat at;                    // a point on the street near the middle of this stretch
    std::vector<uint32_t> nodes;  // sorted, for crossings
  };
  struct Entry {
    std::string folded;  // lower-case name for matching
    std::string name;
    std::string kind;
    LonLat at;
    int street = -1;  // index into streets_ for streets
  };

  std::vector<AddressHit> Crossings(std::string_view a, std::string_view b, size_t limit) const;
  // Entries matching `query`, best first, with their rank.
  std::vector<std::pair<int, const Entry*>> Match(std::string_view query) const;

  const roads::RoadGraph& graph_;
  std::vector<Street> streets_;
  std::vector<Entry> entries_;
};

// Lower-cases ASCII letters and folds runs of spaces; other characters are kept as they are.
std::string FoldForSearch(std::string_view text);

}  // namespace pingan::map
