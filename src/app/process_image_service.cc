#include "app/process_image_service.h"

#include <chrono>
#include <cmath>
#include <span>

#include "core/ascii_text.h"
#include "core/logging.h"
#include "image/image_geometry.h"
#include "regions/image_text.h"
#include "regions/prompt.h"
#include "regions/section_analysis.h"
#include "regions/section_builder.h"
#include "regions/section_filter.h"
#include "regions/section_matcher.h"
#include "regions/vlm_agreement.h"
#include "vision/embedding_math.h"
#include "vision/tiled_detection.h"

namespace iris::app {
namespace {

constexpr const char* kSectionsOperation = "process_image.sections";
constexpr const char* kSectionsVersion = "sections-v1";
constexpr const char* kAnalyseOperation = "process_image.analyse";
constexpr const char* kAnalyseVersion = "analyse-v1";

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json StringsJson(const std::vector<std::string>& v) { return v; }

nlohmann::json PromptJson(const regions::NormalisedPrompt& p) {
  return {{"text", p.text},           {"objects", StringsJson(p.objects)},     {"colors", StringsJson(p.colors)},
          {"materials", p.materials}, {"positions", StringsJson(p.positions)}, {"other", StringsJson(p.other)}};
}

nlohmann::json ScoresJson(const std::vector<regions::ScoredSection>& scored) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : scored) out.push_back({{"id", s.id}, {"score", s.score}});
  return out;
}

// The section's box in original image pixels.
nlohmann::json OriginalBox(const regions::SectionBox& box, const regions::SectionMap& map, const ImageInfo& info) {
  const double sx = map.width > 0 ? static_cast<double>(info.width) / map.width : 1.0;
  const double sy = map.height > 0 ? static_cast<double>(info.height) / map.height : 1.0;
  return {static_cast<int>(std::lround(box.x * sx)), static_cast<int>(std::lround(box.y * sy)),
          static_cast<int>(std::lround(box.width * sx)), static_cast<int>(std::lround(box.height * sy))};
}

nlohmann::json AnalysisJson(const regions::VlmSectionAnalysis& a) {
  return {{"type", a.type}, {"visual_elements", a.visual_elements}};
}

nlohmann::json VlmResultToJson(const SectionVlmResult& r) {
  nlohmann::json by_id = nlohmann::json::object();
  for (const auto& [id, a] : r.by_id) by_id[id] = AnalysisJson(a);
  return {{"by_id", std::move(by_id)},
          {"unanswered", r.unanswered},
          {"requests", r.requests},
          {"ignored_entries", r.ignored_entries},
          {"model", r.model}};
}

Result<SectionVlmResult> VlmResultFromJson(const nlohmann::json& j) {
  try {
    SectionVlmResult r;
    for (const auto& [id, a] : j.at("by_id").items()) {
      r.by_id[id] = {a.at("type").get<std::string>(), a.at("visual_elements").get<std::vector<std::string>>()};
    }
    r.unanswered = j.at("unanswered").get<std::vector<std::string>>();
    r.requests = j.at("requests").get<int>();
    r.ignored_entries = j.at("ignored_entries").get<int>();
    r.model = j.at("model").get<std::string>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Internal(std::string("the cached section analyses are malformed: ") + e.what());
  }
}

}  // namespace

Result<std::vector<std::string>> ProcessImageService::ClassNames() const {
  IRIS_ASSIGN_OR_RETURN(auto detector, models_.ObjectDetector(options_.object_detector));
  return detector->labels();
}

Result<std::vector<SectionCrop>> ProcessImageService::SectionCrops(const IngestedImage& image,
                                                                   const regions::SectionMap& map,
                                                                   const std::vector<std::string>& ids,
                                                                   std::size_t limit, Trace& trace) const {
  std::shared_ptr<const RgbImage> pixels;
  {
    ScopedStage stage(trace, "decode");
    IRIS_ASSIGN_OR_RETURN(pixels, image.AtLeast(kWorkSide));
  }
  const double sx = map.width > 0 ? static_cast<double>(pixels->width) / map.width : 1.0;
  const double sy = map.height > 0 ? static_cast<double>(pixels->height) / map.height : 1.0;
  std::vector<SectionCrop> crops;
  for (const auto& id : ids) {
    if (crops.size() == limit) break;
    const regions::Section* section = map.Find(id);
    if (!section) continue;
    const regions::SectionBox& b = section->bbox;
    const PixelBox box{static_cast<int>(std::floor(b.x * sx)), static_cast<int>(std::floor(b.y * sy)),
                       static_cast<int>(std::ceil((b.x + b.width) * sx)),
                       static_cast<int>(std::ceil((b.y + b.height) * sy))};
    auto crop = Crop(*pixels, box);
    if (!crop.ok()) continue;  // an empty box: the section keeps its other parts
    crops.push_back({id, std::move(crop).value()});
  }
  return crops;
}

Result<std::map<std::string, double>> ProcessImageService::ImageTextCosines(const IngestedImage& image,
                                                                            const regions::SectionMap& map,
                                                                            const std::vector<std::string>& ids,
                                                                            std::string_view prompt,
                                                                            Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(auto clip, models_.Clip(options_.clip_model));
  IRIS_ASSIGN_OR_RETURN(const std::vector<SectionCrop> crops,
                        SectionCrops(image, map, ids, kMaxImageTextSections, trace));
  ScopedStage stage(trace, "image_text");
  std::map<std::string, double> cosines;
  if (crops.empty()) return cosines;
  std::vector<const RgbImage*> pointers;
  for (const auto& crop : crops) pointers.push_back(&crop.pixels);
  IRIS_ASSIGN_OR_RETURN(auto image_embeddings, clip->EmbedImages(pointers, /*normalize=*/true));
  const std::string text = "a photo of " + std::string(prompt);
  IRIS_ASSIGN_OR_RETURN(auto text_embeddings, clip->EmbedTexts(std::span<const std::string>(&text, 1), true));
  for (std::size_t i = 0; i < crops.size(); ++i) {
    cosines[crops[i].id] = Dot(image_embeddings[i], text_embeddings.front());
  }
  return cosines;
}

Result<SectionVlmResult> ProcessImageService::VlmAnalyses(const IngestedImage& image, const regions::SectionMap& map,
                                                          const std::vector<std::string>& kept, std::string_view prompt,
                                                          Trace& trace) const {
  const auto compute = [&]() -> Result<SectionVlmResult> {
    IRIS_ASSIGN_OR_RETURN(const std::vector<SectionCrop> crops, SectionCrops(image, map, kept, kVlmMaxSections, trace));
    ScopedStage stage(trace, "vlm_analysis");
    return AnalyseSectionsWithVlm(*vlm_, crops, prompt);
  };
  if (!cache_) return compute();
  nlohmann::json sections = nlohmann::json::array();
  for (std::size_t i = 0; i < kept.size() && i < kVlmMaxSections; ++i) {
    const regions::Section* s = map.Find(kept[i]);
    if (s) sections.push_back({s->id, s->bbox.x, s->bbox.y, s->bbox.width, s->bbox.height});
  }
  const nlohmann::json params = {{"model", vlm_->config().model},
                                 {"url", vlm_->config().url},
                                 {"prompt", prompt},
                                 {"sections", std::move(sections)}};
  const CacheKey key = CacheKey::Make(image.hashes().sha256, kAnalyseOperation, params, kAnalyseVersion);
  IRIS_ASSIGN_OR_RETURN(const std::string stored, cache_->GetOrCompute(key, [&]() -> Result<std::string> {
    IRIS_ASSIGN_OR_RETURN(const SectionVlmResult result, compute());
    return VlmResultToJson(result).dump();
  }));
  const nlohmann::json json = nlohmann::json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Internal("the cached section analyses are not JSON");
  return VlmResultFromJson(json);
}

Result<regions::SectionMap> ProcessImageService::ComputeSections(const IngestedImage& image, Trace& trace) const {
  std::shared_ptr<const RgbImage> pixels;
  {
    ScopedStage stage(trace, "decode");
    IRIS_ASSIGN_OR_RETURN(pixels, image.AtLeast(kWorkSide));
  }
  regions::SectionInputs inputs;
  inputs.width = pixels->width;
  inputs.height = pixels->height;
  {
    ScopedStage stage(trace, "detect_objects");
    IRIS_ASSIGN_OR_RETURN(auto detector, models_.ObjectDetector(options_.object_detector));
    ObjectDetectorOptions detect;
    detect.min_score = options_.min_object_score;
    IRIS_ASSIGN_OR_RETURN(inputs.objects, DetectTiled(*detector, *pixels, detect, options_.detection_grid));
  }
  {
    ScopedStage stage(trace, "detect_faces");
    IRIS_ASSIGN_OR_RETURN(auto faces, models_.FaceDetector(options_.face_detector));
    FaceDetectorOptions detect;
    detect.min_score = options_.min_face_score;
    IRIS_ASSIGN_OR_RETURN(inputs.faces, faces->Detect(*pixels, detect));
  }
  std::vector<std::uint8_t> foreground;
  if (!options_.foreground_model.empty()) {
    ScopedStage stage(trace, "foreground_mask");
    IRIS_ASSIGN_OR_RETURN(auto masker, models_.ForegroundMasker(options_.foreground_model));
    IRIS_ASSIGN_OR_RETURN(const ForegroundMask mask, masker->Mask(*pixels));
    foreground = mask.Binary();
    inputs.foreground = &foreground;
  }
  regions::BuiltSections built;
  {
    ScopedStage stage(trace, "build_sections");
    built = regions::BuildSections(inputs);
  }
  {
    ScopedStage stage(trace, "analyse_sections");
    IRIS_RETURN_IF_ERROR(regions::AnalyseSections(*pixels, built));
  }
  return std::move(built.map);
}

Result<regions::SectionMap> ProcessImageService::Sections(const IngestedImage& image, Trace& trace,
                                                          bool& cache_hit) const {
  cache_hit = false;
  if (!cache_) return ComputeSections(image, trace);
  const nlohmann::json params = {
      {"object_detector", options_.object_detector},   {"face_detector", options_.face_detector},
      {"foreground_model", options_.foreground_model}, {"min_object_score", options_.min_object_score},
      {"min_face_score", options_.min_face_score},     {"work_side", kWorkSide}};
  const CacheKey key = CacheKey::Make(image.hashes().sha256, kSectionsOperation, params, kSectionsVersion);
  bool computed = false;
  IRIS_ASSIGN_OR_RETURN(const std::string stored, cache_->GetOrCompute(key, [&]() -> Result<std::string> {
    computed = true;
    IRIS_ASSIGN_OR_RETURN(const regions::SectionMap map, ComputeSections(image, trace));
    return regions::SectionMapToJson(map, /*with_masks=*/true).dump();
  }));
  cache_hit = !computed;
  nlohmann::json json = nlohmann::json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Internal("the cached section map is not JSON");
  return regions::SectionMapFromJson(json);
}

Status ProcessImageService::CheckRequest(const ProcessImageRequest& request) {
  if (TrimHttpWhitespace(request.prompt).empty()) return Unprocessable("'prompt' is required and must not be empty");
  if (request.prompt.size() > kMaxPromptChars) {
    return Unprocessable("'prompt' is longer than " + std::to_string(kMaxPromptChars) + " bytes");
  }
  return Status::Ok();
}

Result<nlohmann::json> ProcessImageService::Process(const IngestedImage& image, const ProcessImageRequest& request,
                                                    Trace& trace) const {
  IRIS_RETURN_IF_ERROR(CheckRequest(request));
  const std::string_view prompt = TrimHttpWhitespace(request.prompt);
  nlohmann::json debug = nlohmann::json::array();

  auto started = std::chrono::steady_clock::now();
  bool cache_hit = false;
  IRIS_ASSIGN_OR_RETURN(const regions::SectionMap map, Sections(image, trace, cache_hit));
  debug.push_back({{"stage", "sections"},
                   {"ms", MsSince(started)},
                   {"cache_hit", cache_hit},
                   {"cache_key_md5", image.hashes().md5},
                   {"count", map.sections.size()}});

  started = std::chrono::steady_clock::now();
  IRIS_ASSIGN_OR_RETURN(const std::vector<std::string> classes, ClassNames());
  const regions::NormalisedPrompt normalised = regions::NormalisePrompt(prompt, classes);
  trace.AddStageTime("normalise", MsSince(started));
  debug.push_back({{"stage", "normalise"}, {"ms", MsSince(started)}, {"prompt", PromptJson(normalised)}});

  started = std::chrono::steady_clock::now();
  std::vector<std::string> kept = regions::FilterSections(map, normalised);
  const bool relaxed = kept.empty();
  if (relaxed) kept = regions::RelaxedFilter(map, normalised);
  trace.AddStageTime("filter", MsSince(started));
  debug.push_back({{"stage", "filter"}, {"ms", MsSince(started)}, {"relaxed", relaxed}, {"kept", kept}});

  std::map<std::string, double> image_text;
  if (!options_.clip_model.empty() && !kept.empty()) {
    started = std::chrono::steady_clock::now();
    IRIS_ASSIGN_OR_RETURN(const auto cosines, ImageTextCosines(image, map, kept, prompt, trace));
    image_text = regions::RelativeImageTextScores(cosines);
    const bool filters = regions::NeedsImageText(normalised);
    if (filters) kept = regions::FilterByImageText(kept, image_text);
    nlohmann::json scores = nlohmann::json::array();
    for (const auto& [id, cosine] : cosines) {
      scores.push_back({{"id", id}, {"cosine", cosine}, {"score", image_text[id]}});
    }
    debug.push_back({{"stage", "image_text"},
                     {"ms", MsSince(started)},
                     {"model", options_.clip_model},
                     {"filtered", filters},
                     {"kept", kept},
                     {"scores", std::move(scores)}});
  }

  std::vector<std::map<std::string, double>> extra_parts;
  if (!image_text.empty()) extra_parts.push_back(image_text);
  std::map<std::string, regions::VlmSectionAnalysis> vlm;
  if (options_.vlm_analysis && vlm_ != nullptr && vlm_->configured() && !kept.empty()) {
    started = std::chrono::steady_clock::now();
    nlohmann::json record = {{"stage", "analyse"}};
    Result<SectionVlmResult> analysed = VlmAnalyses(image, map, kept, prompt, trace);
    if (analysed.ok()) {
      vlm = analysed->by_id;
      nlohmann::json analyses = nlohmann::json::array();
      for (const auto& [id, a] : vlm)
        analyses.push_back({{"id", id}, {"type", a.type}, {"visual_elements", a.visual_elements}});
      record.update({{"source", "provider"},
                     {"model", analysed->model},
                     {"requests", analysed->requests},
                     {"unanswered", analysed->unanswered},
                     {"ignored_entries", analysed->ignored_entries},
                     {"analyses", std::move(analyses)}});
      std::map<std::string, regions::VlmSectionAnalysis> local;
      for (const auto& id : kept) {
        if (const regions::Section* s = map.Find(id)) local[id] = {s->type, s->visual_elements};
      }
      kept = regions::FilterByVlm(kept, normalised, vlm, local, classes);
      record["kept"] = kept;
      if (regions::HasVlmTerms(normalised)) {
        std::map<std::string, double> agreement;
        for (const auto& id : kept) {
          const auto it = vlm.find(id);
          agreement[id] = regions::VlmAgreement(normalised, it != vlm.end() ? it->second : local[id], classes);
        }
        extra_parts.push_back(std::move(agreement));
      }
    } else {
      record.update({{"source", "local"}, {"error", analysed.status().message()}});
      LogWarn("process_image.vlm_failed", {{"error", analysed.status().ToString()}});
    }
    record["ms"] = MsSince(started);
    trace.AddStageTime("analyse", MsSince(started));
    debug.push_back(std::move(record));
  }

  started = std::chrono::steady_clock::now();
  const regions::SectionMatch match = regions::MatchSections(map, kept, normalised, 5, extra_parts);
  trace.AddStageTime("match", MsSince(started));
  debug.push_back({{"stage", "match"},
                   {"ms", MsSince(started)},
                   {"scores", ScoresJson(match.scored)},
                   {"group_best", ScoresJson(match.group_best)},
                   {"best", match.best ? nlohmann::json(match.best->id) : nlohmann::json(nullptr)}});

  std::size_t children = 0;
  for (const auto& id : kept) {
    if (const regions::Section* s = map.Find(id)) children += s->children.size();
  }
  nlohmann::json reply = {{"filtered_section_ids", kept}, {"children_count", children}, {"match", nullptr}};
  if (match.best) {
    const regions::Section& best = *map.Find(match.best->id);
    const auto analysed = vlm.find(best.id);
    const bool by_vlm = analysed != vlm.end();
    reply["match"] = {{"id", best.id},
                      {"type", by_vlm ? analysed->second.type : best.type},
                      {"visual_elements", by_vlm ? analysed->second.visual_elements : best.visual_elements},
                      {"score", match.best->score},
                      {"bbox", OriginalBox(best.bbox, map, image.info())}};
  }
  if (request.debug) reply["debug"] = std::move(debug);
  if (request.include_mask) reply["mask_result"] = regions::SectionMapToJson(map, /*with_masks=*/true);
  return reply;
}

}  // namespace iris::app
