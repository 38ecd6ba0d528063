// API keys for Open311 clients (a FixMyStreet install, a city app): `pingan apikey add` writes
// one to DIR/apikeys.json, the running server reads the file. Only a BLAKE2b hash of each key is
// stored (HashToken), so the file, a backup or a leaked copy holds no usable key.
//
// DIR/apikeys.json: {"keys": [{"name", "hash", "created_at", "revoked_at"}]}, times ISO 8601,
// revoked_at null while the key is live. Written whole to a temporary file, synced and renamed
// over the old one, with mode 0600; writers take an exclusive flock on DIR/apikeys.json.lock, so
// two `pingan apikey` commands never lose each other's key. The server never writes it.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sys/types.h>

#include "core/clock.h"
#include "core/result.h"

namespace pingan::api {

inline constexpr std::string_view kApiKeysFile = "apikeys.json";

struct ApiKeyEntry {
  std::string name;  // who holds it: "fixmystreet", "city-app"
  std::string hash;  // HashToken(key)
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;
};

// The keys in DIR/apikeys.json; none when the file does not exist. Errors: kUnavailable when it
// cannot be read, kInvalidInput (naming the file) when it is not what this module writes.
Result<std::vector<ApiKeyEntry>> ReadApiKeys(const std::string& data_dir);

// Adds a key named `name` and returns it in clear (64 hex characters; shown once, never stored).
// Creates DIR if needed. Errors: kInvalidInput (field "name") for an empty name, one over 64
// bytes or one with control characters; kConflict when a live key already has the name;
// kUnavailable on I/O failure.
Result<std::string> AddApiKey(const std::string& data_dir, const std::string& name, TimePoint now);

// Marks the live key named `name` revoked at `now`. Errors: kNotFound when there is none;
// kUnavailable on I/O failure.
Status RevokeApiKey(const std::string& data_dir, const std::string& name, TimePoint now);

// The server's view of DIR/apikeys.json. Keys added or revoked while the server runs take effect
// without a restart: an unknown key makes it look at the file again at once (a stat, and a
// re-read only when the file was replaced), a known key at most once a second. Thread-safe.
class ApiKeyStore {
 public:
  explicit ApiKeyStore(std::string data_dir);

  // The name of the live key `key`, or nullopt when it is unknown or revoked.
  std::optional<std::string> Find(std::string_view key);

 private:
  // REQUIRES: mu_ held.
  void ReloadIfChanged();

  struct FileSignature {
    ino_t inode = 0;
    off_t size = -1;
    std::int64_t mtime_ns = -1;
    bool operator==(const FileSignature&) const = default;
  };

  const std::string data_dir_;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> name_by_hash_;  // live keys; guarded by mu_
  FileSignature loaded_;  // of the file last read successfully; guarded by mu_
  FileSignature failed_;  // of the file last read in vain, to log each failure once; guarded by mu_
  std::chrono::steady_clock::time_point last_check_{};  // guarded by mu_
};

}  // namespace pingan::api
