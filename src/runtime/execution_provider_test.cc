#include "runtime/execution_provider.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace iris {
namespace {

bool BuildHasCuda() {
  std::vector<std::string> providers = AvailableExecutionProviders();
  return std::find(providers.begin(), providers.end(), kCudaProvider) != providers.end();
}

TEST(ExecutionProviderTest, CpuIsAlwaysAvailable) {
  std::vector<std::string> providers = AvailableExecutionProviders();
  EXPECT_NE(std::find(providers.begin(), providers.end(), kCpuProvider), providers.end());
}

TEST(ExecutionProviderTest, CpuDeviceUsesCpuWithoutReason) {
  RuntimeConfig config;
  config.device = "cpu";
  Ort::SessionOptions options;
  Result<ProviderChoice> choice = AppendExecutionProvider(config, "test", options);
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  EXPECT_EQ(choice->provider, kCpuProvider);
  EXPECT_EQ(choice->fallback_reason, "");
}

// This ORT build (the npm CPU package) has no CUDA provider, so cuda and auto must fall back
// with a reason; on a CUDA build the provider may load instead.
TEST(ExecutionProviderTest, CudaAndAutoFallBackToCpuWithAReason) {
  for (std::string device : {"cuda", "auto"}) {
    RuntimeConfig config;
    config.device = device;
    Ort::SessionOptions options;
    Result<ProviderChoice> choice = AppendExecutionProvider(config, "test", options);
    ASSERT_TRUE(choice.ok()) << choice.status().ToString();
    if (BuildHasCuda() && choice->provider == kCudaProvider) continue;
    EXPECT_EQ(choice->provider, kCpuProvider) << device;
    EXPECT_NE(choice->fallback_reason.find("CUDA"), std::string::npos) << choice->fallback_reason;
  }
}

TEST(ExecutionProviderTest, RequireGpuWithoutGpuIsFailedPrecondition) {
  ASSERT_FALSE(BuildHasCuda()) << "this test expects the CPU-only ONNX Runtime build";
  RuntimeConfig config;
  config.device = "cuda";
  config.require_gpu = 1;
  Ort::SessionOptions options;
  Result<ProviderChoice> choice = AppendExecutionProvider(config, "test", options);
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(choice.status().message().rfind("IRIS_REQUIRE_GPU=1 but no GPU provider: ", 0), 0u)
      << choice.status().message();
}

TEST(ExecutionProviderTest, RequireGpuWithCpuDeviceIsFailedPrecondition) {
  RuntimeConfig config;
  config.device = "cpu";
  config.require_gpu = 1;
  Ort::SessionOptions options;
  Result<ProviderChoice> choice = AppendExecutionProvider(config, "test", options);
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.status().code(), StatusCode::kFailedPrecondition);
}

TEST(ExecutionProviderTest, UnknownDeviceIsInvalidArgument) {
  RuntimeConfig config;
  config.device = "tpu";
  Ort::SessionOptions options;
  Result<ProviderChoice> choice = AppendExecutionProvider(config, "test", options);
  ASSERT_FALSE(choice.ok());
  EXPECT_EQ(choice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(choice.status().message().find("tpu"), std::string::npos);
}

}  // namespace
}  // namespace iris
