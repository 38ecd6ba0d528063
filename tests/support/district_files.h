// Districts for the tests that start the real binary: GeoJSON written to a file and imported
// with `pingan import jurisdictions`, as a bureau would.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "support/server_process.h"

namespace pingan::test {

// 莱山分局 (LS) over [121.3, 121.5] × [37.4, 37.6]: 初家派出所 (LS-01) west of 121.4,
// 黄海路派出所 (LS-02) east of it.
nlohmann::json TwoStationDistrict();

// Writes `geojson` to DATA_DIR/districts.geojson and imports it; the server must not be running.
CommandResult ImportJurisdictions(const std::string& data_dir, const nlohmann::json& geojson);

}  // namespace pingan::test
