#include "providers/chat_completions_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <thread>
#include <vector>

#include "core/base64.h"
#include "core/logging.h"
#include "image/test_images.h"
#include "providers/provider_http.h"
#include "support/fake_chat_server.h"
#include "support/server_process.h"
#include "support/shared_data.h"

namespace iris {
namespace {

using ::iris::testing::FakeChatBehaviour;
using ::iris::testing::FakeChatServer;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A real photo: 600x400 baseline JPEG.
const std::string& Coffee() {
  static const std::string bytes = testing::SharedPhotoBytes("coffee.jpg");
  return bytes;
}

long long GapMs(const testing::FakeChatRequest& a, const testing::FakeChatRequest& b) {
  return std::chrono::duration_cast<milliseconds>(b.received - a.received).count();
}

std::string HttpDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

class ChatCompletionsClientTest : public ::testing::Test {
 protected:
  CaptionsConfig Config() const {
    CaptionsConfig c;
    c.url = server_.base_url();
    c.model = "fake-vision-1";
    c.timeout_s = 5;
    c.max_retries = 3;
    c.backoff_initial_ms = 10;
    c.backoff_max_ms = 50;
    c.max_concurrency = 4;
    return c;
  }
  std::string DefaultCaption() const {
    return "an image of 600x400 pixels (JPEG, " + std::to_string(Coffee().size()) + " bytes)";
  }

  FakeChatServer server_;
};

TEST_F(ChatCompletionsClientTest, NotConfiguredSaysHowToConfigure) {
  CaptionsConfig c = Config();
  c.url = "";
  ChatCompletionsClient client(c);
  EXPECT_FALSE(client.configured());
  Result<CaptionResult> r = client.DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "no captioning provider is configured; set captions.url (IRIS_CAPTIONS_URL), captions.model and "
            "captions.api_key — any OpenAI-compatible chat-completions API with image input works (OpenAI, Gemini, "
            "vLLM, llama.cpp, Ollama)");
  EXPECT_TRUE(ChatCompletionsClient(Config()).configured());
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(ChatCompletionsClientTest, SendsTheImageAsAnOpenAiChatCompletion) {
  CaptionsConfig c = Config();
  c.api_key = "sk-test-123";
  ChatCompletionsClient client(c);
  Result<CaptionResult> r = client.DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, DefaultCaption());
  EXPECT_EQ(r->model, "fake-vision-1");
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->completion_tokens, 8);
  EXPECT_EQ(r->prompt_tokens, 8 + 85);  // the fake counts prompt words plus 85 per image

  EXPECT_EQ(server_.rejected(), 0);  // the strict fake found nothing wrong with the request
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& q = requests[0];
  EXPECT_EQ(q.model, "fake-vision-1");
  EXPECT_EQ(q.prompt, "Describe this image in one or two sentences.");
  EXPECT_EQ(q.max_tokens, 50);
  EXPECT_EQ(q.authorization, "Bearer sk-test-123");
  EXPECT_EQ(q.images, 1);
  EXPECT_EQ(q.image_mime, "image/jpeg");
  EXPECT_EQ(q.image_bytes, Coffee().size());
  EXPECT_EQ(q.image_format, "JPEG");
  EXPECT_EQ(q.image_width, 600);
  EXPECT_EQ(q.image_height, 400);
}

TEST_F(ChatCompletionsClientTest, NoKeyMeansNoAuthorizationHeaderAndRequestFieldsAreSent) {
  ChatCompletionsClient client(Config());
  const std::string png = testing::EncodeWithVips(testing::SharedPhoto(64, 48), ".png");
  Result<CaptionResult> r = client.DescribeImage(
      png, "image/png", {.max_tokens = 3, .prompt = "Name the objects.", .json_schema = {}, .json_schema_name = ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "an image of");  // the fake cuts its caption to max_tokens words
  EXPECT_EQ(r->finish_reason, "length");
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].authorization, "");
  EXPECT_EQ(requests[0].prompt, "Name the objects.");
  EXPECT_EQ(requests[0].max_tokens, 3);
  EXPECT_EQ(requests[0].image_mime, "image/png");
  EXPECT_EQ(requests[0].image_format, "PNG");
  EXPECT_EQ(requests[0].image_bytes, png.size());
  EXPECT_EQ(requests[0].image_width, 64);
  EXPECT_EQ(requests[0].image_height, 48);
}

TEST_F(ChatCompletionsClientTest, AJsonSchemaIsSentAsStructuredOutputAndOnlyThen) {
  ChatCompletionsClient client(Config());
  const nlohmann::json schema = {{"type", "object"},
                                 {"properties", {{"name", {{"type", "string"}}}, {"grade", {{"enum", {"A", "B"}}}}}},
                                 {"required", {"name", "grade"}},
                                 {"additionalProperties", false}};
  CaptionRequest request{.max_tokens = 200, .prompt = "Name it.", .json_schema = schema, .json_schema_name = "item"};
  Result<CaptionResult> r = client.DescribeImage(Coffee(), "image/jpeg", request);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const nlohmann::json reply = nlohmann::json::parse(r->text);  // the fake answers with an instance of the schema
  EXPECT_EQ(reply["grade"], "A");
  EXPECT_EQ(reply["name"], "name of " + DefaultCaption());
  ASSERT_TRUE(client.DescribeImage(Coffee(), "image/jpeg", {}).ok());
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_TRUE(requests[0].response_format);
  EXPECT_EQ(*requests[0].response_format,
            (nlohmann::json{{"type", "json_schema"},
                            {"json_schema", {{"name", "item"}, {"strict", true}, {"schema", schema}}}}));
  EXPECT_FALSE(requests[1].response_format) << "no schema, no response_format";
}

TEST_F(ChatCompletionsClientTest, EndpointMayEndWithSlashOrTheFullPath) {
  for (const std::string suffix : {"/", "/chat/completions"}) {
    CaptionsConfig c = Config();
    c.url += suffix;
    Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
    EXPECT_TRUE(r.ok()) << suffix << ": " << r.status().ToString();
  }
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(ChatCompletionsClientTest, RateLimitWaitsForRetryAfterSeconds) {
  CaptionsConfig c = Config();
  c.backoff_initial_ms = 1;  // without Retry-After the retry would come at once
  c.backoff_max_ms = 5000;
  server_.Enqueue(FakeChatBehaviour::Status(429, "1"));
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->text, DefaultCaption());
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(GapMs(requests[0], requests[1]), 950);
  EXPECT_LT(GapMs(requests[0], requests[1]), 2000);
}

TEST_F(ChatCompletionsClientTest, RetryAfterDateIsHonouredUpToBackoffMax) {
  CaptionsConfig c = Config();
  c.backoff_initial_ms = 1;
  c.backoff_max_ms = 300;
  server_.Enqueue(FakeChatBehaviour::Status(503, HttpDate(std::chrono::system_clock::now() + std::chrono::hours(1))));
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(GapMs(requests[0], requests[1]), 290);  // the date asked for an hour; capped at 300 ms
  EXPECT_LT(GapMs(requests[0], requests[1]), 1500);
}

TEST_F(ChatCompletionsClientTest, RetryAfterMsIsHonoured) {
  CaptionsConfig c = Config();
  c.backoff_initial_ms = 1;
  c.backoff_max_ms = 5000;
  FakeChatBehaviour limited = FakeChatBehaviour::Status(429);
  limited.headers = {{"retry-after-ms", "400"}, {"Retry-After", "3"}};  // the finer one wins, like OpenAI's SDK
  server_.Enqueue(limited);
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(GapMs(requests[0], requests[1]), 390);
  EXPECT_LT(GapMs(requests[0], requests[1]), 2000);
}

TEST_F(ChatCompletionsClientTest, ServerErrorsAreRetriedThenUnavailable) {
  server_.SetDefault(FakeChatBehaviour::Status(500));
  const auto start = Clock::now();
  Result<CaptionResult> r = ChatCompletionsClient(Config()).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "captioning provider answered 500 after 4 attempts: fake error 500");
  EXPECT_EQ(server_.requests().size(), 4u);                  // 1 + max_retries
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));  // three backoffs of at most 50 ms
}

TEST_F(ChatCompletionsClientTest, AProviderThatKeepsFailingIsNotCalledUntilItsCoolDownHasPassed) {
  server_.SetDefault(FakeChatBehaviour::Status(503));
  CaptionsConfig c = Config();
  c.max_retries = 1;
  ChatCompletionsClient client(c);
  for (int call = 0; call < provider_http::kBreakerFailures; ++call) {
    Result<CaptionResult> r = client.DescribeImage(Coffee(), "image/jpeg", {});
    ASSERT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(r.status().message().find("circuit open"), std::string::npos) << "call " << call;
  }
  const std::size_t reached = server_.requests().size();
  EXPECT_EQ(reached, 2u * provider_http::kBreakerFailures);
  // Open: refused at once, the provider is not contacted, the message says why and for how long.
  Result<CaptionResult> refused = client.DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(
      refused.status().message().find("its last 5 calls failed (captioning provider answered 503 after 2 attempts"),
      std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("circuit open, no call for another"), std::string::npos);
  EXPECT_EQ(server_.requests().size(), reached);
  // After the cool-down (50 ms backoff_max, raised to the 1 s floor), one trial call goes; the
  // provider works again, so the breaker closes.
  server_.SetDefault(FakeChatBehaviour::Ok("a cup of coffee"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  Result<CaptionResult> trial = client.DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(trial.ok()) << trial.status().ToString();
  EXPECT_TRUE(client.DescribeImage(Coffee(), "image/jpeg", {}).ok());
  EXPECT_EQ(server_.requests().size(), reached + 2);
}

TEST_F(ChatCompletionsClientTest, EveryRetryableStatusIsRetried) {
  for (int status : {429, 502, 503, 504}) server_.Enqueue(FakeChatBehaviour::Status(status));
  CaptionsConfig c = Config();
  c.max_retries = 4;
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 5);
}

TEST_F(ChatCompletionsClientTest, ClientErrorsAreNotRetried) {
  const std::vector<std::pair<int, StatusCode>> cases = {
      {400, StatusCode::kUnprocessable},      {401, StatusCode::kFailedPrecondition},
      {403, StatusCode::kFailedPrecondition}, {404, StatusCode::kFailedPrecondition},
      {422, StatusCode::kUnprocessable},      {501, StatusCode::kUnavailable}};
  ChatCompletionsClient client(Config());
  std::size_t sent = 0;
  for (const auto& [status, code] : cases) {
    FakeChatBehaviour b = FakeChatBehaviour::Status(status);
    b.error_message = "the provider says no (" + std::to_string(status) + ")";
    server_.Enqueue(b);
    Result<CaptionResult> r = client.DescribeImage(Coffee(), "image/jpeg", {});
    ASSERT_FALSE(r.ok()) << status;
    EXPECT_EQ(r.status().code(), code) << status;
    EXPECT_THAT(r.status().message(), HasSubstr("the provider says no (" + std::to_string(status) + ")"));
    EXPECT_THAT(r.status().message(), HasSubstr(std::to_string(status)));
    EXPECT_EQ(server_.requests().size(), ++sent) << status << " was retried";
  }
}

TEST_F(ChatCompletionsClientTest, WrongApiKeyIsAConfigurationError) {
  server_.set_expected_api_key("sk-right");
  CaptionsConfig c = Config();
  c.api_key = "sk-wrong";
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("answered 401 (check captions.api_key): Incorrect API key provided"));
  c.api_key = "sk-right";
  EXPECT_TRUE(ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {}).ok());
}

TEST_F(ChatCompletionsClientTest, SlowRepliesTimeOutAndAreRetried) {
  CaptionsConfig c = Config();
  c.timeout_s = 0.2;
  c.max_retries = 1;
  server_.SetDefault(FakeChatBehaviour::SleepThenOk(1500));
  const auto start = Clock::now();
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "captioning provider timed out after 2 attempts (0.2 s each; captions.timeout_s)");
  EXPECT_EQ(server_.requests().size(), 2u);
  EXPECT_GE(elapsed, milliseconds(400));
  EXPECT_LT(elapsed, milliseconds(1200));  // did not wait for the slow replies
}

TEST_F(ChatCompletionsClientTest, SlowReplyThenAFastOneSucceeds) {
  CaptionsConfig c = Config();
  c.timeout_s = 0.25;
  server_.Enqueue(FakeChatBehaviour::SleepThenOk(1500));
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->text, DefaultCaption());
}

TEST_F(ChatCompletionsClientTest, MalformedJsonIsAClearErrorAndNotRetried) {
  server_.Enqueue(FakeChatBehaviour::MalformedJson());
  Result<CaptionResult> r = ChatCompletionsClient(Config()).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("captioning provider sent a reply that is not valid JSON: {\"choices\""));
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(ChatCompletionsClientTest, ReplyWithoutChoicesIsAClearError) {
  server_.Enqueue(FakeChatBehaviour::WrongSchema());
  Result<CaptionResult> r = ChatCompletionsClient(Config()).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_THAT(r.status().message(),
              HasSubstr("captioning provider sent a reply without choices[0] (not a chat completion)"));
  EXPECT_THAT(r.status().message(), HasSubstr("\"result\":\"a cat\""));
}

TEST_F(ChatCompletionsClientTest, ContentAsTextPartsIsJoined) {
  server_.Enqueue(FakeChatBehaviour::ContentParts("a red cup of coffee on a saucer"));
  Result<CaptionResult> r = ChatCompletionsClient(Config()).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "a red cup of coffee on a saucer");
  EXPECT_EQ(r->attempts, 1);
}

TEST_F(ChatCompletionsClientTest, ClosedConnectionIsRetried) {
  server_.Enqueue(FakeChatBehaviour::CloseConnection());
  Result<CaptionResult> r = ChatCompletionsClient(Config()).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->text, DefaultCaption());

  server_.SetDefault(FakeChatBehaviour::CloseConnection());
  CaptionsConfig c = Config();
  c.max_retries = 1;
  r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("captioning provider could not be reached after 2 attempts: "));
}

TEST_F(ChatCompletionsClientTest, UnreachableProviderIsUnavailable) {
  CaptionsConfig c = Config();
  c.url = "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "/v1";
  c.max_retries = 2;
  Result<CaptionResult> r = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("could not be reached after 3 attempts: "));
}

TEST_F(ChatCompletionsClientTest, ConcurrencyLimitIsHonoured) {
  server_.SetDefault(FakeChatBehaviour::SleepThenOk(250));
  auto run_three = [&](int max_concurrency) {
    CaptionsConfig c = Config();
    c.max_concurrency = max_concurrency;
    ChatCompletionsClient client(c);
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&] { ok += client.DescribeImage(Coffee(), "image/jpeg", {}).ok() ? 1 : 0; });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok, 3);
  };
  run_three(1);
  EXPECT_EQ(server_.max_in_flight(), 1);
  run_three(3);  // the control: the fake does see parallel calls when they are allowed
  EXPECT_EQ(server_.max_in_flight(), 3);
}

TEST_F(ChatCompletionsClientTest, WaitingForASlotIsBoundedByTheTimeout) {
  // One slot, replies take 300 ms, a call waits at most 450 ms for the slot: of three calls made
  // at once, two are served one after the other and the last gives up at 450 ms (the slot is busy
  // until about 600 ms).
  CaptionsConfig c = Config();
  c.max_concurrency = 1;
  c.timeout_s = 0.45;
  c.max_retries = 0;
  server_.SetDefault(FakeChatBehaviour::SleepThenOk(300));
  ChatCompletionsClient client(c);
  std::vector<Result<CaptionResult>> results(3, Result<CaptionResult>(Internal("not run")));
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] { results[i] = client.DescribeImage(Coffee(), "image/jpeg", {}); });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
      continue;
    }
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(r.status().message(),
              "captioning provider busy: all 1 slots (captions.max_concurrency) stayed in use for 0.45 s");
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(server_.requests().size(), 2u);
  EXPECT_EQ(server_.max_in_flight(), 1);
}

TEST_F(ChatCompletionsClientTest, ApiKeyIsRedactedFromMessagesAndLogs) {
  const std::string key = "sk-secret-XYZ987";
  CaptionsConfig c = Config();
  c.api_key = key;
  c.max_retries = 1;
  FakeChatBehaviour echo = FakeChatBehaviour::Status(401);
  echo.echo_authorization = true;
  FakeChatBehaviour echo500 = FakeChatBehaviour::Status(500);
  echo500.echo_authorization = true;

  InitLogging("debug", "json");
  ::testing::internal::CaptureStderr();
  server_.Enqueue(echo);
  Result<CaptionResult> unauthorized = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  server_.Enqueue(echo500);
  server_.Enqueue(echo500);
  Result<CaptionResult> failing = ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {});
  const std::string logs = ::testing::internal::GetCapturedStderr();
  InitLogging("info", "text");

  ASSERT_FALSE(unauthorized.ok());
  EXPECT_EQ(unauthorized.status().message(),
            "captioning provider answered 401 (check captions.api_key): fake error 401 (you sent Authorization: "
            "Bearer ***)");
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.status().message(),
            "captioning provider answered 500 after 2 attempts: fake error 500 (you sent Authorization: Bearer ***)");
  EXPECT_EQ(server_.requests().at(0).authorization, "Bearer " + key);  // it was sent, only hidden

  EXPECT_THAT(logs, HasSubstr("caption_retry"));  // the logs were captured
  EXPECT_THAT(logs, HasSubstr("caption_failed"));
  EXPECT_THAT(logs, Not(HasSubstr(key)));
  EXPECT_THAT(logs, Not(HasSubstr(Base64Encode(Coffee().substr(0, 300)))));  // nor the image
  EXPECT_THAT(logs, Not(HasSubstr("Describe this image")));                  // nor the prompt
}

TEST_F(ChatCompletionsClientTest, BadInputsAreRefusedBeforeAnyRequest) {
  ChatCompletionsClient client(Config());
  EXPECT_EQ(client.DescribeImage("", "image/jpeg", {}).status().code(), StatusCode::kInvalidArgument);
  Result<CaptionResult> tiff = client.DescribeImage(Coffee(), "image/tiff", {});
  EXPECT_EQ(tiff.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(tiff.status().message(), HasSubstr("JPEG, PNG, WebP or GIF"));
  EXPECT_EQ(client
                .DescribeImage(Coffee(), "image/jpeg",
                               {.max_tokens = 0, .prompt = "", .json_schema = {}, .json_schema_name = ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  CaptionsConfig c = Config();
  c.url = "ftp://example.com/v1";
  EXPECT_EQ(ChatCompletionsClient(c).DescribeImage(Coffee(), "image/jpeg", {}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(server_.requests().empty());
}

}  // namespace
}  // namespace iris
