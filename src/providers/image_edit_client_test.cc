// ImageEditClient against the fake OpenAI-compatible images/edits server (tests/support): the multipart
// request, the reply checks, retries on 429 storms (Retry-After honoured) and 5xx, timeouts, final errors,
// the key never quoted, and the concurrency bound.
#include "providers/image_edit_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "image/test_images.h"
#include "support/fake_image_edit_server.h"
#include "support/shared_data.h"

namespace iris {
namespace {

using ::iris::testing::FakeImageBehaviour;
using ::iris::testing::FakeImageEditServer;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

const std::string& Coffee() {  // a real 600x400 JPEG
  static const std::string bytes = testing::SharedPhotoBytes("coffee.jpg");
  return bytes;
}

class ImageEditClientTest : public ::testing::Test {
 protected:
  GenerationConfig Config() const {
    GenerationConfig c;
    c.url = server_.base_url();
    c.model = "fake-image-1";
    c.api_key = "sk-secret-key-123";
    c.timeout_s = 5;
    c.max_retries = 3;
    c.backoff_initial_ms = 10;
    c.backoff_max_ms = 3000;
    return c;
  }
  ImageEditRequest Request() const { return {Coffee(), "image/jpeg", "put it on a hand"}; }

  FakeImageEditServer server_;
};

TEST_F(ImageEditClientTest, SendsTheRealMultipartRequestAndDecodesThePng) {
  server_.set_expected_api_key("sk-secret-key-123");
  GenerationConfig config = Config();
  config.quality = "low";
  ImageEditClient client(config);
  auto made = client.Edit(Request());
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->mime, "image/png");
  EXPECT_EQ(SniffImageMime(made->image), "image/png");
  EXPECT_EQ(made->attempts, 1);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].prompt, "put it on a hand");
  EXPECT_EQ(requests[0].model, "fake-image-1");
  EXPECT_EQ(requests[0].size, "1024x1024");
  EXPECT_EQ(requests[0].quality, "low");
  EXPECT_EQ(requests[0].n, "1");
  EXPECT_EQ(requests[0].image_field, "image");
  EXPECT_EQ(requests[0].image_format, "JPEG");
  EXPECT_EQ(requests[0].image_content_type, "image/jpeg");
  EXPECT_EQ(requests[0].image_bytes, Coffee().size());
  EXPECT_EQ(server_.rejected(), 0);
}

TEST_F(ImageEditClientTest, NotConfiguredSaysHowAndBadInputsAreRefusedBeforeSending) {
  GenerationConfig config = Config();
  config.url = "";
  EXPECT_EQ(ImageEditClient(config).Edit(Request()).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(ImageEditClient(config).Edit(Request()).status().message(), HasSubstr("generation.url"));
  ImageEditClient client(Config());
  EXPECT_EQ(client.Edit({"", "image/png", "x"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Edit({"GIF89a....", "image/gif", "x"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Edit({Coffee(), "image/png", "x"}).status().code(), StatusCode::kInvalidArgument) << "wrong mime";
  EXPECT_EQ(client.Edit({Coffee(), "image/jpeg", ""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(ImageEditClientTest, A429StormIsWaitedOutHonouringRetryAfter) {
  for (int i = 0; i < 3; ++i) server_.Enqueue(FakeImageBehaviour::Status(429, "1"));
  ImageEditClient client(Config());
  const auto started = Clock::now();
  auto made = client.Edit(Request());
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->attempts, 4);
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(2900)) << "three Retry-After: 1 waits";
  EXPECT_EQ(server_.requests().size(), 4u);
}

TEST_F(ImageEditClientTest, FiveHundredsUntilTheLastAttemptAreUnavailableNamingTheCount) {
  server_.SetDefault(FakeImageBehaviour::Status(500));
  ImageEditClient client(Config());
  auto made = client.Edit(Request());
  EXPECT_EQ(made.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(made.status().message(), HasSubstr("answered 500 after 4 attempts"));
  EXPECT_EQ(server_.requests().size(), 4u);
}

TEST_F(ImageEditClientTest, TimeoutsAreRetriedThenReported) {
  server_.SetDefault(FakeImageBehaviour::SleepThenOk(2000));
  GenerationConfig config = Config();
  config.timeout_s = 0.3;
  config.max_retries = 1;
  ImageEditClient client(config);
  auto made = client.Edit(Request());
  EXPECT_EQ(made.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(made.status().message(), HasSubstr("timed out after 2 attempts"));
}

TEST_F(ImageEditClientTest, BrokenRepliesAreInternalErrorsAndNotRetried) {
  ImageEditClient client(Config());
  server_.Enqueue(FakeImageBehaviour::MalformedJson());
  EXPECT_THAT(client.Edit(Request()).status().message(), HasSubstr("not valid JSON"));
  server_.Enqueue(FakeImageBehaviour::UrlOnly());
  EXPECT_THAT(client.Edit(Request()).status().message(), HasSubstr("URL instead of b64_json"));
  server_.Enqueue(FakeImageBehaviour::NotAnImage());
  EXPECT_THAT(client.Edit(Request()).status().message(), HasSubstr("not a PNG, JPEG or WebP"));
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(ImageEditClientTest, AWrongKeyIsFinalAndNeverQuoted) {
  server_.set_expected_api_key("the-right-key");
  ImageEditClient client(Config());
  auto made = client.Edit(Request());
  EXPECT_EQ(made.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(made.status().message(), HasSubstr("check generation.api_key"));
  EXPECT_THAT(made.status().message(), Not(HasSubstr("sk-secret-key-123")));
  EXPECT_EQ(server_.unauthorized(), 1) << "401 is not retried";
  server_.set_expected_api_key("");
  server_.Enqueue(FakeImageBehaviour::Status(400));
  EXPECT_EQ(client.Edit(Request()).status().code(), StatusCode::kUnprocessable);
}

TEST_F(ImageEditClientTest, AtMostMaxConcurrencyCallsAreInFlight) {
  server_.SetDefault(FakeImageBehaviour::SleepThenOk(150));
  GenerationConfig config = Config();
  config.max_concurrency = 2;
  ImageEditClient client(config);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] { ok += client.Edit(Request()).ok() ? 1 : 0; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 6);
  EXPECT_LE(server_.max_in_flight(), 2);
  EXPECT_EQ(server_.max_in_flight(), 2);
}

}  // namespace
}  // namespace iris
