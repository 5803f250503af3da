#include "vision/image_tensor.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "image/resample.h"

namespace iris {
namespace {

using Spec = ImagePreprocessing;

// Float lookup per output channel and byte value (the whole normalisation is one load per value),
// and which colour of the RGB pixel each output channel reads.
struct ChannelTables {
  std::array<std::array<float, 256>, 3> values;
  std::array<int, 3> colour;
};

ChannelTables BuildTables(const Spec& spec) {
  ChannelTables tables;
  for (int channel = 0; channel < 3; ++channel) {
    const int colour = spec.bgr ? 2 - channel : channel;
    tables.colour[channel] = colour;
    for (int v = 0; v < 256; ++v) {
      // float arithmetic in the order of the numpy reference: (v * scale - mean) / std.
      const float scaled = spec.scale == 1.0f / 255.0f ? static_cast<float>(v) / 255.0f : v * spec.scale;
      tables.values[channel][v] = (scaled - spec.mean[colour]) / spec.std[colour];
    }
  }
  return tables;
}

// Copies `image` into the CHW tensor (tensor_width x tensor_height) with its top-left corner at
// (x0, y0); the image must fit.
void WritePlanes(const RgbImage& image, int x0, int y0, const ChannelTables& tables, int tensor_width,
                 int tensor_height, float* out) {
  const std::size_t plane = static_cast<std::size_t>(tensor_width) * tensor_height;
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* row = image.row(y);
    const std::size_t base = static_cast<std::size_t>(y0 + y) * tensor_width + x0;
    for (int channel = 0; channel < 3; ++channel) {
      float* dst = out + channel * plane + base;
      const std::array<float, 256>& table = tables.values[channel];
      const std::uint8_t* src = row + tables.colour[channel];
      for (int x = 0; x < image.width; ++x) dst[x] = table[src[3 * x]];
    }
  }
}

ResampleOptions ResampleOptionsFor(const Spec& spec) {
  return {spec.filter == Spec::Filter::kBilinear ? ResampleFilter::kBilinear : ResampleFilter::kBicubic,
          spec.antialias};
}

// floor(a * b / c) for positive ints, exactly.
int MulDiv(int a, int b, int c) { return static_cast<int>(static_cast<std::int64_t>(a) * b / c); }

Result<TensorPlacement> WriteShortestSide(const RgbImage& image, const Spec& spec, float* out) {
  // Cover width x height; the limiting side is scaled exactly, the other truncated like Python's
  // int(size * long / short) (ShortestSideSize for a square input).
  PixelSize resized;
  if (spec.width == spec.height) {
    resized = ShortestSideSize(image.width, image.height, spec.width);
  } else if (static_cast<std::int64_t>(image.width) * spec.height <=
             static_cast<std::int64_t>(image.height) * spec.width) {
    resized = {spec.width, std::max(spec.height, MulDiv(spec.width, image.height, image.width))};
  } else {
    resized = {std::max(spec.width, MulDiv(spec.height, image.width, image.height)), spec.height};
  }
  const PixelBox box = CenterCropBox(resized.width, resized.height, spec.width, spec.height);
  IRIS_ASSIGN_OR_RETURN(const RgbImage canvas,
                        ResizeCrop(image, resized.width, resized.height, box, ResampleOptionsFor(spec)));
  WritePlanes(canvas, 0, 0, BuildTables(spec), spec.width, spec.height, out);
  return TensorPlacement{static_cast<double>(resized.width) / image.width,
                         static_cast<double>(resized.height) / image.height, static_cast<double>(-box.x0),
                         static_cast<double>(-box.y0)};
}

Result<TensorPlacement> WriteStretch(const RgbImage& image, const Spec& spec, float* out) {
  IRIS_ASSIGN_OR_RETURN(const RgbImage canvas, Resize(image, spec.width, spec.height, ResampleOptionsFor(spec)));
  WritePlanes(canvas, 0, 0, BuildTables(spec), spec.width, spec.height, out);
  return TensorPlacement{static_cast<double>(spec.width) / image.width, static_cast<double>(spec.height) / image.height,
                         0, 0};
}

Result<TensorPlacement> WriteLetterbox(const RgbImage& image, const Spec& spec, float* out) {
  // Fit inside, keeping the aspect ratio; the limiting side is exact, the other rounded down.
  int w = spec.width;
  int h = spec.height;
  if (static_cast<std::int64_t>(spec.width) * image.height <= static_cast<std::int64_t>(spec.height) * image.width) {
    h = std::max(1, MulDiv(spec.width, image.height, image.width));
  } else {
    w = std::max(1, MulDiv(spec.height, image.width, image.height));
  }
  int x0 = 0;
  int y0 = 0;
  if (spec.letterbox_placement == LetterboxPlacement::kCenter) {
    x0 = (spec.width - w) / 2;
    y0 = (spec.height - h) / 2;
  }
  IRIS_ASSIGN_OR_RETURN(const RgbImage scaled, Resize(image, w, h, ResampleOptionsFor(spec)));
  const ChannelTables tables = BuildTables(spec);
  const std::size_t plane = static_cast<std::size_t>(spec.width) * spec.height;
  for (int channel = 0; channel < 3; ++channel) {
    std::fill_n(out + channel * plane, plane, tables.values[channel][spec.pad_value]);
  }
  WritePlanes(scaled, x0, y0, tables, spec.width, spec.height, out);
  return TensorPlacement{static_cast<double>(w) / image.width, static_cast<double>(h) / image.height,
                         static_cast<double>(x0), static_cast<double>(y0)};
}

// --- JSON -------------------------------------------------------------------------------------

Status KeyError(const std::string& key, const std::string& what) {
  return Unprocessable("preprocessing." + key + ": " + what);
}

Result<std::array<float, 3>> ReadTriple(const nlohmann::json& value, const std::string& key) {
  if (!value.is_array() || value.size() != 3) return KeyError(key, "expected an array of 3 numbers");
  std::array<float, 3> out{};
  for (int i = 0; i < 3; ++i) {
    if (!value[i].is_number()) return KeyError(key, "expected an array of 3 numbers");
    out[i] = value[i].get<float>();
  }
  return out;
}

Result<std::string> ReadString(const nlohmann::json& value, const std::string& key) {
  if (!value.is_string()) return KeyError(key, "expected a string");
  return value.get<std::string>();
}

}  // namespace

int DecodeMinSide(const ImagePreprocessing& spec) {
  constexpr int kShrinkMargin = 4;
  return kShrinkMargin * std::max(spec.width, spec.height);
}

Status ValidateImagePreprocessing(const ImagePreprocessing& spec) {
  if (spec.width <= 0 || spec.height <= 0 || spec.width > 16384 || spec.height > 16384) {
    return Unprocessable("preprocessing: input size must be between 1 and 16384, got " + std::to_string(spec.width) +
                         "x" + std::to_string(spec.height));
  }
  for (int c = 0; c < 3; ++c) {
    if (!(spec.std[c] > 0.0f) || !std::isfinite(spec.std[c]) || !std::isfinite(spec.mean[c])) {
      return Unprocessable("preprocessing: std must be positive and mean/std finite");
    }
  }
  if (!(spec.scale > 0.0f) || !std::isfinite(spec.scale)) return Unprocessable("preprocessing: scale must be positive");
  if (spec.resize == ImagePreprocessing::Resize::kShortestSide && !spec.center_crop) {
    return Unprocessable("preprocessing: shortest_side resize needs crop \"center\" to reach the input size");
  }
  return Status::Ok();
}

Result<ImagePreprocessing> ImagePreprocessingFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Unprocessable("preprocessing: expected a JSON object");
  ImagePreprocessing spec;
  bool crop_given = false;
  for (const auto& [key, value] : json.items()) {
    if (key == "input_size") {
      if (!value.is_array() || value.size() != 2 || !value[0].is_number_integer() || !value[1].is_number_integer()) {
        return KeyError(key, "expected [width, height] integers");
      }
      spec.width = value[0].get<int>();
      spec.height = value[1].get<int>();
    } else if (key == "resize") {
      IRIS_ASSIGN_OR_RETURN(const std::string s, ReadString(value, key));
      if (s == "shortest_side")
        spec.resize = Spec::Resize::kShortestSide;
      else if (s == "letterbox")
        spec.resize = Spec::Resize::kLetterbox;
      else if (s == "stretch")
        spec.resize = Spec::Resize::kStretch;
      else
        return KeyError(key, "expected \"shortest_side\", \"letterbox\" or \"stretch\", got \"" + s + "\"");
    } else if (key == "filter") {
      IRIS_ASSIGN_OR_RETURN(const std::string s, ReadString(value, key));
      if (s == "bicubic")
        spec.filter = Spec::Filter::kBicubic;
      else if (s == "bilinear")
        spec.filter = Spec::Filter::kBilinear;
      else
        return KeyError(key, "expected \"bicubic\" or \"bilinear\", got \"" + s + "\"");
    } else if (key == "antialias") {
      if (!value.is_boolean()) return KeyError(key, "expected true or false");
      spec.antialias = value.get<bool>();
    } else if (key == "crop") {
      crop_given = true;
      if (value.is_boolean()) {
        spec.center_crop = value.get<bool>();
      } else {
        IRIS_ASSIGN_OR_RETURN(const std::string s, ReadString(value, key));
        if (s == "center")
          spec.center_crop = true;
        else if (s == "none")
          spec.center_crop = false;
        else
          return KeyError(key, "expected \"center\" or \"none\", got \"" + s + "\"");
      }
    } else if (key == "letterbox_anchor") {
      IRIS_ASSIGN_OR_RETURN(const std::string s, ReadString(value, key));
      if (s == "center")
        spec.letterbox_placement = LetterboxPlacement::kCenter;
      else if (s == "top_left")
        spec.letterbox_placement = LetterboxPlacement::kTopLeft;
      else
        return KeyError(key, "expected \"center\" or \"top_left\", got \"" + s + "\"");
    } else if (key == "mean") {
      IRIS_ASSIGN_OR_RETURN(spec.mean, ReadTriple(value, key));
    } else if (key == "std") {
      IRIS_ASSIGN_OR_RETURN(spec.std, ReadTriple(value, key));
    } else if (key == "channel_order") {
      IRIS_ASSIGN_OR_RETURN(const std::string s, ReadString(value, key));
      if (s == "rgb")
        spec.bgr = false;
      else if (s == "bgr")
        spec.bgr = true;
      else
        return KeyError(key, "expected \"rgb\" or \"bgr\", got \"" + s + "\"");
    } else if (key == "value_range") {
      IRIS_ASSIGN_OR_RETURN(const std::string s, ReadString(value, key));
      if (s == "0-1")
        spec.scale = 1.0f / 255.0f;
      else if (s == "0-255")
        spec.scale = 1.0f;
      else
        return KeyError(key, "expected \"0-1\" or \"0-255\", got \"" + s + "\"");
    } else if (key == "pad_value") {
      if (!value.is_number_integer() || value.get<int>() < 0 || value.get<int>() > 255) {
        return KeyError(key, "expected an integer 0..255");
      }
      spec.pad_value = static_cast<std::uint8_t>(value.get<int>());
    } else {
      return KeyError(key, "unknown key");
    }
  }
  if (!json.contains("input_size")) return KeyError("input_size", "required");
  if (!crop_given) spec.center_crop = spec.resize == Spec::Resize::kShortestSide;
  IRIS_RETURN_IF_ERROR(ValidateImagePreprocessing(spec));
  return spec;
}

Result<TensorPlacement> WriteImageTensor(const RgbImage& image, const ImagePreprocessing& spec, std::span<float> out) {
  IRIS_RETURN_IF_ERROR(ValidateImagePreprocessing(spec));
  if (image.empty() || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    return InvalidArgument("image tensor: invalid image");
  }
  const std::size_t needed = static_cast<std::size_t>(spec.width) * spec.height * 3;
  if (out.size() != needed) {
    return InvalidArgument("image tensor: output holds " + std::to_string(out.size()) + " floats, need " +
                           std::to_string(needed));
  }
  switch (spec.resize) {
    case Spec::Resize::kShortestSide:
      return WriteShortestSide(image, spec, out.data());
    case Spec::Resize::kLetterbox:
      return WriteLetterbox(image, spec, out.data());
    case Spec::Resize::kStretch:
      break;
  }
  return WriteStretch(image, spec, out.data());
}

}  // namespace iris
