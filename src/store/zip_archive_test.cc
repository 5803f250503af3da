// ZIP archives through libzip: a round trip, byte-equal archives for equal entries, bounded reads, bad
// entry names, and files that are not archives.
#include "store/zip_archive.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace iris {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ZipArchiveTest, WritesEntriesThatReadBackExactly) {
  testing::TempDir dir;
  const std::string image(200000, '\x42');
  const std::string text = "{\"format\": \"x\"}";
  ASSERT_TRUE(
      WriteZipFile(dir.path() / "a.zip", {{"0_white_background.png", image}, {"manifest.json", text, true}}).ok());
  auto reader = ZipReader::Open(dir.path() / "a.zip");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->names(), (std::vector<std::string>{"0_white_background.png", "manifest.json"}));
  EXPECT_EQ((*reader)->Read("0_white_background.png", 1 << 20).value(), image);
  EXPECT_EQ((*reader)->Read("manifest.json", 1 << 20).value(), text);
  EXPECT_EQ((*reader)->Read("missing", 1 << 20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*reader)->Read("0_white_background.png", 1000).status().code(), StatusCode::kTooLarge);
  EXPECT_EQ(ReadAll(dir.path() / "a.zip").substr(0, 4), std::string("PK\x03\x04", 4));
}

TEST(ZipArchiveTest, EqualEntriesGiveByteEqualArchives) {
  testing::TempDir dir;
  const std::vector<ZipEntry> entries = {{"a.png", "aaaa"}, {"b.json", "{}", true}};
  ASSERT_TRUE(WriteZipFile(dir.path() / "1.zip", entries).ok());
  ASSERT_TRUE(WriteZipFile(dir.path() / "2.zip", entries).ok());
  EXPECT_EQ(ReadAll(dir.path() / "1.zip"), ReadAll(dir.path() / "2.zip"));
  auto mapped = MappedFile::Open(dir.path() / "1.zip");
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ((*mapped)->bytes(), ReadAll(dir.path() / "1.zip"));
}

TEST(ZipArchiveTest, RefusesBadNamesAndFilesThatAreNotArchives) {
  testing::TempDir dir;
  for (const char* name : {"", "../x", "/abs", "a\\b", "a\nb"}) {
    EXPECT_EQ(WriteZipFile(dir.path() / "bad.zip", {{name, "x"}}).code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_EQ(WriteZipFile(dir.path() / "dup.zip", {{"a", "x"}, {"a", "y"}}).code(), StatusCode::kInvalidArgument);
  std::ofstream(dir.path() / "text.zip") << "this is not a zip archive at all";
  EXPECT_EQ(ZipReader::Open(dir.path() / "text.zip").status().code(), StatusCode::kUnprocessable);
  auto temp = MakeTempFile(dir.path() / "tmp", ".zip");
  ASSERT_TRUE(temp.ok());
  EXPECT_TRUE(std::filesystem::exists(*temp));
  EXPECT_EQ(temp->extension(), ".zip");
}

}  // namespace
}  // namespace iris
