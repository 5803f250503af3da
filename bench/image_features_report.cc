// Measurements behind docs/image-features.md: perceptual-hash distance distributions, dominant colours,
// image-quality grades on real and degraded photos, and timings of each feature.
//
//   iris_image_features_report [--shared DIR] [--quality-limit N] [--dump quality.csv]
//                              [--sections hash,quality,colours,timing]   (default: all)
//
// (1) Hashes on near-duplicates/pairs.csv: every pair of decodable files; same `group` = near-duplicate,
//     different group = negative. Per same-group pair the transform and both distances.
// (2) Hashes on clothing-cc0: 100 photos spread over labels.csv; each against its JPEG q40 re-encode,
//     its 0.5x downscale, a 90% centre crop, a +30% brightness copy and its mirror image; and all
//     4950 pairs of distinct photos.
// (3) Quality on clothing-cc0 (all 372), debian-photos (all) and imagenet-sample-1k (first
//     --quality-limit, default 1000) and on degraded copies of the clothing photos: Gaussian blur
//     sigma 1.5 and 3, darkened (x0.3), brightened (x2 + 30), Gaussian noise sigma 8 and 20, 0.5x downscale.
//     Grade counts and percentiles of each measure.
// (4) Dominant colours of a few clothing photos (k = 5, with and without ignore_background).
// (5) Timing: fastest of 30 runs (ms) per feature (the fastest, not the median, because build machines
//     are often shared; the minimum approximates an idle core) on a ~1 MP photo (near-duplicates obama_orig.jpg,
//     910x1137) and a 1920x1080 one (obama_1080p.jpg), decoded image given.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "image/image_decoder.h"
#include "image/image_encoder.h"
#include "image/resample.h"
#include "support/shared_data.h"
#include "vision/dominant_colors.h"
#include "vision/image_quality.h"
#include "vision/perceptual_hash.h"

namespace iris {
namespace {

namespace fs = std::filesystem;

// ---- small image helpers (same definitions as in the vision tests) ----

RgbImage Decode(const fs::path& path) {
  Result<DecodedImage> decoded = DecodeImage(testing::ReadFileBytes(path), {});
  if (!decoded.ok()) throw std::runtime_error(path.string() + ": " + decoded.status().ToString());
  return std::move(decoded->image);
}

RgbImage JpegRoundTrip(const RgbImage& image, int quality) {
  Result<std::string> bytes = EncodeJpeg(image, quality);
  if (!bytes.ok()) throw std::runtime_error(bytes.status().ToString());
  Result<DecodedImage> decoded = DecodeImage(*bytes, {});
  if (!decoded.ok()) throw std::runtime_error(decoded.status().ToString());
  return std::move(decoded->image);
}

RgbImage Scaled(const RgbImage& image, double factor) {
  const int w = std::max(1, static_cast<int>(std::lround(image.width * factor)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height * factor)));
  Result<RgbImage> out = Resize(image, w, h, {ResampleFilter::kBilinear, true});
  if (!out.ok()) throw std::runtime_error(out.status().ToString());
  return std::move(*out);
}

RgbImage CentreCrop(const RgbImage& image, double fraction) {
  const int w = std::max(1, static_cast<int>(image.width * fraction));
  const int h = std::max(1, static_cast<int>(image.height * fraction));
  Result<RgbImage> out = CenterCrop(image, w, h);
  if (!out.ok()) throw std::runtime_error(out.status().ToString());
  return std::move(*out);
}

RgbImage Mirrored(const RgbImage& image) {
  RgbImage out = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      for (int c = 0; c < 3; ++c) out.row(y)[3 * x + c] = image.row(y)[3 * (image.width - 1 - x) + c];
    }
  }
  return out;
}

// v' = clamp(v * gain + offset).
RgbImage Linear(const RgbImage& image, double gain, double offset) {
  RgbImage out = image;
  for (std::uint8_t& v : out.pixels)
    v = static_cast<std::uint8_t>(std::clamp(std::lround(v * gain + offset), 0l, 255l));
  return out;
}

RgbImage GaussianBlur(const RgbImage& image, double sigma) {
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> kernel(2 * radius + 1);
  double total = 0;
  for (int i = -radius; i <= radius; ++i) total += kernel[i + radius] = std::exp(-i * i / (2 * sigma * sigma));
  for (double& k : kernel) k /= total;
  auto pass = [&](const RgbImage& in, bool horizontal) {
    RgbImage out = in;
    for (int y = 0; y < in.height; ++y) {
      for (int x = 0; x < in.width; ++x) {
        for (int c = 0; c < 3; ++c) {
          double sum = 0;
          for (int i = -radius; i <= radius; ++i) {
            const int sx = horizontal ? std::clamp(x + i, 0, in.width - 1) : x;
            const int sy = horizontal ? y : std::clamp(y + i, 0, in.height - 1);
            sum += kernel[i + radius] * in.row(sy)[3 * sx + c];
          }
          out.row(y)[3 * x + c] = static_cast<std::uint8_t>(std::clamp(std::lround(sum), 0l, 255l));
        }
      }
    }
    return out;
  };
  return pass(pass(image, true), false);
}

RgbImage AddNoise(const RgbImage& image, double sigma, std::uint64_t seed) {
  RgbImage out = image;
  std::uint64_t state = seed;
  auto uniform = [&state] {  // SplitMix64 -> (0, 1)
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (static_cast<double>((z ^ (z >> 31)) >> 11) + 0.5) * 0x1.0p-53;
  };
  for (std::uint8_t& v : out.pixels) {
    const double gauss = std::sqrt(-2 * std::log(uniform())) * std::cos(2 * 3.141592653589793 * uniform());
    v = static_cast<std::uint8_t>(std::clamp(std::lround(v + sigma * gauss), 0l, 255l));
  }
  return out;
}

// The image centred on a `scale` times larger canvas of grey level `level` (a packshot-like backdrop).
RgbImage OnCanvas(const RgbImage& image, double scale, std::uint8_t level) {
  RgbImage out;
  out.width = static_cast<int>(image.width * scale);
  out.height = static_cast<int>(image.height * scale);
  out.pixels.assign(out.stride() * static_cast<std::size_t>(out.height), level);
  const int x0 = (out.width - image.width) / 2, y0 = (out.height - image.height) / 2;
  for (int y = 0; y < image.height; ++y) std::copy_n(image.row(y), image.stride(), out.row(y0 + y) + 3 * x0);
  return out;
}

// ---- data ----

std::vector<std::string> CsvColumn(const fs::path& csv, std::size_t column) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.push_back(field);
        field.clear();
      } else {
        field.push_back(c);
      }
    }
    fields.push_back(field);
    out.push_back(column < fields.size() ? fields[column] : "");
  }
  return out;
}

// ---- statistics ----

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

std::string Summary(const std::vector<double>& v) {
  char buffer[200];
  std::snprintf(buffer, sizeof(buffer), "n=%zu min=%.0f p1=%.1f p5=%.1f median=%.1f p95=%.1f max=%.0f", v.size(),
                Percentile(v, 0), Percentile(v, 0.01), Percentile(v, 0.05), Percentile(v, 0.5), Percentile(v, 0.95),
                Percentile(v, 1));
  return buffer;
}

std::string CountAtMost(const std::vector<double>& v, std::initializer_list<int> limits) {
  std::string out;
  for (int limit : limits) {
    const auto n = std::count_if(v.begin(), v.end(), [limit](double d) { return d <= limit; });
    out += " <=" + std::to_string(limit) + ":" + std::to_string(n);
  }
  return out;
}

PerceptualHashes Hashes(const RgbImage& image) {
  Result<PerceptualHashes> h = ComputePerceptualHashes(image);
  if (!h.ok()) throw std::runtime_error(h.status().ToString());
  return *h;
}

// ---- sections ----

void NearDuplicateSet(const fs::path& shared) {
  std::printf("\n## (1) Hash distances on near-duplicates/pairs.csv\n\n");
  const fs::path dir = shared / "data/near-duplicates";
  const auto files = CsvColumn(dir / "pairs.csv", 0);
  const auto groups = CsvColumn(dir / "pairs.csv", 1);
  const auto transforms = CsvColumn(dir / "pairs.csv", 2);
  const auto decode = CsvColumn(dir / "pairs.csv", 3);
  std::vector<std::size_t> ok;
  std::vector<PerceptualHashes> hashes(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (decode[i] != "ok") continue;
    hashes[i] = Hashes(Decode(dir / files[i]));
    ok.push_back(i);
  }
  std::vector<double> same_p, same_d, diff_p, diff_d;
  std::printf("| file A | file B (transform) | pHash | dHash |\n|---|---|---|---|\n");
  for (std::size_t a = 0; a < ok.size(); ++a) {
    for (std::size_t b = a + 1; b < ok.size(); ++b) {
      const std::size_t i = ok[a], j = ok[b];
      const int dp = HammingDistance(hashes[i].phash, hashes[j].phash);
      const int dd = HammingDistance(hashes[i].dhash, hashes[j].dhash);
      if (groups[i] == groups[j]) {
        same_p.push_back(dp);
        same_d.push_back(dd);
        std::printf("| %s | %s (%s) | %d | %d |\n", fs::path(files[i]).filename().c_str(),
                    fs::path(files[j]).filename().c_str(), transforms[j].c_str(), dp, dd);
      } else {
        diff_p.push_back(dp);
        diff_d.push_back(dd);
      }
    }
  }
  std::printf("\nsame group  pHash: %s\n", Summary(same_p).c_str());
  std::printf("same group  dHash: %s\n", Summary(same_d).c_str());
  std::printf("diff groups pHash: %s |%s\n", Summary(diff_p).c_str(), CountAtMost(diff_p, {6, 10, 14, 18}).c_str());
  std::printf("diff groups dHash: %s |%s\n", Summary(diff_d).c_str(), CountAtMost(diff_d, {6, 10, 14, 18}).c_str());
}

void ClothingHashes(const fs::path& shared) {
  std::printf("\n## (2) Hash distances on clothing-cc0 (100 photos)\n\n");
  const fs::path dir = shared / "data/clothing-cc0";
  const auto files = CsvColumn(dir / "labels.csv", 0);
  std::vector<RgbImage> images;
  for (std::size_t i = 0; i < 100; ++i) images.push_back(Decode(dir / files[i * files.size() / 100]));
  std::vector<PerceptualHashes> hashes;
  for (const RgbImage& image : images) hashes.push_back(Hashes(image));

  const std::vector<std::pair<std::string, std::function<RgbImage(const RgbImage&)>>> transforms = {
      {"JPEG q40", [](const RgbImage& im) { return JpegRoundTrip(im, 40); }},
      {"0.5x downscale", [](const RgbImage& im) { return Scaled(im, 0.5); }},
      {"0.25x downscale", [](const RgbImage& im) { return Scaled(im, 0.25); }},
      {"90% centre crop", [](const RgbImage& im) { return CentreCrop(im, 0.9); }},
      {"brightness x1.3", [](const RgbImage& im) { return Linear(im, 1.3, 0); }},
      {"mirror (h-flip)", [](const RgbImage& im) { return Mirrored(im); }},
  };
  std::printf("| transform | pHash distance | dHash distance |\n|---|---|---|\n");
  for (const auto& [name, transform] : transforms) {
    std::vector<double> dp, dd;
    for (std::size_t i = 0; i < images.size(); ++i) {
      const PerceptualHashes h = Hashes(transform(images[i]));
      dp.push_back(HammingDistance(hashes[i].phash, h.phash));
      dd.push_back(HammingDistance(hashes[i].dhash, h.dhash));
    }
    std::printf("| %s | %s | %s |\n", name.c_str(), Summary(dp).c_str(), Summary(dd).c_str());
  }
  std::vector<double> dp, dd;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    for (std::size_t j = i + 1; j < hashes.size(); ++j) {
      dp.push_back(HammingDistance(hashes[i].phash, hashes[j].phash));
      dd.push_back(HammingDistance(hashes[i].dhash, hashes[j].dhash));
    }
  }
  std::printf("| distinct photos (all pairs) | %s | %s |\n", Summary(dp).c_str(), Summary(dd).c_str());
  std::printf("\ndistinct pHash pairs at or below:%s\n", CountAtMost(dp, {6, 8, 10, 12, 14}).c_str());
  std::printf("distinct dHash pairs at or below:%s\n", CountAtMost(dd, {6, 8, 10, 12, 14}).c_str());
}

struct QualityRow {
  explicit QualityRow(std::string n) : name(std::move(n)) {}
  std::string name;
  std::map<char, int> grades;
  std::map<std::string, int> exposure;
  std::map<std::string, int> issue_kinds;  // first word(s) of each issue
  std::vector<double> sharpness, brightness, contrast, noise, dark, bright;
};

FILE* g_dump = nullptr;  // --dump FILE: one CSV line per assessed image

void Add(QualityRow& row, const RgbImage& image, const std::string& file = "") {
  Result<ImageQuality> q = AssessImageQuality(image);
  if (!q.ok()) throw std::runtime_error(q.status().ToString());
  if (g_dump != nullptr) {
    std::fprintf(g_dump, "%s,%s,%d,%d,%.4f,%.2f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.3f,%s,%c\n", row.name.c_str(),
                 file.c_str(), q->width, q->height, q->megapixels, q->sharpness, q->brightness, q->contrast,
                 q->clipped_dark, q->clipped_bright, q->center_brightness, q->center_clipped_dark,
                 q->center_clipped_bright, q->noise, q->exposure.c_str(), q->grade);
  }
  ++row.grades[q->grade];
  ++row.exposure[q->exposure];
  for (const std::string& issue : q->issues) ++row.issue_kinds[issue.substr(0, issue.find(':'))];
  row.sharpness.push_back(q->sharpness);
  row.brightness.push_back(q->brightness);
  row.contrast.push_back(q->contrast);
  row.noise.push_back(q->noise);
  row.dark.push_back(q->clipped_dark);
  row.bright.push_back(q->clipped_bright);
}

void PrintQuality(const std::vector<QualityRow>& rows) {
  std::printf(
      "| set | n | A | B | C | under/ok/over | sharpness p5/p50/p95 | noise p5/p50/p95 | brightness p5/p50/p95 |"
      " contrast p5/p50 |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (const QualityRow& r : rows) {
    auto g = [&r](char c) { return r.grades.count(c) ? r.grades.at(c) : 0; };
    auto e = [&r](const char* s) { return r.exposure.count(s) ? r.exposure.at(s) : 0; };
    std::printf(
        "| %s | %zu | %d | %d | %d | %d/%d/%d | %.0f/%.0f/%.0f | %.2f/%.2f/%.2f | %.2f/%.2f/%.2f | %.3f/%.3f |\n",
        r.name.c_str(), r.sharpness.size(), g('A'), g('B'), g('C'), e("under"), e("ok"), e("over"),
        Percentile(r.sharpness, 0.05), Percentile(r.sharpness, 0.5), Percentile(r.sharpness, 0.95),
        Percentile(r.noise, 0.05), Percentile(r.noise, 0.5), Percentile(r.noise, 0.95), Percentile(r.brightness, 0.05),
        Percentile(r.brightness, 0.5), Percentile(r.brightness, 0.95), Percentile(r.contrast, 0.05),
        Percentile(r.contrast, 0.5));
  }
  std::printf("\nissues per set:\n");
  for (const QualityRow& r : rows) {
    std::printf("  %s:", r.name.c_str());
    for (const auto& [kind, n] : r.issue_kinds) std::printf(" [%s] %d;", kind.c_str(), n);
    std::printf("\n");
  }
}

void Quality(const fs::path& shared, int imagenet_limit) {
  std::printf("\n## (3) Image quality\n\n");
  std::vector<QualityRow> rows;
  {
    const fs::path dir = shared / "data/clothing-cc0";
    const auto files = CsvColumn(dir / "labels.csv", 0);
    const std::vector<std::pair<std::string, std::function<RgbImage(const RgbImage&)>>> degradations = {
        {"clothing original", [](const RgbImage& im) { return im; }},
        {"clothing blur s=1.5", [](const RgbImage& im) { return GaussianBlur(im, 1.5); }},
        {"clothing blur s=3", [](const RgbImage& im) { return GaussianBlur(im, 3); }},
        {"clothing dark x0.3", [](const RgbImage& im) { return Linear(im, 0.3, 0); }},
        {"clothing bright x2+30", [](const RgbImage& im) { return Linear(im, 2, 30); }},
        {"clothing noise s=8", [](const RgbImage& im) { return AddNoise(im, 8, 7); }},
        {"clothing noise s=20", [](const RgbImage& im) { return AddNoise(im, 20, 7); }},
        {"clothing 0.5x", [](const RgbImage& im) { return Scaled(im, 0.5); }},
        {"clothing on white canvas 1.6x", [](const RgbImage& im) { return OnCanvas(im, 1.6, 255); }},
        {"clothing on black canvas 1.6x", [](const RgbImage& im) { return OnCanvas(im, 1.6, 0); }},
    };
    for (const auto& d : degradations) rows.emplace_back(d.first);
    for (const std::string& file : files) {
      const RgbImage image = Decode(dir / file);
      for (std::size_t d = 0; d < degradations.size(); ++d) Add(rows[d], degradations[d].second(image), file);
    }
  }
  {
    QualityRow row("debian-photos");
    const fs::path dir = shared / "data/debian-photos";
    for (const std::string& file : CsvColumn(dir / "labels.csv", 0)) Add(row, Decode(dir / file), file);
    rows.push_back(row);
  }
  {
    QualityRow row("imagenet-sample-1k");
    const fs::path dir = shared / "data/imagenet-sample-1k";
    const auto files = CsvColumn(dir / "labels.csv", 0);
    for (int i = 0; i < std::min<int>(imagenet_limit, static_cast<int>(files.size())); ++i) {
      Add(row, Decode(dir / files[i]), files[i]);
    }
    rows.push_back(row);
  }
  PrintQuality(rows);
}

void Colours(const fs::path& shared) {
  std::printf("\n## (4) Dominant colours (k = 5)\n\n");
  const fs::path dir = shared / "data/clothing-cc0";
  const auto files = CsvColumn(dir / "labels.csv", 0);
  for (std::size_t i = 0; i < files.size(); i += files.size() / 6) {
    const RgbImage image = Decode(dir / files[i]);
    for (bool ignore : {false, true}) {
      DominantColorOptions options;
      options.ignore_background = ignore;
      Result<std::vector<DominantColor>> colours = DominantColors(image, options);
      if (!colours.ok()) throw std::runtime_error(colours.status().ToString());
      std::printf("%s%s:", files[i].c_str(), ignore ? " (ignore_background)" : "");
      for (const DominantColor& c : *colours) std::printf(" %s %s %.2f;", c.hex.c_str(), c.name.c_str(), c.share);
      std::printf("\n");
    }
  }
}

double FastestMs(const std::function<void()>& f, int runs) {
  std::vector<double> ms;
  f();  // warm-up
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return Percentile(ms, 0);
}

void Timing(const fs::path& shared) {
  std::printf("\n## (5) Timing (fastest of 30 runs, decoded image given, one thread)\n\n");
  std::printf("| image | pHash | dHash | both | dominant colours k=5 | + ignore_background | quality |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const char* name : {"obama_orig.jpg", "obama_1080p.jpg"}) {
    const RgbImage image = Decode(shared / "data/near-duplicates/images" / name);
    DominantColorOptions background;
    background.ignore_background = true;
    std::printf("| %s %dx%d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", name, image.width, image.height,
                FastestMs([&] { (void)PerceptualHash(image); }, 30),
                FastestMs([&] { (void)DifferenceHash(image); }, 30),
                FastestMs([&] { (void)ComputePerceptualHashes(image); }, 30),
                FastestMs([&] { (void)DominantColors(image, {}); }, 30),
                FastestMs([&] { (void)DominantColors(image, background); }, 30),
                FastestMs([&] { (void)AssessImageQuality(image); }, 30));
  }
}

}  // namespace
}  // namespace iris

int main(int argc, char** argv) {
  int imagenet_limit = 1000;
  std::string sections;  // --sections hash,quality,colours,timing (default: all)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--shared") {
      setenv("IRIS_SHARED_DIR", argv[i + 1], 1);
    } else if (flag == "--sections") {
      sections = argv[i + 1];
    } else if (flag == "--dump") {
      iris::g_dump = std::fopen(argv[i + 1], "w");
    } else if (flag == "--quality-limit") {
      imagenet_limit = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--shared DIR] [--quality-limit N] [--dump CSV] [--sections hash,quality,colours,timing]\n",
          argv[0]);
      return 2;
    }
  }
  try {
    const std::filesystem::path shared = iris::testing::SharedDir();
    auto run = [&sections](const char* name) { return sections.empty() || sections.find(name) != std::string::npos; };
    if (run("hash")) iris::NearDuplicateSet(shared);
    if (run("hash")) iris::ClothingHashes(shared);
    if (run("quality")) iris::Quality(shared, imagenet_limit);
    if (run("colours")) iris::Colours(shared);
    if (run("timing")) iris::Timing(shared);
    if (iris::g_dump != nullptr) std::fclose(iris::g_dump);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
