#include "app/section_vlm_analysis.h"

#include <algorithm>
#include <set>

#include "core/ascii_text.h"
#include "providers/caption_jpeg.h"
#include "providers/json_reply.h"

namespace iris::app {
namespace {

constexpr int kVlmMaxTokens = 1024;

// Lower-cased and trimmed; empty when it is empty or longer than kVlmMaxTermChars.
std::string Term(const nlohmann::json& value) {
  if (!value.is_string()) return "";
  std::string text(TrimAsciiWhitespace(value.get<std::string>()));
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return text.size() > kVlmMaxTermChars ? "" : text;
}

std::string Instruction(std::string_view prompt, const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  return "Each image below is one region of a photo, named by the text just before it (" + list +
         "). A user is looking for: \"" + std::string(prompt) +
         "\". For every region, answer its id, the type of element it shows (one or two words, e.g. \"couch\", "
         "\"person\", \"ring\") and its visual elements: short words for its colours, materials, patterns and "
         "parts. Answer every id once.";
}

}  // namespace

nlohmann::json SectionVlmSchema(const std::vector<std::string>& ids) {
  const nlohmann::json entry = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "string"}, {"enum", ids}}},
        {"type", {{"type", "string"}, {"description", "the type of element the region shows"}}},
        {"visual_elements",
         {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"description", "colours, materials, patterns, parts"}}}}},
      {"required", {"id", "type", "visual_elements"}},
      {"additionalProperties", false}};
  return {{"type", "object"},
          {"properties", {{"sections", {{"type", "array"}, {"items", entry}}}}},
          {"required", {"sections"}},
          {"additionalProperties", false}};
}

Result<std::map<std::string, regions::VlmSectionAnalysis>> ParseSectionVlmReply(std::string_view text,
                                                                                const std::vector<std::string>& ids,
                                                                                int* ignored) {
  IRIS_ASSIGN_OR_RETURN(const nlohmann::json reply, ParseJsonReply(text, "the section analysis reply"));
  if (!reply.is_object() || !reply.contains("sections") || !reply["sections"].is_array()) {
    return InvalidArgument("the section analysis reply is not an object with a 'sections' array");
  }
  const std::set<std::string> wanted(ids.begin(), ids.end());
  std::map<std::string, regions::VlmSectionAnalysis> out;
  int dropped = 0;
  for (const auto& entry : reply["sections"]) {
    const std::string id = entry.is_object() && entry.contains("id") && entry["id"].is_string()
                               ? entry["id"].get<std::string>()
                               : std::string();
    const std::string type = entry.is_object() && entry.contains("type") ? Term(entry["type"]) : std::string();
    if (!wanted.contains(id) || out.contains(id) || type.empty()) {
      ++dropped;
      continue;
    }
    regions::VlmSectionAnalysis analysis{type, {}};
    if (entry.contains("visual_elements") && entry["visual_elements"].is_array()) {
      for (const auto& element : entry["visual_elements"]) {
        std::string term = Term(element);
        if (term.empty() || analysis.visual_elements.size() == kVlmMaxElements) continue;
        analysis.visual_elements.push_back(std::move(term));
      }
    }
    out.emplace(id, std::move(analysis));
  }
  if (ignored) *ignored += dropped;
  return out;
}

Result<SectionVlmResult> AnalyseSectionsWithVlm(const ChatCompletionsClient& client, std::span<const SectionCrop> crops,
                                                std::string_view prompt) {
  SectionVlmResult result;
  for (std::size_t from = 0; from < crops.size(); from += kVlmBatchSize) {
    const auto batch = crops.subspan(from, std::min(kVlmBatchSize, crops.size() - from));
    std::vector<std::string> ids;
    std::vector<std::string> jpegs;
    for (const SectionCrop& crop : batch) {
      IRIS_ASSIGN_OR_RETURN(std::string jpeg, CaptionJpeg(crop.pixels));
      ids.push_back(crop.id);
      jpegs.push_back(std::move(jpeg));
    }
    std::vector<LabelledImage> images;
    for (std::size_t i = 0; i < ids.size(); ++i) images.push_back({"Region " + ids[i] + ":", jpegs[i], "image/jpeg"});
    CaptionRequest request;
    request.max_tokens = kVlmMaxTokens;
    request.prompt = Instruction(prompt, ids);
    request.json_schema = SectionVlmSchema(ids);
    request.json_schema_name = "section_analysis";
    IRIS_ASSIGN_OR_RETURN(const CaptionResult reply, client.DescribeImages(images, request));
    ++result.requests;
    result.model = reply.model;
    IRIS_ASSIGN_OR_RETURN(auto analyses, ParseSectionVlmReply(reply.text, ids, &result.ignored_entries));
    for (const auto& id : ids) {
      auto it = analyses.find(id);
      if (it == analyses.end()) {
        result.unanswered.push_back(id);
      } else {
        result.by_id.insert(std::move(*it));
      }
    }
  }
  return result;
}

}  // namespace iris::app
