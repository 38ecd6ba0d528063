#include "core/gcj02.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/geo.h"

namespace pingan {
namespace {

TEST(Gcj02, OffsetInBeijingIsSeveralHundredMetresEastAndNorth) {
  // Tiananmen, WGS84. Map apps in China (GCJ-02) show it near 116.3975, 39.9087.
  LonLat wgs{116.391265, 39.907339};
  Gcj02LonLat gcj = ToGcj02(wgs);
  EXPECT_NEAR(gcj.lon, 116.3975, 0.0002);
  EXPECT_NEAR(gcj.lat, 39.9087, 0.0002);
  double east_m = DistanceM(wgs, LonLat{gcj.lon, wgs.lat});
  double north_m = DistanceM(wgs, LonLat{wgs.lon, gcj.lat});
  EXPECT_GT(gcj.lon, wgs.lon);
  EXPECT_GT(gcj.lat, wgs.lat);
  EXPECT_GT(east_m, 450);
  EXPECT_LT(east_m, 620);
  EXPECT_GT(north_m, 100);
  EXPECT_LT(north_m, 200);
  double total_m = DistanceM(wgs, LonLat{gcj.lon, gcj.lat});
  EXPECT_GT(total_m, 400);
  EXPECT_LT(total_m, 700);
}

TEST(Gcj02, RoundTripAcrossChinaIsWithinACentimetre) {
  for (double lon = 73.5; lon < 135.0; lon += 2.5) {
    for (double lat = 18.5; lat < 53.5; lat += 2.5) {
      LonLat wgs{lon, lat};
      LonLat back = ToWgs84(ToGcj02(wgs));
      EXPECT_LT(DistanceM(wgs, back), 0.01) << lon << "," << lat;
      EXPECT_LT(std::abs(back.lon - wgs.lon), 1e-7) << lon << "," << lat;
      EXPECT_LT(std::abs(back.lat - wgs.lat), 1e-7) << lon << "," << lat;
    }
  }
}

TEST(Gcj02, InversionReproducesTheGcjPosition) {
  // Shanghai People's Square and a point on the lon 105° cusp of the formula.
  for (Gcj02LonLat gcj : {Gcj02LonLat{121.4782, 31.2285}, Gcj02LonLat{105.0, 30.0}}) {
    Gcj02LonLat again = ToGcj02(ToWgs84(gcj));
    EXPECT_NEAR(again.lon, gcj.lon, 1e-8);
    EXPECT_NEAR(again.lat, gcj.lat, 1e-8);
    EXPECT_GT(DistanceM(LonLat{gcj.lon, gcj.lat}, ToWgs84(gcj)), 100);
  }
}

TEST(Gcj02, NoOffsetOutsideChina) {
  for (LonLat p : {LonLat{-0.1276, 51.5072}, LonLat{139.6917, 35.6895}, LonLat{151.2093, -33.8688},
                   LonLat{103.8198, 0.5}}) {
    Gcj02LonLat gcj = ToGcj02(p);
    EXPECT_EQ(gcj.lon, p.lon);
    EXPECT_EQ(gcj.lat, p.lat);
    EXPECT_EQ(ToWgs84(gcj), p);
  }
  EXPECT_FALSE(IsInsideGcj02Area(72.0, 40.0));
  EXPECT_TRUE(IsInsideGcj02Area(116.4, 39.9));
}

}  // namespace
}  // namespace pingan
