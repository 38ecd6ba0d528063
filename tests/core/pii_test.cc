#include "core/pii.h"

#include <gtest/gtest.h>

namespace pingan {
namespace {

TEST(Pii, NamesKeepFirstAndLastCharacter) {
  EXPECT_EQ(MaskName("张三"), "张*");
  EXPECT_EQ(MaskName("王小明"), "王*明");
  EXPECT_EQ(MaskName("欧阳娜娜"), "欧**娜");
  EXPECT_EQ(MaskName("李"), "*");
  EXPECT_EQ(MaskName("John Smith"), "J********h");
  EXPECT_EQ(MaskName(""), "");
}

TEST(Pii, PhonesKeepPrefixAndLastFour) {
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
  EXPECT_EQ(MaskPhone("+8613812345678"), "+86*******5678");
  EXPECT_EQ(MaskPhone("6234567"), "*****67");
  EXPECT_EQ(MaskPhone("12"), "**");
}

TEST(Pii, IdNumbersKeepRegionAndLastFour) {
  EXPECT_EQ(MaskIdNumber("370613199001011234"), "370613********1234");
}

}  // namespace
}  // namespace pingan
