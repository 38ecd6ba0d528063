// Small files the server rewrites whole (plan versions, API keys): written so that after a crash
// the file holds the old text or the new, never a part.
#pragma once

#include <string>

#include <sys/types.h>

#include "core/result.h"

namespace pingan::api {

// kUnavailable "cannot WHAT PATH: strerror(err)".
Error FileError(const std::string& what, const std::string& path, int err);

// fsync of a directory, so that a rename or a new entry in it survives a crash.
Status SyncDirectory(const std::string& dir);

// `text` to `path` through a temporary file beside it: written, synced, renamed over `path`,
// and the directory synced. `mode` is the new file's permission bits.
Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode = 0644);

}  // namespace pingan::api
