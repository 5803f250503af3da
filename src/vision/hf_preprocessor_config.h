// Reads a Hugging Face image-processor file (preprocessor_config.json, CLIPImageProcessor style)
// into an ImagePreprocessing, for model folders that are not in the catalog (`models.local`).
// Understood keys: size ({"shortest_edge": n}, {"height","width"} or an int), crop_size (same forms),
// do_center_crop, do_resize, image_mean, image_std, resample (2 bilinear, 3 bicubic),
// do_rescale/rescale_factor. Anything it cannot express is an Unprocessable error naming the key.
#pragma once

#include <filesystem>

#include "core/result.h"
#include "vision/image_tensor.h"

namespace iris {

Result<ImagePreprocessing> ReadHfPreprocessorConfig(const std::filesystem::path& file);

}  // namespace iris
