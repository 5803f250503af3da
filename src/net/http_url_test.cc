#include "net/http_url.h"

#include <gtest/gtest.h>

#include <string>

namespace iris {
namespace {

TEST(HttpUrlTest, ParsesAndNormalises) {
  auto u = HttpUrl::Parse("HTTP://Images.Example.COM:8080/a/../b.png?x=1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme(), "http");
  EXPECT_EQ(u->host(), "images.example.com");
  EXPECT_EQ(u->spec().find("/a/../"), std::string::npos) << u->spec();
  EXPECT_NE(u->spec().find("/b.png?x=1"), std::string::npos) << u->spec();

  auto v6 = HttpUrl::Parse("https://[::1]:9000/");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->scheme(), "https");
  EXPECT_EQ(v6->host(), "::1");
}

TEST(HttpUrlTest, ResolvesRedirectReferences) {
  auto base = HttpUrl::Parse("http://a.test/dir/page?q=1");
  ASSERT_TRUE(base.ok());
  auto rel = base->Resolve("img.png");
  ASSERT_TRUE(rel.ok()) << rel.status().ToString();
  EXPECT_EQ(rel->spec(), "http://a.test/dir/img.png");
  auto abs_path = base->Resolve("/root.png");
  ASSERT_TRUE(abs_path.ok());
  EXPECT_EQ(abs_path->spec(), "http://a.test/root.png");
  auto scheme_rel = base->Resolve("//b.test/x");
  ASSERT_TRUE(scheme_rel.ok());
  EXPECT_EQ(scheme_rel->spec(), "http://b.test/x");
  EXPECT_EQ(scheme_rel->host(), "b.test");
  auto absolute = base->Resolve("https://c.test/y");
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->spec(), "https://c.test/y");
}

TEST(HttpUrlTest, RefusesOtherSchemes) {
  for (const char* text : {"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1:70/_x", "dict://a/b",
                           "ldap://a/b", "data:image/png;base64,AAAA", "javascript:alert(1)", "ws://a.test/"}) {
    auto u = HttpUrl::Parse(text);
    ASSERT_FALSE(u.ok()) << text;
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(u.status().message().find("http"), std::string::npos) << u.status().message();
  }
  auto base = HttpUrl::Parse("http://a.test/");
  ASSERT_TRUE(base.ok());
  EXPECT_FALSE(base->Resolve("file:///etc/passwd").ok());
  EXPECT_FALSE(base->Resolve("ftp://a.test/x").ok());
}

TEST(HttpUrlTest, RefusesMalformedAndRelativeInput) {
  for (std::string text : {"", "not a url", "http://", "//example.com/x", "example.com/x.png", "/x.png",
                           "http://exa mple.com/", "http://a.test/\x01", "http://[::1/", "http://a.test:99999/"}) {
    auto u = HttpUrl::Parse(text);
    ASSERT_FALSE(u.ok()) << text << " -> " << (u.ok() ? u->spec() : "");
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << text;
  }
  std::string with_nul("http://a.test/\0@b.test", 22);
  EXPECT_FALSE(HttpUrl::Parse(with_nul).ok());
}

TEST(HttpUrlTest, RefusesCredentials) {
  for (const char* text : {"http://user:secret@a.test/", "http://user@a.test/", "https://:secret@a.test/"}) {
    auto u = HttpUrl::Parse(text);
    ASSERT_FALSE(u.ok()) << text;
    EXPECT_NE(u.status().message().find("credentials"), std::string::npos);
    EXPECT_EQ(u.status().message().find("secret"), std::string::npos) << "password echoed";
  }
}

TEST(HttpUrlTest, QuoteForMessageTruncatesAndStripsControls) {
  EXPECT_EQ(QuoteForMessage("a\nb"), "'a?b'");
  std::string long_text(500, 'x');
  std::string quoted = QuoteForMessage(long_text);
  EXPECT_EQ(quoted.size(), 200u + 2 + 3);
  EXPECT_EQ(quoted.substr(quoted.size() - 4), "...'");
}

}  // namespace
}  // namespace iris
