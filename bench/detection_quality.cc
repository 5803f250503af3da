// Detection quality on the labelled photos in ../shared/data (numbers for docs/quality.md).
//
//   iris_detection_quality [--shared DIR] [--threads N] [--repeats N] [--per-image]
//
// (1) Persons, YOLOX-Nano on coco-tiny (16 images): ground truth = boxes.csv rows with category
//     person and iscrowd 0; a detection overlapping a crowd person box (IoU >= 0.5) is ignored
//     (COCO does the same with crowd regions). Also for "prominent" persons only (box >= 5% of the
//     image; smaller persons ignored, detections < 2.5% of the image left out).
// (2) Faces on faces-dlib-voc (9 group photos, 43 boxes) for yunet, ultraface-rfb-320 and
//     ultraface-rfb-640; boxes marked `ignore` neither count as misses nor make a matching
//     detection a false positive. dlib's boxes are tighter and squarer than the ones these models
//     learned (brow to chin), so recall is also given at IoU 0.3; and the photos shrunk to 50%
//     (faces ~10-25 px) show which model keeps small faces.
// (3) YuNet input-size rules on faces-dlib-voc, full and 50% size (why yunet_face_detector.h
//     picks the size it does).
// (4) faces-identity (portraits with n_faces = 1 or 2): how often each model finds exactly n_faces
//     faces at several score floors (for a "prominent face" floor).
//
// Matching: detections in score order, each takes the unmatched ground-truth box with the highest
// IoU >= the threshold (TP), else an ignored box it overlaps that much (ignored), else it is a FP.
// Each model runs once per image at a low score floor; a higher floor's result is the same list cut
// at that score (greedy NMS and greedy matching both go in score order), so precision/recall at each
// threshold and average precision (all-point interpolated, VOC 2010 style) come from one run.
// Timing: mean wall ms per Detect (preprocessing + model + decoding, decoded image given) at the
// default options, `--repeats` runs per image after one warm-up run.
// Output: a Markdown table per section and one JSON object per line (prefix "JSON ").
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "image/image_decoder.h"
#include "image/resample.h"
#include "models/model_catalog.h"
#include "support/shared_data.h"
#include "vision/face_detector.h"
#include "vision/object_detector.h"
#include "vision/yunet_face_detector.h"

namespace iris {
namespace {

namespace fs = std::filesystem;

struct Args {
  fs::path shared;
  int threads = 0;
  int repeats = 3;
  bool per_image = false;
};

struct Truth {
  Detection box;
  bool ignore = false;
};

struct Photo {
  std::string file;
  RgbImage image;
  std::vector<Truth> truth;
};

// One scored detection after matching at a given IoU.
struct Scored {
  float score = 0;
  enum { kTp, kFp, kIgnored } kind = kFp;
};

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "iris_detection_quality: " << message << "\n";
  std::exit(1);
}

template <typename T>
T OrDie(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().ToString());
  return std::move(result).value();
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

// Rows of a CSV file as column-name -> value maps.
std::vector<std::map<std::string, std::string>> ReadCsv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path.string());
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = SplitCsvLine(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = SplitCsvLine(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

Detection XywhBox(const std::map<std::string, std::string>& row) {
  Detection d;
  d.x0 = std::stof(row.at("x"));
  d.y0 = std::stof(row.at("y"));
  d.x1 = d.x0 + std::stof(row.at("w"));
  d.y1 = d.y0 + std::stof(row.at("h"));
  return d;
}

// Photos of a data set: every image in labels.csv (also those without boxes), with their boxes.
// `keep` selects the boxes and says which are ignored (nullopt = not a ground-truth box).
template <typename Keep>
std::vector<Photo> LoadPhotos(const fs::path& dir, Keep keep) {
  std::vector<Photo> photos;
  std::map<std::string, std::size_t> index;
  for (const auto& row : ReadCsv(dir / "labels.csv")) {
    Photo p;
    p.file = row.at("file");
    const std::string bytes = testing::ReadFileBytes(dir / p.file);
    p.image = OrDie(DecodeImage(bytes, DecodeOptions{}), "decoding " + p.file).image;
    index[p.file] = photos.size();
    photos.push_back(std::move(p));
  }
  for (const auto& row : ReadCsv(dir / "boxes.csv")) {
    const std::optional<bool> ignore = keep(row);
    if (!ignore) continue;
    auto it = index.find(row.at("file"));
    if (it == index.end()) Die("boxes.csv names " + row.at("file") + ", which labels.csv does not list");
    photos[it->second].truth.push_back({XywhBox(row), *ignore});
  }
  return photos;
}

std::vector<Scored> Match(const std::vector<Detection>& detections, const std::vector<Truth>& truth, float iou) {
  std::vector<bool> used(truth.size(), false);
  std::vector<Scored> out;
  for (const Detection& d : detections) {  // already in score order
    int best = -1;
    float best_iou = iou;
    bool hits_ignored = false;
    for (std::size_t i = 0; i < truth.size(); ++i) {
      const float v = IoU(d, truth[i].box);
      if (v < iou) continue;
      if (truth[i].ignore) {
        hits_ignored = true;
      } else if (!used[i] && v >= best_iou) {
        best = static_cast<int>(i);
        best_iou = v;
      }
    }
    Scored s{d.score, Scored::kFp};
    if (best >= 0) {
      used[static_cast<std::size_t>(best)] = true;
      s.kind = Scored::kTp;
    } else if (hits_ignored) {
      s.kind = Scored::kIgnored;
    }
    out.push_back(s);
  }
  return out;
}

struct Counts {
  int tp = 0, fp = 0, positives = 0;
  double precision() const { return tp + fp > 0 ? static_cast<double>(tp) / (tp + fp) : 1.0; }
  double recall() const { return positives > 0 ? static_cast<double>(tp) / positives : 0.0; }
};

Counts CountAt(const std::vector<Scored>& all, int positives, float threshold) {
  Counts c;
  c.positives = positives;
  for (const Scored& s : all) {
    if (s.score < threshold) continue;
    if (s.kind == Scored::kTp) ++c.tp;
    if (s.kind == Scored::kFp) ++c.fp;
  }
  return c;
}

// All-point interpolated average precision over every score.
double AveragePrecision(std::vector<Scored> all, int positives) {
  if (positives == 0) return 0;
  std::stable_sort(all.begin(), all.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<double> recall, precision;
  int tp = 0, fp = 0;
  for (const Scored& s : all) {
    if (s.kind == Scored::kIgnored) continue;
    (s.kind == Scored::kTp ? tp : fp)++;
    recall.push_back(static_cast<double>(tp) / positives);
    precision.push_back(static_cast<double>(tp) / (tp + fp));
  }
  double ap = 0, previous_recall = 0;
  for (std::size_t i = 0; i < recall.size(); ++i) {
    const double best_precision =
        *std::max_element(precision.begin() + static_cast<std::ptrdiff_t>(i), precision.end());
    ap += (recall[i] - previous_recall) * best_precision;
    previous_recall = recall[i];
  }
  return ap;
}

int Positives(const std::vector<Photo>& photos) {
  int n = 0;
  for (const auto& p : photos) {
    for (const auto& t : p.truth) n += t.ignore ? 0 : 1;
  }
  return n;
}

// Runs `detect` on every photo: once at the low floor for matching, then timed at the defaults.
template <typename DetectLow, typename DetectDefault>
std::pair<std::vector<std::vector<Detection>>, double> RunAll(const std::vector<Photo>& photos, DetectLow low,
                                                              DetectDefault defaults, int repeats) {
  std::vector<std::vector<Detection>> found;
  for (const auto& p : photos) found.push_back(OrDie(low(p.image), "detecting in " + p.file));
  double total_ms = 0;
  for (const auto& p : photos) {
    (void)defaults(p.image);  // warm-up
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; ++r) (void)OrDie(defaults(p.image), "detecting in " + p.file);
    total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  return {std::move(found), total_ms / (static_cast<double>(photos.size()) * repeats)};
}

std::vector<Scored> MatchAll(const std::vector<Photo>& photos, const std::vector<std::vector<Detection>>& found,
                             float iou) {
  std::vector<Scored> all;
  for (std::size_t i = 0; i < photos.size(); ++i) {
    auto m = Match(found[i], photos[i].truth, iou);
    all.insert(all.end(), m.begin(), m.end());
  }
  return all;
}

std::string Fixed(double v, int digits = 3) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

// JSON lines are collected and printed after the tables, so the Markdown stays readable.
std::vector<std::string>& JsonLines() {
  static std::vector<std::string> lines;
  return lines;
}
void PrintJson(const nlohmann::json& row) { JsonLines().push_back(row.dump()); }
// A float threshold as the decimal it was written as (0.1, not 0.10000000149).
double Decimal(float v) { return std::round(static_cast<double>(v) * 1000.0) / 1000.0; }

// One table row per (model, threshold) plus the AP and timing, for persons or faces.
void Report(const std::string& section, const std::string& model, const std::string& variant,
            const std::vector<Photo>& photos, const std::vector<std::vector<Detection>>& found, double ms,
            float default_score, const std::vector<float>& thresholds, const std::vector<float>& ious,
            std::ostream& table) {
  const int positives = Positives(photos);
  for (float iou : ious) {
    const std::vector<Scored> all = MatchAll(photos, found, iou);
    const double ap = AveragePrecision(all, positives);
    for (float t : thresholds) {
      const Counts c = CountAt(all, positives, t);
      table << "| " << model << (variant == "all" || variant == "full" ? "" : " (" + variant + ")") << " | "
            << Fixed(iou, 1) << " | " << Fixed(t, 2) << (t == default_score ? " (default)" : "") << " | " << c.tp
            << " | " << c.fp << " | " << c.positives - c.tp << " | " << Fixed(c.precision()) << " | "
            << Fixed(c.recall()) << " | " << Fixed(ap) << " | " << Fixed(ms, 1) << " |\n";
      PrintJson({{"section", section},
                 {"model", model},
                 {"photos", variant},
                 {"iou", Decimal(iou)},
                 {"min_score", Decimal(t)},
                 {"default", t == default_score},
                 {"tp", c.tp},
                 {"fp", c.fp},
                 {"fn", c.positives - c.tp},
                 {"precision", c.precision()},
                 {"recall", c.recall()},
                 {"ap", ap},
                 {"ms_per_image", ms},
                 {"images", photos.size()}});
    }
  }
}

// --per-image: each photo's TP/FP/FN at IoU 0.5 and the default floor, and its missed boxes.
void PrintPerImage(const std::string& model, const std::vector<Photo>& photos,
                   const std::vector<std::vector<Detection>>& found, float threshold, std::ostream& out) {
  out << "Per image, " << model << " at min_score " << Fixed(threshold, 2) << ":\n";
  for (std::size_t i = 0; i < photos.size(); ++i) {
    std::vector<Detection> kept;
    for (const auto& d : found[i]) {
      if (d.score >= threshold) kept.push_back(d);
    }
    int positives = 0;
    for (const auto& t : photos[i].truth) positives += t.ignore ? 0 : 1;
    const Counts c = CountAt(Match(kept, photos[i].truth, 0.5f), positives, threshold);
    out << "  " << photos[i].file << " " << photos[i].image.width << "x" << photos[i].image.height << ": TP " << c.tp
        << " FP " << c.fp << " FN " << positives - c.tp << "; truth";
    for (const auto& t : photos[i].truth) {
      float best = 0;
      for (const auto& d : kept) best = std::max(best, IoU(d, t.box));
      out << " [" << Fixed(t.box.width(), 0) << "x" << Fixed(t.box.height(), 0) << " best IoU " << Fixed(best, 2)
          << (t.ignore ? " ignored" : "") << "]";
    }
    out << "\n";
  }
  out << "\n";
}

const char* kTableHeader =
    "| model | IoU | min_score | TP | FP | FN | precision | recall | AP | ms/image |\n"
    "|---|---|---|---|---|---|---|---|---|---|\n";

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--shared") {
      args.shared = next();
    } else if (a == "--threads") {
      args.threads = std::stoi(next());
    } else if (a == "--per-image") {
      args.per_image = true;
    } else if (a == "--repeats") {
      args.repeats = std::max(1, std::stoi(next()));
    } else {
      Die("usage: iris_detection_quality [--shared DIR] [--threads N] [--repeats N] [--per-image] (unknown argument " +
          a + ")");
    }
  }
  if (args.shared.empty()) args.shared = testing::SharedDir();
  return args;
}

fs::path ModelFile(const Args& args, const models::ModelSpec& spec) {
  const models::ModelFile* file = spec.FindFile("model");
  if (!file) Die("model " + spec.name + " has no model file");
  return args.shared / "models" / spec.mirror_path / file->path;
}

// Photos shrunk to `percent` of their size (faces-dlib-voc at 50%: faces of ~10-25 px), boxes too.
std::vector<Photo> Shrunk(const std::vector<Photo>& photos, int percent) {
  std::vector<Photo> out;
  for (const Photo& p : photos) {
    Photo q = p;
    const int w = std::max(1, p.image.width * percent / 100), h = std::max(1, p.image.height * percent / 100);
    q.image = OrDie(Resize(p.image, w, h, {ResampleFilter::kBilinear, true}), "resizing " + p.file);
    const float sx = static_cast<float>(w) / p.image.width, sy = static_cast<float>(h) / p.image.height;
    for (Truth& t : q.truth) {
      t.box.x0 *= sx;
      t.box.x1 *= sx;
      t.box.y0 *= sy;
      t.box.y1 *= sy;
    }
    out.push_back(std::move(q));
  }
  return out;
}

// "Prominent" persons: ground-truth boxes of at least 5% of the image count, smaller ones are
// ignored, and detections under 2.5% of the image are left out.
std::pair<std::vector<Photo>, std::vector<std::vector<Detection>>> Prominent(
    const std::vector<Photo>& photos, const std::vector<std::vector<Detection>>& found) {
  std::vector<Photo> out = photos;
  std::vector<std::vector<Detection>> kept(found.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const float area = static_cast<float>(out[i].image.width) * static_cast<float>(out[i].image.height);
    for (Truth& t : out[i].truth) t.ignore = t.ignore || t.box.area() < 0.05f * area;
    for (const Detection& d : found[i]) {
      if (d.area() >= 0.025f * area) kept[i].push_back(d);
    }
  }
  return {std::move(out), std::move(kept)};
}

int Main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  const auto catalog = OrDie(models::ModelCatalog::LoadDefault(ProcessEnv()), "catalog");
  RuntimeConfig runtime;
  runtime.device = "cpu";
  runtime.intra_op_threads = args.threads;
  std::cout << "# Detection quality (shared dir " << args.shared.string() << ", intra-op threads "
            << (args.threads == 0 ? std::string("default") : std::to_string(args.threads)) << ", " << args.repeats
            << " timed runs per image)\n\n";
  std::ostringstream per_image;

  // (1) Persons on coco-tiny.
  const auto coco = LoadPhotos(args.shared / "data/coco-tiny", [](const auto& row) -> std::optional<bool> {
    if (row.at("category") != "person") return std::nullopt;
    return row.at("iscrowd") != "0";
  });
  {
    const models::ModelSpec& spec = *OrDie(catalog.Find("yolox-nano"), "catalog");
    const auto detector = OrDie(ObjectDetector::Load(spec, ModelFile(args, spec), runtime), "loading yolox-nano");
    ObjectDetectorOptions low;
    low.min_score = 0.05f;
    low.classes = {0};
    low.max_detections = 1000;
    ObjectDetectorOptions defaults;
    defaults.classes = {0};
    const auto [found, ms] = RunAll(
        coco, [&](const RgbImage& image) { return detector->Detect(image, low); },
        [&](const RgbImage& image) { return detector->Detect(image, defaults); }, args.repeats);
    const std::vector<float> thresholds = {0.1f, 0.25f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
    std::cout << "## (1) Persons: " << spec.name << " on coco-tiny (" << coco.size() << " images, " << Positives(coco)
              << " non-crowd persons)\n\n"
              << kTableHeader;
    Report("person", spec.name, "all", coco, found, ms, defaults.min_score, thresholds, {0.5f}, std::cout);
    const auto [prominent, prominent_found] = Prominent(coco, found);
    std::cout << "\nProminent persons only (box >= 5% of the image; " << Positives(prominent)
              << " of them; smaller persons ignored, detections < 2.5% of the image left out):\n\n"
              << kTableHeader;
    Report("person", spec.name, "prominent", prominent, prominent_found, ms, defaults.min_score, thresholds, {0.5f},
           std::cout);
    std::cout << "\n";
    if (args.per_image) PrintPerImage(spec.name, coco, found, defaults.min_score, per_image);
  }

  // (2) Faces on faces-dlib-voc, at full size and shrunk to 50%.
  const auto faces = LoadPhotos(args.shared / "data/faces-dlib-voc",
                                [](const auto& row) -> std::optional<bool> { return row.at("ignore") != "0"; });
  const auto small_faces = Shrunk(faces, 50);
  const std::vector<std::string> face_models = {"yunet", "ultraface-rfb-320", "ultraface-rfb-640"};
  std::ostringstream iou03, half;
  std::cout << "## (2) Faces on faces-dlib-voc (" << faces.size() << " images, " << Positives(faces)
            << " faces not ignored)\n\n"
            << kTableHeader;
  for (const std::string& name : face_models) {
    const models::ModelSpec& spec = *OrDie(catalog.Find(name), "catalog");
    const auto detector = OrDie(LoadFaceDetector(spec, ModelFile(args, spec), runtime), "loading " + name);
    FaceDetectorOptions low;
    low.min_score = 0.3f;
    low.max_faces = 1000;
    const FaceDetectorOptions defaults;
    const auto run = [&](const std::vector<Photo>& photos) {
      return RunAll(
          photos, [&](const RgbImage& image) { return detector->Detect(image, low); },
          [&](const RgbImage& image) { return detector->Detect(image, defaults); }, args.repeats);
    };
    const auto [found, ms] = run(faces);
    Report("face", name, "full", faces, found, ms, defaults.min_score, {0.3f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f}, {0.5f},
           std::cout);
    Report("face", name, "full", faces, found, ms, defaults.min_score, {defaults.min_score}, {0.3f}, iou03);
    const auto [small_found, small_ms] = run(small_faces);
    Report("face", name, "half", small_faces, small_found, small_ms, defaults.min_score, {0.5f, 0.6f, 0.7f}, {0.5f},
           half);
    if (args.per_image) PrintPerImage(name, faces, found, defaults.min_score, per_image);
  }
  std::cout << "\nAt IoU 0.3 (dlib's box convention differs from the models'):\n\n" << kTableHeader << iou03.str();
  std::cout << "\nThe same photos shrunk to 50% (faces ~10-25 px), IoU 0.5:\n\n" << kTableHeader << half.str();

  // (3) YuNet input-size rules.
  {
    const models::ModelSpec& spec = *OrDie(catalog.Find("yunet"), "catalog");
    const auto yunet = OrDie(YunetFaceDetector::Load(spec, ModelFile(args, spec), runtime), "loading yunet");
    struct Rule {
      std::string name;
      std::function<PixelSize(int, int)> size;
    };
    const auto long_side = [](int target) {
      return [target](int w, int h) {
        const double s = static_cast<double>(target) / std::max(w, h);
        const auto up32 = [](double v) { return std::max(32, static_cast<int>(std::ceil(v / 32.0)) * 32); };
        return PixelSize{up32(w * s), up32(h * s)};
      };
    };
    const std::vector<Rule> rules = {
        {"long side clamped to 320..640 (default)", [&](int w, int h) { return yunet->InputSizeFor(w, h); }},
        {"native, long side <= 640", [&](int w, int h) { return long_side(std::min(640, std::max(w, h)))(w, h); }},
        {"long side 320", long_side(320)},
        {"long side 640 (enlarge)", long_side(640)},
        {"long side 960 (enlarge)", long_side(960)},
    };
    std::cout << "\n## (3) YuNet input-size rule on faces-dlib-voc (min_score 0.6, IoU 0.5)\n\n"
              << "| photos | rule | TP | FP | FN | precision | recall | AP | ms/image |\n"
              << "|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& [variant, photos] :
         std::vector<std::pair<std::string, const std::vector<Photo>*>>{{"full", &faces}, {"half", &small_faces}}) {
      for (const Rule& rule : rules) {
        FaceDetectorOptions low;
        low.min_score = 0.3f;
        low.max_faces = 1000;
        const auto [found, ms] = RunAll(
            *photos,
            [&](const RgbImage& image) {
              return yunet->DetectAtSize(image, rule.size(image.width, image.height), low);
            },
            [&](const RgbImage& image) {
              return yunet->DetectAtSize(image, rule.size(image.width, image.height), FaceDetectorOptions{});
            },
            args.repeats);
        const int positives = Positives(*photos);
        const auto all = MatchAll(*photos, found, 0.5f);
        const Counts c = CountAt(all, positives, 0.6f);
        const double ap = AveragePrecision(all, positives);
        std::cout << "| " << variant << " | " << rule.name << " | " << c.tp << " | " << c.fp << " | "
                  << c.positives - c.tp << " | " << Fixed(c.precision()) << " | " << Fixed(c.recall()) << " | "
                  << Fixed(ap) << " | " << Fixed(ms, 1) << " |\n";
        PrintJson({{"section", "yunet_size_rule"},
                   {"photos", variant},
                   {"rule", rule.name},
                   {"iou", 0.5},
                   {"min_score", 0.6},
                   {"tp", c.tp},
                   {"fp", c.fp},
                   {"fn", c.positives - c.tp},
                   {"precision", c.precision()},
                   {"recall", c.recall()},
                   {"ap", ap},
                   {"ms_per_image", ms}});
      }
    }
  }

  // (4) One dominant face per portrait: faces-identity, how often the count of faces is right.
  {
    std::vector<std::pair<RgbImage, int>> portraits;
    std::vector<std::string> files;
    const fs::path dir = args.shared / "data/faces-identity";
    for (const auto& row : ReadCsv(dir / "labels.csv")) {
      const std::string bytes = testing::ReadFileBytes(dir / row.at("file"));
      portraits.emplace_back(OrDie(DecodeImage(bytes, DecodeOptions{}), "decoding " + row.at("file")).image,
                             std::stoi(row.at("n_faces")));
      files.push_back(row.at("file"));
    }
    const std::vector<float> thresholds = {0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
    std::cout << "\n## (4) Face counts on faces-identity (" << portraits.size()
              << " portraits and pairs; share of photos where the number of faces found equals n_faces)\n\n| model |";
    for (float t : thresholds) std::cout << " min_score " << Fixed(t, 1) << " |";
    std::cout << " lowest top score |\n|---|";
    for (std::size_t i = 0; i <= thresholds.size(); ++i) std::cout << "---|";
    std::cout << "\n";
    for (const std::string& name : face_models) {
      const models::ModelSpec& spec = *OrDie(catalog.Find(name), "catalog");
      const auto detector = OrDie(LoadFaceDetector(spec, ModelFile(args, spec), runtime), "loading " + name);
      FaceDetectorOptions low;
      low.min_score = 0.3f;
      std::vector<int> right(thresholds.size(), 0);
      float lowest_top = 1;
      for (std::size_t p = 0; p < portraits.size(); ++p) {
        const auto& [image, n_faces] = portraits[p];
        const auto found = OrDie(detector->Detect(image, low), "detecting faces");
        if (args.per_image) {
          per_image << name << " " << files[p] << " (n_faces " << n_faces << "): scores";
          for (const auto& d : found) {
            per_image << " " << Fixed(d.score, 3) << "@" << Fixed(d.x0, 0) << "," << Fixed(d.y0, 0) << "+"
                      << Fixed(d.width(), 0) << "x" << Fixed(d.height(), 0);
          }
          per_image << "\n";
        }
        lowest_top = std::min(lowest_top, found.empty() ? 0.0f : found.front().score);
        for (std::size_t t = 0; t < thresholds.size(); ++t) {
          int count = 0;
          for (const auto& d : found) count += d.score >= thresholds[t] ? 1 : 0;
          right[t] += count == n_faces ? 1 : 0;
        }
      }
      std::cout << "| " << name << " |";
      for (std::size_t t = 0; t < thresholds.size(); ++t) {
        const double share = static_cast<double>(right[t]) / static_cast<double>(portraits.size());
        std::cout << " " << Fixed(share, 2) << " |";
        PrintJson({{"section", "face_count"},
                   {"model", name},
                   {"min_score", Decimal(thresholds[t])},
                   {"right", right[t]},
                   {"photos", portraits.size()},
                   {"share", share}});
      }
      std::cout << " " << Fixed(lowest_top, 3) << " |\n";
    }
  }

  if (args.per_image) std::cout << "\n## Per image\n\n" << per_image.str();
  std::cout << "\n## JSON lines\n\n";
  for (const auto& line : JsonLines()) std::cout << "JSON " << line << "\n";
  return 0;
}

}  // namespace
}  // namespace iris

int main(int argc, char** argv) {
  try {
    return iris::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "iris_detection_quality: " << e.what() << "\n";
    return 1;
  }
}
