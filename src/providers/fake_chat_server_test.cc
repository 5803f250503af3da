// Tests of tests/support/fake_chat_server (it lives here because this is where it is used): it
// must reject what OpenAI rejects, or the client tests would prove nothing about the request shape.
#include "support/fake_chat_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "image/test_images.h"

namespace iris::testing {
namespace {

using nlohmann::json;

json Request(const std::string& data_url) {
  return {{"model", "m"},
          {"messages",
           json::array({{{"role", "user"},
                         {"content", json::array({{{"type", "text"}, {"text", "What is it?"}},
                                                  {{"type", "image_url"}, {"image_url", {{"url", data_url}}}}})}}})},
          {"max_tokens", 4}};
}

class FakeChatServerTest : public ::testing::Test {
 protected:
  httplib::Result Post(const std::string& body, const std::string& type = "application/json",
                       const std::string& path = "/v1/chat/completions") {
    httplib::Client client("127.0.0.1", server_.port());
    return client.Post(path, body, type);
  }
  // The answer's error.message for a request that must be refused with 400.
  std::string Refusal(const json& request) {
    auto res = Post(request.dump());
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 400) << request.dump().substr(0, 200);
    json body = json::parse(res->body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body["error"]["message"].is_string()) << res->body;
    return body.value("/error/message"_json_pointer, std::string());
  }

  FakeChatServer server_;
  const std::string jpeg_ = "data:image/jpeg;base64," + Base64Encode(SharedPhotoBytes("coffee.jpg"));
};

TEST_F(FakeChatServerTest, AnswersAWellFormedRequestLikeOpenAi) {
  auto res = Post(Request(jpeg_).dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "m");
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "an image of 600x400");  // 4 words: max_tokens
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  ASSERT_EQ(server_.requests().size(), 1u);
  EXPECT_EQ(server_.requests()[0].prompt, "What is it?");
  EXPECT_EQ(server_.requests()[0].image_format, "JPEG");
}

TEST_F(FakeChatServerTest, RefusesMalformedRequestsWith400) {
  EXPECT_EQ(Post("{not json")->status, 400);
  EXPECT_EQ(Post(Request(jpeg_).dump(), "text/plain")->status, 400);
  json r = Request(jpeg_);
  r.erase("model");
  EXPECT_EQ(Refusal(r), "you must provide a model parameter");
  r = Request(jpeg_);
  r["max_tokens"] = 0;
  EXPECT_EQ(Refusal(r), "Invalid 'max_tokens': expected an integer >= 1");
  r = Request(jpeg_);
  r["bogus"] = 1;
  EXPECT_EQ(Refusal(r), "Unrecognized request argument supplied: bogus");
  r = Request(jpeg_);
  r["messages"] = json::array();
  EXPECT_EQ(Refusal(r), "'messages' must be a non-empty array");
  r = Request(jpeg_);
  r["messages"][0]["content"][1]["image_url"] = "data:image/jpeg;base64,AAAA";  // not an object
  EXPECT_EQ(Refusal(r), "Missing required parameter: 'messages[0].content[1].image_url.url'");
  EXPECT_THAT(Refusal(Request("https://example.com/cat.jpg")), ::testing::HasSubstr("expected a base64 data URL"));
  EXPECT_THAT(Refusal(Request("data:image/jpeg;base64,not*base64")), ::testing::HasSubstr("Invalid base64"));
  EXPECT_THAT(Refusal(Request("data:image/tiff;base64,AAAA")), ::testing::HasSubstr("expected a base64 data URL"));
  EXPECT_EQ(server_.rejected(), 10);
  EXPECT_TRUE(server_.requests().empty());
  EXPECT_EQ(Post(Request(jpeg_).dump(), "application/json", "/v1/completions")->status, 404);
}

TEST_F(FakeChatServerTest, RecordsWhatIsNotAnImage) {
  ASSERT_EQ(Post(Request("data:image/png;base64," + Base64Encode("hello world")).dump())->status, 200);
  ASSERT_EQ(server_.requests().size(), 1u);
  EXPECT_EQ(server_.requests()[0].image_bytes, 11u);
  EXPECT_EQ(server_.requests()[0].image_format, "");  // the magic bytes say it is no image
  EXPECT_EQ(server_.requests()[0].image_width, 0);
}

}  // namespace
}  // namespace iris::testing
