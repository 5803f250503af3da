#include "dedup/signature_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "dedup/dedup_test_photos.h"

namespace iris {
namespace {

using testing::ClothingRgb;

const DuplicateSignature& RealSignature() { return testing::LetterboxedSignature(); }

void ExpectPlanesEqual(const LumaPlane& a, const LumaPlane& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.values, b.values);  // bit for bit (floats compared exactly)
}

TEST(SignatureCodecTest, RealSignatureRoundTripsExactly) {
  const DuplicateSignature& s = RealSignature();
  ASSERT_TRUE(s.trimmed_phash.has_value());
  ASSERT_EQ(s.oriented_phashes.size(), 7u);
  ASSERT_EQ(s.trimmed_oriented_phashes.size(), 7u);
  ASSERT_GT(s.features.keypoints.size(), 100u);
  const std::string blob = EncodeSignature(s);
  EXPECT_EQ(blob.compare(0, 4, "IDSG"), 0);
  Result<DuplicateSignature> d = DecodeSignature(blob);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->phash, s.phash);
  EXPECT_EQ(d->trimmed_phash, s.trimmed_phash);
  EXPECT_EQ(d->oriented_phashes, s.oriented_phashes);
  EXPECT_EQ(d->trimmed_oriented_phashes, s.trimmed_oriented_phashes);
  ExpectPlanesEqual(d->thumbnail, s.thumbnail);
  ExpectPlanesEqual(d->trimmed_thumbnail, s.trimmed_thumbnail);
  EXPECT_EQ(d->features.width, s.features.width);
  EXPECT_EQ(d->features.height, s.features.height);
  ASSERT_EQ(d->features.keypoints.size(), s.features.keypoints.size());
  for (std::size_t i = 0; i < s.features.keypoints.size(); ++i) {
    const Keypoint &a = d->features.keypoints[i], &b = s.features.keypoints[i];
    EXPECT_TRUE(a.x == b.x && a.y == b.y && a.angle == b.angle && a.level == b.level && a.score == b.score) << i;
  }
  EXPECT_EQ(d->features.descriptors, s.features.descriptors);
  ExpectPlanesEqual(d->features.thumbnail, s.features.thumbnail);
  EXPECT_EQ(d->embedding, s.embedding);
  EXPECT_EQ(EncodeSignature(*d), blob);
  std::printf("signature of a letterboxed 400-px photo: %zu bytes (%zu keypoints)\n", blob.size(),
              s.features.keypoints.size());
}

TEST(SignatureCodecTest, DecodedSignatureGivesIdenticalChecks) {
  // Two catalogues, one built from computed signatures, one from their decoded blobs: every check of a
  // transformed copy, a flip, a crop and an unrelated photo answers the same, evidence included.
  DuplicateDetector computed, decoded;
  for (const char* file : {testing::kLongsleeveA, testing::kLongsleeveB, testing::kPants}) {
    Result<DuplicateSignature> s = computed.ComputeSignature(ClothingRgb(file));
    ASSERT_TRUE(s.ok());
    Result<DuplicateSignature> round = DecodeSignature(EncodeSignature(*s));
    ASSERT_TRUE(round.ok()) << round.status().ToString();
    computed.Add(file, *s);
    decoded.Add(file, std::move(round).value());
  }
  const std::vector<RgbImage> queries = testing::CopyQueries();
  int duplicates = 0;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    Result<DuplicateReport> x = computed.Check(queries[q]), y = decoded.Check(queries[q]);
    ASSERT_TRUE(x.ok() && y.ok());
    ASSERT_EQ(x->candidates.size(), y->candidates.size()) << q;
    duplicates += x->has_duplicate();
    for (std::size_t i = 0; i < x->candidates.size(); ++i) {
      const DuplicateCandidate &c = x->candidates[i], &d = y->candidates[i];
      EXPECT_EQ(c.id, d.id);
      EXPECT_EQ(c.duplicate, d.duplicate);
      EXPECT_EQ(c.hash_distance, d.hash_distance);
      EXPECT_EQ(c.view, d.view);
      EXPECT_EQ(c.hash_detail_correlation, d.hash_detail_correlation);
      EXPECT_EQ(c.matches, d.matches);
      EXPECT_EQ(c.inliers, d.inliers);
      EXPECT_EQ(c.scale, d.scale);
      EXPECT_EQ(c.detail_correlation, d.detail_correlation);
      EXPECT_EQ(c.reason, d.reason);
    }
  }
  EXPECT_EQ(duplicates, 3);  // the three copies, not the shoes
}

TEST(SignatureCodecTest, RejectsForeignBlobsWithClearErrors) {
  const std::string blob = EncodeSignature(RealSignature());
  auto error = [](std::string_view bytes) {
    Result<DuplicateSignature> r = DecodeSignature(bytes);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_NE(error("").find("magic"), std::string::npos);
  EXPECT_NE(error("PNG\x89 and more bytes").find("magic"), std::string::npos);
  std::string v2 = blob;
  v2[4] = 2;
  EXPECT_NE(error(v2).find("version 2"), std::string::npos) << error(v2);
  EXPECT_NE(error(blob + "x").find("1 trailing bytes"), std::string::npos);
  EXPECT_NE(error(blob.substr(0, 12)).find("truncated in phash"), std::string::npos) << error(blob.substr(0, 12));
  EXPECT_NE(error(blob.substr(0, blob.size() - 3)).find("embedding: 3 items do not fit"), std::string::npos)
      << error(blob.substr(0, blob.size() - 3));
  // Cut in the middle: the keypoint count no longer fits what is left.
  EXPECT_NE(error(blob.substr(0, blob.size() / 2)).find("features.keypoints: 500 items do not fit"), std::string::npos)
      << error(blob.substr(0, blob.size() / 2));
  // A count far beyond the blob is refused before anything is allocated.
  std::string huge = blob;
  const std::size_t oriented_count = 4 + 4 + 8 + 1 + 8;  // magic, version, phash, has_trimmed, trimmed_phash
  std::memset(huge.data() + oriented_count, 0xFF, 4);
  EXPECT_NE(error(huge).find("do not fit"), std::string::npos) << error(huge);
  // A keypoint outside its frame.
  DuplicateSignature bad = RealSignature();
  bad.features.keypoints[3].x = 1e9f;
  EXPECT_NE(error(EncodeSignature(bad)).find("keypoint"), std::string::npos);
  bad = RealSignature();
  bad.thumbnail.values[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(error(EncodeSignature(bad)).find("finite"), std::string::npos);
}

TEST(SignatureCodecTest, EveryTruncationIsAnError) {
  const std::string blob = EncodeSignature(RealSignature());
  for (std::size_t n = 0; n < blob.size(); ++n) {
    ASSERT_FALSE(DecodeSignature(std::string_view(blob).substr(0, n)).ok()) << n;
  }
}

TEST(SignatureCodecTest, RandomByteFlipsNeverCrashAndDecodedOnesAreUsable) {
  // Flipped blobs either fail to decode or decode to a signature the detector can store and check
  // (floats and hashes may be anything valid). Run under ASan/UBSan to make "no UB" strict.
  const std::string blob = EncodeSignature(RealSignature());
  DuplicateDetector detector;
  detector.Add("original", RealSignature());
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pos(0, blob.size() - 1);
  std::uniform_int_distribution<int> flips(1, 8), byte(0, 255);
  int decoded = 0, failed = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string b = blob;
    const int n = flips(rng);
    // Mostly anywhere; every fourth trial in the first 64 bytes, where the counts and sizes are.
    for (int i = 0; i < n; ++i) b[trial % 4 == 0 ? pos(rng) % 64 : pos(rng)] ^= static_cast<char>(1 + byte(rng) % 255);
    Result<DuplicateSignature> s = DecodeSignature(b);
    if (!s.ok()) {
      ++failed;
      continue;
    }
    ++decoded;
    if (decoded % 50 == 0) {  // a sample through the detector (Check is the expensive part)
      detector.Add("flipped", std::move(s).value());
      ASSERT_TRUE(detector.CheckStored("flipped").ok());
      ASSERT_TRUE(detector.CheckStored("original").ok());
    }
  }
  EXPECT_GT(failed, 100);   // magic, version, counts and sizes are checked
  EXPECT_GT(decoded, 100);  // most flips land in descriptors and thumbnails, which any bits may be
  std::printf("random flips: %d decoded, %d rejected\n", decoded, failed);
}

}  // namespace
}  // namespace iris
