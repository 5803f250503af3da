#include "dedup/duplicate_detector.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "image/image_decoder.h"
#include "image/test_images.h"

namespace iris {
namespace {

using testing::ToRgbImage;

// Real clothing photos (same category: two long-sleeve tops on similar backgrounds).
const char* kCatalog[] = {"images/longsleeve/0f4d9494-612a-48f8-be05-e47f4fc54d54.jpg",
                          "images/longsleeve/368ef683-0c8c-4ba1-a73b-d784b851165a.jpg",
                          "images/longsleeve/63fd7e77-fa32-44a2-964b-8ab764ca9efa.jpg"};
const char* kOtherSameCategory = "images/longsleeve/841cdda3-162f-4ae3-a86b-3596f414801f.jpg";

vips::VImage Clothing(const std::string& file) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  const std::string bytes = testing::ReadFileBytes(testing::RequireShared("data/clothing-cc0/" + file));
  return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "")
      .colourspace(VIPS_INTERPRETATION_sRGB)
      .copy_memory();
}

RgbImage Jpeg(const vips::VImage& image, int quality) {
  const std::string bytes = testing::EncodeWithVips(image, ".jpg[Q=" + std::to_string(quality) + "]");
  return ToRgbImage(vips::VImage::new_from_buffer(bytes.data(), bytes.size(), ""));
}

std::unique_ptr<DuplicateDetector> MakeCatalog(DuplicateOptions options = {}, ImageEmbedFn embedder = nullptr) {
  auto d = std::make_unique<DuplicateDetector>(options, std::move(embedder));
  for (const char* file : kCatalog) {
    EXPECT_TRUE(d->AddImage(file, ToRgbImage(Clothing(file))).ok());
  }
  return d;
}

const DuplicateCandidate* First(const DuplicateReport& r) {
  return r.candidates.empty() ? nullptr : &r.candidates.front();
}

TEST(DuplicateDetectorTest, ReEncodeIsAHashDuplicate) {
  auto d_ptr = MakeCatalog();
  DuplicateDetector& d = *d_ptr;
  auto r = d.Check(Jpeg(Clothing(kCatalog[0]).resize(0.6), 40));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(First(*r)->id, kCatalog[0]);
  EXPECT_LE(First(*r)->hash_distance, 2);
  EXPECT_EQ(First(*r)->view, "identity");
  EXPECT_EQ(First(*r)->reason.rfind("phash", 0), 0u) << First(*r)->reason;
  for (std::size_t i = 1; i < r->candidates.size(); ++i)
    EXPECT_FALSE(r->candidates[i].duplicate) << r->candidates[i].id;
}

TEST(DuplicateDetectorTest, FlipAndQuarterTurnMatchThroughOrientedViews) {
  auto d_ptr = MakeCatalog();
  DuplicateDetector& d = *d_ptr;
  auto flipped = d.Check(Jpeg(Clothing(kCatalog[1]).flip(VIPS_DIRECTION_HORIZONTAL), 85));
  ASSERT_TRUE(flipped.ok());
  ASSERT_TRUE(flipped->has_duplicate());
  EXPECT_EQ(First(*flipped)->id, kCatalog[1]);
  EXPECT_EQ(First(*flipped)->view, "flip_h");
  auto turned = d.Check(Jpeg(Clothing(kCatalog[2]).rot(VIPS_ANGLE_D90), 85));
  ASSERT_TRUE(turned.ok());
  ASSERT_TRUE(turned->has_duplicate());
  EXPECT_EQ(First(*turned)->id, kCatalog[2]);
  EXPECT_EQ(First(*turned)->view, "rot270");  // turning the copy back
}

TEST(DuplicateDetectorTest, LetterboxedCopyMatchesThroughTheTrimmedView) {
  auto d_ptr = MakeCatalog();
  DuplicateDetector& d = *d_ptr;
  const vips::VImage photo = Clothing(kCatalog[0]);
  const vips::VImage boxed = photo.embed((photo.height() * 16 / 9 - photo.width()) / 2, 0, photo.height() * 16 / 9,
                                         photo.height(), vips::VImage::option()->set("extend", VIPS_EXTEND_BLACK));
  auto r = d.Check(Jpeg(boxed, 80));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(First(*r)->id, kCatalog[0]);
  EXPECT_EQ(First(*r)->view.rfind("trimmed/", 0), 0u) << First(*r)->view;
}

TEST(DuplicateDetectorTest, CropIsCaughtByGeometricVerification) {
  auto d_ptr = MakeCatalog();
  DuplicateDetector& d = *d_ptr;
  const vips::VImage photo = Clothing(kCatalog[1]);
  const vips::VImage crop =
      photo.extract_area(photo.width() / 5, photo.height() / 10, photo.width() * 3 / 4, photo.height() * 3 / 4);
  auto r = d.Check(Jpeg(crop, 85));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(First(*r)->id, kCatalog[1]);
  EXPECT_GE(First(*r)->inliers, d.options().min_inliers);
  EXPECT_NEAR(First(*r)->scale, 0.75, 0.05);
  EXPECT_EQ(First(*r)->reason.rfind("inliers", 0), 0u) << First(*r)->reason;
}

// Checks run under the detector's shared lock, each with its thread's own vote tally (feature_index.h);
// adds and removes of other photos take the lock exclusively in between. Every concurrent check of a
// crop (found only through the vote index) must answer as the same check alone does.
TEST(DuplicateDetectorTest, ConcurrentChecksDuringAddsAndRemovesAnswerAsAlone) {
  auto d_ptr = MakeCatalog();
  DuplicateDetector& d = *d_ptr;
  const vips::VImage photo = Clothing(kCatalog[1]);
  const RgbImage crop = Jpeg(
      photo.extract_area(photo.width() / 5, photo.height() / 10, photo.width() * 3 / 4, photo.height() * 3 / 4), 85);
  const auto alone = d.Check(crop);
  ASSERT_TRUE(alone.ok());
  ASSERT_TRUE(alone->has_duplicate());
  ASSERT_EQ(First(*alone)->id, kCatalog[1]);
  const auto other = d.ComputeSignature(ToRgbImage(Clothing(kOtherSameCategory)));
  ASSERT_TRUE(other.ok());

  std::atomic<int> wrong{0}, checks{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> checkers;
  for (int t = 0; t < 2; ++t) {
    checkers.emplace_back([&] {
      for (int i = 0; i < 6; ++i) {
        const auto r = d.Check(crop);
        ++checks;
        if (!r.ok() || !r->has_duplicate() || First(*r)->id != kCatalog[1] ||
            First(*r)->inliers != First(*alone)->inliers) {
          ++wrong;
        }
      }
    });
  }
  std::thread writer([&] {
    for (int i = 0; writing; ++i) {
      const std::string id = "extra-" + std::to_string(i % 4);
      if (i % 3 == 2) {
        d.Remove(id);
      } else {
        d.Add(id, *other);
      }
    }
  });
  for (std::thread& t : checkers) t.join();
  writing = false;
  writer.join();
  EXPECT_EQ(checks, 12);
  EXPECT_EQ(wrong, 0);
}

TEST(DuplicateDetectorTest, SimilarProductOnTheSameBackgroundIsNotADuplicate) {
  auto d_ptr = MakeCatalog();
  DuplicateDetector& d = *d_ptr;
  auto r = d.Check(ToRgbImage(Clothing(kOtherSameCategory)));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_duplicate()) << First(*r)->id << ": " << First(*r)->reason;
}

TEST(DuplicateDetectorTest, SameSetUpDifferentJacketIsNotAHashDuplicate) {
  // Two different jackets on the same hanger and wall: the mirror view's pHash is only 4 bits away (as
  // measured by the benchmark), but the fine detail does not correlate.
  const char* a = "images/outwear/8a17d01f-80f9-4e88-ad35-51d09dbb5b3c.jpg";
  const char* b = "images/outwear/f315fe31-fa7a-4c1d-a461-3e67ffe6f981.jpg";
  DuplicateDetector d;
  ASSERT_TRUE(d.AddImage(b, ToRgbImage(Clothing(b))).ok());
  auto r = d.Check(ToRgbImage(Clothing(a)));
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->candidates.empty());
  EXPECT_LE(First(*r)->hash_distance, d.options().hash_duplicate_distance);
  EXPECT_LT(First(*r)->hash_detail_correlation, d.options().min_hash_detail_correlation);
  EXPECT_FALSE(r->has_duplicate()) << First(*r)->reason;
}

TEST(DuplicateDetectorTest, RemoveAndReplace) {
  auto d_ptr = MakeCatalog();
  DuplicateDetector& d = *d_ptr;
  EXPECT_EQ(d.size(), 3u);
  const RgbImage copy = Jpeg(Clothing(kCatalog[2]), 60);
  ASSERT_TRUE(d.Check(copy)->has_duplicate());
  EXPECT_TRUE(d.Remove(kCatalog[2]));
  EXPECT_FALSE(d.Remove(kCatalog[2]));
  EXPECT_EQ(d.size(), 2u);
  EXPECT_FALSE(d.Check(copy)->has_duplicate());
  // Re-adding under another photo's id replaces that photo.
  ASSERT_TRUE(d.AddImage(kCatalog[0], ToRgbImage(Clothing(kCatalog[2]))).ok());
  EXPECT_EQ(d.size(), 2u);
  auto r = d.Check(copy);
  ASSERT_TRUE(r->has_duplicate());
  EXPECT_EQ(First(*r)->id, kCatalog[0]);
  EXPECT_FALSE(d.Check(RgbImage{}).ok());
}

TEST(DuplicateDetectorTest, PluggedEmbedderAddsSimilarityAndCandidates) {
  // A deterministic stand-in embedder: the normalised mean colour of 2x2 blocks of the photo.
  std::atomic<int> calls{0};
  ImageEmbedFn embed = [&](const RgbImage& image) -> Result<std::vector<float>> {
    ++calls;
    std::vector<float> v(12, 0);
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) {
        const int cell = (2 * y / image.height) * 2 + 2 * x / image.width;
        for (int c = 0; c < 3; ++c) v[cell * 3 + c] += image.row(y)[3 * x + c];
      }
    }
    double n = 0;
    for (float f : v) n += double(f) * f;
    for (float& f : v) f = static_cast<float>(f / std::sqrt(n));
    return v;
  };
  DuplicateOptions o;
  o.geometric_verification = false;
  auto d_ptr = MakeCatalog(o, embed);
  DuplicateDetector& d = *d_ptr;
  EXPECT_EQ(calls.load(), 3);
  auto r = d.Check(ToRgbImage(Clothing(kOtherSameCategory)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls.load(), 4);
  ASSERT_EQ(r->candidates.size(), 3u);  // every stored photo is an embedding candidate (k = 5 > 3)
  for (const auto& c : r->candidates) {
    ASSERT_TRUE(c.similarity.has_value());
    EXPECT_GT(*c.similarity, 0.5f);
    EXPECT_FALSE(c.duplicate);  // an embedding alone never decides by default
  }
  o.embedding_duplicate_similarity = 0.5f;  // opt-in: now it decides
  auto loose_ptr = MakeCatalog(o, embed);
  DuplicateDetector& loose = *loose_ptr;
  auto r2 = loose.Check(ToRgbImage(Clothing(kOtherSameCategory)));
  ASSERT_TRUE(r2.ok());
  ASSERT_TRUE(r2->has_duplicate());
  EXPECT_EQ(First(*r2)->reason.rfind("embedding", 0), 0u);
}

}  // namespace
}  // namespace iris
