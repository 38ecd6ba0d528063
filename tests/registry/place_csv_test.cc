// Places from CSV: RFC 4180 records with the lines they start on, Chinese headers and labels,
// every bad row reported as FILE:LINE with its column, a GBK file refused where it goes wrong,
// duplicate ids, GCJ-02 coordinates, and stations and grids found from the locations.
#include "registry/place_csv.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/gcj02.h"
#include "registry/registry_fixtures.h"

namespace pingan::registry {
namespace {

constexpr const char* kHeader =
    "external_id,name,category,sub_kind,address,lon,lat,contact_name,contact_phone,officer\n";

TEST(SplitCsv, QuotedFieldsMayHoldCommasQuotesAndLineBreaks) {
  CsvSplit split = SplitCsv("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n\n1,,3\n4,5,6");
  ASSERT_TRUE(split.error.empty()) << split.error;
  ASSERT_EQ(split.records.size(), 4u);
  EXPECT_EQ(split.records[1].fields, (std::vector<std::string>{"x,1", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(split.records[1].line, 2u);
  // The record after a field with a line break starts two lines on; the blank line is skipped.
  EXPECT_EQ(split.records[2].line, 5u);
  EXPECT_EQ(split.records[2].fields, (std::vector<std::string>{"1", "", "3"}));
  EXPECT_EQ(split.records[3].line, 6u);

  CsvSplit open = SplitCsv("a,b\n1,\"never closed\n2,3\n");
  EXPECT_EQ(open.error_line, 2u);
  EXPECT_NE(open.error.find("never closed"), std::string::npos);
  CsvSplit trailing = SplitCsv("a,b\n1,\"x\"y\n");
  EXPECT_EQ(trailing.error_line, 2u);
}

TEST(FindInvalidUtf8, AcceptsUtf8AndFindsTheFirstBadByte) {
  EXPECT_FALSE(FindInvalidUtf8("海景宾馆, ok 😀"));
  // 宾馆 in GBK.
  EXPECT_EQ(FindInvalidUtf8("ab\xB1\xF6\xB9\xDD"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);       // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);  // a surrogate
  EXPECT_EQ(FindInvalidUtf8("x\xE6\xB5"), 1u);      // cut short
}

TEST(ReadPlaceCsv, ReadsChineseHeadersLabelsAndABom) {
  auto index = test::DistrictIndex();
  std::string text =
      "\xEF\xBB\xBF编号,名称,类别,子类,地址,经度,纬度,联系人,联系电话,项目警官,来源系统\n"
      "RH-1,幸福里3号楼,出租房屋,整租,幸福路3号,121.42,37.52,张三,13812345678,,旧系统\n"
      "KP-1,地铁三号线二期,重点项目,基础设施,\"港城大道, 东段\",121.47,37.46,,,李明,旧系统\n"
      "HZ-1,港区油库,涉危单位,危化品,,121.60,37.60,,,,旧系统\n";
  PlaceCsvOptions options;
  options.jurisdictions = index.get();
  PlaceCsv csv = ReadPlaceCsv(text, "places.csv", options);
  ASSERT_EQ(csv.error_count, 0u) << csv.errors[0];
  ASSERT_EQ(csv.places.size(), 3u);
  EXPECT_EQ(csv.ignored_columns, std::vector<std::string>{"来源系统"});
  const Place& rh = csv.places[0];
  EXPECT_EQ(rh.external_id, "RH-1");
  EXPECT_EQ(rh.category, "rental_housing");
  EXPECT_EQ(rh.sub_kind, "whole");
  EXPECT_EQ(rh.contact_phone, "13812345678");
  EXPECT_EQ(rh.station_id, "S-N");
  EXPECT_EQ(rh.grid_id, "G-NW");
  EXPECT_EQ(csv.places[1].category, "key_project");
  EXPECT_EQ(csv.places[1].officer, "李明");
  EXPECT_EQ(csv.places[1].address, "港城大道, 东段");
  EXPECT_EQ(csv.places[1].station_id, "S-S");
  EXPECT_EQ(csv.places[2].sub_kind, "hazardous_chemicals");
  EXPECT_EQ(csv.places[2].station_id, "");  // outside the district
  EXPECT_EQ(csv.lines, (std::vector<size_t>{2, 3, 4}));
}

TEST(ReadPlaceCsv, EveryBadRowIsReportedWithItsLineAndColumn) {
  std::string text = std::string(kHeader) +
                     "H-1,海景宾馆,trade,hotel,,121.42,37.52,,,\n"          // 2: good
                     "H-2,南城宾馆,trade,hotel,,121.42,97.5,,,\n"           // 3: lat
                     "H-3,某店,bakery,,\"两行\n地址\",121.42,37.52,,,\n"    // 4-5: category
                     "H-4,某网吧,trade,网吧,,121.42,37.52,,1380013800x,\n"  // 6: phone
                     "H-1,重复,trade,hotel,,121.42,37.52,,,\n"              // 7: duplicate id
                     "H-5,短行,trade\n"                                     // 8: fields
                     ",无编号,trade,hotel,,,,,,\n"                          // 9: no id
                     "KP-1,某项目,key_project,,,121.42,37.52,,,\n"          // 10: officer
                     "H-6,某宾馆,trade,hotel,,东经121度,37.5,,,\n";         // 11: lon
  PlaceCsv csv = ReadPlaceCsv(text, "hotels.csv", {});
  ASSERT_EQ(csv.error_count, 8u);
  const std::vector<std::string> expected_prefixes = {
      "hotels.csv:3: column 'lat':",
      "hotels.csv:4: column 'category':",
      "hotels.csv:6: column 'contact_phone':",
      "hotels.csv:7: column 'external_id': H-1 is also on line 2",
      "hotels.csv:8: 3 fields, but the header has 10",
      "hotels.csv:9: column 'external_id':",
      "hotels.csv:10: column 'officer':",
      "hotels.csv:11: column 'lon': '东经121度' is not a number",
  };
  for (size_t i = 0; i < expected_prefixes.size(); ++i) {
    EXPECT_EQ(csv.errors[i].rfind(expected_prefixes[i], 0), 0u)
        << "expected " << expected_prefixes[i] << "\n     got " << csv.errors[i];
  }
}

TEST(ReadPlaceCsv, ColumnsAreNamedAsTheFileNamesThem) {
  PlaceCsv csv = ReadPlaceCsv("编号,名称,类别,纬度,经度\nA-1,某地,旅馆业,37.5,abc\n", "x.csv", {});
  ASSERT_EQ(csv.error_count, 1u);
  EXPECT_EQ(csv.errors[0], "x.csv:2: column '经度' (lon): 'abc' is not a number");
}

TEST(ReadPlaceCsv, AHeaderWithoutTheNeededColumnsIsRefusedOnLineOne) {
  PlaceCsv csv = ReadPlaceCsv("name,category,lon\nx,trade,121\n", "x.csv", {});
  ASSERT_EQ(csv.error_count, 2u);
  EXPECT_EQ(csv.errors[0], "x.csv:1: no column 'external_id' in the header");
  EXPECT_EQ(csv.errors[1], "x.csv:1: lon and lat come together: one of them is missing");
  EXPECT_TRUE(csv.places.empty());
}

TEST(ReadPlaceCsv, AGbkFileIsRefusedAtTheLineItGoesWrong) {
  std::string text =
      std::string(kHeader) + "H-1,ok,trade,hotel,,,,,,\nH-2,\xB1\xF6\xB9\xDD,trade,,,,,,,\n";
  PlaceCsv csv = ReadPlaceCsv(text, "gbk.csv", {});
  ASSERT_EQ(csv.error_count, 1u);
  EXPECT_EQ(csv.errors[0].rfind("gbk.csv:3: the file is not UTF-8", 0), 0u) << csv.errors[0];
  EXPECT_TRUE(csv.places.empty());
}

TEST(ReadPlaceCsv, Gcj02CoordinatesAreConvertedToWgs84) {
  const LonLat wgs{121.42, 37.52};
  Gcj02LonLat gcj = ToGcj02(wgs);
  std::string text = std::string(kHeader) +
                     fmt::format("H-1,宾馆,trade,hotel,,{:.9f},{:.9f},,,\n", gcj.lon, gcj.lat);
  PlaceCsvOptions options;
  options.is_gcj02 = true;
  PlaceCsv csv = ReadPlaceCsv(text, "gcj.csv", options);
  ASSERT_EQ(csv.places.size(), 1u);
  EXPECT_NEAR(csv.places[0].location->lon, wgs.lon, 1e-6);
  EXPECT_NEAR(csv.places[0].location->lat, wgs.lat, 1e-6);
  // Unconverted, the same row lies hundreds of metres away.
  PlaceCsv raw = ReadPlaceCsv(text, "gcj.csv", {});
  EXPECT_GT(DistanceM(*raw.places[0].location, wgs), 100);
}

TEST(ReadPlaceCsv, ErrorsStopAtTheLimitButAreAllCounted) {
  std::string text = kHeader;
  for (int i = 0; i < 250; ++i) text += fmt::format("H-{},x,nowhere,,,,,,,\n", i);
  PlaceCsvOptions options;
  options.max_errors = 100;
  PlaceCsv csv = ReadPlaceCsv(text, "x.csv", options);
  EXPECT_EQ(csv.error_count, 250u);
  EXPECT_EQ(csv.errors.size(), 100u);
}

}  // namespace
}  // namespace pingan::registry
