#include "app/model_comparison_service.h"

#include <algorithm>
#include <numeric>

#include "vision/clip_model.h"
#include "vision/embedding_math.h"

namespace iris::app {
namespace {

constexpr int kMaxNeighbours = 10;

struct Side {
  std::shared_ptr<const ImageEncoder> encoder;
  std::vector<std::vector<float>> embeddings;  // unit length, one per image
  std::vector<int> best_label;                 // per image; empty without labels
};

bool HasText(const ImageEncoder& encoder) {
  const auto* clip = dynamic_cast<const ClipModel*>(&encoder);
  return clip != nullptr && clip->has_text();
}

Result<Side> Embed(ModelRegistry& models, const std::string& name, const std::vector<NamedImage>& images,
                   const std::vector<std::string>& labels) {
  Side side;
  IRIS_ASSIGN_OR_RETURN(side.encoder, models.ImageEncoder(name));
  for (const auto& item : images) {
    Trace trace;
    auto embedding = DecodeAndEmbed(
        *side.encoder, [&item](int min_side) { return item.image->AtLeast(min_side); }, /*normalize=*/true, trace);
    if (!embedding.ok()) return Unprocessable(item.name + ": " + embedding.status().message());
    side.embeddings.push_back(std::move(embedding).value());
  }
  if (labels.empty()) return side;
  if (!HasText(*side.encoder)) {
    return Unprocessable("model " + side.encoder->name() + " has no text tower: zero-shot labels cannot be compared");
  }
  const auto clip = std::dynamic_pointer_cast<const ClipModel>(side.encoder);
  IRIS_ASSIGN_OR_RETURN(auto texts, clip->EmbedTexts(labels, /*normalize=*/true));
  for (const auto& image : side.embeddings) {
    int best = 0;
    float best_score = -2;
    for (std::size_t l = 0; l < texts.size(); ++l) {
      const float score = Dot(image, texts[l]);
      if (score > best_score) best_score = score, best = static_cast<int>(l);
    }
    side.best_label.push_back(best);
  }
  return side;
}

// The indices of the k images most similar to image i (itself excluded), by exact cosine.
std::vector<int> Neighbours(const std::vector<std::vector<float>>& embeddings, std::size_t i, int k) {
  std::vector<std::pair<float, int>> scored;
  for (std::size_t j = 0; j < embeddings.size(); ++j) {
    if (j != i) scored.push_back({Dot(embeddings[i], embeddings[j]), static_cast<int>(j)});
  }
  std::partial_sort(scored.begin(), scored.begin() + k, scored.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<int> out;
  for (int n = 0; n < k; ++n) out.push_back(scored[n].second);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> ModelComparisonService::DefaultLabels() {
  return {"a photo of a person",   "a photo of a dog",    "a photo of a cat",     "a photo of a bird",
          "a photo of a flower",   "a photo of a tree",   "a photo of a car",     "a photo of a bicycle",
          "a photo of a building", "a photo of a street", "a photo of a beach",   "a photo of a mountain",
          "a photo of food",       "a photo of a drink",  "a photo of furniture", "a photo of a computer",
          "a photo of a tool",     "a photo of a sign",   "a photo of an insect", "a photo of a plant"};
}

Result<ModelComparison> ModelComparisonService::Compare(const std::string& model_a, const std::string& model_b,
                                                        const std::vector<NamedImage>& images,
                                                        const std::vector<std::string>& given_labels,
                                                        bool labels_optional) const {
  if (images.size() < 2) return Unprocessable("comparing models needs at least 2 images");
  std::vector<std::string> labels = given_labels;
  if (labels_optional && !labels.empty()) {
    IRIS_ASSIGN_OR_RETURN(auto encoder_a, models_.ImageEncoder(model_a));
    IRIS_ASSIGN_OR_RETURN(auto encoder_b, models_.ImageEncoder(model_b));
    if (!HasText(*encoder_a) || !HasText(*encoder_b)) labels.clear();
  }
  IRIS_ASSIGN_OR_RETURN(Side a, Embed(models_, model_a, images, labels));
  IRIS_ASSIGN_OR_RETURN(Side b, Embed(models_, model_b, images, labels));

  ModelComparison out;
  out.model_a = a.encoder->name();
  out.model_b = b.encoder->name();
  out.dim_a = a.encoder->dim();
  out.dim_b = b.encoder->dim();
  out.images = static_cast<int>(images.size());
  out.labels = static_cast<int>(labels.size());
  out.neighbours_k = std::min<int>(kMaxNeighbours, out.images - 1);
  const bool same_dim = out.dim_a == out.dim_b;
  double cosine_sum = 0, agreement_sum = 0;
  int same_labels = 0;
  out.neighbour_agreement_min = 1;
  for (std::size_t i = 0; i < images.size(); ++i) {
    ModelComparison::PerImage row;
    row.name = images[i].name;
    if (same_dim) {
      row.cosine = Dot(a.embeddings[i], b.embeddings[i]);
      cosine_sum += *row.cosine;
      out.cosine_min = std::min(out.cosine_min.value_or(1.0), *row.cosine);
    }
    const auto na = Neighbours(a.embeddings, i, out.neighbours_k);
    const auto nb = Neighbours(b.embeddings, i, out.neighbours_k);
    std::vector<int> common;
    std::set_intersection(na.begin(), na.end(), nb.begin(), nb.end(), std::back_inserter(common));
    row.neighbour_agreement = static_cast<double>(common.size()) / out.neighbours_k;
    agreement_sum += row.neighbour_agreement;
    out.neighbour_agreement_min = std::min(out.neighbour_agreement_min, row.neighbour_agreement);
    if (!labels.empty()) {
      row.label_a = labels[a.best_label[i]];
      row.label_b = labels[b.best_label[i]];
      row.same_label = a.best_label[i] == b.best_label[i];
      same_labels += *row.same_label ? 1 : 0;
    }
    out.per_image.push_back(std::move(row));
  }
  if (same_dim) out.cosine_mean = cosine_sum / out.images;
  out.neighbour_agreement_mean = agreement_sum / out.images;
  if (!labels.empty()) out.zero_shot_agreement = static_cast<double>(same_labels) / out.images;
  return out;
}

}  // namespace iris::app
