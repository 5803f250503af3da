// POST /process-image quality and latency on coco-tiny (numbers for docs/process-image.md), through
// app::ProcessImageService as the route calls it:
//   * top-1 accuracy: for every (image, class) pair with a non-crowd instance, the prompt
//     "the <class>" must return a match whose box has IoU >= 0.5 with a ground-truth box of that class;
//   * section coverage: the fraction of non-crowd ground-truth objects with a section (not the root)
//     of box IoU >= 0.5;
//   * latency: p50/p90 of a whole request (decode, sections, prompt stages) with no cache, over every
//     photo (640 px on the long side) and --repeats rounds, and p50 of a repeated request answered
//     from the result cache.
//
//   build/bench/iris_process_image_quality [--models-dir DIR] [--foreground-model NAME] [--repeats N] [--dump FILE]
//       [--min-object-score S] [--grid N]
// The models dir must hold yolox-nano and yunet (and the ISNet model when named), e.g.
//   build/iris models pull yolox-nano yunet isnet-general-small-int8 --models-dir DIR --model-mirror ../shared/models
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/process_image_service.h"
#include "ingest/image_ingestor.h"
#include "models/model_catalog.h"
#include "models/model_store.h"
#include "store/database.h"
#include "support/coco_tiny.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace {

using namespace iris;
using testing::CocoInstance;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

double IoU(double x0, double y0, double w0, double h0, const CocoInstance& t) {
  const double ix = std::max(0.0, std::min(x0 + w0, t.x + t.w) - std::max(x0, t.x));
  const double iy = std::max(0.0, std::min(y0 + h0, t.y + t.h) - std::max(y0, t.y));
  const double inter = ix * iy;
  const double uni = w0 * h0 + t.w * t.h - inter;
  return uni > 0 ? inter / uni : 0;
}

double Ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string models_dir = "./iris-data/models";
  std::string foreground;
  int repeats = 3;
  float min_object_score = app::ProcessImageOptions{}.min_object_score;
  int grid = app::ProcessImageOptions{}.detection_grid;
  std::string dump;  // a coco-tiny file name: print its section map and stop
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--models-dir")) models_dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--foreground-model")) foreground = argv[i + 1];
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--dump")) dump = argv[i + 1];
    if (!std::strcmp(argv[i], "--grid")) grid = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--min-object-score")) min_object_score = std::strtof(argv[i + 1], nullptr);
  }
  Config config;
  config.models.dir = models_dir;
  auto catalog = models::ModelCatalog::LoadDefault(ProcessEnv());
  if (!catalog.ok()) return std::fprintf(stderr, "%s\n", catalog.status().message().c_str()), 1;
  auto store = std::make_shared<models::ModelStore>(*catalog, config.models.dir, config.models.mirror);
  ModelRegistry models(config, store);
  app::ProcessImageOptions options;
  options.foreground_model = foreground;
  options.min_object_score = min_object_score;
  options.detection_grid = grid;
  const app::ProcessImageService uncached(models, nullptr, options);
  testing::TempDir dir;
  auto db = Database::Open(dir.path() / "iris.db");
  if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().message().c_str()), 1;
  ResultCache cache(**db);
  const app::ProcessImageService cached(models, &cache, options);
  const ImageIngestor ingestor(IngestConfig{});

  int pairs = 0, correct = 0, objects = 0, covered = 0;
  std::vector<double> latency, hit_latency;
  std::vector<std::string> misses;
  for (const auto& image : testing::CocoTinyImages()) {
    const std::string bytes = testing::ReadFileBytes(testing::RequireShared("data/coco-tiny/images/" + image.file));
    std::set<std::string> classes;
    for (const auto& instance : image.instances) {
      if (!instance.crowd) classes.insert(instance.category);
    }
    // Coverage, from the cached service's section map (computed once here).
    auto ingested = ingestor.FromUpload(bytes, image.file);
    if (!ingested.ok()) return std::fprintf(stderr, "%s\n", ingested.status().message().c_str()), 1;
    Trace trace;
    bool hit = false;
    auto map = cached.Sections(**ingested, trace, hit);
    if (!map.ok()) return std::fprintf(stderr, "%s: %s\n", image.file.c_str(), map.status().message().c_str()), 1;
    if (image.file == dump) {
      std::printf("%s\n", regions::SectionMapToJson(*map, /*with_masks=*/false).dump(1).c_str());
      return 0;
    }
    const double sx = static_cast<double>(image.width) / map->width,
                 sy = static_cast<double>(image.height) / map->height;
    for (const auto& instance : image.instances) {
      if (instance.crowd) continue;
      ++objects;
      for (std::size_t i = 1; i < map->sections.size(); ++i) {
        const auto& b = map->sections[i].bbox;
        if (IoU(b.x * sx, b.y * sy, b.width * sx, b.height * sy, instance) >= 0.5) {
          ++covered;
          break;
        }
      }
    }
    for (const auto& category : classes) {
      ++pairs;
      app::ProcessImageRequest request;
      request.prompt = "the " + category;
      auto reply = cached.Process(**ingested, request, trace);
      if (!reply.ok()) return std::fprintf(stderr, "%s\n", reply.status().message().c_str()), 1;
      bool ok = false;
      if (!(*reply)["match"].is_null()) {
        const auto& box = (*reply)["match"]["bbox"];
        for (const auto& instance : image.instances) {
          if (instance.category == category && IoU(box[0].get<double>(), box[1].get<double>(), box[2].get<double>(),
                                                   box[3].get<double>(), instance) >= 0.5) {
            ok = true;
          }
        }
      }
      correct += ok ? 1 : 0;
      if (!ok) misses.push_back(image.file + ": " + category);
    }
    // Latency: whole requests without a cache, then answered from the cache.
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      auto fresh = ingestor.FromUpload(bytes, image.file);
      app::ProcessImageRequest request;
      request.prompt = "the person on the left";
      Trace t;
      if (!fresh.ok() || !uncached.Process(**fresh, request, t).ok()) return 1;
      latency.push_back(Ms(start));
      const auto hit_start = std::chrono::steady_clock::now();
      auto again = ingestor.FromUpload(bytes, image.file);
      if (!again.ok() || !cached.Process(**again, request, t).ok()) return 1;
      hit_latency.push_back(Ms(hit_start));
    }
  }
  std::printf("foreground model: %s, min object score %.2f, detection grid %d\n",
              foreground.empty() ? "(none)" : foreground.c_str(), min_object_score, grid);
  std::printf("top-1 accuracy (\"the <class>\", IoU >= 0.5): %d / %d = %.3f\n", correct, pairs,
              static_cast<double>(correct) / pairs);
  std::printf("section coverage (GT objects with a section of IoU >= 0.5): %d / %d = %.3f\n", covered, objects,
              static_cast<double>(covered) / objects);
  std::printf("latency, no cache (%zu requests): p50 %.1f ms, p90 %.1f ms\n", latency.size(), Percentile(latency, 0.5),
              Percentile(latency, 0.9));
  std::printf("latency, sections from the cache: p50 %.1f ms, p90 %.1f ms\n", Percentile(hit_latency, 0.5),
              Percentile(hit_latency, 0.9));
  std::printf("missed pairs:");
  for (const auto& m : misses) std::printf(" [%s]", m.c_str());
  std::printf("\n");
  return 0;
}
