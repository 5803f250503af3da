#include "dedup/duplicate_groups.h"

#include <gtest/gtest.h>

#include <map>

#include "dedup/dedup_test_photos.h"

namespace iris {
namespace {

using testing::ClothingPhoto;
using testing::ClothingRgb;
using testing::JpegCopy;
using Ids = std::vector<std::string>;

DuplicatePair Pair(const std::string& id, const std::string& other, const std::string& reason = "") {
  DuplicateCandidate c;
  c.id = other;
  c.duplicate = true;
  c.reason = reason;
  return {id, c};
}

TEST(GroupDuplicatesTest, ConnectedComponentsSortedWithOnePairPerLink) {
  std::vector<DuplicatePair> pairs = {Pair("d", "c", "d->c"), Pair("b", "a", "b->a"), Pair("a", "b", "a->b"),
                                      Pair("c", "e", "c->e"), Pair("z", "y", "z->y"), Pair("q", "q")};
  const std::vector<DuplicateGroup> groups = GroupDuplicates(pairs);
  ASSERT_EQ(groups.size(), 3u);  // "q" with itself is no group
  EXPECT_EQ(groups[0].ids, (Ids{"a", "b"}));
  ASSERT_EQ(groups[0].pairs.size(), 1u);  // both directions found: the check of the smaller id is kept
  EXPECT_EQ(groups[0].pairs[0].match.reason, "a->b");
  EXPECT_EQ(groups[1].ids, (Ids{"c", "d", "e"}));  // d ~ c ~ e: transitive
  ASSERT_EQ(groups[1].pairs.size(), 2u);
  EXPECT_EQ(groups[1].pairs[0].match.reason, "d->c");  // pairs sorted by (smaller, larger) id: {c, d}, {c, e}
  EXPECT_EQ(groups[1].pairs[1].match.reason, "c->e");
  EXPECT_EQ(groups[2].ids, (Ids{"y", "z"}));
  // The order of the input does not matter.
  std::reverse(pairs.begin(), pairs.end());
  const std::vector<DuplicateGroup> again = GroupDuplicates(pairs);
  ASSERT_EQ(again.size(), 3u);
  for (std::size_t g = 0; g < 3; ++g) {
    EXPECT_EQ(again[g].ids, groups[g].ids);
    ASSERT_EQ(again[g].pairs.size(), groups[g].pairs.size());
    for (std::size_t p = 0; p < groups[g].pairs.size(); ++p)
      EXPECT_EQ(again[g].pairs[p].match.reason, groups[g].pairs[p].match.reason);
  }
  EXPECT_TRUE(GroupDuplicates({}).empty());
}

TEST(GroupDuplicatesTest, PairsFromReportKeepsDuplicatesOnly) {
  DuplicateReport report;
  report.candidates = {Pair("", "x").match, Pair("", "me").match, Pair("", "y").match};
  report.candidates[2].duplicate = false;
  const std::vector<DuplicatePair> pairs = PairsFromReport("me", report);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].id, "me");
  EXPECT_EQ(pairs[0].match.id, "x");
}

// A catalogue of real photos: A with a mirrored and a cropped copy, B with a letterboxed copy, and two
// unrelated photos.
class RealGroupsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const vips::VImage a = ClothingPhoto(testing::kLongsleeveA);
    const vips::VImage b = ClothingPhoto(testing::kLongsleeveB);
    photos_ = new std::vector<std::pair<std::string, RgbImage>>{
        {"a", testing::ToRgbImage(a)},
        {"a-flip", JpegCopy(a.flip(VIPS_DIRECTION_HORIZONTAL), 85)},
        {"a-crop", JpegCopy(a.extract_area(a.width() / 5, a.height() / 10, a.width() * 3 / 4, a.height() * 3 / 4), 85)},
        {"b", testing::ToRgbImage(b)},
        {"b-letterbox", JpegCopy(testing::Letterboxed(b), 80)},
        {"pants", ClothingRgb(testing::kPants)},
        {"shoes", ClothingRgb(testing::kShoes)}};
    detector_ = new DuplicateDetector();
    for (const auto& [id, image] : *photos_) ASSERT_TRUE(detector_->AddImage(id, image).ok()) << id;
  }
  static void TearDownTestSuite() {
    delete detector_;
    delete photos_;
  }
  static const RgbImage& Photo(const std::string& id) {
    for (const auto& [name, image] : *photos_)
      if (name == id) return image;
    throw std::runtime_error("no photo " + id);
  }

  static std::vector<std::pair<std::string, RgbImage>>* photos_;
  static DuplicateDetector* detector_;
};
std::vector<std::pair<std::string, RgbImage>>* RealGroupsTest::photos_ = nullptr;
DuplicateDetector* RealGroupsTest::detector_ = nullptr;

TEST_F(RealGroupsTest, CopiesGroupWithTheirOriginalUnrelatedPhotosStayAlone) {
  Result<DuplicateGroups> r = FindDuplicateGroups(*detector_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->checked, 7u);
  EXPECT_TRUE(r->not_found.empty());
  ASSERT_EQ(r->groups.size(), 2u);
  EXPECT_EQ(r->groups[0].ids, (Ids{"a", "a-crop", "a-flip"}));
  EXPECT_EQ(r->groups[1].ids, (Ids{"b", "b-letterbox"}));
  for (const DuplicateGroup& g : r->groups) {
    ASSERT_FALSE(g.pairs.empty());
    for (const DuplicatePair& p : g.pairs) {
      EXPECT_TRUE(p.match.duplicate);
      EXPECT_FALSE(p.match.reason.empty());
      EXPECT_NE(p.id, p.match.id);
      std::printf("%s ~ %s: %s\n", p.id.c_str(), p.match.id.c_str(), p.match.reason.c_str());
    }
  }
  // Evidence: the flip is found through a mirrored hash view, the crop by geometric verification.
  bool flip_by_hash = false, crop_by_inliers = false;
  for (const DuplicatePair& p : r->groups[0].pairs) {
    const std::string other = p.id == "a" ? p.match.id : p.id;
    if (other == "a-flip") flip_by_hash = p.match.reason.rfind("phash", 0) == 0 && p.match.view == "flip_h";
    if (other == "a-crop") crop_by_inliers = p.match.inliers >= detector_->options().min_inliers;
  }
  EXPECT_TRUE(flip_by_hash);
  EXPECT_TRUE(crop_by_inliers);
}

TEST_F(RealGroupsTest, ListedIdsOnly) {
  Result<DuplicateGroups> r = FindDuplicateGroups(*detector_, Ids{"pants", "a-crop", "missing"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->checked, 2u);
  EXPECT_EQ(r->not_found, Ids{"missing"});
  ASSERT_EQ(r->groups.size(), 1u);
  // The crop finds its original; the mirrored copy is linked to A only through A's own check.
  EXPECT_EQ(r->groups[0].ids, (Ids{"a", "a-crop"}));
}

TEST_F(RealGroupsTest, CheckStoredAnswersLikeCheckingThePhotoWithoutItself) {
  for (const std::string query : {"a-flip", "a-crop", "b-letterbox", "shoes"}) {
    DuplicateDetector others;
    for (const auto& [id, image] : *photos_) {
      if (id != query) {
        ASSERT_TRUE(others.AddImage(id, image).ok());
      }
    }
    Result<DuplicateReport> expected = others.Check(Photo(query));
    Result<DuplicateReport> stored = detector_->CheckStored(query);
    ASSERT_TRUE(expected.ok() && stored.ok());
    ASSERT_EQ(stored->candidates.size(), expected->candidates.size()) << query;
    // The stored photo's cold part is quantised (8-bit thumbnails, its strongest keypoints only), so the
    // evidence is close to, not exactly, what checking its image gives; the candidates and decisions are
    // the same (non-duplicates may rank differently: their few inliers are noise).
    std::map<std::string, DuplicateCandidate> by_id;
    for (const DuplicateCandidate& c : stored->candidates) by_id[c.id] = c;
    for (std::size_t i = 0; i < expected->candidates.size(); ++i) {
      const DuplicateCandidate& e = expected->candidates[i];
      if (e.duplicate) {
        EXPECT_EQ(stored->candidates[i].id, e.id) << query;  // duplicates first, in the same order
      }
      ASSERT_EQ(by_id.count(e.id), 1u) << query << " " << e.id;
      const DuplicateCandidate& s = by_id[e.id];
      EXPECT_NE(s.id, query);
      EXPECT_EQ(s.duplicate, e.duplicate) << query << " " << s.id;
      EXPECT_EQ(s.hash_distance, e.hash_distance) << query << " " << s.id;
      EXPECT_EQ(s.view, e.view) << query << " " << s.id;
      EXPECT_NEAR(s.hash_detail_correlation, e.hash_detail_correlation, 0.02) << query << " " << s.id;
      EXPECT_EQ(s.inliers < 0, e.inliers < 0) << query << " " << s.id;
      if (e.duplicate && e.inliers >= 0) {
        EXPECT_NEAR(s.detail_correlation, e.detail_correlation, 0.15) << query << " " << s.id;
      }
    }
  }
  EXPECT_EQ(detector_->CheckStored("missing").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace iris
