#include "core/check.h"

#include <cstdio>
#include <cstdlib>

namespace pingan::internal {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "%s:%d: PINGAN_CHECK failed: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace pingan::internal
