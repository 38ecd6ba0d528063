#include "api/api_keys.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/durable_file.h"
#include "core/time_format.h"

namespace pingan::api {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxNameBytes = 64;

std::string FileOf(const std::string& data_dir) {
  return (fs::path(data_dir) / kApiKeysFile).string();
}

Result<std::vector<ApiKeyEntry>> ParseKeys(const std::string& path, const std::string& text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return InvalidInput(path, "not a key file: expected {\"keys\": [...]}");
  std::vector<ApiKeyEntry> out;
  for (const json& k : doc["keys"]) {
    if (!k.is_object() || !k.value("name", json()).is_string() ||
        !k.value("hash", json()).is_string() || !k.value("created_at", json()).is_string())
      return InvalidInput(path, "a key without name, hash or created_at");
    ApiKeyEntry e;
    e.name = k["name"].get<std::string>();
    e.hash = k["hash"].get<std::string>();
    auto created = ParseTime(k["created_at"].get<std::string>());
    if (!created) return InvalidInput(path, "key " + e.name + ": created_at is not a time");
    e.created_at = *created;
    if (json revoked = k.value("revoked_at", json()); revoked.is_string()) {
      auto at = ParseTime(revoked.get<std::string>());
      if (!at) return InvalidInput(path, "key " + e.name + ": revoked_at is not a time");
      e.revoked_at = *at;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string KeysJson(const std::vector<ApiKeyEntry>& keys) {
  json list = json::array();
  for (const ApiKeyEntry& k : keys) {
    list.push_back({{"name", k.name},
                    {"hash", k.hash},
                    {"created_at", FormatIso8601(k.created_at)},
                    {"revoked_at", k.revoked_at ? json(FormatIso8601(*k.revoked_at)) : json()}});
  }
  return json{{"keys", list}}.dump(2) + "\n";
}

// Holds an exclusive flock on DIR/apikeys.json.lock while it lives.
class WriterLock {
 public:
  static Result<WriterLock> Acquire(const std::string& data_dir) {
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    if (ec)
      return Error{ErrorCode::kUnavailable, "cannot create " + data_dir + ": " + ec.message(), ""};
    std::string path = FileOf(data_dir) + ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return FileError("open", path, errno);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return FileError("lock", path, err);
    }
    return WriterLock(fd);
  }
  WriterLock(WriterLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  WriterLock& operator=(WriterLock&&) = delete;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  ~WriterLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace

Result<std::vector<ApiKeyEntry>> ReadApiKeys(const std::string& data_dir) {
  const std::string path = FileOf(data_dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || !fs::exists(path)) return std::vector<ApiKeyEntry>{};
    return FileError("read", path, errno);
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParseKeys(path, text);
}

Result<std::string> AddApiKey(const std::string& data_dir, const std::string& name, TimePoint now) {
  if (name.empty() || name.size() > kMaxNameBytes)
    return InvalidInput("name", fmt::format("a key's name is 1 to {} bytes", kMaxNameBytes));
  if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return InvalidInput("name", "a key's name has no control characters");
  auto lock = WriterLock::Acquire(data_dir);
  if (!lock) return lock.error();
  auto keys = ReadApiKeys(data_dir);
  if (!keys) return keys.error();
  for (const ApiKeyEntry& k : *keys) {
    if (k.name == name && !k.revoked_at)
      return Conflict(fmt::format("a live key named '{}' exists; revoke it first", name), "name");
  }
  std::string key = NewToken();
  keys->push_back({name, HashToken(key), now, std::nullopt});
  if (Status s = WriteFileAtomically(FileOf(data_dir), KeysJson(*keys), 0600); !s) return s.error();
  return key;
}

Status RevokeApiKey(const std::string& data_dir, const std::string& name, TimePoint now) {
  auto lock = WriterLock::Acquire(data_dir);
  if (!lock) return lock.error();
  auto keys = ReadApiKeys(data_dir);
  if (!keys) return keys.error();
  bool found = false;
  for (ApiKeyEntry& k : *keys) {
    if (k.name == name && !k.revoked_at) {
      k.revoked_at = now;
      found = true;
    }
  }
  if (!found) return NotFound(fmt::format("no live key named '{}'", name), "name");
  return WriteFileAtomically(FileOf(data_dir), KeysJson(*keys), 0600);
}

ApiKeyStore::ApiKeyStore(std::string data_dir) : data_dir_(std::move(data_dir)) {
  std::lock_guard lock(mu_);
  ReloadIfChanged();
  last_check_ = std::chrono::steady_clock::now();
}

std::optional<std::string> ApiKeyStore::Find(std::string_view key) {
  if (key.empty()) return std::nullopt;
  const std::string hash = HashToken(key);
  std::lock_guard lock(mu_);
  auto it = name_by_hash_.find(hash);
  auto now = std::chrono::steady_clock::now();
  if (it == name_by_hash_.end() || now - last_check_ >= std::chrono::seconds(1)) {
    last_check_ = now;
    ReloadIfChanged();
    it = name_by_hash_.find(hash);
  }
  if (it == name_by_hash_.end()) return std::nullopt;
  return it->second;
}

void ApiKeyStore::ReloadIfChanged() {
  const std::string path = FileOf(data_dir_);
  struct stat st {};
  FileSignature now_on_disk;
  if (::stat(path.c_str(), &st) == 0) {
    now_on_disk = {st.st_ino, st.st_size,
                   std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }
  if (now_on_disk == loaded_) return;
  auto keys = ReadApiKeys(data_dir_);
  if (!keys) {
    // Keep the keys we had: a hand-edited file gone wrong must not lock every client out. The
    // signature is not recorded, so the next look reads the file again (a read can fail for a
    // moment, and the replacement may hold a revocation); the error is logged once a version.
    if (now_on_disk != failed_) spdlog::error("api keys not reloaded: {}", keys.error().message);
    failed_ = now_on_disk;
    return;
  }
  loaded_ = now_on_disk;
  failed_ = FileSignature{};
  name_by_hash_.clear();
  for (const ApiKeyEntry& k : *keys)
    if (!k.revoked_at) name_by_hash_[k.hash] = k.name;
}

}  // namespace pingan::api
