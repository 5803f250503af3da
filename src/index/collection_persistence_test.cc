#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "index/collection_test_vectors.h"
#include "index/hnsw_collection.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

constexpr size_t kDim = 12;

std::unique_ptr<HnswCollection> BuildCollection(const std::vector<float>& data) {
  CollectionOptions options;
  options.dim = kDim;
  options.metric = Metric::kCosine;
  options.initial_capacity = 64;
  auto collection = std::move(HnswCollection::Create(options)).value();
  const size_t n = data.size() / kDim;
  for (size_t i = 0; i < n; ++i) {
    nlohmann::json metadata = {{"parity", i % 2 == 0 ? "even" : "odd"}, {"name", "item " + std::to_string(i)}};
    EXPECT_TRUE(
        collection->Upsert(std::to_string(i), std::span<const float>(data.data() + i * kDim, kDim), metadata).ok());
  }
  // Leave tombstones behind: deletions and replacements.
  for (size_t i = 0; i < n; i += 10) EXPECT_TRUE(collection->Delete(std::to_string(i)).ok());
  for (size_t i = 5; i < n; i += 10) {
    EXPECT_TRUE(collection
                    ->Upsert(std::to_string(i), std::span<const float>(data.data() + (i - 1) * kDim, kDim),
                             {{"parity", "replaced"}})
                    .ok());
  }
  return collection;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(input), {});
}

void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(CollectionPersistence, SaveLoadRoundTripGivesIdenticalResults) {
  testing::TempDir dir;
  std::vector<float> data = index_testing::RandomVectors(300, kDim, 5, /*normalise=*/false);
  auto original = BuildCollection(data);
  const std::filesystem::path path = dir.path() / "products.irishnsw";
  ASSERT_TRUE(original->Save(path).ok());

  Result<std::unique_ptr<HnswCollection>> loaded = HnswCollection::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  HnswCollection& copy = **loaded;
  EXPECT_EQ(copy.size(), original->size());
  EXPECT_EQ(copy.graph_elements(), original->graph_elements());
  EXPECT_EQ(copy.ListIds(0, 1000), original->ListIds(0, 1000));
  EXPECT_EQ(copy.options().metric, Metric::kCosine);
  EXPECT_EQ(copy.Get("5")->metadata, nlohmann::json({{"parity", "replaced"}}));
  EXPECT_EQ(copy.Get("5")->vector, original->Get("5")->vector);
  EXPECT_EQ(copy.Get("10").status().code(), StatusCode::kNotFound);

  std::vector<float> queries = index_testing::RandomVectors(20, kDim, 6, /*normalise=*/false);
  SearchFilter odd;
  odd.metadata_equals["parity"] = "odd";
  for (size_t q = 0; q < 20; ++q) {
    std::vector<float> query(queries.begin() + q * kDim, queries.begin() + (q + 1) * kDim);
    for (const SearchFilter& filter : {SearchFilter{}, odd}) {
      auto before = original->Search(query, 10, filter);
      auto after = copy.Search(query, 10, filter);
      ASSERT_TRUE(before.ok() && after.ok());
      ASSERT_EQ(before->size(), after->size());
      for (size_t i = 0; i < before->size(); ++i) {
        EXPECT_EQ((*before)[i].id, (*after)[i].id);
        EXPECT_EQ((*before)[i].similarity, (*after)[i].similarity);
        EXPECT_EQ((*before)[i].metadata, (*after)[i].metadata);
      }
    }
  }
  // The loaded collection keeps working: new labels do not collide with saved ones.
  ASSERT_TRUE(copy.Upsert("new", std::vector<float>(kDim, 1.0f)).ok());
  ASSERT_TRUE(copy.Upsert("1", std::vector<float>(kDim, -1.0f)).ok());
  EXPECT_EQ(copy.size(), original->size() + 1);
  EXPECT_EQ(copy.Search(std::vector<float>(kDim, -1.0f), 1)->at(0).id, "1");
}

TEST(CollectionPersistence, SaveReplacesAnExistingFileAndLeavesNoTemporaries) {
  testing::TempDir dir;
  std::vector<float> data = index_testing::RandomVectors(30, kDim, 9, /*normalise=*/false);
  auto collection = BuildCollection(data);
  const std::filesystem::path path = dir.path() / "c.irishnsw";
  ASSERT_TRUE(collection->Save(path).ok());
  ASSERT_TRUE(collection->Delete("1").ok());
  ASSERT_TRUE(collection->Save(path).ok());
  EXPECT_EQ((*HnswCollection::Load(path))->size(), collection->size());
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(CollectionPersistence, CorruptedByteIsDetected) {
  testing::TempDir dir;
  std::vector<float> data = index_testing::RandomVectors(100, kDim, 2, /*normalise=*/false);
  const std::filesystem::path path = dir.path() / "c.irishnsw";
  ASSERT_TRUE(BuildCollection(data)->Save(path).ok());
  const std::string good = ReadFile(path);
  for (size_t offset : {size_t{20}, good.size() / 3, good.size() / 2, good.size() - 70, good.size() - 1}) {
    std::string bad = good;
    bad[offset] = static_cast<char>(bad[offset] ^ 0x5a);
    WriteFile(path, bad);
    Result<std::unique_ptr<HnswCollection>> loaded = HnswCollection::Load(path);
    ASSERT_FALSE(loaded.ok()) << "byte " << offset;
    EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(loaded.status().message().find(path.string()), std::string::npos) << loaded.status().message();
  }
  std::string wrong_magic = good;
  wrong_magic[0] = 'X';
  WriteFile(path, wrong_magic);
  EXPECT_NE(HnswCollection::Load(path).status().message().find("magic"), std::string::npos);
}

TEST(CollectionPersistence, TruncatedFileIsDetected) {
  testing::TempDir dir;
  std::vector<float> data = index_testing::RandomVectors(100, kDim, 4, /*normalise=*/false);
  const std::filesystem::path path = dir.path() / "c.irishnsw";
  ASSERT_TRUE(BuildCollection(data)->Save(path).ok());
  const std::string good = ReadFile(path);
  for (size_t length : {size_t{0}, size_t{10}, size_t{64}, good.size() / 2, good.size() - 1}) {
    WriteFile(path, good.substr(0, length));
    Result<std::unique_ptr<HnswCollection>> loaded = HnswCollection::Load(path);
    ASSERT_FALSE(loaded.ok()) << "length " << length;
    EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition) << loaded.status().ToString();
    EXPECT_NE(loaded.status().message().find(path.string()), std::string::npos);
  }
}

TEST(CollectionPersistence, MissingFileIsNotFound) {
  testing::TempDir dir;
  EXPECT_EQ(HnswCollection::Load(dir.path() / "absent.irishnsw").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace iris
