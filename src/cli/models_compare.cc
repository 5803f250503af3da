#include "cli/models_compare.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/model_comparison_service.h"
#include "cli/commands.h"
#include "cli/image_files.h"
#include "models/model_store.h"

namespace iris::cli {
namespace {

nlohmann::json OptionalNumber(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

nlohmann::json ComparisonJson(const app::ModelComparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.per_image) {
    nlohmann::json row = {
        {"image", r.name}, {"cosine", OptionalNumber(r.cosine)}, {"neighbour_agreement", r.neighbour_agreement}};
    if (r.same_label) row.update({{"label_a", r.label_a}, {"label_b", r.label_b}, {"same_label", *r.same_label}});
    rows.push_back(std::move(row));
  }
  return {{"model_a", c.model_a},
          {"model_b", c.model_b},
          {"images", c.images},
          {"cosine_min", OptionalNumber(c.cosine_min)},
          {"cosine_mean", OptionalNumber(c.cosine_mean)},
          {"neighbours_k", c.neighbours_k},
          {"neighbour_agreement_mean", c.neighbour_agreement_mean},
          {"neighbour_agreement_min", c.neighbour_agreement_min},
          {"labels", c.labels},
          {"zero_shot_agreement", OptionalNumber(c.zero_shot_agreement)},
          {"per_image", rows}};
}

std::string Format(const std::optional<double>& v, const char* format = "%.4f") {
  if (!v) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, *v);
  return buf;
}

void PrintTable(const app::ModelComparison& c, bool per_image) {
  std::printf("%s (%d-d) vs %s (%d-d) on %d images\n", c.model_a.c_str(), c.dim_a, c.model_b.c_str(), c.dim_b,
              c.images);
  std::printf("  %-34s %s\n", "measure", "value");
  std::printf("  %-34s %s\n", "cosine A vs B, min", Format(c.cosine_min).c_str());
  std::printf("  %-34s %s\n", "cosine A vs B, mean", Format(c.cosine_mean).c_str());
  std::printf("  %-34s %s\n", ("top-" + std::to_string(c.neighbours_k) + " neighbour agreement, mean").c_str(),
              Format(c.neighbour_agreement_mean, "%.3f").c_str());
  std::printf("  %-34s %s\n", ("top-" + std::to_string(c.neighbours_k) + " neighbour agreement, min").c_str(),
              Format(c.neighbour_agreement_min, "%.3f").c_str());
  std::printf("  %-34s %s\n", ("zero-shot agreement (" + std::to_string(c.labels) + " labels)").c_str(),
              c.zero_shot_agreement ? Format(c.zero_shot_agreement, "%.3f").c_str() : "n/a (no text tower)");
  if (!per_image) return;
  std::printf("\n  %-32s %8s %10s  %s\n", "image", "cosine", "top-k", "zero-shot A / B");
  for (const auto& r : c.per_image) {
    std::printf("  %-32s %8s %10.2f  %s\n", r.name.c_str(), Format(r.cosine).c_str(), r.neighbour_agreement,
                r.same_label ? (r.label_a + (*r.same_label ? " (same)" : " / " + r.label_b)).c_str() : "-");
  }
}

}  // namespace

int RunModelsCompare(const ConfigFlags& flags, const ModelsCompareArgs& args) {
  auto config = flags.Load();
  if (!config.ok()) {
    std::cerr << "iris: " << config.status().message() << "\n";
    return kExitConfig;
  }
  auto catalog = models::ModelCatalog::LoadDefault(ProcessEnv());
  if (!catalog.ok()) {
    std::cerr << "iris: " << catalog.status().message() << "\n";
    return kExitConfig;
  }
  const auto files = ListImageFiles(args.images);
  if (files.size() < 2) {
    std::cerr << "iris models compare: " << args.images << " holds " << files.size()
              << " image files; at least 2 are needed\n";
    return kExitUsage;
  }
  ImageIngestor ingestor(config->ingest);
  std::vector<app::NamedImage> images;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto image = ingestor.FromUpload(bytes.str(), file.filename().string());
    if (!image.ok()) {
      std::cerr << "iris models compare: " << file.string() << ": " << image.status().message() << "\n";
      return kExitFailure;
    }
    images.push_back({file.filename().string(), *image});
  }
  auto store =
      std::make_shared<models::ModelStore>(std::move(catalog).value(), config->models.dir, config->models.mirror);
  ModelRegistry registry(*config, store);
  app::ModelComparisonService service(registry);
  const bool default_labels = args.labels.empty();
  auto result = service.Compare(args.model_a, args.model_b, images,
                                default_labels ? app::ModelComparisonService::DefaultLabels() : args.labels,
                                /*labels_optional=*/default_labels);
  if (!result.ok()) {
    std::cerr << "iris models compare: " << result.status().message() << "\n";
    return kExitFailure;
  }
  PrintTable(*result, args.per_image);
  if (!args.json_out.empty()) {
    std::ofstream out(args.json_out);
    out << ComparisonJson(*result).dump(2) << "\n";
    if (!out) {
      std::cerr << "iris models compare: cannot write " << args.json_out << "\n";
      return kExitFailure;
    }
  }
  return kExitOk;
}

}  // namespace iris::cli
