// The registry's taxonomy (MISSION I1, F3): the categories of places a bureau keeps on file —
// 涉危单位, 行业场所, 重点单位, 出租房屋, 九小场所, 企业, 重点项目 — with their sub-kinds, and the
// kinds of anti-fraud outreach events (反诈宣传). Codes are what is stored and what JSON carries;
// the Chinese labels are accepted on input as well, so a CSV exported by a Chinese system imports
// as it is. The tables are data: one place to add a sub-kind.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pingan::registry {

struct SubKind {
  std::string_view code;                       // "hotel"
  std::string_view label;                      // "旅馆"
  std::vector<std::string_view> aliases = {};  // other names met in exports: "宾馆"
};

struct PlaceCategory {
  std::string_view code;   // "trade"
  std::string_view label;  // "行业场所"
  std::vector<SubKind> sub_kinds;
  // Closed categories accept only their sub-kinds; open ones also any other short code (an
  // enterprise's trade, a project's type).
  bool is_open = false;
  // Key projects are followed by a project officer (项目警官): the field is required.
  bool needs_officer = false;
};

// Every category, in the order the console lists them.
const std::vector<PlaceCategory>& PlaceCategories();
// By code or label ("trade", "行业场所"); null when neither.
const PlaceCategory* FindPlaceCategory(std::string_view code_or_label);
// The sub-kind code for `text` (a code, label or alias of `category`); "" stays "". nullopt
// when `text` is none of them and the category is closed. Open categories keep other text as
// it is.
std::optional<std::string> NormalizeSubKind(const PlaceCategory& category, std::string_view text);
// The label of a sub-kind code, or the code itself when it has none.
std::string_view SubKindLabel(const PlaceCategory& category, std::string_view code);

// Kinds of outreach event: lecture (讲座), street_stall (街头宣传), door_to_door (入户),
// online (线上), meeting (会议), other.
struct OutreachKind {
  std::string_view code;
  std::string_view label;
};
const std::vector<OutreachKind>& OutreachKinds();
// By code or label; nullopt when neither.
std::optional<std::string> NormalizeOutreachKind(std::string_view code_or_label);

// "hazardous (涉危单位), trade (行业场所), …" for error messages.
std::string CategoryChoices();
std::string SubKindChoices(const PlaceCategory& category);
std::string OutreachKindChoices();

}  // namespace pingan::registry
