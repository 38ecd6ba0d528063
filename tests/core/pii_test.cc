#include "core/pii.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

TEST(Pii, EmailsKeepTheirFirstLetterAndDomain) {
  EXPECT_EQ(MaskEmail("zhang.san@example.com"), "z********@example.com");
  EXPECT_EQ(MaskEmail("li@qq.com"), "l***@qq.com");  // never fewer than three stars
  EXPECT_EQ(MaskEmail("王小明@例子.中国"), "王***@例子.中国");
  EXPECT_EQ(MaskEmail("no-at-sign"), "n********n");
}

TEST(Pii, CaseFieldsAreMaskedByNameWhereverTheyAppear) {
  nlohmann::json fields = {{"citizen_name", "王小明"},
                           {"citizen_phone", "13812345678"},
                           {"citizen_email", "wang@example.com"},
                           {"party_names", {"张三", "李四"}},
                           {"link_code", "K7QW2M"},
                           {"device_id", "fms-device-42"},
                           {"text", "楼道堆放杂物 13812345678"},
                           {"amount", 5000}};
  nlohmann::json masked = MaskPersonalFields(fields);
  EXPECT_EQ(masked["citizen_name"], "王*明");
  EXPECT_EQ(masked["citizen_phone"], "138****5678");
  EXPECT_EQ(masked["citizen_email"], "w***@example.com");
  EXPECT_EQ(masked["party_names"], nlohmann::json({"张*", "李*"}));
  EXPECT_EQ(masked["link_code"], "********");
  EXPECT_EQ(masked["device_id"], "********");
  // Free text and numbers are not personal fields: they are shown as written.
  EXPECT_EQ(masked["text"], fields["text"]);
  EXPECT_EQ(masked["amount"], 5000);
  EXPECT_TRUE(HasPersonalFields(fields));
  EXPECT_TRUE(HasPersonalFields({{"citizen_email", "a@b.cn"}}));  // an e-mail alone is enough
  EXPECT_FALSE(
      HasPersonalFields({{"citizen_email", ""}, {"party_names", nlohmann::json::array()}}));
  EXPECT_FALSE(HasPersonalFields({{"text", "x"}}));
}

}  // namespace
}  // namespace pingan
