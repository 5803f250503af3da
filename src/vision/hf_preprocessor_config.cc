#include "vision/hf_preprocessor_config.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace iris {
namespace {

// {"shortest_edge": n} -> (n, n, shortest); {"height": h, "width": w} -> (w, h); n -> (n, n).
struct SizeSpec {
  int width = 0, height = 0;
  bool shortest_edge = false;
};

Result<SizeSpec> ReadSize(const nlohmann::json& v, const char* key) {
  SizeSpec s;
  if (v.is_number_integer()) {
    s.width = s.height = v.get<int>();
    s.shortest_edge = true;  // CLIPImageProcessor treats an int size as the shortest edge
  } else if (v.is_object() && v.contains("shortest_edge")) {
    s.width = s.height = v["shortest_edge"].get<int>();
    s.shortest_edge = true;
  } else if (v.is_object() && v.contains("height") && v.contains("width")) {
    s.height = v["height"].get<int>();
    s.width = v["width"].get<int>();
  } else {
    return Unprocessable(std::string("preprocessor_config.json: unsupported '") + key + "'");
  }
  if (s.width <= 0 || s.height <= 0) return Unprocessable(std::string("preprocessor_config.json: bad '") + key + "'");
  return s;
}

}  // namespace

Result<ImagePreprocessing> ReadHfPreprocessorConfig(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return NotFound("cannot read " + file.string());
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Unprocessable(file.string() + " is not a JSON object");
  try {
    ImagePreprocessing p;
    SizeSpec size{224, 224, true};
    if (j.contains("size")) {
      IRIS_ASSIGN_OR_RETURN(size, ReadSize(j["size"], "size"));
    }
    SizeSpec crop = size;
    const bool do_crop = j.value("do_center_crop", false);
    if (do_crop && j.contains("crop_size")) {
      IRIS_ASSIGN_OR_RETURN(crop, ReadSize(j["crop_size"], "crop_size"));
    }
    p.width = crop.width;
    p.height = crop.height;
    if (size.shortest_edge) {
      if (!do_crop || crop.width != size.width || crop.height != size.height) {
        return Unprocessable("preprocessor_config.json: shortest_edge resize needs a centre crop of the same size");
      }
      p.resize = ImagePreprocessing::Resize::kShortestSide;
      p.center_crop = true;
    } else {
      p.resize = ImagePreprocessing::Resize::kStretch;
      p.center_crop = false;
    }
    const int resample = j.value("resample", 3);
    if (resample == 3) {
      p.filter = ImagePreprocessing::Filter::kBicubic;
    } else if (resample == 2) {
      p.filter = ImagePreprocessing::Filter::kBilinear;
    } else {
      return Unprocessable("preprocessor_config.json: resample " + std::to_string(resample) + " is not supported");
    }
    p.antialias = true;  // Pillow resizes with antialiasing
    if (j.value("do_normalize", true)) {
      auto mean = j.value("image_mean", std::vector<float>{0.5f, 0.5f, 0.5f});
      auto std = j.value("image_std", std::vector<float>{0.5f, 0.5f, 0.5f});
      if (mean.size() != 3 || std.size() != 3)
        return Unprocessable("preprocessor_config.json: image_mean/std need 3 values");
      for (int c = 0; c < 3; ++c) {
        p.mean[c] = mean[c];
        p.std[c] = std[c];
      }
    }
    p.scale = j.value("do_rescale", true) ? j.value("rescale_factor", 1.0f / 255.0f) : 1.0f;
    IRIS_RETURN_IF_ERROR(ValidateImagePreprocessing(p));
    return p;
  } catch (const nlohmann::json::exception& e) {
    return Unprocessable(file.string() + ": " + e.what());
  }
}

}  // namespace iris
