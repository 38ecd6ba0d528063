#include "api/durable_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace pingan::api {

Error FileError(const std::string& what, const std::string& path, int err) {
  return Error{ErrorCode::kUnavailable,
               fmt::format("cannot {} {}: {}", what, path, std::strerror(err)), ""};
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError("open", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return FileError("fsync", dir, err);
  return {};
}

Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode) {
  const std::filesystem::path target(path);
  const std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".tmp"));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return FileError("create", tmp, errno);
  auto fail = [&](const char* what, const std::string& where) -> Status {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return FileError(what, where, err);
  };
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write", tmp);
    written += size_t(n);
  }
  if (::fsync(fd) != 0) return fail("fsync", tmp);
  ::close(fd);
  fd = -1;
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename into", path);
  return SyncDirectory(target.parent_path().string());
}

}  // namespace pingan::api
