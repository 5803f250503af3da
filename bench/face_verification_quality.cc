// Face verification quality on ../shared/data/faces-identity (numbers for docs/quality.md).
//
//   iris_face_verification_quality [--threads N] [--repeats N]
//
// Faces: YuNet (catalog "yunet", default options) on each photo; a single-person photo uses its
// largest face, a two-person photo its two largest faces mapped left to right (by box centre) to
// labels.csv's identities. Each face is embedded with MobileFaceNet (catalog "mobilefacenet") three
// ways: "aligned" (5-landmark similarity warp onto the ArcFace template, face_alignment.h),
// "box square" (AlignFace without landmarks: square of 1.1x the box's longer side) and "box stretch"
// (the box cropped and stretched to 112x112, what the model's source repository does).
// Pairs: every two faces; genuine when the identities match. obama_partial_1/2 are crops of the
// same photo as obama_1 (see the data set's SOURCE.md), so pairs among those three are near-duplicates;
// everything is reported with and without them.
// EER: over thresholds at every observed score, the point where the false accept rate (impostor
// score >= t) and false reject rate (genuine score < t) are closest; EER = their mean there (the
// highest such threshold; when the classes separate, any t in (max impostor, min genuine] gives 0).
// ROC: TAR at the smallest threshold whose FAR is at most 0, 1, 5, 10, 20 % (JSON has every point).
// Timing: mean wall ms per face for alignment and for one embedding (batch of 1, warm), `--repeats`
// runs per face; detection ms per photo.
// Output: Markdown tables and one JSON object per line (prefix "JSON ").
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "image/image_decoder.h"
#include "image/image_geometry.h"
#include "models/model_catalog.h"
#include "support/shared_data.h"
#include "vision/embedding_math.h"
#include "vision/face_alignment.h"
#include "vision/face_detector.h"
#include "vision/face_embedder.h"

namespace iris {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "iris_face_verification_quality: " << message << "\n";
  std::exit(1);
}

template <typename T>
T OrDie(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().ToString());
  return std::move(result).value();
}

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::vector<std::string> Split(const std::string& text, char sep, bool quotes) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : text) {
    if (quotes && c == '"') {
      quoted = !quoted;
    } else if (c == sep && !quoted) {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

struct Face {
  std::string file;      // images/obama_1.jpg
  std::string identity;  // obama
  Detection box;
  std::map<std::string, Embedding> embedding;  // by variant
};

const std::vector<std::string> kVariants = {"aligned", "box square", "box stretch"};

// The same source photo (near-duplicates): obama_1 and its two partial crops.
bool NearDuplicate(const Face& a, const Face& b) {
  static const std::set<std::string> same_photo = {"images/obama_1.jpg", "images/obama_partial_1.jpg",
                                                   "images/obama_partial_2.jpg"};
  return a.file != b.file && same_photo.count(a.file) && same_photo.count(b.file);
}

struct Pair {
  float score = 0;
  bool genuine = false;
};

struct RocPoint {
  float threshold = 0;
  double far = 0, tar = 0;
};

struct Verification {
  int genuine = 0, impostor = 0;
  double eer = 0;
  float eer_threshold = 0;
  double mean_genuine = 0, mean_impostor = 0;
  float min_genuine = 2, max_impostor = -2;  // separated when min_genuine > max_impostor
  std::vector<RocPoint> roc;                 // by decreasing threshold
};

Verification Evaluate(std::vector<Pair> pairs) {
  Verification v;
  for (const Pair& p : pairs) {
    (p.genuine ? v.genuine : v.impostor)++;
    (p.genuine ? v.mean_genuine : v.mean_impostor) += p.score;
    if (p.genuine) v.min_genuine = std::min(v.min_genuine, p.score);
    if (!p.genuine) v.max_impostor = std::max(v.max_impostor, p.score);
  }
  if (v.genuine == 0 || v.impostor == 0) Die("need both genuine and impostor pairs");
  v.mean_genuine /= v.genuine;
  v.mean_impostor /= v.impostor;
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.score > b.score; });
  // Accept when score >= t. Walking down the sorted scores, each distinct score is one threshold.
  int accepted_genuine = 0, accepted_impostor = 0;
  double best_gap = 2;
  v.roc.push_back({std::nextafter(pairs.front().score, 2.0f), 0, 0});
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    (pairs[i].genuine ? accepted_genuine : accepted_impostor)++;
    if (i + 1 < pairs.size() && pairs[i + 1].score == pairs[i].score) continue;
    const double far = static_cast<double>(accepted_impostor) / v.impostor;
    const double tar = static_cast<double>(accepted_genuine) / v.genuine;
    v.roc.push_back({pairs[i].score, far, tar});
    const double frr = 1 - tar;
    if (std::abs(far - frr) < best_gap) {
      best_gap = std::abs(far - frr);
      v.eer = (far + frr) / 2;
      v.eer_threshold = pairs[i].score;
    }
  }
  return v;
}

// TAR at the lowest threshold whose FAR is <= max_far.
RocPoint AtFar(const Verification& v, double max_far) {
  RocPoint best = v.roc.front();
  for (const RocPoint& p : v.roc) {
    if (p.far <= max_far) best = p;
  }
  return best;
}

nlohmann::json RocJson(const Verification& v) {
  nlohmann::json points = nlohmann::json::array();
  for (std::size_t i = 1; i < v.roc.size(); ++i) {  // [0] is the "accept nothing" start (FAR 0, TAR 0)
    const RocPoint& p = v.roc[i];
    points.push_back(
        {std::round(p.threshold * 1e4) / 1e4, std::round(p.far * 1e4) / 1e4, std::round(p.tar * 1e4) / 1e4});
  }
  return points;
}

int Main(int argc, char** argv) {
  int threads = 0;
  int repeats = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = std::stoi(argv[++i]);
    } else if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::max(1, std::stoi(argv[++i]));
    } else {
      Die("usage: iris_face_verification_quality [--threads N] [--repeats N]");
    }
  }
  using iris::testing::RequireShared;
  const auto catalog =
      OrDie(models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; }), "catalog");
  auto model_path = [&](const models::ModelSpec& spec) {
    return RequireShared("models/" + spec.mirror_path + "/" + spec.FindFile("model")->path);
  };
  RuntimeConfig runtime;
  runtime.intra_op_threads = threads;
  const models::ModelSpec& yunet_spec = *OrDie(catalog.Find("yunet"), "catalog");
  const models::ModelSpec& face_spec = *OrDie(catalog.Find("mobilefacenet"), "catalog");
  const auto detector = OrDie(LoadFaceDetector(yunet_spec, model_path(yunet_spec), runtime), "yunet");
  const auto embedder = OrDie(FaceEmbedder::Load(face_spec, model_path(face_spec), runtime), "mobilefacenet");

  const fs::path root = RequireShared("data/faces-identity");
  std::ifstream csv(root / "labels.csv");
  if (!csv) Die("cannot read labels.csv");
  std::string line;
  std::getline(csv, line);
  const std::vector<std::string> header = Split(line, ',', true);
  auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) Die("labels.csv has no column " + name);
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t file_col = column("file"), ids_col = column("identities");

  std::vector<Face> faces;
  std::vector<std::string> problems;
  double detect_ms = 0, align_ms = 0, embed_ms = 0;
  int photos = 0;
  std::cout << "## Faces found (YuNet, default options)\n\n| photo | faces found | used (identity: box, score) |\n"
               "|---|---:|---|\n";
  while (std::getline(csv, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = Split(line, ',', true);
    const std::string file = cells.at(file_col);
    const std::vector<std::string> identities = Split(cells.at(ids_col), ';', false);
    const RgbImage image = OrDie(DecodeImage(iris::testing::ReadFileBytes(root / file), DecodeOptions{}), file).image;
    auto start = Clock::now();
    std::vector<Detection> found = OrDie(detector->Detect(image, FaceDetectorOptions{}), file);
    detect_ms += MsSince(start);
    ++photos;
    std::sort(found.begin(), found.end(), [](const Detection& a, const Detection& b) { return a.area() > b.area(); });
    std::ostringstream used;
    if (found.size() < identities.size()) {
      problems.push_back(file + ": " + std::to_string(found.size()) + " faces found, " +
                         std::to_string(identities.size()) + " needed (left out)");
    } else {
      std::vector<Detection> chosen(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(identities.size()));
      std::sort(chosen.begin(), chosen.end(),
                [](const Detection& a, const Detection& b) { return a.x0 + a.x1 < b.x0 + b.x1; });
      for (std::size_t i = 0; i < chosen.size(); ++i) {
        Face face{file, identities[i], chosen[i], {}};
        Detection box_only = chosen[i];
        box_only.landmarks.clear();
        RgbImage aligned, square, stretched;
        for (int r = 0; r < repeats; ++r) {
          start = Clock::now();
          aligned = OrDie(AlignFace(image, chosen[i], embedder->input_size()), file);
          align_ms += MsSince(start) / repeats;
        }
        square = OrDie(AlignFace(image, box_only, embedder->input_size()), file);
        stretched = OrDie(Crop(image, chosen[i].ToPixelBox(image.width, image.height)), file);
        face.embedding["aligned"] = OrDie(embedder->Embed(aligned), file);  // warm-up for the timing
        for (int r = 0; r < repeats; ++r) {
          start = Clock::now();
          face.embedding["aligned"] = OrDie(embedder->Embed(aligned), file);
          embed_ms += MsSince(start) / repeats;
        }
        face.embedding["box square"] = OrDie(embedder->Embed(square), file);
        face.embedding["box stretch"] = OrDie(embedder->Embed(stretched), file);
        used << (i ? "; " : "") << identities[i] << ": [" << std::lround(chosen[i].x0) << ","
             << std::lround(chosen[i].y0) << "," << std::lround(chosen[i].x1) << "," << std::lround(chosen[i].y1)
             << "] " << std::round(chosen[i].score * 100) / 100;
        faces.push_back(std::move(face));
      }
    }
    std::cout << "| " << file << " | " << found.size() << " | " << used.str() << " |\n";
  }
  const double per_face = faces.empty() ? 0 : 1.0 / static_cast<double>(faces.size());

  std::cout << "\n"
            << faces.size() << " faces from " << photos << " photos. Note: obama_partial_1/2 are crops of the "
            << "same photo as obama_1 (faces-identity/SOURCE.md); pairs among those three are near-duplicates and are "
            << "reported separately.\n";
  for (const std::string& p : problems) std::cout << "\nProblem: " << p << "\n";

  std::cout << "\n## Verification (MobileFaceNet, cosine similarity)\n\n"
               "| variant | pairs | genuine | impostor | EER | threshold at EER | mean genuine | mean impostor | "
               "min genuine | max impostor | TAR@FAR=0 | TAR@FAR<=1% | TAR@FAR<=5% | TAR@FAR<=10% | TAR@FAR<=20% |\n"
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<nlohmann::json> json_lines;
  for (const bool without_duplicates : {false, true}) {
    for (const std::string& variant : kVariants) {
      std::vector<Pair> pairs;
      for (std::size_t i = 0; i < faces.size(); ++i) {
        for (std::size_t j = i + 1; j < faces.size(); ++j) {
          if (without_duplicates && NearDuplicate(faces[i], faces[j])) continue;
          pairs.push_back({CosineSimilarity(faces[i].embedding.at(variant), faces[j].embedding.at(variant)),
                           faces[i].identity == faces[j].identity});
        }
      }
      const Verification v = Evaluate(pairs);
      const char* subset = without_duplicates ? "without near-duplicates" : "all";
      char row[512];
      std::snprintf(row, sizeof row, "| %s | %s | %d | %d | %.1f%% | %.3f | %.3f | %.3f | %.3f | %.3f |",
                    variant.c_str(), subset, v.genuine, v.impostor, 100 * v.eer, v.eer_threshold, v.mean_genuine,
                    v.mean_impostor, v.min_genuine, v.max_impostor);
      std::cout << row;
      nlohmann::json tar_at = nlohmann::json::object();
      for (double far : {0.0, 0.01, 0.05, 0.10, 0.20}) {
        const RocPoint p = AtFar(v, far);
        std::snprintf(row, sizeof row, " %.1f%% (t=%.2f) |", 100 * p.tar, p.threshold);
        std::cout << row;
        tar_at[std::to_string(static_cast<int>(std::lround(far * 100)))] = {{"tar", p.tar}, {"threshold", p.threshold}};
      }
      std::cout << "\n";
      json_lines.push_back({{"bench", "face_verification"},
                            {"model", "mobilefacenet"},
                            {"detector", "yunet"},
                            {"variant", variant},
                            {"pairs", subset},
                            {"genuine_pairs", v.genuine},
                            {"impostor_pairs", v.impostor},
                            {"eer", v.eer},
                            {"eer_threshold", v.eer_threshold},
                            {"mean_genuine", v.mean_genuine},
                            {"mean_impostor", v.mean_impostor},
                            {"min_genuine", v.min_genuine},
                            {"max_impostor", v.max_impostor},
                            {"tar_at_far_percent", tar_at},
                            {"roc_threshold_far_tar", RocJson(v)}});
    }
  }
  char timing[256];
  std::snprintf(timing, sizeof timing,
                "\n## Timing (%s, intra-op threads %d)\n\n| step | ms |\n|---|---:|\n| YuNet detect, per photo | "
                "%.2f |\n| align, per face | %.3f |\n| MobileFaceNet embed (batch 1), per face | %.2f |\n",
                embedder->provider().c_str(), threads, detect_ms / std::max(1, photos), align_ms * per_face,
                embed_ms * per_face);
  std::cout << timing << "\n";
  json_lines.push_back({{"bench", "face_verification_timing"},
                        {"provider", embedder->provider()},
                        {"intra_op_threads", threads},
                        {"faces", faces.size()},
                        {"photos", photos},
                        {"detect_ms_per_photo", detect_ms / std::max(1, photos)},
                        {"align_ms_per_face", align_ms * per_face},
                        {"embed_ms_per_face", embed_ms * per_face},
                        {"problems", problems}});
  for (const auto& j : json_lines) std::cout << "JSON " << j.dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace iris

int main(int argc, char** argv) { return iris::Main(argc, argv); }
