// A citizen's SMS answer to a callback (回访) after an incident: how satisfied they are.
#pragma once

#include <optional>
#include <string_view>

namespace pingan::sms {

// The numbers are the codes the citizen is asked to reply with.
enum class Satisfaction {
  kSatisfied = 1,           // 满意
  kBasicallySatisfied = 2,  // 基本满意
  kDissatisfied = 3,        // 不满意
};

// Reads a reply: "1", "2" or "3" (also full-width "１" "２" "３"), or the words 满意, 基本满意,
// 不满意, with any whitespace and punctuation around them ("  2。", "【不满意】"). Anything else,
// including replies that say more ("我不太满意", "1 满意"), is nullopt and goes to a person:
// guessing at a complaint would hide it.
std::optional<Satisfaction> ParseSatisfactionReply(std::string_view reply);

// "satisfied", "basically_satisfied" or "dissatisfied".
std::string_view ToString(Satisfaction satisfaction);

}  // namespace pingan::sms
