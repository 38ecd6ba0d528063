// A small district for the registry's tests: a bureau of two stations (north and south halves
// of a 0.1° square near Yantai), one grid in the north-west quarter, and places laid on it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/jurisdiction.h"
#include "registry/records.h"
#include "support/jurisdiction_squares.h"

namespace pingan::test {

//   37.55 +-----------+-----------+
//         |  G-NW     |           |   S-N: the north half
//   37.50 +-----------+-----------+
//         |                       |   S-S: the south half
//   37.45 +-----------+-----------+
//      121.40      121.45      121.50
inline std::vector<Jurisdiction> DistrictJurisdictions() {
  return {
      Square("B", "", JurisdictionLevel::kBureau, 121.40, 37.45, 121.50, 37.55),
      Square("S-N", "B", JurisdictionLevel::kStation, 121.40, 37.50, 121.50, 37.55),
      Square("S-S", "B", JurisdictionLevel::kStation, 121.40, 37.45, 121.50, 37.50),
      Square("G-NW", "S-N", JurisdictionLevel::kGrid, 121.40, 37.50, 121.45, 37.55),
  };
}

inline std::shared_ptr<const JurisdictionIndex> DistrictIndex() {
  auto index = JurisdictionIndex::Build(DistrictJurisdictions());
  EXPECT_TRUE(index.has_value());
  return index ? *index : nullptr;
}

inline registry::Place MakePlace(std::string external_id, std::string name, std::string category,
                                 std::string sub_kind, LonLat at) {
  registry::Place p;
  p.external_id = std::move(external_id);
  p.name = std::move(name);
  p.category = std::move(category);
  p.sub_kind = std::move(sub_kind);
  p.location = at;
  if (p.category == "key_project") p.officer = "李警官";
  return p;
}

}  // namespace pingan::test
