#include "core/trace.h"

#include <gtest/gtest.h>

#include <thread>

namespace iris {
namespace {

// (Accumulation by name is tested through api::RequestContext, which is a Trace.)
TEST(Trace, StagesAreRoundedToMicrosecondsAndScopedStagesAreTimed) {
  Trace trace;
  trace.AddStageTime("decode", 1.23456789);
  { ScopedStage stage(trace, "index"); }
  const auto stages = trace.StagesJson();
  EXPECT_DOUBLE_EQ(stages["decode"].get<double>(), 1.235);
  ASSERT_TRUE(stages.contains("index"));
  EXPECT_GE(stages["index"].get<double>(), 0.0);
}

TEST(Trace, AnEmptyTraceIsAnEmptyObject) {
  Trace trace;
  EXPECT_TRUE(trace.StagesJson().is_object());
  EXPECT_TRUE(trace.StagesJson().empty());
}

TEST(Trace, ConcurrentWritersLoseNoTime) {
  Trace trace;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&trace] {
      for (int i = 0; i < 1000; ++i) trace.AddStageTime("work", 1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_DOUBLE_EQ(trace.StagesJson()["work"].get<double>(), 4000);
}

}  // namespace
}  // namespace iris
