// PhotoStore: photos of hazards, content-addressed under DATA_DIR/photos. A photo's id is the
// SHA-256 of its bytes in hex, so storing the same photo twice stores it once, an id can never
// point at other bytes, and an id is safe to put in a path. Only JPEG and PNG are taken, by
// their magic bytes (never by what a client says), up to kMaxPhotoBytes.
//
// Layout: photos/ab/abcdef….jpg (the first two hex digits name a directory, so no directory
// holds more than a few thousand files). Each file is written to a temporary name, synced and
// renamed into place, so a photo is there whole or not at all. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pingan::registry {

inline constexpr std::size_t kMaxPhotoBytes = 2 << 20;  // 2 MiB
inline constexpr const char* kPhotoDir = "photos";

// "image/jpeg" or "image/png" when `bytes` start as such an image does; nullopt otherwise.
std::optional<std::string_view> SniffImageType(std::string_view bytes);

// Whether `id` has the form of a photo id (64 lower-case hex digits).
bool IsPhotoId(std::string_view id);

class PhotoStore {
 public:
  // Creates `dir` if needed. Errors: kUnavailable when it cannot be created.
  static Result<std::unique_ptr<PhotoStore>> Open(const std::string& dir);

  struct Stored {
    std::string id;
    std::string_view media_type;
    std::size_t bytes = 0;
    bool is_new = false;  // false: the same photo was already stored
  };
  // Stores `bytes`. Errors: kTooLarge over kMaxPhotoBytes, kInvalidInput ("body") when not a
  // JPEG or PNG, kInternal when the file cannot be written.
  Result<Stored> Put(std::string_view bytes);

  struct Photo {
    std::string_view media_type;
    std::string bytes;
  };
  // Errors: kInvalidInput ("id") for a malformed id, kNotFound for an unknown one.
  Result<Photo> Get(std::string_view id) const;
  bool Contains(std::string_view id) const;

 private:
  explicit PhotoStore(std::string dir) : dir_(std::move(dir)) {}
  // The file of `id` with extension `ext` ("jpg", "png").
  std::string PathOf(std::string_view id, std::string_view ext) const;
  std::string dir_;
};

}  // namespace pingan::registry
