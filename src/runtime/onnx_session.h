// OnnxSession: one loaded ONNX model, shared by every request that uses it.
//
// Load() reads the model's input/output names, element types and shapes (-1 = dynamic) into
// io(). When an `expected` ModelIoSpec is given (from the model catalog or an adapter), the model
// must match it or Load refuses with FailedPrecondition naming the tensor and what differs:
//   - every expected input and output must exist by name (the model may have extra outputs; they
//     are not fetched; it may not have extra inputs, which could not be fed);
//   - same element type and rank;
//   - a fixed expected dim must equal the model's dim, unless the model's dim is dynamic;
//     an expected -1 accepts anything (the model may fix it, e.g. YOLOX's batch of 1).
//   io() then lists tensors in the expected order (with the model's shapes).
// Run() takes inputs in io().inputs order and returns outputs in io().outputs order. It checks
// count, type, rank and fixed dims first (InvalidArgument naming the input), then runs ORT; ORT
// errors come back as Status, never as exceptions.
//
// Sessions use a process-wide Ort::Env (created once, thread-safe; ORT's own log lines become
// "onnxruntime" log events), the provider chosen by execution_provider.h, RuntimeConfig's thread
// counts and arena setting, and graph optimisation level ALL.
//
// Thread-safety: Run() may be called from many threads at once (ORT sessions are safe for
// concurrent Run). Not copyable or movable; hold it by unique_ptr/shared_ptr.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "runtime/tensor.h"

namespace iris {

struct TensorSpec {
  std::string name;
  ElementType type = ElementType::kFloat32;
  std::vector<std::int64_t> shape;  // -1 = dynamic
};

struct ModelIoSpec {
  std::vector<TensorSpec> inputs, outputs;
};

// "pixel_values float32[-1,3,224,224]"
std::string DescribeSpec(const TensorSpec& spec);

// The batch size the model's inputs fix in dim 0 (1 for the YOLOX-Nano export), or nullopt when
// dim 0 is dynamic. A DynamicBatcher in front of such a model needs max_batch_size <= this.
std::optional<std::int64_t> FixedBatchSize(const ModelIoSpec& io);

class OnnxSession {
 public:
  // Errors: NotFound (no such file), FailedPrecondition (ORT cannot load it: corrupt or
  // unsupported; an unsupported I/O element type; a mismatch with `expected`; require_gpu
  // without a GPU), InvalidArgument (bad RuntimeConfig.device).
  static Result<std::unique_ptr<OnnxSession>> Load(const std::filesystem::path& model_path, const RuntimeConfig& config,
                                                   const std::optional<ModelIoSpec>& expected = {});
  ~OnnxSession();
  OnnxSession(const OnnxSession&) = delete;
  OnnxSession& operator=(const OnnxSession&) = delete;

  const ModelIoSpec& io() const;

  // Inputs in io().inputs order. Errors: InvalidArgument (inputs do not fit the spec),
  // Internal (ORT failed at run time, e.g. a dynamic dim the graph cannot take).
  Result<std::vector<Tensor>> Run(const std::vector<Tensor>& inputs) const;

  // The execution provider the session got: "CPUExecutionProvider" or "CUDAExecutionProvider".
  std::string provider() const;
  // Why a GPU was asked for but not used ("" when not asked or used).
  std::string provider_fallback_reason() const;
  // The model file's path, for messages.
  const std::filesystem::path& path() const;

 private:
  struct State;
  explicit OnnxSession(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace iris
