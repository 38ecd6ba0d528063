#include "registry/place_categories.h"

#include <fmt/format.h>

namespace pingan::registry {

const std::vector<PlaceCategory>& PlaceCategories() {
  static const std::vector<PlaceCategory> categories = {
      {"hazardous",
       "涉危单位",
       {{"explosives", "民用爆炸物品", {"爆炸物品"}},
        {"hazardous_chemicals", "危险化学品", {"危化品"}},
        {"toxic_chemicals", "剧毒化学品"},
        {"fireworks", "烟花爆竹"},
        {"radioactive", "放射性物品"},
        {"firearms", "枪支弹药"},
        {"fuel_station", "加油加气站", {"加油站", "加气站"}},
        {"other", "其他"}}},
      {"trade",
       "行业场所",
       {{"hotel", "旅馆", {"宾馆", "酒店", "旅馆业"}},
        {"internet_cafe", "网吧", {"上网服务场所"}},
        {"entertainment", "娱乐场所", {"歌舞娱乐场所", "KTV"}},
        {"pawn", "典当", {"典当行"}},
        {"second_hand", "二手/废旧物品收购", {"二手", "废旧物品收购", "废旧金属收购", "旧货"}},
        {"seal_engraving", "印章刻制", {"印章", "刻章"}},
        {"car_rental", "汽车租赁", {"租车"}},
        {"vehicle_repair", "机动车修理", {"汽修"}},
        {"unlocking", "开锁"},
        {"courier", "寄递物流", {"快递", "物流"}},
        {"other", "其他"}}},
      {"key_unit",
       "重点单位",
       {{"government", "党政机关"},
        {"school", "学校"},
        {"hospital", "医院"},
        {"finance", "金融机构", {"银行"}},
        {"transport_hub", "交通枢纽", {"车站"}},
        {"utility", "水电油气", {"供水", "供电", "供气"}},
        {"market", "商场市场", {"商场", "市场"}},
        {"venue", "大型场馆"},
        {"media", "广播电视"},
        {"other", "其他"}}},
      {"rental_housing",
       "出租房屋",
       {{"whole", "整租"},
        {"shared", "合租"},
        {"group", "群租"},
        {"dormitory", "集体宿舍", {"宿舍"}},
        {"other", "其他"}}},
      {"nine_small",
       "九小场所",
       {{"school_kindergarten", "小学校或幼儿园", {"小学校", "小幼儿园"}},
        {"clinic", "小医院", {"小诊所"}},
        {"shop", "小商店"},
        {"restaurant", "小餐饮", {"小餐饮场所"}},
        {"hotel", "小旅馆"},
        {"entertainment", "小歌舞娱乐场所", {"小歌舞娱乐"}},
        {"internet_cafe", "小网吧"},
        {"beauty_bath", "小美容洗浴场所", {"小美容洗浴"}},
        {"workshop", "小生产加工企业", {"小生产加工"}}}},
      {"enterprise",
       "企业",
       {{"manufacturing", "制造业"},
        {"construction", "建筑业"},
        {"logistics", "物流"},
        {"commerce", "商贸"},
        {"technology", "科技"},
        {"other", "其他"}},
       /*is_open=*/true},
      {"key_project",
       "重点项目",
       {{"infrastructure", "基础设施"},
        {"industrial", "产业项目"},
        {"public_works", "民生工程"},
        {"other", "其他"}},
       /*is_open=*/true,
       /*needs_officer=*/true},
  };
  return categories;
}

const PlaceCategory* FindPlaceCategory(std::string_view code_or_label) {
  for (const PlaceCategory& c : PlaceCategories())
    if (c.code == code_or_label || c.label == code_or_label) return &c;
  return nullptr;
}

std::optional<std::string> NormalizeSubKind(const PlaceCategory& category, std::string_view text) {
  if (text.empty()) return std::string();
  for (const SubKind& s : category.sub_kinds) {
    if (s.code == text || s.label == text) return std::string(s.code);
    for (std::string_view alias : s.aliases)
      if (alias == text) return std::string(s.code);
  }
  if (category.is_open) return std::string(text);
  return std::nullopt;
}

std::string_view SubKindLabel(const PlaceCategory& category, std::string_view code) {
  for (const SubKind& s : category.sub_kinds)
    if (s.code == code) return s.label;
  return code;
}

const std::vector<OutreachKind>& OutreachKinds() {
  static const std::vector<OutreachKind> kinds = {
      {"lecture", "讲座"},    {"street_stall", "街头宣传"}, {"door_to_door", "入户宣传"},
      {"online", "线上宣传"}, {"meeting", "会议"},          {"other", "其他"},
  };
  return kinds;
}

std::optional<std::string> NormalizeOutreachKind(std::string_view code_or_label) {
  for (const OutreachKind& k : OutreachKinds())
    if (k.code == code_or_label || k.label == code_or_label) return std::string(k.code);
  return std::nullopt;
}

std::string CategoryChoices() {
  std::vector<std::string> parts;
  for (const PlaceCategory& c : PlaceCategories())
    parts.push_back(fmt::format("{} ({})", c.code, c.label));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string SubKindChoices(const PlaceCategory& category) {
  std::vector<std::string> parts;
  for (const SubKind& s : category.sub_kinds)
    parts.push_back(fmt::format("{} ({})", s.code, s.label));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string OutreachKindChoices() {
  std::vector<std::string> parts;
  for (const OutreachKind& k : OutreachKinds())
    parts.push_back(fmt::format("{} ({})", k.code, k.label));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace pingan::registry
