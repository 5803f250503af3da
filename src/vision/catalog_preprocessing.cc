#include "vision/catalog_preprocessing.h"

namespace iris {
namespace {

ElementType ElementTypeFromName(const std::string& name) {
  if (name == "int64") return ElementType::kInt64;
  if (name == "int32") return ElementType::kInt32;
  if (name == "uint8") return ElementType::kUint8;
  if (name == "float16") return ElementType::kFloat16;
  return ElementType::kFloat32;
}

std::vector<TensorSpec> ToSpecs(const std::vector<models::TensorSpec>& in) {
  std::vector<TensorSpec> out;
  for (const auto& t : in) out.push_back({t.name, ElementTypeFromName(t.type), t.shape});
  return out;
}

}  // namespace

Result<ImagePreprocessing> ToImagePreprocessing(const models::Preprocessing& c) {
  ImagePreprocessing p;
  p.width = c.input_width;
  p.height = c.input_height;
  switch (c.resize) {
    case models::ResizeMode::kShortestSide:
      p.resize = ImagePreprocessing::Resize::kShortestSide;
      break;
    case models::ResizeMode::kLetterbox:
      p.resize = ImagePreprocessing::Resize::kLetterbox;
      break;
    case models::ResizeMode::kStretch:
      p.resize = ImagePreprocessing::Resize::kStretch;
      break;
  }
  if (c.resize == models::ResizeMode::kShortestSide && c.shortest_side != 0 &&
      (c.shortest_side != c.input_width || c.shortest_side != c.input_height)) {
    return Unprocessable("shortest_side " + std::to_string(c.shortest_side) + " differs from the input size");
  }
  p.filter = c.filter == models::ResizeFilter::kBicubic ? ImagePreprocessing::Filter::kBicubic
                                                        : ImagePreprocessing::Filter::kBilinear;
  p.antialias = c.antialias;
  p.center_crop = c.crop == models::CropMode::kCenter;
  p.letterbox_placement = c.letterbox_anchor == models::LetterboxAnchor::kCenter ? LetterboxPlacement::kCenter
                                                                                 : LetterboxPlacement::kTopLeft;
  p.bgr = c.channel_order == models::ChannelOrder::kBgr;
  // The catalog lists mean/std in channel order; ImagePreprocessing wants them by colour (R, G, B).
  for (int i = 0; i < 3; ++i) {
    const int colour = p.bgr ? 2 - i : i;
    p.mean[colour] = c.mean[i];
    p.std[colour] = c.std_dev[i];
  }
  p.scale = c.value_range == models::ValueRange::kZeroToOne ? 1.0f / 255.0f : 1.0f;
  if (c.pad_value < 0 || c.pad_value > 255) return Unprocessable("pad_value must be 0..255");
  p.pad_value = static_cast<std::uint8_t>(c.pad_value);
  IRIS_RETURN_IF_ERROR(ValidateImagePreprocessing(p));
  return p;
}

ModelIoSpec ToModelIoSpec(const models::ModelFile& file) { return {ToSpecs(file.inputs), ToSpecs(file.outputs)}; }

}  // namespace iris
