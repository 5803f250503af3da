// describe_image: a caption of the region from the configured OpenAI-compatible provider
// (providers/chat_completions_client.h). The region is sent as a JPEG (long side at most
// kMaxCaptionSide pixels: providers/caption_jpeg.h).
#include "ops/operation_catalog.h"
#include "ops/operation_helpers.h"
#include "providers/caption_jpeg.h"
#include "providers/chat_completions_client.h"

namespace iris::ops {

void AddDescribeOperation(std::vector<Operation>& ops, const OperationSettings& settings) {
  Operation op;
  op.type = "describe_image";
  op.description =
      "Generates a text description of an image region through the configured captioning provider (any "
      "OpenAI-compatible chat-completions API with image input; see captions.* settings). data: the text.";
  op.allowed_targets = kAllTargets;
  op.default_target = "whole_image";
  op.params = {{"max_length", "integer", 50, "most tokens the description may have", {}, 1.0, 4096.0},
               {"prompt", "string", nullptr, "instruction sent with the image (default: captions.prompt)"}};
  for (auto& p : RegionParams(settings)) op.params.push_back(std::move(p));
  op.cache_version = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<std::optional<std::string>> {
    const auto& c = ctx.services().captions;
    if (c.url.empty()) return std::optional<std::string>();
    return std::optional<std::string>(c.url + "|" + c.model + "|" + (args["prompt"].is_string() ? "" : c.prompt) + "|" +
                                      RegionModels(ctx, args));
  };
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    ChatCompletionsClient* client = ctx.services().captions_client;
    if (!client || !client->configured()) {
      return OperationResult::Error(
          "no captioning provider is configured; set captions.url (IRIS_CAPTIONS_URL), captions.model and "
          "captions.api_key -- any OpenAI-compatible chat-completions API with image input works (OpenAI, Gemini, "
          "vLLM, llama.cpp, Ollama)");
    }
    OperationResult skipped;
    IRIS_ASSIGN_OR_RETURN(auto region, RegionWithSeedFallbacks(ctx, args, skipped));
    if (!region) return skipped;
    IRIS_ASSIGN_OR_RETURN(std::string jpeg, CaptionJpeg(*region->pixels));
    CaptionRequest request;
    request.max_tokens = args["max_length"].get<int>();
    if (args["prompt"].is_string()) request.prompt = args["prompt"].get<std::string>();
    IRIS_ASSIGN_OR_RETURN(CaptionResult caption, client->DescribeImage(jpeg, "image/jpeg", request));
    OperationResult result = OperationResult::Success(caption.text);
    IRIS_RETURN_IF_ERROR(ReportCrop(ctx, *region, result));
    return result;
  };
  ops.push_back(std::move(op));
}

}  // namespace iris::ops
