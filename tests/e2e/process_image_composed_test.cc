// End-to-end: POST /process-image on composed product pictures (issue 13's acceptance): three real garments
// from ../shared/data/clothing-cc0 pasted side by side on a white canvas, the ISNet foreground splitting them
// into sections and clip-standin-colors (hand-set weights: dimension i = colour i, docs in its README) as
// the region CLIP model. Prompts by colour ("the red one", "the blue one"), by a colour word only the CLIP
// model knows ("the crimson one": not in the local palette, so only image-text scoring can answer it) and
// by position ("the garment on the left/right") must pick the garment pasted there. The garments are chosen
// by their measured colours (fractions of pixels nearest each of the stand-in's colour prototypes).
#include <gtest/gtest.h>
#include <httplib.h>

#include <array>
#include <iostream>

#include "e2e_http.h"
#include "image/test_images.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

// The stand-in's colour prototypes (sRGB 0..1), in its dimension order.
constexpr std::array<std::array<double, 3>, 11> kPrototypes = {{{0.85, 0.1, 0.1},
                                                                {1.0, 0.55, 0.05},
                                                                {0.95, 0.9, 0.15},
                                                                {0.15, 0.65, 0.2},
                                                                {0.1, 0.25, 0.85},
                                                                {0.5, 0.15, 0.6},
                                                                {1.0, 0.6, 0.75},
                                                                {0.5, 0.3, 0.12},
                                                                {0.05, 0.05, 0.05},
                                                                {0.95, 0.95, 0.95},
                                                                {0.5, 0.5, 0.5}}};
constexpr int kRed = 0, kBlue = 4, kBlack = 8;

// Fraction of the photo's pixels whose nearest prototype is each colour.
std::array<double, 11> ColourFractions(const fs::path& photo) {
  auto image = vips::VImage::thumbnail(photo.c_str(), 64).colourspace(VIPS_INTERPRETATION_sRGB);
  if (image.bands() > 3) image = image.extract_band(0, vips::VImage::option()->set("n", 3));
  const RgbImage rgb = ToRgbImage(image);
  std::array<double, 11> fractions{};
  const std::size_t pixels = static_cast<std::size_t>(rgb.width) * rgb.height;
  for (std::size_t i = 0; i < pixels; ++i) {
    int best = 0;
    double best_d = 1e9;
    for (int k = 0; k < 11; ++k) {
      double d = 0;
      for (int c = 0; c < 3; ++c) d += std::pow(rgb.pixels[i * 3 + c] / 255.0 - kPrototypes[k][c], 2);
      if (d < best_d) best_d = d, best = k;
    }
    fractions[best] += 1.0 / pixels;
  }
  return fractions;
}

// The garment photo with the largest fraction of `colour` that is clearly of that colour (>= 0.15).
fs::path GarmentOf(int colour, const std::vector<fs::path>& exclude) {
  fs::path best;
  double best_fraction = 0.15;
  for (const char* category : {"dress", "shirt", "t-shirt", "skirt", "pants", "outwear", "longsleeve"}) {
    for (const auto& photo : ClothingPhotos(category)) {
      if (std::find(exclude.begin(), exclude.end(), photo) != exclude.end()) continue;
      const double fraction = ColourFractions(photo)[colour];
      if (fraction > best_fraction) best_fraction = fraction, best = photo;
    }
  }
  if (best.empty()) throw std::runtime_error("no clothing-cc0 photo is mostly of colour " + std::to_string(colour));
  return best;
}

constexpr int kTile = 500;

// The garments fitted into 420-px squares centred in 500-px tiles, left to right, on white.
std::string Compose(const std::vector<fs::path>& garments) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  auto canvas =
      vips::VImage::black(kTile * static_cast<int>(garments.size()), kTile, vips::VImage::option()->set("bands", 3)) +
      255;
  for (std::size_t i = 0; i < garments.size(); ++i) {
    auto g = vips::VImage::thumbnail(garments[i].c_str(), 420).colourspace(VIPS_INTERPRETATION_sRGB);
    if (g.bands() > 3) g = g.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
    canvas = canvas.insert(g, static_cast<int>(i) * kTile + (kTile - g.width()) / 2, (kTile - g.height()) / 2);
  }
  return EncodeWithVips(canvas.cast(VIPS_FORMAT_UCHAR), ".jpg[Q=92]");
}

// Which tile the match's box centre lies in (-1: no match).
int MatchedTile(const nlohmann::json& reply) {
  if (reply["match"].is_null()) return -1;
  const auto& box = reply["match"]["bbox"];
  return static_cast<int>((box[0].get<double>() + box[2].get<double>() / 2) / kTile);
}

TEST(ProcessImageComposedE2eTest, ColourAndPositionPromptsPickThePastedGarment) {
  const fs::path red = GarmentOf(kRed, {});
  const fs::path blue = GarmentOf(kBlue, {red});
  const fs::path black = GarmentOf(kBlack, {red, blue});
  auto server = ServerProcess::Start(
      ServeWith({"--models-dir", ModelsDirWith("yolox-nano yunet isnet-general-small-int8").string(), "--foreground-model", "isnet-general-small-int8",
                 "--local-models", "colors=" + RequireShared("models/clip-standin-colors").string(),
                 "--region-clip-model", "colors"}));
  WaitUntilReady(*server);
  auto client = server->Client();
  client->set_read_timeout(120, 0);

  struct Case {
    std::string prompt;
    std::string expected;  // "red", "blue", "black", or "left"/"right" (the tile by position)
  };
  const std::vector<Case> cases = {{"the red one", "red"},
                                   {"the crimson one", "red"},
                                   {"the blue one", "blue"},
                                   {"the garment on the left", "left"},
                                   {"the garment on the right", "right"}};
  int right = 0, total = 0;
  for (const auto& order : std::vector<std::vector<fs::path>>{{red, blue, black}, {black, red, blue}}) {
    const std::string composed = Compose(order);
    for (const auto& c : cases) {
      int expected = c.expected == "left" ? 0 : c.expected == "right" ? 2 : -1;
      for (std::size_t i = 0; i < order.size(); ++i) {
        const fs::path& wanted = c.expected == "red" ? red : c.expected == "blue" ? blue : black;
        if ((c.expected == "red" || c.expected == "blue") && order[i] == wanted) expected = static_cast<int>(i);
      }
      auto res = client->Post("/process-image?debug=true&prompt=" + httplib::detail::encode_query_param(c.prompt),
                              httplib::MultipartFormDataItems{{"file", composed, "composed.jpg", "image/jpeg"}});
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 200) << res->body;
      const auto reply = ParseJson(res->body);
      ++total;
      const bool ok = MatchedTile(reply) == expected;
      right += ok;
      EXPECT_TRUE(ok) << c.prompt << " picked tile " << MatchedTile(reply) << ", expected " << expected << ": "
                      << reply["match"].dump() << "\n"
                      << reply["debug"].dump();
      if (c.prompt == "the crimson one") {
        bool filtered = false;
        for (const auto& stage : reply["debug"])
          filtered |= stage["stage"] == "image_text" && stage["filtered"] == true;
        EXPECT_TRUE(filtered) << "a colour word outside the palette is judged by the CLIP model";
      }
    }
  }
  std::cout << "composed garments: " << right << "/" << total << " prompts picked the right garment\n";
}

}  // namespace
}  // namespace iris::testing
