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
//   analyse    with vlm_analysis on and a captioning provider configured: the kept sections' crops (at most
//              kVlmMaxSections) are analysed by the provider's VLM in batches, read by section id
//              (app/section_vlm_analysis.h), cached by content hash + prompt + sections; the answers give the
//              match its type and visual elements and, when the prompt has object, colour, material or other
//              terms, one more part of the match score (regions/vlm_agreement.h; sections the VLM did not
//              answer are judged on their local analysis); with material or other words in the prompt, only the
//              sections whose analysis names one stay (regions::FilterByVlm). When the provider fails, the local
//              analysis is used and the debug record says why (the request does not fail).
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

#include "app/section_vlm_analysis.h"
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
  int detection_grid = 2;     // objects: whole image plus grid x grid tiles (vision/tiled_detection.h); 1 = whole only
  std::string clip_model;     // "" = no image-text scoring of section crops
  bool vlm_analysis = false;  // analyse kept sections through the captioning provider (needs `vlm` configured)
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

  // `cache` may be null (nothing cached); `vlm` may be null (no VLM analysis), else it must outlive this.
  ProcessImageService(ModelRegistry& models, ResultCache* cache, ProcessImageOptions options,
                      const ChatCompletionsClient* vlm = nullptr)
      : models_(models), cache_(cache), options_(std::move(options)), vlm_(vlm) {}

  // Unprocessable for an empty prompt or one over kMaxPromptChars; Process checks it too (callers
  // may check before they read the image).
  static Status CheckRequest(const ProcessImageRequest& request);

  Result<nlohmann::json> Process(const IngestedImage& image, const ProcessImageRequest& request, Trace& trace) const;

  // The section map of one image (cached); `cache_hit` says whether it came from the cache.
  Result<regions::SectionMap> Sections(const IngestedImage& image, Trace& trace, bool& cache_hit) const;

 private:
  Result<regions::SectionMap> ComputeSections(const IngestedImage& image, Trace& trace) const;
  Result<std::vector<std::string>> ClassNames() const;
  // The crops of the sections `ids` (at most `limit`, in order; empty boxes skipped) at the work size.
  Result<std::vector<SectionCrop>> SectionCrops(const IngestedImage& image, const regions::SectionMap& map,
                                                const std::vector<std::string>& ids, std::size_t limit,
                                                Trace& trace) const;
  // The VLM analyses of the kept sections (cached); errors are the provider's.
  Result<SectionVlmResult> VlmAnalyses(const IngestedImage& image, const regions::SectionMap& map,
                                       const std::vector<std::string>& kept, std::string_view prompt,
                                       Trace& trace) const;
  // Cosine of each section crop (the first kMaxImageTextSections of `ids`) with "a photo of <prompt>".
  Result<std::map<std::string, double>> ImageTextCosines(const IngestedImage& image, const regions::SectionMap& map,
                                                         const std::vector<std::string>& ids, std::string_view prompt,
                                                         Trace& trace) const;

  ModelRegistry& models_;
  ResultCache* cache_;
  const ProcessImageOptions options_;
  const ChatCompletionsClient* vlm_;
};

}  // namespace iris::app
