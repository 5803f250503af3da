#include "vision/perceptual_hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "image/image_decoder.h"
#include "image/image_encoder.h"
#include "image/resample.h"
#include "support/shared_data.h"

namespace iris {
namespace {

RgbImage Solid(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  RgbImage image{width, height, {}};
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), {r, g, b});
  return image;
}

RgbImage DecodeShared(const std::string& relative) {
  Result<DecodedImage> decoded = DecodeImage(testing::ReadFileBytes(testing::RequireShared(relative)), {});
  EXPECT_TRUE(decoded.ok()) << relative << ": " << decoded.status().ToString();
  return decoded.ok() ? decoded->image : RgbImage{};
}

// The first column of a CSV file with a header line (no quoted commas in that column).
std::vector<std::string> FirstColumn(const std::filesystem::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> out;
  while (std::getline(in, line)) out.push_back(line.substr(0, line.find(',')));
  return out;
}

// `count` clothing photos spread evenly over labels.csv (all garment classes).
std::vector<RgbImage> ClothingPhotos(std::size_t count) {
  const std::vector<std::string> files = FirstColumn(testing::RequireShared("data/clothing-cc0/labels.csv"));
  EXPECT_GE(files.size(), count);
  std::vector<RgbImage> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(DecodeShared("data/clothing-cc0/" + files[i * files.size() / count]));
  return out;
}

std::uint64_t PHash(const RgbImage& image) {
  Result<std::uint64_t> hash = PerceptualHash(image);
  EXPECT_TRUE(hash.ok()) << hash.status().ToString();
  return hash.ok() ? *hash : 0;
}

std::uint64_t DHash(const RgbImage& image) {
  Result<std::uint64_t> hash = DifferenceHash(image);
  EXPECT_TRUE(hash.ok()) << hash.status().ToString();
  return hash.ok() ? *hash : 0;
}

TEST(HashHexTest, RoundTripsAndIsLowerCaseSixteenDigits) {
  for (std::uint64_t value : {0ull, 1ull, 0x8000000000000000ull, 0x0123456789abcdefull, ~0ull}) {
    const std::string hex = HashToHex(value);
    EXPECT_EQ(hex.size(), 16u);
    EXPECT_TRUE(std::all_of(hex.begin(), hex.end(), [](char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); }));
    Result<std::uint64_t> back = HashFromHex(hex);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, value);
  }
  EXPECT_EQ(HashToHex(0x0123456789abcdefull), "0123456789abcdef");
  EXPECT_EQ(HashToHex(1), "0000000000000001");
  Result<std::uint64_t> upper = HashFromHex("FEDCBA9876543210");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, 0xfedcba9876543210ull);
}

TEST(HashHexTest, RejectsMalformedHex) {
  for (const char* bad : {"", "123", "0123456789abcdef0", "0x23456789abcdef", "0123456789abcdeg", " 123456789abcdef"}) {
    Result<std::uint64_t> parsed = HashFromHex(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(HammingDistanceTest, CountsDifferingBits) {
  EXPECT_EQ(HammingDistance(0, 0), 0);
  EXPECT_EQ(HammingDistance(0, ~0ull), 64);
  EXPECT_EQ(HammingDistance(0b1011, 0b0001), 2);
  EXPECT_EQ(HammingDistance(0x8000000000000000ull, 0), 1);
}

TEST(PerceptualHashTest, FlatImageHasOnlyTheDcBit) {
  for (std::uint8_t level : {0, 128, 255}) {
    const RgbImage flat = Solid(40, 30, level, level, level);
    EXPECT_EQ(PHash(flat), level == 0 ? 0u : 0x8000000000000000ull) << int(level);
    EXPECT_EQ(DHash(flat), 0u);
  }
}

TEST(PerceptualHashTest, DifferenceHashBitOrderIsRowMajorFromTheTop) {
  // 9x8 image (no resampling): columns 0-4 black, 5-8 white. Only the comparison between columns 4 and
  // 5 increases, which is bit 4 of each 8-bit row, most significant first: 00001000 per row.
  RgbImage image = Solid(9, 8, 0, 0, 0);
  for (int y = 0; y < 8; ++y) {
    for (int x = 5; x < 9; ++x) std::fill_n(image.row(y) + 3 * x, 3, 255);
  }
  EXPECT_EQ(HashToHex(DHash(image)), "0808080808080808");
  // Only the top row has the step: only the first byte is set.
  RgbImage top = Solid(9, 8, 0, 0, 0);
  for (int x = 5; x < 9; ++x) std::fill_n(top.row(0) + 3 * x, 3, 255);
  EXPECT_EQ(HashToHex(DHash(top)), "0800000000000000");
}

TEST(PerceptualHashTest, TinyAndOddSizesWork) {
  for (auto [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {3, 100}, {100, 3}, {2, 2}, {33, 31}}) {
    RgbImage image = Solid(w, h, 10, 200, 30);
    image.pixels[0] = 255;  // not flat
    Result<PerceptualHashes> hashes = ComputePerceptualHashes(image);
    ASSERT_TRUE(hashes.ok()) << w << "x" << h << ": " << hashes.status().ToString();
    Result<PerceptualHashes> again = ComputePerceptualHashes(image);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(hashes->phash, again->phash);
    EXPECT_EQ(hashes->dhash, again->dhash);
  }
}

TEST(PerceptualHashTest, RejectsEmptyAndInconsistentImages) {
  EXPECT_EQ(PerceptualHash(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DifferenceHash(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
  RgbImage short_buffer = Solid(10, 10, 1, 2, 3);
  short_buffer.pixels.pop_back();
  EXPECT_EQ(ComputePerceptualHashes(short_buffer).status().code(), StatusCode::kInvalidArgument);
}

TEST(PerceptualHashTest, DeterministicAndMatchesTheSeparateFunctions) {
  const RgbImage photo = DecodeShared("data/debian-photos/images/coffee.jpg");
  Result<PerceptualHashes> a = ComputePerceptualHashes(photo);
  Result<PerceptualHashes> b = ComputePerceptualHashes(RgbImage(photo));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->phash, b->phash);
  EXPECT_EQ(a->dhash, b->dhash);
  EXPECT_EQ(a->phash, PHash(photo));
  EXPECT_EQ(a->dhash, DHash(photo));
  EXPECT_NE(a->phash, 0x8000000000000000ull);  // a real photo is not "flat"
}

// Re-encoding and resizing real photos barely moves the hashes (measured: at most 2 bits for pHash and 3
// for dHash over 100 clothing photos; see docs/image-features.md).
TEST(PerceptualHashTest, RobustToJpegReencodeAndDownscale) {
  const std::vector<RgbImage> photos = ClothingPhotos(20);
  for (std::size_t i = 0; i < photos.size(); ++i) {
    const RgbImage& photo = photos[i];
    Result<std::string> jpeg = EncodeJpeg(photo, 40);
    ASSERT_TRUE(jpeg.ok());
    Result<DecodedImage> reencoded = DecodeImage(*jpeg, {});
    ASSERT_TRUE(reencoded.ok());
    Result<RgbImage> half = Resize(photo, photo.width / 2, photo.height / 2, {ResampleFilter::kBilinear, true});
    ASSERT_TRUE(half.ok());
    EXPECT_LE(HammingDistance(PHash(photo), PHash(reencoded->image)), 6) << "photo " << i << ", JPEG q40";
    EXPECT_LE(HammingDistance(PHash(photo), PHash(*half)), 6) << "photo " << i << ", 0.5x";
    EXPECT_LE(HammingDistance(DHash(photo), DHash(reencoded->image)), 8) << "photo " << i << ", JPEG q40";
    EXPECT_LE(HammingDistance(DHash(photo), DHash(*half)), 8) << "photo " << i << ", 0.5x";
  }
}

// Distinct photos of the same kind of subject are far apart (measured over 4950 pairs of 100 clothing
// photos: pHash minimum 10, median 30; 3 pairs at 10 or less).
TEST(PerceptualHashTest, DistinctClothingPhotosAreFarApart) {
  const std::vector<RgbImage> photos = ClothingPhotos(50);
  std::vector<std::uint64_t> hashes;
  for (const RgbImage& photo : photos) hashes.push_back(PHash(photo));
  int pairs = 0, close = 0, min_distance = 64;
  double sum = 0;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    for (std::size_t j = i + 1; j < hashes.size(); ++j) {
      const int d = HammingDistance(hashes[i], hashes[j]);
      ++pairs;
      sum += d;
      if (d < 10) ++close;
      min_distance = std::min(min_distance, d);
    }
  }
  EXPECT_EQ(pairs, 1225);
  EXPECT_LE(close, pairs / 100) << "more than 1% of distinct pairs closer than 10 bits";
  EXPECT_GE(min_distance, 6);
  EXPECT_GT(sum / pairs, 24);
}

// The labelled near-duplicate set: same-group files that are plain re-encodes, resizes, greyscale copies
// or pillarboxed copies of each other are close; files from different groups are far. Mirror images and
// rotations are NOT near-duplicates for these hashes (documented limitation).
TEST(PerceptualHashTest, NearDuplicateSetSeparatesGroups) {
  const std::filesystem::path csv = testing::RequireShared("data/near-duplicates/pairs.csv");
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  std::map<std::string, std::string> group_of;
  std::map<std::string, std::uint64_t> phash;
  while (std::getline(in, line)) {
    std::vector<std::string> fields(1);  // split on commas outside double quotes
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.emplace_back();
      } else {
        fields.back().push_back(c);
      }
    }
    ASSERT_GE(fields.size(), 4u) << line;
    if (fields[3] != "ok") continue;  // the deliberately corrupt file
    const std::string name = std::filesystem::path(fields[0]).filename().string();
    group_of[name] = fields[1];
    phash[name] = PHash(DecodeShared("data/near-duplicates/" + fields[0]));
  }
  ASSERT_EQ(phash.size(), 21u);
  auto distance = [&phash](const std::string& a, const std::string& b) { return HammingDistance(phash[a], phash[b]); };
  EXPECT_LE(distance("ukbench00120.jpg", "ukbench00120_resize.jpg"), 4);  // 300x300, aspect not kept
  EXPECT_LE(distance("ukbench00120.jpg", "ukbench00120_gray.jpg"), 4);
  EXPECT_LE(distance("ukbench09380.jpg", "ukbench09380.webp"), 4);
  for (const char* a : {"obama_1080p.jpg", "obama_720p.jpg", "obama_480p.jpg"}) {
    EXPECT_LE(distance(a, "obama_240p.jpg"), 4) << a;
  }
  EXPECT_GE(distance("ukbench00120.jpg", "ukbench00120_hflip.jpg"), 16);
  int negatives = 0;
  for (const auto& [a, ga] : group_of) {
    for (const auto& [b, gb] : group_of) {
      if (a < b && ga != gb) {
        ++negatives;
        EXPECT_GE(distance(a, b), 16) << a << " vs " << b;
      }
    }
  }
  EXPECT_EQ(negatives, 184);
}

}  // namespace
}  // namespace iris
