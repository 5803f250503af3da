#include "runtime/dynamic_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <latch>
#include <random>
#include <thread>

#include "runtime/onnx_session.h"
#include "support/shared_data.h"

namespace iris {
namespace {

using namespace std::chrono_literals;
using testing::RequireShared;

RuntimeConfig CpuConfig() {
  RuntimeConfig config;
  config.device = "cpu";
  config.intra_op_threads = 1;
  return config;
}

std::unique_ptr<OnnxSession> MustLoad(const std::string& relative) {
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(RequireShared(relative), CpuConfig());
  if (!session.ok()) throw std::runtime_error(session.status().ToString());
  return std::move(session).value();
}

BatchFunction RunOn(const OnnxSession& session) {
  return [&session](const std::vector<Tensor>& inputs) { return session.Run(inputs); };
}

Tensor RandomImages(int count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(static_cast<std::size_t>(count) * 3 * 224 * 224);
  for (float& v : values) v = normal(rng);
  return *Tensor::FromFloats({count, 3, 224, 224}, values);
}

float MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  float worst = 0;
  auto va = a.values<float>(), vb = b.values<float>();
  for (std::size_t i = 0; i < va.size() && i < vb.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
  return worst;
}

// A batch function that doubles float inputs; blocks while `gate` is closed.
struct SlowDoubler {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> calls{0};

  BatchFunction Function() {
    return [this](const std::vector<Tensor>& inputs) -> Result<std::vector<Tensor>> {
      ++calls;
      std::unique_lock lock(mu);
      cv.wait(lock, [this] { return open; });
      Tensor out = inputs.at(0);
      for (float& v : out.mutable_values<float>()) v *= 2;
      return std::vector<Tensor>{out};
    };
  }
  void Open() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

Tensor Row(float value, std::int64_t rows = 1) {
  std::vector<float> values(static_cast<std::size_t>(rows) * 2);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = value + static_cast<float>(i / 2);
  return *Tensor::FromFloats({rows, 2}, values);
}

TEST(DynamicBatcherTest, ConcurrentImagesMatchSingleRunsAndAreBatched) {
  auto session = MustLoad("models/clip-standin-tiny/vision_model.onnx");
  constexpr int kItems = 8;
  std::vector<Tensor> images, alone;
  for (int i = 0; i < kItems; ++i) {
    images.push_back(RandomImages(1, 1000 + i));
    Result<std::vector<Tensor>> out = session->Run({images.back()});
    ASSERT_TRUE(out.ok());
    alone.push_back(out->at(0));
  }
  DynamicBatcher batcher("clip-vision", {.max_batch_size = 8, .max_queue_delay = 20ms, .max_queue_size = 64},
                         RunOn(*session));
  std::vector<Result<std::vector<Tensor>>> results(kItems, Internal("not run"));
  std::latch start(kItems);
  std::vector<std::thread> threads;
  for (int i = 0; i < kItems; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = batcher.Submit({images[i]}).get();
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kItems; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    ASSERT_EQ(results[i]->size(), 1u);
    EXPECT_LT(MaxAbsDiff(results[i]->at(0), alone[i]), 1e-4f) << "item " << i;
  }
  BatcherStats stats = batcher.stats();
  EXPECT_EQ(stats.items, 8u);
  EXPECT_LT(stats.batches, 8u);
  EXPECT_GT(stats.average_batch_size, 1.0);
  EXPECT_EQ(stats.queue_depth, 0);
}

TEST(DynamicBatcherTest, SubmitManyKeepsOrderAlongsideOtherRequests) {
  auto session = MustLoad("models/clip-standin-tiny/vision_model.onnx");
  Tensor crops = RandomImages(5, 77);
  Tensor single = RandomImages(1, 78);
  DynamicBatcher batcher("clip-vision", {.max_batch_size = 8, .max_queue_delay = 20ms, .max_queue_size = 64},
                         RunOn(*session));
  auto many = batcher.SubmitMany({crops});
  auto one = batcher.Submit({single});
  Result<std::vector<Tensor>> many_out = many.get();
  Result<std::vector<Tensor>> one_out = one.get();
  ASSERT_TRUE(many_out.ok()) << many_out.status().ToString();
  ASSERT_TRUE(one_out.ok());
  ASSERT_EQ(many_out->at(0).shape(), (std::vector<std::int64_t>{5, 512}));
  for (int i = 0; i < 5; ++i) {
    Tensor alone = session->Run({*crops.Item(i)})->at(0);
    EXPECT_LT(MaxAbsDiff(*many_out->at(0).Item(i), alone), 1e-4f) << "crop " << i;
  }
  EXPECT_LT(MaxAbsDiff(one_out->at(0), session->Run({single})->at(0)), 1e-4f);
}

TEST(DynamicBatcherTest, OversizedRequestRunsInOrderedChunks) {
  std::vector<std::int64_t> batch_sizes;
  std::mutex mu;
  BatchFunction identity = [&](const std::vector<Tensor>& inputs) -> Result<std::vector<Tensor>> {
    std::lock_guard lock(mu);
    batch_sizes.push_back(inputs[0].batch());
    return inputs;
  };
  DynamicBatcher batcher("identity", {.max_batch_size = 4, .max_queue_delay = 1ms, .max_queue_size = 8}, identity);
  Tensor input = Row(0, 11);  // 11 items with an empty queue: admitted although > max_queue_size
  Result<std::vector<Tensor>> out = batcher.SubmitMany({input}).get();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->at(0) == input);
  EXPECT_EQ(batch_sizes, (std::vector<std::int64_t>{4, 4, 3}));
  EXPECT_EQ(batcher.stats().batches, 3u);
  EXPECT_EQ(batcher.stats().items, 11u);
}

TEST(DynamicBatcherTest, FullQueueAnswersUnavailableImmediately) {
  SlowDoubler slow;
  DynamicBatcher batcher("slow-model", {.max_batch_size = 1, .max_queue_delay = 0ms, .max_queue_size = 2},
                         slow.Function());
  auto running = batcher.Submit({Row(1)});
  while (slow.calls.load() == 0) std::this_thread::sleep_for(1ms);  // the worker holds item 1
  auto queued_a = batcher.Submit({Row(2)});
  auto queued_b = batcher.Submit({Row(3)});
  EXPECT_EQ(batcher.stats().queue_depth, 2);
  auto refused = batcher.Submit({Row(4)});
  auto refused_many = batcher.SubmitMany({Row(5, 3)});
  // Answered without waiting for the slow model.
  ASSERT_EQ(refused.wait_for(0s), std::future_status::ready);
  ASSERT_EQ(refused_many.wait_for(0s), std::future_status::ready);
  Result<std::vector<Tensor>> refusal = refused.get();
  ASSERT_FALSE(refusal.ok());
  EXPECT_EQ(refusal.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refusal.status().message(), "model slow-model is overloaded; retry later");
  EXPECT_EQ(refused_many.get().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(batcher.stats().rejected, 4u);

  slow.Open();
  for (auto* f : {&running, &queued_a, &queued_b}) {
    Result<std::vector<Tensor>> out = f->get();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
  }
  EXPECT_EQ(batcher.stats().items, 3u);
}

TEST(DynamicBatcherTest, TextOfDifferentLengthsMatchesSingleRuns) {
  auto session = MustLoad("models/clip-standin-tiny/text_model.onnx");
  // CLIP-style ids: start token, a few words, end token; lengths differ per request.
  const std::vector<std::vector<std::int64_t>> texts = {
      {49406, 320, 1125, 49407}, {49406, 320, 736, 2595, 49407, 49407}, {49406, 539, 1929, 49407},
      {49406, 2368, 49407},      {49406, 320, 736, 2595, 320, 49407},   {49406, 1929, 539, 49407},
  };
  auto make_inputs = [](const std::vector<std::int64_t>& ids) {
    const std::int64_t length = static_cast<std::int64_t>(ids.size());
    std::vector<std::int64_t> mask(ids.size(), 1);
    return std::vector<Tensor>{*Tensor::FromInt64s({1, length}, ids), *Tensor::FromInt64s({1, length}, mask)};
  };
  std::vector<Tensor> alone;
  for (const auto& ids : texts) alone.push_back(session->Run(make_inputs(ids))->at(0));

  DynamicBatcher batcher("clip-text", {.max_batch_size = 8, .max_queue_delay = 20ms, .max_queue_size = 64},
                         RunOn(*session));
  std::vector<Result<std::vector<Tensor>>> results(texts.size(), Internal("not run"));
  std::latch start(static_cast<std::ptrdiff_t>(texts.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = batcher.Submit(make_inputs(texts[i])).get();
    });
  }
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    EXPECT_LT(MaxAbsDiff(results[i]->at(0), alone[i]), 1e-4f) << "text " << i;
  }
  EXPECT_EQ(batcher.stats().items, texts.size());
  EXPECT_GE(batcher.stats().batches, 3u);  // three distinct lengths are never merged
}

TEST(DynamicBatcherTest, DifferentShapesAreNeverMerged) {
  std::mutex mu;
  std::vector<std::vector<std::int64_t>> shapes;
  BatchFunction identity = [&](const std::vector<Tensor>& inputs) -> Result<std::vector<Tensor>> {
    std::lock_guard lock(mu);
    shapes.push_back(inputs[0].shape());
    return inputs;
  };
  DynamicBatcher batcher("identity", {.max_batch_size = 8, .max_queue_delay = 50ms, .max_queue_size = 64}, identity);
  auto a = batcher.Submit({*Tensor::Zeros(ElementType::kFloat32, {1, 2})});
  auto b = batcher.Submit({*Tensor::Zeros(ElementType::kFloat32, {1, 3})});
  auto c = batcher.Submit({*Tensor::Zeros(ElementType::kFloat32, {1, 2})});
  EXPECT_EQ(a.get()->at(0).shape(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(b.get()->at(0).shape(), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(c.get()->at(0).shape(), (std::vector<std::int64_t>{1, 2}));
  std::lock_guard lock(mu);
  for (const auto& shape : shapes) EXPECT_TRUE(shape[1] == 2 || shape[0] == 1) << ShapeToString(shape);
  std::int64_t rows = 0;
  for (const auto& shape : shapes) rows += shape[0];
  EXPECT_EQ(rows, 3);
}

TEST(DynamicBatcherTest, BatchErrorsReachEveryCaller) {
  BatchFunction failing = [](const std::vector<Tensor>&) -> Result<std::vector<Tensor>> {
    return Internal("model exploded");
  };
  DynamicBatcher batcher("failing", {.max_batch_size = 4, .max_queue_delay = 20ms, .max_queue_size = 8}, failing);
  auto a = batcher.Submit({Row(1)});
  auto b = batcher.Submit({Row(2)});
  EXPECT_EQ(a.get().status().message(), "model exploded");
  EXPECT_EQ(b.get().status().message(), "model exploded");

  BatchFunction throwing = [](const std::vector<Tensor>&) -> Result<std::vector<Tensor>> {
    throw std::runtime_error("boom");
  };
  DynamicBatcher thrower("throwing", {.max_batch_size = 4, .max_queue_delay = 0ms, .max_queue_size = 8}, throwing);
  Result<std::vector<Tensor>> thrown = thrower.Submit({Row(1)}).get();
  ASSERT_FALSE(thrown.ok());
  EXPECT_NE(thrown.status().message().find("boom"), std::string::npos);
}

TEST(DynamicBatcherTest, OutputWithWrongRowCountIsInternal) {
  BatchFunction one_row = [](const std::vector<Tensor>&) -> Result<std::vector<Tensor>> {
    return std::vector<Tensor>{Row(0)};
  };
  DynamicBatcher batcher("one-row", {.max_batch_size = 4, .max_queue_delay = 0ms, .max_queue_size = 8}, one_row);
  Result<std::vector<Tensor>> out = batcher.SubmitMany({Row(0, 3)}).get();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInternal);
  EXPECT_NE(out.status().message().find("batch of 3"), std::string::npos) << out.status().message();
}

TEST(DynamicBatcherTest, BadSubmissionsAreInvalidArgument) {
  SlowDoubler fast;
  fast.Open();
  DynamicBatcher batcher("m", {}, fast.Function());
  EXPECT_EQ(batcher.Submit({Row(0, 2)}).get().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(batcher.SubmitMany({}).get().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(batcher.SubmitMany({Row(0, 2), Row(0, 3)}).get().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(batcher.SubmitMany({Row(0, 0)}).get().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fast.calls.load(), 0);
}

TEST(DynamicBatcherTest, ShutdownDrainsQueuedWorkThenRefuses) {
  SlowDoubler slow;
  auto batcher = std::make_unique<DynamicBatcher>(
      "draining", BatcherOptions{.max_batch_size = 2, .max_queue_delay = 10s, .max_queue_size = 16}, slow.Function());
  std::vector<std::future<BatchResult>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(batcher->Submit({Row(static_cast<float>(i))}));
  std::thread opener([&] {
    std::this_thread::sleep_for(20ms);
    slow.Open();
  });
  batcher->Shutdown();  // does not wait the 10 s delay; runs everything queued
  opener.join();
  for (int i = 0; i < 5; ++i) {
    Result<std::vector<Tensor>> out = futures[i].get();
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->at(0).values<float>()[0], 2.0f * static_cast<float>(i));
  }
  Result<std::vector<Tensor>> late = batcher->Submit({Row(9)}).get();
  EXPECT_EQ(late.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(batcher->stats().items, 5u);
  batcher.reset();  // destructor after Shutdown is fine
}

}  // namespace
}  // namespace iris

namespace iris {
namespace {

// A batch function that records the size of every batch it ran.
struct BatchRecorder {
  std::mutex mu;
  std::vector<std::int64_t> sizes;
  BatchFunction Function() {
    return [this](const std::vector<Tensor>& inputs) -> Result<std::vector<Tensor>> {
      std::lock_guard lock(mu);
      sizes.push_back(inputs.at(0).batch());
      return std::vector<Tensor>{inputs.at(0)};
    };
  }
};

Tensor OneRow(float v) { return *Tensor::FromFloats({1, 2}, std::vector<float>{v, v}); }

TEST(DynamicBatcherAnnouncementTest, AnnouncedItemsJoinTheBatchThatIsForming) {
  BatchRecorder recorder;
  BatcherOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay = std::chrono::microseconds(0);
  options.max_announced_wait = std::chrono::milliseconds(500);
  DynamicBatcher batcher("announce", options, recorder.Function());
  BatchAnnouncement late = batcher.Announce();
  BatchAnnouncement first = batcher.Announce();
  auto a = batcher.Submit({OneRow(1)});
  first.Release();
  // `late` is still "decoding": the batch must wait for it instead of running `a` alone.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto b = batcher.Submit({OneRow(2)});
  late.Release();
  ASSERT_TRUE(a.get().ok());
  ASSERT_TRUE(b.get().ok());
  std::lock_guard lock(recorder.mu);
  EXPECT_EQ(recorder.sizes, (std::vector<std::int64_t>{2}));
}

TEST(DynamicBatcherAnnouncementTest, LoneRequestRunsAtOnceAndAbandonedAnnouncementsDoNotStall) {
  BatchRecorder recorder;
  BatcherOptions options;
  options.max_queue_delay = std::chrono::microseconds(0);
  options.max_announced_wait = std::chrono::seconds(10);
  DynamicBatcher batcher("announce", options, recorder.Function());
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(batcher.Submit({OneRow(1)}).get().ok());
  {
    BatchAnnouncement abandoned = batcher.Announce();  // the caller fails before submitting
  }
  ASSERT_TRUE(batcher.Submit({OneRow(2)}).get().ok());
  // Nothing announced was outstanding: neither waited for the 10 s announced-wait bound.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  std::lock_guard lock(recorder.mu);
  EXPECT_EQ(recorder.sizes, (std::vector<std::int64_t>{1, 1}));
}

}  // namespace
}  // namespace iris
