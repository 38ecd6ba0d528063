#include "support/district_files.h"

#include <fstream>

namespace pingan::test {

namespace {

nlohmann::json Rectangle(const char* id, const char* name, const char* level, const char* parent,
                         double x0, double x1) {
  nlohmann::json properties = {{"id", id}, {"name", name}, {"level", level}};
  if (*parent) properties["parent_id"] = parent;
  return {{"type", "Feature"},
          {"properties", properties},
          {"geometry",
           {{"type", "Polygon"},
            {"coordinates", {{{x0, 37.4}, {x1, 37.4}, {x1, 37.6}, {x0, 37.6}, {x0, 37.4}}}}}}};
}

}  // namespace

nlohmann::json TwoStationDistrict() {
  return {{"type", "FeatureCollection"},
          {"features",
           {Rectangle("LS", "莱山分局", "bureau", "", 121.3, 121.5),
            Rectangle("LS-01", "初家派出所", "station", "LS", 121.3, 121.4),
            Rectangle("LS-02", "黄海路派出所", "station", "LS", 121.4, 121.5)}}};
}

CommandResult ImportJurisdictions(const std::string& data_dir, const nlohmann::json& geojson) {
  const std::string file = data_dir + "/districts.geojson";
  std::ofstream(file) << geojson.dump();
  return RunPingan({"import", "jurisdictions", file, "--data-dir", data_dir});
}

}  // namespace pingan::test
