// docs/configuration.md must list every setting the code has, with its variable and flag.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/config.h"
#include "support/shared_data.h"

namespace iris {
namespace {

TEST(ConfigDocsTest, EveryOptionIsDocumented) {
  std::ifstream in(iris::testing::SourceDir() / "docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md missing";
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& opt : ConfigOptions()) {
    std::string row = "| " + opt.key + " | " + opt.env + " | " + opt.flag + " | " + opt.get(Config{});
    if (opt.get(Config{}).empty()) row = "| " + opt.key + " | " + opt.env + " | " + opt.flag + " | (none)";
    EXPECT_NE(text.str().find(row), std::string::npos) << "docs/configuration.md lacks the row: " << row;
  }
}

}  // namespace
}  // namespace iris
