#include "runtime/execution_provider.h"

#include <algorithm>

#include "core/logging.h"

namespace iris {
namespace {

bool WantsGpu(const RuntimeConfig& config) { return config.device == "cuda" || config.device == "auto"; }

// Appends CUDA through the V2 options (device 0, ORT defaults otherwise). Returns why it could not.
std::string TryAppendCuda(Ort::SessionOptions& options) {
  try {
    Ort::CUDAProviderOptions cuda;                   // a CPU-only build throws here: "not enabled in this build"
    options.AppendExecutionProvider_CUDA_V2(*cuda);  // a GPU build loads the provider library here
    return {};
  } catch (const Ort::Exception& e) {
    std::string why = e.what();
    return why.empty() ? "the CUDA provider could not be appended" : why;
  }
}

}  // namespace

std::vector<std::string> AvailableExecutionProviders() {
  try {
    return Ort::GetAvailableProviders();
  } catch (const Ort::Exception&) {
    return {};
  }
}

Result<ProviderChoice> FallBackToCpu(const RuntimeConfig& config, std::string_view model, std::string_view why,
                                     bool build_has_gpu) {
  if (config.require_gpu != 0) return FailedPrecondition("IRIS_REQUIRE_GPU=1 but no GPU provider: " + std::string(why));
  // "auto" on a CPU-only ONNX Runtime build is the expected case, not a problem worth a warning.
  const LogLevel level = config.device == "auto" && !build_has_gpu ? LogLevel::kInfo : LogLevel::kWarn;
  LogEvent(level, "runtime_gpu_fallback",
           {{"model", model}, {"device", config.device}, {"provider", kCpuProvider}, {"reason", why}});
  return ProviderChoice{std::string(kCpuProvider), std::string(why)};
}

Result<ProviderChoice> AppendExecutionProvider(const RuntimeConfig& config, std::string_view model,
                                               Ort::SessionOptions& options) {
  if (config.device == "cpu") {
    if (config.require_gpu != 0) return FailedPrecondition("IRIS_REQUIRE_GPU=1 but no GPU provider: device is cpu");
    return ProviderChoice{std::string(kCpuProvider), ""};
  }
  if (!WantsGpu(config)) {
    return InvalidArgument("runtime.device must be cpu, cuda or auto, not '" + config.device + "'");
  }
  const std::vector<std::string> available = AvailableExecutionProviders();
  if (std::find(available.begin(), available.end(), kCudaProvider) == available.end()) {
    std::string list;
    for (const std::string& name : available) list += (list.empty() ? "" : ", ") + name;
    return FallBackToCpu(config, model,
                         "this ONNX Runtime build has no CUDAExecutionProvider (available: " + list + ")",
                         /*build_has_gpu=*/false);
  }
  std::string why = TryAppendCuda(options);
  if (!why.empty()) return FallBackToCpu(config, model, why, /*build_has_gpu=*/true);
  return ProviderChoice{std::string(kCudaProvider), ""};
}

}  // namespace iris
