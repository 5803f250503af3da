#include "runtime/onnx_session.h"

#include <malloc.h>
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <string_view>
#include <system_error>

#include "core/logging.h"
#include "runtime/execution_provider.h"

namespace iris {
namespace {

// ORT's own log lines (warnings and errors) become structured "onnxruntime" events. One warning is
// demoted to debug: older exporters list every weight as a graph input (UltraFace does), and ORT then
// warns once per weight ("Initializer X appears in graph inputs ...", 244 lines per UltraFace load).
// It only means ORT cannot constant-fold those weights; it is not actionable at run time.
void LogFromOrt(void* /*param*/, OrtLoggingLevel severity, const char* category, const char* /*logid*/,
                const char* code_location, const char* message) {
  if (severity == ORT_LOGGING_LEVEL_WARNING && message &&
      std::string_view(message).find("appears in graph inputs and will not be treated as constant") !=
          std::string_view::npos) {
    severity = ORT_LOGGING_LEVEL_VERBOSE;
  }
  LogLevel level = LogLevel::kDebug;
  if (severity >= ORT_LOGGING_LEVEL_ERROR) {
    level = LogLevel::kError;
  } else if (severity == ORT_LOGGING_LEVEL_WARNING) {
    level = LogLevel::kWarn;
  } else if (severity == ORT_LOGGING_LEVEL_INFO) {
    level = LogLevel::kInfo;
  }
  if (!LogEnabled(level)) return;
  LogEvent(level, "onnxruntime",
           {{"category", category ? category : ""},
            {"location", code_location ? code_location : ""},
            {"message", message ? message : ""}});
}

// The process-wide environment: created on first use, never destroyed (sessions held in static
// registries may outlive any destruction order we could pick).
Result<Ort::Env*> SharedEnv() {
  static Ort::Env* env = []() -> Ort::Env* {
    try {
      return new Ort::Env(ORT_LOGGING_LEVEL_WARNING, "iris", LogFromOrt, nullptr);
    } catch (const Ort::Exception&) {
      return nullptr;
    }
  }();
  if (env == nullptr) return Internal("cannot create the ONNX Runtime environment");
  return env;
}

std::optional<ElementType> FromOnnx(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
      return ElementType::kFloat32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
      return ElementType::kFloat16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
      return ElementType::kInt64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
      return ElementType::kInt32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
      return ElementType::kUint8;
    default:
      return std::nullopt;
  }
}

ONNXTensorElementDataType ToOnnx(ElementType type) {
  switch (type) {
    case ElementType::kFloat32:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    case ElementType::kFloat16:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    case ElementType::kInt64:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
    case ElementType::kInt32:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    case ElementType::kUint8:
      return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

// "clip-standin-tiny/vision_model.onnx": enough to tell models apart in messages.
std::string ModelLabel(const std::filesystem::path& path) {
  const std::filesystem::path parent = path.parent_path().filename();
  return parent.empty() ? path.filename().string() : (parent / path.filename()).string();
}

Result<TensorSpec> SpecFromTypeInfo(const std::string& name, const Ort::TypeInfo& info, std::string_view role,
                                    const std::string& model) {
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) {
    return FailedPrecondition(std::string(role) + " '" + name + "' of " + model + " is not a tensor");
  }
  auto tensor_info = info.GetTensorTypeAndShapeInfo();  // refers into `info`, which outlives it
  const ONNXTensorElementDataType onnx_type = tensor_info.GetElementType();
  std::optional<ElementType> type = FromOnnx(onnx_type);
  if (!type) {
    return FailedPrecondition(std::string(role) + " '" + name + "' of " + model + " has ONNX element type " +
                              std::to_string(static_cast<int>(onnx_type)) + ", which Iris does not support");
  }
  TensorSpec spec{name, *type, tensor_info.GetShape()};
  for (std::int64_t& dim : spec.shape) {
    if (dim < 0) dim = -1;  // symbolic and unknown dims alike
  }
  return spec;
}

Result<ModelIoSpec> ReadIoSpec(const Ort::Session& session, const std::string& model) {
  Ort::AllocatorWithDefaultOptions allocator;
  ModelIoSpec io;
  for (std::size_t i = 0; i < session.GetInputCount(); ++i) {
    std::string name = session.GetInputNameAllocated(i, allocator).get();
    IRIS_ASSIGN_OR_RETURN(TensorSpec spec, SpecFromTypeInfo(name, session.GetInputTypeInfo(i), "input", model));
    io.inputs.push_back(std::move(spec));
  }
  for (std::size_t i = 0; i < session.GetOutputCount(); ++i) {
    std::string name = session.GetOutputNameAllocated(i, allocator).get();
    IRIS_ASSIGN_OR_RETURN(TensorSpec spec, SpecFromTypeInfo(name, session.GetOutputTypeInfo(i), "output", model));
    io.outputs.push_back(std::move(spec));
  }
  return io;
}

std::string NamesOf(const std::vector<TensorSpec>& specs) {
  std::string names;
  for (const TensorSpec& spec : specs) names += (names.empty() ? "" : ", ") + spec.name;
  return names.empty() ? "none" : names;
}

// Checks one expected tensor against the model's; returns the model's spec (its real shape).
Result<TensorSpec> MatchOne(const TensorSpec& want, const std::vector<TensorSpec>& have, std::string_view role,
                            const std::string& model) {
  auto it = std::find_if(have.begin(), have.end(), [&](const TensorSpec& s) { return s.name == want.name; });
  const std::string prefix = model + ": " + std::string(role) + " '" + want.name + "'";
  if (it == have.end()) {
    return FailedPrecondition(model + " has no " + std::string(role) + " named '" + want.name +
                              "' (it has: " + NamesOf(have) + ")");
  }
  if (it->type != want.type) {
    return FailedPrecondition(prefix + " is " + std::string(ElementTypeName(it->type)) + ", expected " +
                              std::string(ElementTypeName(want.type)));
  }
  if (it->shape.size() != want.shape.size()) {
    return FailedPrecondition(prefix + " has rank " + std::to_string(it->shape.size()) + " " +
                              ShapeToString(it->shape) + ", expected rank " + std::to_string(want.shape.size()) + " " +
                              ShapeToString(want.shape));
  }
  for (std::size_t d = 0; d < want.shape.size(); ++d) {
    if (want.shape[d] >= 0 && it->shape[d] >= 0 && want.shape[d] != it->shape[d]) {
      return FailedPrecondition(prefix + " dim " + std::to_string(d) + " is " + std::to_string(it->shape[d]) +
                                ", expected " + std::to_string(want.shape[d]) + " (model shape " +
                                ShapeToString(it->shape) + ", expected " + ShapeToString(want.shape) + ")");
    }
  }
  return *it;
}

Result<ModelIoSpec> MatchExpected(const ModelIoSpec& model_io, const ModelIoSpec& expected, const std::string& model) {
  ModelIoSpec matched;
  for (const TensorSpec& want : expected.inputs) {
    IRIS_ASSIGN_OR_RETURN(TensorSpec spec, MatchOne(want, model_io.inputs, "input", model));
    matched.inputs.push_back(std::move(spec));
  }
  for (const TensorSpec& have : model_io.inputs) {
    auto it = std::find_if(expected.inputs.begin(), expected.inputs.end(),
                           [&](const TensorSpec& s) { return s.name == have.name; });
    if (it == expected.inputs.end()) {
      return FailedPrecondition(model + " has an input '" + have.name +
                                "' that was not expected (expected: " + NamesOf(expected.inputs) + ")");
    }
  }
  for (const TensorSpec& want : expected.outputs) {
    IRIS_ASSIGN_OR_RETURN(TensorSpec spec, MatchOne(want, model_io.outputs, "output", model));
    matched.outputs.push_back(std::move(spec));
  }
  return matched;
}

Status CheckInput(const Tensor& input, const TensorSpec& spec, const std::string& model) {
  bool fits = input.type() == spec.type && input.rank() == spec.shape.size();
  for (std::size_t d = 0; fits && d < spec.shape.size(); ++d) {
    fits = spec.shape[d] < 0 || spec.shape[d] == input.shape()[d];
  }
  if (fits) return Status::Ok();
  return InvalidArgument(model + ": input '" + spec.name + "' must be " + std::string(ElementTypeName(spec.type)) +
                         ShapeToString(spec.shape) + " (-1 = any), got " + input.Describe());
}

Ort::SessionOptions BaseOptions(const RuntimeConfig& config) {
  Ort::SessionOptions options;
  if (config.intra_op_threads > 0) options.SetIntraOpNumThreads(config.intra_op_threads);
  if (config.inter_op_threads > 0) options.SetInterOpNumThreads(config.inter_op_threads);
  // Inter-op threads only matter when independent graph branches may run in parallel.
  if (config.inter_op_threads > 1) options.SetExecutionMode(ExecutionMode::ORT_PARALLEL);
  if (config.cpu_mem_arena == 0) options.DisableCpuMemArena();
  // Spinning keeps idle intra-op threads busy-waiting for the next run: lower latency on a quiet
  // machine, but on a small one it takes the cores that decoding and HTTP need.
  options.AddConfigEntry("session.intra_op.allow_spinning", config.allow_spinning ? "1" : "0");
  options.AddConfigEntry("session.inter_op.allow_spinning", config.allow_spinning ? "1" : "0");
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  return options;
}

}  // namespace

std::string DescribeSpec(const TensorSpec& spec) {
  return spec.name + " " + std::string(ElementTypeName(spec.type)) + ShapeToString(spec.shape);
}

std::optional<std::int64_t> FixedBatchSize(const ModelIoSpec& io) {
  std::optional<std::int64_t> fixed;
  for (const TensorSpec& spec : io.inputs) {
    if (!spec.shape.empty() && spec.shape[0] > 0) fixed = std::min(fixed.value_or(spec.shape[0]), spec.shape[0]);
  }
  return fixed;
}

struct OnnxSession::State {
  std::filesystem::path path;
  std::string label;
  ProviderChoice provider;
  std::unique_ptr<Ort::Session> session;  // Run is non-const in the C++ API but thread-safe
  Ort::MemoryInfo cpu_memory{nullptr};
  ModelIoSpec io;
  std::vector<std::string> input_names, output_names;
  std::vector<const char*> input_name_ptrs, output_name_ptrs;
};

OnnxSession::OnnxSession(std::unique_ptr<State> state) : state_(std::move(state)) {}
OnnxSession::~OnnxSession() = default;

const ModelIoSpec& OnnxSession::io() const { return state_->io; }
std::string OnnxSession::provider() const { return state_->provider.provider; }
std::string OnnxSession::provider_fallback_reason() const { return state_->provider.fallback_reason; }
const std::filesystem::path& OnnxSession::path() const { return state_->path; }

Result<std::unique_ptr<OnnxSession>> OnnxSession::Load(const std::filesystem::path& model_path,
                                                       const RuntimeConfig& config,
                                                       const std::optional<ModelIoSpec>& expected) {
  auto state = std::make_unique<State>();
  state->path = model_path;
  state->label = ModelLabel(model_path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model_path, ec)) {
    return NotFound("model file not found: " + model_path.string());
  }
  IRIS_ASSIGN_OR_RETURN(Ort::Env * env, SharedEnv());
  try {
    Ort::SessionOptions options = BaseOptions(config);
    IRIS_ASSIGN_OR_RETURN(state->provider, AppendExecutionProvider(config, state->label, options));
    try {
      state->session = std::make_unique<Ort::Session>(*env, model_path.c_str(), options);
    } catch (const Ort::Exception& e) {
      if (state->provider.provider != kCudaProvider) throw;
      // The CUDA provider was appended but the session could not start on it (e.g. no device).
      IRIS_ASSIGN_OR_RETURN(state->provider,
                            FallBackToCpu(config, state->label, std::string("CUDA session failed: ") + e.what()));
      state->session = std::make_unique<Ort::Session>(*env, model_path.c_str(), BaseOptions(config));
    }
    state->cpu_memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    IRIS_ASSIGN_OR_RETURN(ModelIoSpec model_io, ReadIoSpec(*state->session, state->label));
    if (expected) {
      IRIS_ASSIGN_OR_RETURN(state->io, MatchExpected(model_io, *expected, state->label));
    } else {
      state->io = std::move(model_io);
    }
  } catch (const Ort::Exception& e) {
    return FailedPrecondition("cannot load ONNX model " + model_path.string() + ": " + e.what());
  }
  // Loading parses the whole protobuf and copies the weights (then pre-packs them): the freed
  // load-time buffers would otherwise stay in the process as RSS (~the model's size) until glibc
  // happens to trim them.
  ::malloc_trim(0);
  for (const TensorSpec& spec : state->io.inputs) state->input_names.push_back(spec.name);
  for (const TensorSpec& spec : state->io.outputs) state->output_names.push_back(spec.name);
  for (const std::string& name : state->input_names) state->input_name_ptrs.push_back(name.c_str());
  for (const std::string& name : state->output_names) state->output_name_ptrs.push_back(name.c_str());
  LogInfo("runtime_session_loaded", {{"model", state->label},
                                     {"provider", state->provider.provider},
                                     {"inputs", state->io.inputs.size()},
                                     {"outputs", state->io.outputs.size()}});
  return std::unique_ptr<OnnxSession>(new OnnxSession(std::move(state)));
}

Result<std::vector<Tensor>> OnnxSession::Run(const std::vector<Tensor>& inputs) const {
  const State& s = *state_;
  if (inputs.size() != s.io.inputs.size()) {
    return InvalidArgument(s.label + " takes " + std::to_string(s.io.inputs.size()) + " inputs (" +
                           NamesOf(s.io.inputs) + "), got " + std::to_string(inputs.size()));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) IRIS_RETURN_IF_ERROR(CheckInput(inputs[i], s.io.inputs[i], s.label));
  try {
    std::vector<Ort::Value> values;
    values.reserve(inputs.size());
    for (const Tensor& input : inputs) {
      // ORT only reads input buffers, so wrapping our const data without a copy is safe.
      std::span<const std::byte> bytes = input.bytes();
      values.push_back(Ort::Value::CreateTensor(s.cpu_memory, const_cast<std::byte*>(bytes.data()), bytes.size(),
                                                input.shape().data(), input.shape().size(), ToOnnx(input.type())));
    }
    std::vector<Ort::Value> outputs =
        s.session->Run(Ort::RunOptions{nullptr}, s.input_name_ptrs.data(), values.data(), values.size(),
                       s.output_name_ptrs.data(), s.output_name_ptrs.size());
    std::vector<Tensor> results;
    results.reserve(outputs.size());
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      auto info = outputs[i].GetTensorTypeAndShapeInfo();
      std::optional<ElementType> type = FromOnnx(info.GetElementType());
      if (!type) return Internal(s.label + ": output '" + s.output_names[i] + "' has an unsupported element type");
      const auto* data = static_cast<const std::byte*>(outputs[i].GetTensorRawData());
      IRIS_ASSIGN_OR_RETURN(Tensor tensor,
                            Tensor::FromBytes(*type, info.GetShape(), {data, outputs[i].GetTensorSizeInBytes()}));
      results.push_back(std::move(tensor));
    }
    return results;
  } catch (const Ort::Exception& e) {
    const std::string message = s.label + " failed to run: " + e.what();
    if (e.GetOrtErrorCode() == ORT_INVALID_ARGUMENT) return InvalidArgument(message);
    return Internal(message);
  }
}

}  // namespace iris
