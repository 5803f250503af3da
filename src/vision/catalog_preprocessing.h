// Converting catalog entries (models::ModelSpec) into what the runtime and the image-tensor code
// take: ImagePreprocessing from the catalog's preprocessing block, ModelIoSpec from a file's io.
// Pure functions; Unprocessable when the catalog asks for something the code cannot do.
#pragma once

#include "core/result.h"
#include "models/model_catalog.h"
#include "runtime/onnx_session.h"
#include "vision/image_tensor.h"

namespace iris {

Result<ImagePreprocessing> ToImagePreprocessing(const models::Preprocessing& catalog);
ModelIoSpec ToModelIoSpec(const models::ModelFile& file);

}  // namespace iris
