// AnalysisServices: the long-lived things analysis operations use, borrowed from the server (or
// the CLI) for the duration of a request: the analysis settings, the model registry, the
// classifier cache, the captioning client and the result cache. Pointers may be null where a
// service is absent (no cache in `iris analyze --no-cache`, no classifiers directory); operations
// that need an absent service fail their task with a message saying what is missing.
#pragma once

#include <string>

#include "core/config.h"

namespace iris {
class ModelRegistry;
class ResultCache;
class ClassifierCache;
class ChatCompletionsClient;
}  // namespace iris

namespace iris::ops {

struct AnalysisServices {
  AnalysisConfig analysis;
  CaptionsConfig captions;   // for describe_image's cache key (model, prompt)
  std::string default_clip;  // models.default_clip
  ModelRegistry* models = nullptr;
  ClassifierCache* classifiers = nullptr;
  ChatCompletionsClient* captions_client = nullptr;
  ResultCache* cache = nullptr;  // used only when analysis.cache_results is 1
};

}  // namespace iris::ops
