#include "dedup/tiered_signature_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <random>

#include "dedup/codec_io.h"
#include "dedup/dedup_test_photos.h"
#include "dedup/duplicate_detector.h"

namespace iris {
namespace {

using testing::ClothingRgb;

const DuplicateSignature& RealSignature() { return testing::LetterboxedSignature(); }

void ExpectPlanesEqual(const LumaPlane& a, const LumaPlane& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.values, b.values);
}

TEST(TieredSignatureCodecTest, SplitKeepsTheBudgetsAndRoundTripsExactly) {
  const DuplicateSignature& s = RealSignature();
  ASSERT_TRUE(s.trimmed_phash.has_value());
  ASSERT_EQ(s.features.keypoints.size(), 500u);
  const SplitSignatures split = SplitSignature(s);
  const ResidentSignature& r = split.resident;
  const ColdSignature& c = split.cold;
  EXPECT_EQ(r.phash, s.phash);
  EXPECT_EQ(r.trimmed_phash, s.trimmed_phash);
  EXPECT_EQ(r.embedding, s.embedding);
  EXPECT_EQ(r.vote_keys.size(), 320u);
  EXPECT_EQ(c.oriented_phashes, s.oriented_phashes);
  EXPECT_EQ(c.trimmed_oriented_phashes, s.trimmed_oriented_phashes);
  // Thumbnails at 8-bit levels.
  ASSERT_EQ(c.thumbnail.values.size(), s.thumbnail.values.size());
  for (std::size_t i = 0; i < c.thumbnail.values.size(); ++i) {
    ASSERT_LE(std::abs(c.thumbnail.values[i] - s.thumbnail.values[i]), 0.5f) << i;
    ASSERT_EQ(c.thumbnail.values[i], std::round(c.thumbnail.values[i]));
  }
  EXPECT_EQ(std::max(c.features.thumbnail.width, c.features.thumbnail.height), 96);
  EXPECT_EQ(c.features.width, s.features.width);
  EXPECT_GT(c.features.keypoints.size(), 150u);
  EXPECT_LE(c.features.keypoints.size(), 300u);
  EXPECT_EQ(c.position_shift, 6);  // 512-px frame: 1/64 px

  const std::string cold = EncodeCold(c), resident = EncodeResident(r);
  EXPECT_EQ(cold.size(), EncodedColdSize(c));
  EXPECT_LE(cold.size(), static_cast<std::size_t>(TierOptions{}.cold_max_bytes));
  EXPECT_LT(resident.size(), 1400u);
  EXPECT_EQ(cold.compare(0, 4, "IDSC"), 0);
  EXPECT_EQ(resident.compare(0, 4, "IDSR"), 0);
  std::printf("letterboxed photo: resident %zu bytes, cold %zu bytes (%zu of %zu keypoints)\n", resident.size(),
              cold.size(), c.features.keypoints.size(), s.features.keypoints.size());

  Result<ColdSignature> dc = DecodeCold(cold);
  ASSERT_TRUE(dc.ok()) << dc.status().ToString();
  EXPECT_EQ(dc->phash, c.phash);
  EXPECT_EQ(dc->trimmed_phash, c.trimmed_phash);
  EXPECT_EQ(dc->oriented_phashes, c.oriented_phashes);
  ExpectPlanesEqual(dc->thumbnail, c.thumbnail);
  ExpectPlanesEqual(dc->trimmed_thumbnail, c.trimmed_thumbnail);
  ExpectPlanesEqual(dc->features.thumbnail, c.features.thumbnail);
  ASSERT_EQ(dc->features.keypoints.size(), c.features.keypoints.size());
  for (std::size_t i = 0; i < c.features.keypoints.size(); ++i) {
    EXPECT_TRUE(dc->features.keypoints[i].x == c.features.keypoints[i].x &&
                dc->features.keypoints[i].y == c.features.keypoints[i].y)
        << i;
  }
  EXPECT_EQ(dc->features.descriptors, c.features.descriptors);
  EXPECT_EQ(EncodeCold(*dc), cold);
  Result<ResidentSignature> dr = DecodeResident(resident);
  ASSERT_TRUE(dr.ok()) << dr.status().ToString();
  EXPECT_EQ(dr->vote_keys, r.vote_keys);
  EXPECT_EQ(dr->embedding, r.embedding);
  EXPECT_EQ(EncodeResident(*dr), resident);

  // A smaller byte budget keeps fewer keypoints, never more bytes.
  TierOptions tight;
  tight.cold_max_bytes = 12000;
  const SplitSignatures small = SplitSignature(s, tight);
  EXPECT_LE(EncodeCold(small.cold).size(), 12000u);
  EXPECT_LT(small.cold.features.keypoints.size(), c.features.keypoints.size());
}

TEST(TieredSignatureCodecTest, DetectorReadingColdPartsAnswersAsOneKeepingThem) {
  // The same photos in a detector keeping its cold parts and one fetching them from a map (as from
  // SQLite): every check answers the same, evidence included.
  DuplicateDetector in_memory;
  std::map<std::string, std::string> cold_rows;
  int fetches = 0;
  DuplicateDetector fetching({}, nullptr, [&](const std::vector<std::string>& ids) {
    ++fetches;
    std::vector<std::optional<std::string>> out;
    for (const std::string& id : ids) {
      auto it = cold_rows.find(id);
      out.push_back(it == cold_rows.end() ? std::nullopt : std::optional<std::string>(it->second));
    }
    return Result<std::vector<std::optional<std::string>>>(std::move(out));
  });
  EXPECT_TRUE(in_memory.keeps_cold());
  EXPECT_FALSE(fetching.keeps_cold());
  for (const char* file : {testing::kLongsleeveA, testing::kLongsleeveB, testing::kPants}) {
    Result<DuplicateSignature> s = in_memory.ComputeSignature(ClothingRgb(file));
    ASSERT_TRUE(s.ok());
    in_memory.Add(file, *s);
    StoredSignature stored = fetching.Tier(*s);
    cold_rows[file] = stored.cold;
    fetching.Add(file, std::move(stored));
  }
  const std::vector<RgbImage> queries = testing::CopyQueries();
  int duplicates = 0;
  auto same = [](const DuplicateReport& x, const DuplicateReport& y) {
    ASSERT_EQ(x.candidates.size(), y.candidates.size());
    for (std::size_t i = 0; i < x.candidates.size(); ++i) {
      const DuplicateCandidate &c = x.candidates[i], &d = y.candidates[i];
      EXPECT_EQ(c.id, d.id);
      EXPECT_EQ(c.duplicate, d.duplicate);
      EXPECT_EQ(c.hash_distance, d.hash_distance);
      EXPECT_EQ(c.hash_detail_correlation, d.hash_detail_correlation);
      EXPECT_EQ(c.inliers, d.inliers);
      EXPECT_EQ(c.detail_correlation, d.detail_correlation);
      EXPECT_EQ(c.reason, d.reason);
    }
  };
  for (const RgbImage& q : queries) {
    Result<DuplicateReport> x = in_memory.Check(q), y = fetching.Check(q);
    ASSERT_TRUE(x.ok() && y.ok());
    duplicates += x->has_duplicate();
    same(*x, *y);
  }
  EXPECT_EQ(duplicates, 3);  // the three copies, not the shoes
  for (const char* file : {testing::kLongsleeveA, testing::kPants}) {
    Result<DuplicateReport> x = in_memory.CheckStored(file), y = fetching.CheckStored(file);
    ASSERT_TRUE(x.ok() && y.ok()) << y.status().ToString();
    same(*x, *y);
  }
  EXPECT_GT(fetches, 4);
  // Removing drops the resident part at once; a cold row that is gone leaves the candidate out.
  ASSERT_TRUE(fetching.Remove(testing::kLongsleeveA));
  cold_rows.erase(testing::kLongsleeveB);
  Result<DuplicateReport> gone = fetching.Check(queries[0]);
  ASSERT_TRUE(gone.ok());
  for (const DuplicateCandidate& c : gone->candidates) {
    EXPECT_NE(c.id, testing::kLongsleeveA);
    EXPECT_NE(c.id, testing::kLongsleeveB);
  }
  EXPECT_EQ(fetching.CheckStored(testing::kLongsleeveB).status().code(), StatusCode::kNotFound);
}

TEST(TieredSignatureCodecTest, RejectsForeignBlobsWithClearErrors) {
  const SplitSignatures split = SplitSignature(RealSignature());
  const std::string cold = EncodeCold(split.cold), resident = EncodeResident(split.resident);
  auto cold_error = [](std::string_view bytes) {
    Result<ColdSignature> r = DecodeCold(bytes);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  auto resident_error = [](std::string_view bytes) {
    Result<ResidentSignature> r = DecodeResident(bytes);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_NE(cold_error("").find("magic"), std::string::npos);
  EXPECT_NE(cold_error(resident).find("no IDSC magic"), std::string::npos);
  EXPECT_NE(resident_error(cold).find("no IDSR magic"), std::string::npos);
  std::string v4 = cold;
  v4[4] = 4;
  EXPECT_NE(cold_error(v4).find("version 4"), std::string::npos) << cold_error(v4);
  EXPECT_NE(cold_error(cold + "x").find("1 trailing bytes"), std::string::npos);
  EXPECT_NE(resident_error(resident + "xy").find("2 trailing bytes"), std::string::npos);
  std::string huge = cold;
  std::memset(huge.data() + 4 + 4 + 8 + 1 + 8, 0xFF, 4);  // the oriented_phashes count
  EXPECT_NE(cold_error(huge).find("do not fit"), std::string::npos) << cold_error(huge);
  std::string bad_key = resident;
  const char too_large[3] = {'\x80', '\x80', '\x40'};                 // LEB128 of 2^20
  std::memcpy(bad_key.data() + 4 + 4 + 8 + 1 + 8 + 4, too_large, 3);  // the first vote key
  EXPECT_NE(resident_error(bad_key).find("vote key"), std::string::npos) << resident_error(bad_key);
  ColdSignature outside = split.cold;
  outside.features.keypoints[3].x = 600;  // beyond the 512-px frame
  EXPECT_NE(cold_error(EncodeCold(outside)).find("keypoint outside"), std::string::npos);
  ResidentSignature nan = split.resident;
  nan.embedding[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(resident_error(EncodeResident(nan)).find("finite"), std::string::npos);
  for (std::size_t n = 0; n < cold.size(); ++n) ASSERT_FALSE(DecodeCold(std::string_view(cold).substr(0, n)).ok()) << n;
  for (std::size_t n = 0; n < resident.size(); ++n) {
    ASSERT_FALSE(DecodeResident(std::string_view(resident).substr(0, n)).ok()) << n;
  }
}

// Format version 2 as it was written before version 3 (raw vote keys, uncompressed planes).
// The header both tiers share: magic, version 2, the pHashes.
void HeaderV2(codec_io::Writer& w, const char (&magic)[4], std::uint64_t phash,
              const std::optional<std::uint64_t>& trimmed) {
  w.out().append(magic, 4);
  w.Uint(std::uint32_t{2});
  w.Uint(phash);
  w.Uint(static_cast<std::uint8_t>(trimmed ? 1 : 0));
  if (trimmed) w.Uint(*trimmed);
}

std::string EncodeResidentV2(const ResidentSignature& s) {
  codec_io::Writer w;
  HeaderV2(w, kResidentMagic, s.phash, s.trimmed_phash);
  w.Count(s.vote_keys.size());
  for (auto it = s.vote_keys.rbegin(); it != s.vote_keys.rend(); ++it) w.Uint(*it);  // any order
  w.Count(s.embedding.size());
  for (float v : s.embedding) w.F32(v);
  return std::move(w.out());
}

std::string EncodeColdV2(const ColdSignature& s) {
  codec_io::Writer w;
  HeaderV2(w, kColdMagic, s.phash, s.trimmed_phash);
  w.Hashes(s.oriented_phashes);
  w.Hashes(s.trimmed_oriented_phashes);
  w.Plane8(s.thumbnail);
  w.Plane8(s.trimmed_thumbnail);
  w.I32(s.features.width);
  w.I32(s.features.height);
  w.Uint(static_cast<std::uint8_t>(s.position_shift));
  w.Count(s.features.keypoints.size());
  const double unit = std::ldexp(1.0, s.position_shift);
  for (const Keypoint& k : s.features.keypoints) {
    w.Uint(static_cast<std::uint16_t>(std::lround(k.x * unit)));
    w.Uint(static_cast<std::uint16_t>(std::lround(k.y * unit)));
  }
  for (const BinaryDescriptor& d : s.features.descriptors) {
    for (std::uint64_t word : d) w.Uint(word);
  }
  w.Plane8(s.features.thumbnail);
  return std::move(w.out());
}

TEST(TieredSignatureCodecTest, VersionTwoRowsStillDecodeToTheSameSignature) {
  const SplitSignatures split = SplitSignature(RealSignature());
  const Result<ResidentSignature> resident = DecodeResident(EncodeResidentV2(split.resident));
  ASSERT_TRUE(resident.ok()) << resident.status().ToString();
  std::vector<std::uint32_t> keys = resident->vote_keys;
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, split.resident.vote_keys);
  EXPECT_EQ(resident->phash, split.resident.phash);
  const std::string v2 = EncodeColdV2(split.cold), v3 = EncodeCold(split.cold);
  const Result<ColdSignature> cold = DecodeCold(v2);
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  EXPECT_EQ(EncodeCold(*cold), v3);  // the same signature, written again as version 3
  EXPECT_LT(v3.size(), v2.size());   // compressed planes
  std::printf("cold part: version 2 %zu bytes, version 3 %zu bytes; resident: %zu -> %zu bytes\n", v2.size(), v3.size(),
              EncodeResidentV2(split.resident).size(), EncodeResident(split.resident).size());
}

TEST(TieredSignatureCodecTest, ACompressedPlaneThatDoesNotInflateToItsSizeIsRejected) {
  std::vector<std::uint8_t> values(48 * 36);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint8_t>((i * 7) % 251);
  const std::string z = CompressPlane8(values, 48, 36);
  const Result<std::vector<std::uint8_t>> back = DecompressPlane8(z, 48, 36);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, values);
  EXPECT_FALSE(DecompressPlane8(z, 48, 35).ok());  // more bytes than the plane holds
  EXPECT_FALSE(DecompressPlane8(z, 48, 37).ok());  // fewer
  EXPECT_FALSE(DecompressPlane8(z.substr(0, z.size() / 2), 48, 36).ok());
  EXPECT_FALSE(DecompressPlane8("not zlib at all", 48, 36).ok());
  EXPECT_FALSE(DecompressPlane8("x", 0, 0).ok());
  EXPECT_TRUE(DecompressPlane8("", 0, 0).ok());
}

TEST(TieredSignatureCodecTest, RandomByteFlipsNeverCrashAndDecodedOnesAreUsable) {
  // Flipped cold parts either fail to decode or decode to something a detector can check with.
  const SplitSignatures split = SplitSignature(RealSignature());
  const std::string cold = EncodeCold(split.cold);
  DuplicateDetector detector;
  detector.Add("original", RealSignature());
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::size_t> pos(0, cold.size() - 1);
  std::uniform_int_distribution<int> flips(1, 8), byte(1, 255);
  int decoded = 0, failed = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string b = cold;
    const int n = flips(rng);
    for (int i = 0; i < n; ++i) b[trial % 4 == 0 ? pos(rng) % 64 : pos(rng)] ^= static_cast<char>(byte(rng));
    Result<ColdSignature> s = DecodeCold(b);
    if (!s.ok()) {
      ++failed;
      continue;
    }
    ++decoded;
    if (decoded % 50 == 0) {
      detector.Add("flipped", StoredSignature{split.resident, b});
      ASSERT_TRUE(detector.CheckStored("flipped").ok());
      ASSERT_TRUE(detector.CheckStored("original").ok());
    }
  }
  EXPECT_GT(failed, 100);
  EXPECT_GT(decoded, 100);
  std::printf("random flips of a cold part: %d decoded, %d rejected\n", decoded, failed);
}

}  // namespace
}  // namespace iris
