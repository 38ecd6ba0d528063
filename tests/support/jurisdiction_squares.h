// Jurisdictions drawn as rectangles, the districts tests lay out on graph paper.
#pragma once

#include <string>
#include <utility>

#include "core/jurisdiction.h"

namespace pingan::test {

// The rectangle [x0, x1] × [y0, y1] (longitude, latitude) as a jurisdiction named by its id.
inline Jurisdiction Square(std::string id, std::string parent, JurisdictionLevel level, double x0,
                           double y0, double x1, double y1) {
  Jurisdiction j;
  j.name = id;
  j.id = std::move(id);
  j.parent_id = std::move(parent);
  j.level = level;
  j.area.polygons.push_back({{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, {}});
  return j;
}

}  // namespace pingan::test
