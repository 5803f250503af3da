// Fuzz target: JSON task lists (ops/analysis_task.h), the body of POST /analyze_image_upload/ and of
// the analysis routes: bounded JSON parsing (core/json_limits.h: depth, size) and task validation.
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "ops/analysis_task.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)iris::ops::ParseTasksJson(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  return {R"([{"operation_id":"a","type":"detect_objects"},{"operation_id":"b","type":"embed_clip",)"
          R"("params":{"model":"clip-vit-b-32"}}])",
          R"([{"operation_id":"p","type":"prominent_person","params":{"target":"face","min_confidence":0.5}}])",
          R"({"tasks":[{"operation_id":"q","type":"quality"}]})", "[]", std::string(200, '[')};
}
