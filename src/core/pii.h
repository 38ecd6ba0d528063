// Masking of personal data (names, phone and ID numbers) for roles that do not need it.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace pingan {

// 张三 → 张*, 王小明 → 王*明, 欧阳娜娜 → 欧**娜; counts UTF-8 code points, not bytes.
std::string MaskName(std::string_view name);
// 13812345678 → 138****5678; shorter numbers keep only their last two digits.
std::string MaskPhone(std::string_view phone);
// 18-digit resident ID: first 6 and last 4 kept, 8 stars between.
std::string MaskIdNumber(std::string_view id);
// zhang.san@example.com → z********@example.com: the first letter and the domain kept.
std::string MaskEmail(std::string_view email);

// Case fields that hold personal data, by name, and how each is masked. The one list every
// route showing case fields uses: a field missing here is shown to everyone.
enum class PersonalField { kNone, kName, kPhone, kIdNumber, kEmail, kSecret };
PersonalField PersonalFieldKind(std::string_view field);
// `fields` (an object) with each personal field masked, arrays element by element; a secret
// (a survey link's code, which would let staff answer for the citizen) becomes "********".
nlohmann::json MaskPersonalFields(const nlohmann::json& fields);
// Whether any personal field holds something (a non-empty text or array) to mask.
bool HasPersonalFields(const nlohmann::json& fields);

}  // namespace pingan
