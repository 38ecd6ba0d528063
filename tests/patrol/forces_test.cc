// FORCES.json: units per shift with stations, fixed duties, and errors that name the field.
#include "patrol/forces.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pingan::patrol {
namespace {

TEST(Forces, ReadsUnitsStationsAndDuties) {
  auto forces = ParseForces(nlohmann::json::parse(R"({
    "units": [{"callsign": "巡逻车", "mode": "car", "count": 3, "shift": "8-20", "station": "cb"},
              {"callsign": "步巡", "mode": "foot", "shift": "18-2"}],
    "duties": [{"id": "school_post:实验小学", "kind": "school_post", "lon": 117.1, "lat": 36.6,
                "from": "07:30", "to": "08:30", "modes": ["car", "foot"]},
               {"id": "checkpoint", "lon": 117.2, "lat": 36.7, "from": "22:00", "to": "02:00",
                "units": 2}]})"));
  ASSERT_TRUE(forces) << forces.error().field << ": " << forces.error().message;
  ASSERT_EQ(forces->units.size(), 4u);
  EXPECT_EQ(forces->units[0].callsign, "巡逻车-1");
  EXPECT_EQ(forces->units[2].station_id, "cb");
  EXPECT_EQ(forces->units[3].mode, TravelMode::kFoot);
  EXPECT_TRUE(forces->units[3].OnDuty(23 * 3600.0));
  EXPECT_TRUE(forces->units[3].OnDuty(1 * 3600.0));
  EXPECT_FALSE(forces->units[3].OnDuty(3 * 3600.0));
  ASSERT_EQ(forces->duties.size(), 2u);
  EXPECT_EQ(forces->duties[0].from_minute, 7 * 60 + 30);
  EXPECT_EQ(forces->duties[0].to_minute, 8 * 60 + 30);
  EXPECT_EQ(forces->duties[0].modes.size(), 2u);
  EXPECT_EQ(forces->duties[1].kind, "key_area");
  EXPECT_EQ(forces->duties[1].to_minute, 26 * 60);  // past midnight
  EXPECT_EQ(forces->duties[1].units, 2);

  // What it writes, it reads back the same.
  auto again = ParseForces(ForcesToJson(*forces));
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message;
  EXPECT_EQ(again->units.size(), forces->units.size());
  EXPECT_EQ(again->duties[1].to_minute, 26 * 60);
  EXPECT_EQ(again->units[3].shift_end_hour % 24, 2);
}

TEST(Forces, ErrorsNameTheField) {
  auto field_of = [](const char* text) {
    auto forces = ParseForces(nlohmann::json::parse(text));
    return forces ? std::string("(accepted)") : forces.error().field;
  };
  EXPECT_EQ(field_of(R"({"units": 3})"), "units");
  EXPECT_EQ(field_of(R"({"units": []})"), "units");
  EXPECT_EQ(field_of(R"({"units": [{"mode": "car"}, {"mode": "boat"}]})"), "units[1].mode");
  EXPECT_EQ(field_of(R"({"units": [{"count": 0}]})"), "units[0].count");
  EXPECT_EQ(field_of(R"({"units": [{"shift": "8-"}]})"), "units[0].shift");
  EXPECT_EQ(field_of(R"({"units": [{}], "duties": [{"lon": 1, "lat": 2}]})"), "duties[0].id");
  EXPECT_EQ(field_of(R"({"units": [{}], "duties": [{"id": "x", "lat": 2}]})"), "duties[0].lon");
  EXPECT_EQ(
      field_of(
          R"({"units": [{}], "duties": [{"id": "x", "lon": 1, "lat": 2, "from": "7:30", "to": "08:30"}]})"),
      "duties[0].from");
  EXPECT_EQ(
      field_of(
          R"({"units": [{}], "duties": [{"id": "x", "lon": 1, "lat": 2, "from": "07:30", "to": "08:61"}]})"),
      "duties[0].to");
  EXPECT_EQ(
      field_of(
          R"({"units": [{}], "duties": [{"id": "x", "lon": 1, "lat": 2, "from": "07:30", "to": "08:30", "modes": ["car", "horse"]}]})"),
      "duties[0].modes[1]");
  EXPECT_EQ(
      field_of(
          R"({"units": [{}], "duties": [{"id": "x", "lon": 1, "lat": 2, "from": "07:30", "to": "08:30", "units": 0}]})"),
      "duties[0].units");
}

}  // namespace
}  // namespace pingan::patrol
