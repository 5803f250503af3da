// ModelComparisonService: what switching the embedding model from A to B costs (typically a model
// and its int8 variant, e.g. clip-vit-b-32 and clip-vit-b-32-int8), measured on the caller's images
// instead of assumed. For one set of images it reports
//   * cosine: per image, the cosine between A's and B's embeddings (min, mean); only when both
//     models have the same dimension (two variants of one model always do);
//   * neighbour agreement: for each image, the overlap |N_A ∩ N_B| / k of its k nearest other images
//     under A and under B (exact cosine, k = min(10, images - 1)), averaged over the images -- what
//     a collection's searches would see change;
//   * zero-shot agreement (both models CLIP with a text tower, and labels given): the fraction of
//     images whose best label among `labels` is the same under A and B. With `labels_optional`, a
//     model without a text tower skips this part instead of failing.
// `iris models compare` prints it as a table (bench/compare_variants.sh uses it for the fidelity part).
//
// Errors: the registry's (NotFound unknown model, FailedPrecondition not installed / not an image
// model); Unprocessable for fewer than 2 images, an image that does not decode (naming it), or
// labels given for a model without a text tower. Thread-safety: Compare may run concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "ingest/image_ingestor.h"
#include "vision/model_registry.h"

namespace iris::app {

struct NamedImage {
  std::string name;
  std::shared_ptr<const IngestedImage> image;
};

struct ModelComparison {
  std::string model_a, model_b;  // the loaded models' names (exact variants)
  int dim_a = 0, dim_b = 0;
  int images = 0;
  struct PerImage {
    std::string name;
    std::optional<double> cosine;  // nullopt when the dimensions differ
    double neighbour_agreement = 0;
    std::optional<bool> same_label;  // nullopt without zero-shot labels
    std::string label_a, label_b;
  };
  std::vector<PerImage> per_image;
  std::optional<double> cosine_min, cosine_mean;
  int neighbours_k = 0;
  double neighbour_agreement_mean = 0;
  double neighbour_agreement_min = 0;
  int labels = 0;
  std::optional<double> zero_shot_agreement;
};

class ModelComparisonService {
 public:
  explicit ModelComparisonService(ModelRegistry& models) : models_(models) {}

  Result<ModelComparison> Compare(const std::string& model_a, const std::string& model_b,
                                  const std::vector<NamedImage>& images, const std::vector<std::string>& labels,
                                  bool labels_optional = false) const;

  // Everyday photo subjects, for zero-shot agreement when the caller has no labels of its own.
  static std::vector<std::string> DefaultLabels();

 private:
  ModelRegistry& models_;
};

}  // namespace iris::app
