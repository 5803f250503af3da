// End-to-end: `iris dedup DIR` groups near-duplicate photos (real clothing photos, a mirrored copy,
// a JPEG q40 re-encode and a letterboxed copy made with libvips) and leaves distinct photos alone.
#include <gtest/gtest.h>

#include <fstream>

#include "e2e_http.h"
#include "image/test_images.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

nlohmann::json JsonBlock(const std::string& output) {
  const auto start = output.find("{\n");
  const auto end = output.rfind("\n}");
  if (start == std::string::npos || end == std::string::npos) return ParseJson("");
  return ParseJson(output.substr(start, end + 2 - start));
}

TEST(DedupCliTest, GroupsCopiesAndReportsWhy) {
  if (!StartVips().ok()) FAIL() << "libvips did not start";
  TempDir dir;
  const fs::path dresses = RequireShared("data/clothing-cc0/images/dress");
  std::vector<fs::path> originals;
  for (const auto& e : fs::directory_iterator(dresses)) originals.push_back(e.path());
  std::sort(originals.begin(), originals.end());
  ASSERT_GE(originals.size(), 4u);
  for (int i = 0; i < 4; ++i)
    fs::copy_file(originals[i], dir.path() / std::string("a").append(std::to_string(i)).append(".jpg"));
  const std::string first = ReadFileBytes(originals[0]);
  const std::string second = ReadFileBytes(originals[1]);
  const std::string third = ReadFileBytes(originals[2]);
  auto image = [](const std::string& bytes) { return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), ""); };
  std::ofstream(dir.path() / "z_mirrored.jpg", std::ios::binary)
      << EncodeWithVips(image(first).flip(VIPS_DIRECTION_HORIZONTAL), ".jpg[Q=90]");
  std::ofstream(dir.path() / "z_q40.jpg", std::ios::binary) << EncodeWithVips(image(second), ".jpg[Q=40]");
  auto third_image = image(third);
  std::ofstream(dir.path() / "z_letterbox.png", std::ios::binary)
      << EncodeWithVips(third_image.embed(0, 80, third_image.width(), third_image.height() + 160,
                                          vips::VImage::option()->set("extend", "black")),
                        ".png");
  std::ofstream(dir.path() / "captions.txt") << "not an image, not read";

  auto r = RunCommand(IrisBinary() + " dedup " + dir.path().string() + " --log-level warn");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto out = JsonBlock(r.output);
  ASSERT_FALSE(out.is_discarded()) << r.output;
  EXPECT_EQ(out["images"], 7);
  ASSERT_EQ(out["groups"].size(), 3u) << out.dump(2);
  std::map<std::string, std::string> partner;
  for (const auto& g : out["groups"]) {
    ASSERT_EQ(g["images"].size(), 2u) << g;
    ASSERT_EQ(g["evidence"].size(), 1u);
    const auto& e = g["evidence"][0];
    partner[e["image"]] = e["duplicate_of"];
    EXPECT_FALSE(e["reason"].get<std::string>().empty());
  }
  EXPECT_EQ(partner["z_mirrored.jpg"], "a0.jpg");
  EXPECT_EQ(partner["z_q40.jpg"], "a1.jpg");
  EXPECT_EQ(partner["z_letterbox.png"], "a2.jpg");

  auto csv = RunCommand(IrisBinary() + " dedup " + dir.path().string() + " --format csv --log-level warn 2>/dev/null");
  EXPECT_NE(csv.output.find("group,image,duplicate_of,reason,hash_distance,inliers\n"), std::string::npos);
  EXPECT_NE(csv.output.find(",z_q40.jpg,a1.jpg,"), std::string::npos) << csv.output;
}

TEST(DedupCliTest, UnreadableImagesAndBadArgumentsFail) {
  TempDir dir;
  std::ofstream(dir.path() / "broken.jpg") << "garbage";
  fs::copy_file(RequireShared("data/faces-identity/images/obama_1.jpg"), dir.path() / "ok.jpg");
  auto r = RunCommand(IrisBinary() + " dedup " + dir.path().string() + " --log-level warn");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("broken.jpg"), std::string::npos);
  EXPECT_EQ(RunCommand(IrisBinary() + " dedup /no/such/folder").exit_code, 2);
  EXPECT_EQ(RunCommand(IrisBinary() + " dedup " + dir.path().string() + " --format xml").exit_code, 2);
}

}  // namespace
}  // namespace iris::testing
