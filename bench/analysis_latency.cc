// Decode-to-result latency of each analysis operation, as `/analyze_image_upload/` runs it: decode
// the photo, then run one task on a fresh per-request context with the result cache off (so every
// detection and embedding is computed). Models come from a models dir (default ./iris-data/models, as
// `scripts/setup.sh` installs them) plus the CLIP stand-in from ../shared (real CLIP cannot be
// installed on the build machines; its cost is measured by `iris bench model`). Operations whose
// model is missing are reported as such, not timed.
//
//   build/bench/iris_analysis_latency [--models-dir DIR] [--repeats N] [--threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "image/image_decoder.h"
#include "models/model_catalog.h"
#include "models/model_store.h"
#include "ops/operation_registry.h"
#include "support/shared_data.h"
#include "vision/model_registry.h"

namespace {

using namespace iris;

struct Sample {
  std::string type;
  nlohmann::json params;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string models_dir = "./iris-data/models";
  int repeats = 5;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--models-dir")) models_dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--threads")) threads = std::max(0, std::atoi(argv[i + 1]));
  }
  Config config;
  config.models.dir = models_dir;
  config.models.local = {"colors=" + testing::RequireShared("models/clip-standin-colors").string()};
  config.models.default_clip = "colors";
  config.runtime.intra_op_threads = threads;
  auto catalog = models::ModelCatalog::LoadDefault(ProcessEnv());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().message().c_str()), 1;
  auto store = std::make_shared<models::ModelStore>(*catalog, config.models.dir, config.models.mirror);
  ModelRegistry models(config, store);
  ops::AnalysisServices services;
  services.analysis = config.analysis;
  services.default_clip = "colors";
  services.models = &models;
  services.analysis.cache_results = 0;
  ops::OperationRegistry registry(config.analysis, "colors");

  // A portrait (820x1024), a two-person photo and a COCO street scene (640x360).
  const std::vector<std::string> photos = {"faces-identity/images/obama_1.jpg",
                                           "faces-identity/images/group_kit_rose.jpg",
                                           "coco-tiny/images/000000391895.jpg"};
  std::vector<std::string> files;
  for (const auto& p : photos) files.push_back(testing::ReadFileBytes(testing::RequireShared("data/" + p)));
  const std::vector<Sample> samples = {
      {"image_hash", {}},
      {"image_quality", {}},
      {"dominant_colors", {}},
      {"detect_bounding_box", {{"target", "prominent_person"}}},
      {"detect_bounding_box", {{"target", "prominent_face"}}},
      {"detect_objects", {}},
      {"detect_faces", {}},
      {"detect_faces", {{"detector", "ultraface-rfb-320"}}},
      {"embed_clip_vit_b_32", {{"target", "whole_image"}}},
      {"embed_clip_vit_b_32", {{"target", "prominent_face"}}},
      {"embed_face", {}},
  };
  std::printf("| operation | params | median ms | p90 ms | runs |\n|---|---|---|---|---|\n");
  for (const auto& s : samples) {
    std::vector<double> ms;
    std::string failure;
    for (int r = -1; r < repeats; ++r) {  // r = -1: warm-up (model load), not timed
      for (const auto& bytes : files) {
        const auto started = std::chrono::steady_clock::now();
        DecodeOptions options;
        auto decoded = DecodeImage(bytes, options);
        if (!decoded.ok()) return std::fprintf(stderr, "decode: %s\n", decoded.status().message().c_str()), 1;
        auto image = std::make_shared<const RgbImage>(std::move(decoded->image));
        ops::AnalysisContext ctx(services, image, "bench");
        auto result = registry.Run(ctx, {"t", s.type, s.params.is_null() ? nlohmann::json::object() : s.params});
        const double elapsed =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        if (result.outcome == ops::OperationResult::Outcome::kError) failure = result.error_message.value_or("error");
        if (r >= 0) ms.push_back(elapsed);
      }
    }
    const std::string params = s.params.is_null() ? "" : s.params.dump();
    if (!failure.empty()) {
      std::printf("| %s | %s | — | — | %s |\n", s.type.c_str(), params.c_str(), failure.c_str());
    } else {
      std::printf("| %s | %s | %.1f | %.1f | %zu |\n", s.type.c_str(), params.c_str(), Percentile(ms, 0.5),
                  Percentile(ms, 0.9), ms.size());
    }
  }
  return 0;
}
