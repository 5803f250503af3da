// Test-data helpers shared by the near-duplicate benchmarks (dedup_benchmark.cc, dedup_scale_benchmark.cc):
// decoding, JPEG round trips, the seeded transforms that make near-duplicate copies of a photo, and a
// small parallel-for.
// Errors: failures throw std::runtime_error (benchmarks stop with the message). Thread-safety: pure
// functions (libvips must have been started, image/vips_runtime.h StartVips).
#pragma once

#include <atomic>
#include <cmath>
#include <functional>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <vips/vips8>

#include "image/image_decoder.h"
#include "image/image_encoder.h"
#include "image/vips_bridge.h"

namespace iris::dedup_bench {

inline RgbImage Decode(const std::string& bytes) {
  Result<DecodedImage> decoded = DecodeImage(bytes, {});
  if (!decoded.ok()) throw std::runtime_error(decoded.status().ToString());
  return std::move(decoded->image);
}

inline RgbImage Jpeg(const RgbImage& image, int quality) {
  Result<std::string> bytes = EncodeJpeg(image, quality);
  if (!bytes.ok()) throw std::runtime_error(bytes.status().ToString());
  return Decode(*bytes);
}

inline const std::vector<std::string> kTransforms = {"jpeg",  "resize", "crop",   "pad",       "rotate_small",
                                                     "rot90", "hflip",  "jitter", "grayscale", "text"};

// The transformed copy of `image`; `seed` fixes every random choice.
inline RgbImage Transform(const RgbImage& image, const std::string& name, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  const vips::VImage in = vips_bridge::WrapRgbImage(image).copy_memory();
  const int w = image.width, h = image.height;
  vips::VImage out;
  if (name == "jpeg") return Jpeg(image, static_cast<int>(std::lround(uni(30, 90))));
  if (name == "resize") {
    out = in.resize(uni(0.3, 2.0));
  } else if (name == "crop") {
    const double f = uni(0.70, 0.95);  // kept fraction of each side
    const int cw = static_cast<int>(w * f), ch = static_cast<int>(h * f);
    out = in.extract_area(static_cast<int>(uni(0, w - cw)), static_cast<int>(uni(0, h - ch)), cw, ch);
  } else if (name == "pad") {
    const std::vector<double> colours[3] = {{0, 0, 0}, {255, 255, 255}, {128, 128, 128}};
    const std::vector<double>& bg = colours[rng() % 3];
    int W, H, x, y;
    if (rng() % 2) {  // letterbox / pillarbox to 16:9 or 1:1
      const double aspect = rng() % 2 ? 16.0 / 9.0 : 1.0;
      W = std::max(w, static_cast<int>(h * aspect));
      H = std::max(h, static_cast<int>(W / aspect));
      x = (W - w) / 2;
      y = (H - h) / 2;
    } else {  // uneven margins, 5-25% of each side
      const int l = static_cast<int>(w * uni(0.05, 0.25)), r = static_cast<int>(w * uni(0.05, 0.25));
      const int t = static_cast<int>(h * uni(0.05, 0.25)), b = static_cast<int>(h * uni(0.05, 0.25));
      W = w + l + r;
      H = h + t + b;
      x = l;
      y = t;
    }
    out = in.embed(x, y, W, H, vips::VImage::option()->set("extend", VIPS_EXTEND_BACKGROUND)->set("background", bg));
  } else if (name == "rotate_small") {
    double angle = uni(2, 10) * (rng() % 2 ? 1 : -1);
    out = in.rotate(angle);
  } else if (name == "rot90") {
    out = in.rot(rng() % 2 ? VIPS_ANGLE_D90 : VIPS_ANGLE_D270);
  } else if (name == "hflip") {
    out = in.flip(VIPS_DIRECTION_HORIZONTAL);
  } else if (name == "jitter") {
    const double l = uni(0.8, 1.2), c = uni(0.7, 1.3), hue = uni(-15, 15);
    out = in.colourspace(VIPS_INTERPRETATION_LCH)
              .linear({l, c, 1.0}, {0.0, 0.0, hue})
              .colourspace(VIPS_INTERPRETATION_sRGB);
  } else if (name == "grayscale") {
    out = in.colourspace(VIPS_INTERPRETATION_B_W).colourspace(VIPS_INTERPRETATION_sRGB);
  } else if (name == "text") {
    static const char* kTexts[] = {"SALE -50%", "NEW IN", "shop.example.com", "(c) Iris 2026", "FREE SHIPPING"};
    const int text_height = std::max(8, static_cast<int>(h * uni(0.06, 0.12)));
    vips::VImage mask = vips::VImage::text(
        kTexts[rng() % 5], vips::VImage::option()->set("font", "sans bold 12")->set("dpi", text_height * 6));
    if (mask.width() > w * 0.9) mask = mask.resize(w * 0.9 / mask.width());
    const int x = static_cast<int>(uni(0, std::max(1, w - mask.width())));
    const int y = static_cast<int>(uni(0, std::max(1, h - mask.height())));
    const vips::VImage alpha = mask.embed(x, y, w, h) / 255.0;
    const std::vector<double> colour =
        rng() % 2 ? std::vector<double>{255, 255, 255} : std::vector<double>{220, 20, 30};
    out = in * (1.0 - alpha) + alpha.linear(colour, {0.0, 0.0, 0.0});
  } else {
    throw std::runtime_error("unknown transform " + name);
  }
  return Jpeg(vips_bridge::CopyToRgbImage(out.cast(VIPS_FORMAT_UCHAR)), 85);
}

// Runs fn(0..n-1) on `threads` threads; the last exception thrown by fn is rethrown after all finish.
inline void Parallel(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  std::mutex error_mu;
  std::string error;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < n;) {
        try {
          fn(i);
        } catch (const std::exception& e) {
          std::lock_guard lock(error_mu);
          error = e.what();
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace iris::dedup_bench
