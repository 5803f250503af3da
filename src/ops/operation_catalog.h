// The operation families, each adding its Operations (see operation.h) to the list the
// OperationRegistry serves. One file per family: detection_operations.cc (detect_bounding_box,
// detect_objects, detect_faces), embedding_operations.cc (embed_clip_vit_b_32, embed_dino_v2,
// embed_dino_v3, embed_resnet50, embed_face), classify_operation.cc, describe_operation.cc,
// feature_operations.cc (dominant_colors, image_hash, image_quality).
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "ops/operation.h"

namespace iris::ops {

void AddDetectionOperations(std::vector<Operation>& ops, const AnalysisConfig& config);
void AddEmbeddingOperations(std::vector<Operation>& ops, const AnalysisConfig& config, const std::string& default_clip);
void AddClassifyOperation(std::vector<Operation>& ops, const AnalysisConfig& config);
void AddDescribeOperation(std::vector<Operation>& ops, const AnalysisConfig& config);
void AddFeatureOperations(std::vector<Operation>& ops, const AnalysisConfig& config);

}  // namespace iris::ops
