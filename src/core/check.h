// PINGAN_CHECK(cond): a broken invariant is a bug. It logs file:line and aborts in every build;
// the ledger makes a restart safe, carrying on with corrupt state is not.
#pragma once

namespace pingan::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace pingan::internal

#define PINGAN_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::pingan::internal::CheckFailed(__FILE__, __LINE__, #cond))
