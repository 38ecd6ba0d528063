#include "registry/photo_store.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

namespace pingan::registry {

namespace {

constexpr std::string_view kJpeg = "image/jpeg";
constexpr std::string_view kPng = "image/png";

std::string_view ExtensionOf(std::string_view media_type) {
  return media_type == kPng ? "png" : "jpg";
}

// Writes `bytes` to `path` durably: a temporary file, fsync, rename, fsync of the directory.
Status WriteDurably(const std::string& path, std::string_view bytes) {
  // A name of its own per write: two uploads of one photo at once must not share a file.
  static std::atomic<std::uint64_t> writes{0};
  const std::string tmp = fmt::format("{}.{}.{}.tmp", path, ::getpid(), writes++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Error{
        ErrorCode::kInternal, fmt::format("cannot write {}: {}", tmp, std::strerror(errno)), {}};
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e{
          ErrorCode::kInternal, fmt::format("cannot write {}: {}", tmp, std::strerror(errno)), {}};
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Error{ErrorCode::kInternal, fmt::format("cannot sync {}", tmp), {}};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error{
        ErrorCode::kInternal, fmt::format("cannot rename {}: {}", tmp, std::strerror(errno)), {}};
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace

std::optional<std::string_view> SniffImageType(std::string_view b) {
  // JPEG: SOI (FF D8) followed by a marker (FF xx), and an EOI (FF D9) somewhere after it.
  if (b.size() >= 16 && b.substr(0, 3) == "\xFF\xD8\xFF" &&
      b.find("\xFF\xD9", 4) != std::string_view::npos)
    return kJpeg;
  // PNG: the 8-byte signature, then the IHDR chunk with a width and height above zero.
  constexpr std::string_view kSignature("\x89PNG\r\n\x1A\n", 8);
  if (b.size() >= 33 && b.substr(0, 8) == kSignature && b.substr(12, 4) == "IHDR") {
    auto be32 = [&](size_t at) {
      return (uint32_t(uint8_t(b[at])) << 24) | (uint32_t(uint8_t(b[at + 1])) << 16) |
             (uint32_t(uint8_t(b[at + 2])) << 8) | uint32_t(uint8_t(b[at + 3]));
    };
    if (be32(16) > 0 && be32(20) > 0) return kPng;
  }
  return std::nullopt;
}

bool IsPhotoId(std::string_view id) {
  if (id.size() != 2 * crypto_hash_sha256_BYTES) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<std::unique_ptr<PhotoStore>> PhotoStore::Open(const std::string& dir) {
  if (sodium_init() < 0) return Error{ErrorCode::kInternal, "libsodium did not start", {}};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error{
        ErrorCode::kUnavailable, fmt::format("cannot create {}: {}", dir, ec.message()), {}};
  }
  return std::unique_ptr<PhotoStore>(new PhotoStore(dir));
}

std::string PhotoStore::PathOf(std::string_view id, std::string_view ext) const {
  return fmt::format("{}/{}/{}.{}", dir_, id.substr(0, 2), id, ext);
}

Result<PhotoStore::Stored> PhotoStore::Put(std::string_view bytes) {
  if (bytes.size() > kMaxPhotoBytes) {
    return Error{
        ErrorCode::kTooLarge,
        fmt::format("a photo is at most {} bytes; this one is {}", kMaxPhotoBytes, bytes.size()),
        "body"};
  }
  auto type = SniffImageType(bytes);
  if (!type) return InvalidInput("body", "not a JPEG or PNG image");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  Stored stored{hex, *type, bytes.size(), false};
  const std::string path = PathOf(stored.id, ExtensionOf(*type));
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return stored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) {
    return Error{ErrorCode::kInternal, fmt::format("cannot create the directory of {}", path), {}};
  }
  // Two uploads of one photo at once write the same bytes to the same name; the rename makes
  // either the winner.
  if (Status s = WriteDurably(path, bytes); !s) return s.error();
  stored.is_new = true;
  return stored;
}

Result<PhotoStore::Photo> PhotoStore::Get(std::string_view id) const {
  if (!IsPhotoId(id)) return InvalidInput("id", "a photo id is 64 hex digits");
  for (std::string_view type : {kJpeg, kPng}) {
    std::ifstream in(PathOf(id, ExtensionOf(type)), std::ios::binary);
    if (!in) continue;
    Photo photo{type, std::string(std::istreambuf_iterator<char>(in), {})};
    return photo;
  }
  return NotFound(fmt::format("no photo {}", id), "id");
}

bool PhotoStore::Contains(std::string_view id) const {
  if (!IsPhotoId(id)) return false;
  std::error_code ec;
  return std::filesystem::exists(PathOf(id, "jpg"), ec) ||
         std::filesystem::exists(PathOf(id, "png"), ec);
}

}  // namespace pingan::registry
