// ProcessImageService: prompt-driven region matching, the seed's POST /process-image ("Image
// Processing API") in one process: sections -> normalise -> filter (relaxed retry) -> analysis ->
// match. The same for the HTTP route and any CLI or job that wants it.
//
// Pipeline (each stage timed into the Trace and, with debug, listed in the reply):
//   sections   the object detector (analysis.person_detector, 80 COCO classes; over the whole image and
//              a 2x2 grid of tiles, vision/tiled_detection.h), the face detector
//              (analysis.face_detector) and, when process_image.foreground_model names one, the ISNet
//              foreground mask build the section hierarchy (regions/section_builder.h); each section is
//              analysed locally (regions/section_analysis.h: type, visual elements, Lab colours).
//              Cached by content hash (sha256 inside the key; md5 is reported as the seed's key) in the
//              result cache, single-flight: concurrent identical requests compute once.
//   normalise  regions/prompt.h against the detector's class names.
//   filter     regions/section_filter.h; when nothing passes, the relaxed retry.
//   image_text with clip_model set: the crops of the kept sections (at most kMaxImageTextSections, in one
//              batch through the model's batcher) and "a photo of <prompt>" are embedded; the cosines become
//              relative scores (regions/image_text.h) that filter the kept sections when the prompt has
//              words the local filter cannot judge, and are one more part of the match score.
//   match      regions/section_matcher.h (groups of 5, then one best).
// The image is analysed at the size where its shorter side is >= kWorkSide (shrink-on-load), so a
// huge photo does not make huge masks; mask_result is at that size, match.bbox in original pixels.
//
// Reply: {filtered_section_ids, children_count (the direct children of the filtered sections),
// match: {id, type, visual_elements, score, bbox [x, y, w, h]} or null, debug? (list of stage
// records), mask_result? (the section map with RLE masks)}.
// Errors: Unprocessable for an empty prompt (after trimming) or one over kMaxPromptChars bytes; the
// image's decode error; FailedPrecondition naming the model when a model is not installed.
// Thread-safety: Process may be called from many threads at once.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/trace.h"
#include "ingest/image_ingestor.h"
#include "regions/section.h"
#include "store/result_cache.h"
#include "vision/model_registry.h"

namespace iris::app {

struct ProcessImageOptions {
  std::string object_detector = "yolox-nano";
  std::string face_detector = "yunet";
  std::string foreground_model;    // "" = no ISNet foreground sections
  float min_object_score = 0.05f;  // low: the prompt filter keeps only the asked class (docs/process-image.md)
  float min_face_score = 0.7f;
  int detection_grid = 2;  // objects: whole image plus grid x grid tiles (vision/tiled_detection.h); 1 = whole only
  std::string clip_model;  // "" = no image-text scoring of section crops
};

struct ProcessImageRequest {
  std::string prompt;
  bool include_mask = false;
  bool debug = false;
};

class ProcessImageService {
 public:
  static constexpr std::size_t kMaxPromptChars = 1000;
  static constexpr int kWorkSide = 1024;
  static constexpr std::size_t kMaxImageTextSections = 64;

  // `cache` may be null (nothing cached).
  ProcessImageService(ModelRegistry& models, ResultCache* cache, ProcessImageOptions options)
      : models_(models), cache_(cache), options_(std::move(options)) {}

  // Unprocessable for an empty prompt or one over kMaxPromptChars; Process checks it too (callers
  // may check before they read the image).
  static Status CheckRequest(const ProcessImageRequest& request);

  Result<nlohmann::json> Process(const IngestedImage& image, const ProcessImageRequest& request, Trace& trace) const;

  // The section map of one image (cached); `cache_hit` says whether it came from the cache.
  Result<regions::SectionMap> Sections(const IngestedImage& image, Trace& trace, bool& cache_hit) const;

 private:
  Result<regions::SectionMap> ComputeSections(const IngestedImage& image, Trace& trace) const;
  Result<std::vector<std::string>> ClassNames() const;
  // Cosine of each section crop (the first kMaxImageTextSections of `ids`) with "a photo of <prompt>".
  Result<std::map<std::string, double>> ImageTextCosines(const IngestedImage& image, const regions::SectionMap& map,
                                                         const std::vector<std::string>& ids, std::string_view prompt,
                                                         Trace& trace) const;

  ModelRegistry& models_;
  ResultCache* cache_;
  const ProcessImageOptions options_;
};

}  // namespace iris::app
