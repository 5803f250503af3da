// The operation families, each adding its Operations (see operation.h) to the list the
// OperationRegistry serves, declared from OperationSettings. One file per family: detection_operations.cc
// (detect_bounding_box, detect_objects, detect_faces), embedding_operations.cc (embed_clip_vit_b_32, embed_dino_v2,
// embed_dino_v3, embed_resnet50, embed_face), classify_operation.cc, describe_operation.cc,
// feature_operations.cc (dominant_colors, image_hash, image_quality).
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "ops/operation.h"

namespace iris::ops {

// What the declarations are made from: the [analysis] settings (parameter defaults), the default
// CLIP model, and the model catalog's face detectors (the values the `detector` parameter allows).
struct OperationSettings {
  AnalysisConfig analysis;
  std::string default_clip;
  std::vector<std::string> face_detectors;
};

void AddDetectionOperations(std::vector<Operation>& ops, const OperationSettings& settings);
void AddEmbeddingOperations(std::vector<Operation>& ops, const OperationSettings& settings);
void AddClassifyOperation(std::vector<Operation>& ops, const OperationSettings& settings);
void AddDescribeOperation(std::vector<Operation>& ops, const OperationSettings& settings);
void AddFeatureOperations(std::vector<Operation>& ops, const OperationSettings& settings);

}  // namespace iris::ops
