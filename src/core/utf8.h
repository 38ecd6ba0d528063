// UTF-8 checks at the edges: text from files and requests becomes ledger fields and JSON, which
// must be well-formed UTF-8 (the ledger's JSON writer refuses anything else).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace pingan {

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
// forms and surrogates included), or nullopt when `text` is all UTF-8.
std::optional<std::size_t> FindInvalidUtf8(std::string_view text);

}  // namespace pingan
