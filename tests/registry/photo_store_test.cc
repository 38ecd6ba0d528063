// Hazard photos: JPEG and PNG taken by their magic bytes, stored once under their SHA-256,
// anything else or anything too large refused, and ids that could escape the directory never
// read.
#include "registry/photo_store.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace pingan::registry {
namespace {

// The smallest shapes that pass as images: SOI, an APP0 marker, some bytes, EOI; the PNG
// signature and a 1×1 IHDR chunk.
std::string TinyJpeg(char fill = 'x') {
  return std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11) + std::string(40, fill) + "\xFF\xD9";
}
std::string TinyPng() {
  std::string png("\x89PNG\r\n\x1A\n", 8);
  png +=
      std::string("\x00\x00\x00\x0DIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00", 21);
  png += std::string("\x90\x77\x53\xDE", 4);  // CRC
  return png;
}

TEST(PhotoStore, StoresJpegAndPngOnceUnderTheirHash) {
  test::TempDir dir;
  auto store = PhotoStore::Open(dir.File("photos"));
  ASSERT_TRUE(store) << store.error().message;
  auto jpeg = (*store)->Put(TinyJpeg());
  ASSERT_TRUE(jpeg) << jpeg.error().message;
  EXPECT_TRUE(jpeg->is_new);
  EXPECT_EQ(jpeg->media_type, "image/jpeg");
  EXPECT_TRUE(IsPhotoId(jpeg->id));
  EXPECT_TRUE(std::filesystem::exists(
      dir.File("photos/" + jpeg->id.substr(0, 2) + "/" + jpeg->id + ".jpg")));
  auto again = (*store)->Put(TinyJpeg());
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->is_new);
  EXPECT_EQ(again->id, jpeg->id);
  EXPECT_NE((*store)->Put(TinyJpeg('y'))->id, jpeg->id);

  auto png = (*store)->Put(TinyPng());
  ASSERT_TRUE(png) << png.error().message;
  EXPECT_EQ(png->media_type, "image/png");
  auto read = (*store)->Get(png->id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->media_type, "image/png");
  EXPECT_EQ(read->bytes, TinyPng());
  EXPECT_TRUE((*store)->Contains(jpeg->id));
  // SHA-256 of the empty input is no stored photo.
  EXPECT_FALSE(
      (*store)->Contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST(PhotoStore, RefusesWhatIsNoImageAndWhatIsTooLarge) {
  test::TempDir dir;
  auto store = PhotoStore::Open(dir.File("photos"));
  ASSERT_TRUE(store);
  for (const std::string& bytes :
       {std::string("GIF89a...................................."), std::string("<svg></svg>"),
        std::string("%PDF-1.7"), std::string(), TinyJpeg().substr(0, 20),
        std::string("\xFF\xD8\xFF", 3) + std::string(100, 'x') /* no end of image */}) {
    auto refused = (*store)->Put(bytes);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(refused.error().field, "body");
  }
  std::string big = TinyJpeg() + std::string(kMaxPhotoBytes, 'x') + "\xFF\xD9";
  auto too_large = (*store)->Put(big);
  ASSERT_FALSE(too_large);
  EXPECT_EQ(too_large.error().code, ErrorCode::kTooLarge);
  EXPECT_TRUE(std::filesystem::is_empty(dir.File("photos")));
}

TEST(PhotoStore, MalformedIdsAreRefusedUnknownOnesNotFound) {
  test::TempDir dir;
  auto store = PhotoStore::Open(dir.File("photos"));
  ASSERT_TRUE(store);
  for (const char* id : {"../registry.db", "", "ABCDEF",
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/",
                         "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}) {
    EXPECT_EQ((*store)->Get(id).error().code, ErrorCode::kInvalidInput) << id;
  }
  EXPECT_EQ((*store)
                ->Get("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .error()
                .code,
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace pingan::registry
