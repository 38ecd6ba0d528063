// Masking of personal data (names, phone and ID numbers) for roles that do not need it.
#pragma once

#include <string>
#include <string_view>

namespace pingan {

// 张三 → 张*, 王小明 → 王*明, 欧阳娜娜 → 欧**娜; counts UTF-8 code points, not bytes.
std::string MaskName(std::string_view name);
// 13812345678 → 138****5678; shorter numbers keep only their last two digits.
std::string MaskPhone(std::string_view phone);
// 18-digit resident ID: first 6 and last 4 kept, 8 stars between.
std::string MaskIdNumber(std::string_view id);

}  // namespace pingan
