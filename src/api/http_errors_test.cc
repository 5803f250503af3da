#include "api/http_errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace iris::api {
namespace {

TEST(HttpErrors, MapsEveryStatusCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnsupportedMedia), 415);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnprocessable), 422);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kStorageFull), 507);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
}

TEST(HttpErrors, ErrorBodyIsJsonDetail) {
  auto r = ErrorResponse(UnsupportedMedia("not an image: \"x\""), "id1");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(r.body), nlohmann::json({{"detail", "not an image: \"x\""}}));
  EXPECT_TRUE(r.headers.empty());
}

TEST(HttpErrors, OverloadCarriesRetryAfter) {
  for (auto s : {ResourceExhausted("slow down"), Unavailable("busy")}) {
    auto r = ErrorResponse(s, "id");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Retry-After");
    EXPECT_EQ(r.headers[0].second, "1");
  }
}

TEST(HttpErrors, InternalHidesTheCauseAndNamesTheRequestId) {
  auto r = ErrorResponse(Internal("sqlite: /secret/path is locked"), "abc123");
  EXPECT_EQ(r.status, 500);
  auto detail = nlohmann::json::parse(r.body)["detail"].get<std::string>();
  EXPECT_EQ(detail, "internal error (request id abc123)");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace iris::api
