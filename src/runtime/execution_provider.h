// Execution providers: which ONNX Runtime backend a session runs on, chosen from RuntimeConfig.
//   device "cpu"          -> CPUExecutionProvider.
//   device "cuda"/"auto"  -> CUDAExecutionProvider when this ONNX Runtime build has it and its
//                            library loads; otherwise CPU, with a log event
//                            ("runtime_gpu_fallback") that says why: a warning, except for
//                            "auto" on an ONNX Runtime build without CUDA (info: expected).
//   require_gpu = 1       -> no silent fallback: FailedPrecondition
//                            "IRIS_REQUIRE_GPU=1 but no GPU provider: <why>".
// OnnxSession calls this for each session and reports the provider it really got. This header is
// the runtime module's only ORT-facing piece besides onnx_session.cc. Stateless; thread-safe.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace iris {

inline constexpr std::string_view kCpuProvider = "CPUExecutionProvider";
inline constexpr std::string_view kCudaProvider = "CUDAExecutionProvider";

struct ProviderChoice {
  std::string provider;         // kCpuProvider or kCudaProvider: what was appended to the options
  std::string fallback_reason;  // non-empty when a GPU was asked for (cuda/auto) but CPU is used
};

// Providers compiled into the linked ONNX Runtime (e.g. {"CPUExecutionProvider"}).
std::vector<std::string> AvailableExecutionProviders();

// Appends the provider chosen for `config` to `options` (CPU needs nothing appended).
// `model` names the model in log events. Errors: InvalidArgument for an unknown device;
// FailedPrecondition when require_gpu is set and no GPU provider can be used.
Result<ProviderChoice> AppendExecutionProvider(const RuntimeConfig& config, std::string_view model,
                                               Ort::SessionOptions& options);

// Decides what to do when a GPU session could not be created after the provider was appended
// (e.g. a GPU build of ORT on a machine without a device): a CPU ProviderChoice with the reason
// (and the WARNING event), or the require_gpu error.
Result<ProviderChoice> FallBackToCpu(const RuntimeConfig& config, std::string_view model, std::string_view why,
                                     bool build_has_gpu = true);

}  // namespace iris
