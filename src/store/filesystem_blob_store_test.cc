#include "store/filesystem_blob_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/hash.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

std::unique_ptr<FilesystemBlobStore> OpenOrDie(const std::filesystem::path& root) {
  auto store = FilesystemBlobStore::Open(root);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

TEST(FilesystemBlobStoreTest, SameBytesSameContentAddressedKey) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path() / "blobs");
  ASSERT_NE(store, nullptr);
  const std::string bytes("\x89PNG\r\n\x1a\n fake image body\0with nul", 34);

  auto key = store->Put(bytes, "image/png");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  std::string sha = Sha256Hex(bytes);
  EXPECT_EQ(*key, "sha256/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha);
  EXPECT_TRUE(std::regex_match(*key, std::regex("sha256/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}")));
  EXPECT_EQ(*key, BlobKeyForContent(bytes));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "blobs" / *key));

  auto again = store->Put(bytes, "application/octet-stream");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *key);
  EXPECT_EQ(FilesUnder(dir.path() / "blobs").size(), 1u);

  auto other = store->Put("different bytes", "text/plain");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *key);

  auto got = store->Get(*key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, bytes);
  EXPECT_TRUE(store->Exists(*key).value());
}

TEST(FilesystemBlobStoreTest, EmptyBlobIsStored) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  auto key = store->Put("", "application/octet-stream");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(store->Get(*key).value(), "");
}

TEST(FilesystemBlobStoreTest, ContentSurvivesReopen) {
  testing::TempDir dir;
  std::string key;
  {
    auto store = OpenOrDie(dir.path() / "blobs");
    ASSERT_NE(store, nullptr);
    key = store->Put("persistent bytes", "text/plain").value();
  }
  auto store = OpenOrDie(dir.path() / "blobs");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get(key).value(), "persistent bytes");
}

TEST(FilesystemBlobStoreTest, MissingKeyIsNotFoundAndDeleteRemoves) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  std::string absent = BlobKeyForContent("never stored");
  auto got = store->Get(absent);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(store->Exists(absent).value());
  EXPECT_TRUE(store->Delete(absent).ok());  // idempotent, as with S3

  std::string key = store->Put("short-lived", "text/plain").value();
  EXPECT_TRUE(store->Delete(key).ok());
  EXPECT_FALSE(store->Exists(key).value());
  EXPECT_EQ(store->Get(key).status().code(), StatusCode::kNotFound);
}

TEST(FilesystemBlobStoreTest, ReaderReadsRangesWithoutTheWholeBlob) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  const std::string key = store->Put("0123456789", "text/plain").value();
  auto reader = store->OpenReader(key);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->size(), 10u);
  std::string part(4, '\0');
  ASSERT_TRUE((*reader)->ReadAt(3, part).ok());
  EXPECT_EQ(part, "3456");
  std::string tail(1, '\0');
  ASSERT_TRUE((*reader)->ReadAt(9, tail).ok());
  EXPECT_EQ(tail, "9");
  EXPECT_EQ((*reader)->ReadAt(8, part).code(), StatusCode::kInvalidArgument);  // passes the end
  EXPECT_TRUE((*reader)->ReadAt(10, std::span<char>()).ok());

  // An open reader keeps its bytes when the blob is deleted.
  ASSERT_TRUE(store->Delete(key).ok());
  ASSERT_TRUE((*reader)->ReadAt(0, part).ok());
  EXPECT_EQ(part, "0123");
  EXPECT_EQ(store->OpenReader(key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->OpenReader("../x").status().code(), StatusCode::kInvalidArgument);
}

TEST(FilesystemBlobStoreTest, MalformedKeysAreRejected) {
  testing::TempDir dir;
  // A file outside the store that traversal would reach.
  std::filesystem::create_directories(dir.path() / "root");
  auto store = OpenOrDie(dir.path() / "root");
  ASSERT_NE(store, nullptr);
  std::string sha = Sha256Hex("x");
  std::string upper = sha;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> bad = {
      "",
      "../../etc/passwd",
      "sha256/../x",
      "/etc/passwd",
      "sha256/" + sha,                                                          // no fan-out dirs
      "sha256/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha + "/",  // trailing slash
      "sha256/00/00/" + sha,                                                    // fan-out does not match
      "sha256/" + upper.substr(0, 2) + "/" + upper.substr(2, 2) + "/" + upper,  // upper case
      "sha256/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha.substr(0, 62) + "..",
      "md5/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha,
      "sha256/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha.substr(0, 63) + std::string(1, '\0'),
  };
  for (const std::string& key : bad) {
    EXPECT_EQ(store->Get(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store->OpenReader(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store->Exists(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store->Delete(key).code(), StatusCode::kInvalidArgument) << key;
    EXPECT_FALSE(ValidateBlobKey(key).ok()) << key;
  }
  EXPECT_TRUE(ValidateBlobKey(BlobKeyForSha256(sha)).ok());
}

TEST(FilesystemBlobStoreTest, ConcurrentPutsOfSameBytesAreSafe) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  const std::string bytes(256 * 1024, 'z');
  const std::string expected_key = BlobKeyForContent(bytes);
  constexpr int kThreads = 8;
  constexpr int kPutsPerThread = 25;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPutsPerThread; ++i) {
        auto key = store->Put(bytes, "application/octet-stream");
        if (!key.ok() || *key != expected_key) ++wrong;
        // Readers never see a partial blob.
        auto got = store->Get(expected_key);
        if (got.ok() && *got != bytes) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  auto files = FilesUnder(dir.path());
  ASSERT_EQ(files.size(), 1u);  // no temporary files left behind
  EXPECT_EQ(files[0], dir.path() / expected_key);
  EXPECT_EQ(store->Get(expected_key).value(), bytes);
}

TEST(FilesystemBlobStoreTest, RootMustBeADirectory) {
  testing::TempDir dir;
  std::filesystem::path file = dir.path() / "not_a_dir";
  { std::ofstream(file) << "x"; }
  auto store = FilesystemBlobStore::Open(file);
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace iris
