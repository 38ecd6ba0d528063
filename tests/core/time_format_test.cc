#include "core/time_format.h"

#include <gtest/gtest.h>

namespace pingan {
namespace {

TEST(TimeFormat, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatIso8601(FromMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(FromMillis(1'795'430'972'123)), "2026-11-23T10:49:32.123Z");
}

TEST(TimeFormat, ParsesTheFormsPeopleType) {
  const long long expected = 1'795'430'972'000;
  EXPECT_EQ(ParseTime("2026-11-23T10:49:32Z"), FromMillis(expected));
  EXPECT_EQ(ParseTime("2026-11-23T18:49:32+08:00"), FromMillis(expected));
  EXPECT_EQ(ParseTime("2026-11-23 18:49:32+0800"), FromMillis(expected));
  EXPECT_EQ(ParseTime("2026-11-23T10:49:32.5"), FromMillis(expected + 500));
  EXPECT_EQ(ParseTime("2026-11-23T10:49"), FromMillis(expected - 32'000));
  EXPECT_EQ(ParseTime("2026-11-23"), FromMillis(expected - (10 * 3600 + 49 * 60 + 32) * 1000LL));
  EXPECT_EQ(ParseTime("1795430972000"), FromMillis(expected));
  EXPECT_EQ(ParseTime(FormatIso8601(FromMillis(expected + 7))), FromMillis(expected + 7));
}

TEST(TimeFormat, ATimeWithoutAnOffsetIsTheDistrictsWhereAPersonTypedIt) {
  const long long expected = 1'795'430'972'000;  // 2026-11-23T10:49:32Z, 18:49:32 in the district
  EXPECT_EQ(ParseDistrictTime("2026-11-23T18:49:32"), FromMillis(expected));
  EXPECT_EQ(ParseDistrictTime("2026-11-23"), ParseTime("2026-11-22T16:00:00Z"));
  // An explicit offset, or epoch milliseconds, mean what they say.
  EXPECT_EQ(ParseDistrictTime("2026-11-23T10:49:32Z"), FromMillis(expected));
  EXPECT_EQ(ParseDistrictTime("2026-11-23T18:49:32+08:00"), FromMillis(expected));
  EXPECT_EQ(ParseDistrictTime("1795430972000"), FromMillis(expected));
  // "+08:00" through a form decoder arrives as " 08:00".
  EXPECT_EQ(ParseDistrictTime("2026-11-23T18:49:32 08:00"), FromMillis(expected));
  EXPECT_EQ(ParseTime("2026-11-23T18:49:32 08:00"), FromMillis(expected));
}

TEST(TimeFormat, RefusesNonsense) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-11-23T25:00",
                          "2026-11-23T08:49:32Zjunk", "12ab"}) {
    EXPECT_FALSE(ParseTime(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace pingan
