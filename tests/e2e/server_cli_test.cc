// End-to-end: `iris serve` command-line behaviour (help, configuration errors, bind failures).
#include <gtest/gtest.h>

#include "e2e/e2e_http.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

TEST(ServeCli, HelpListsTheServerFlags) {
  auto result = RunCommand(IrisBinary() + " serve --help");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const char* flag : {"--host", "--port", "--worker-threads", "--max-queued-connections", "--max-body-bytes",
                           "--keep-alive-timeout", "--read-timeout", "--shutdown-deadline", "--data-dir"}) {
    EXPECT_NE(result.output.find(flag), std::string::npos) << flag;
  }
}

// Each subcommand's --help lists the settings it uses, not the ~60 of the server.
TEST(ServeCli, EachSubcommandsHelpShowsOnlyTheSettingsItUses) {
  auto pull = RunCommand(IrisBinary() + " models pull --help");
  ASSERT_EQ(pull.exit_code, 0) << pull.output;
  EXPECT_NE(pull.output.find("--models-dir"), std::string::npos) << pull.output;
  EXPECT_NE(pull.output.find("--model-mirror"), std::string::npos) << pull.output;
  EXPECT_NE(pull.output.find("--data-dir"), std::string::npos) << pull.output;
  for (const char* foreign :
       {"--port", "--max-connections", "--captions-url", "--job-workers", "--fetch-allow-hosts"}) {
    EXPECT_EQ(pull.output.find(foreign), std::string::npos) << foreign << " in:\n" << pull.output;
  }
  auto dedup = RunCommand(IrisBinary() + " dedup --help");
  ASSERT_EQ(dedup.exit_code, 0) << dedup.output;
  EXPECT_NE(dedup.output.find("--log-level"), std::string::npos) << dedup.output;
  EXPECT_EQ(dedup.output.find("--port"), std::string::npos) << dedup.output;
  EXPECT_EQ(dedup.output.find("--models-dir"), std::string::npos) << dedup.output;
  auto analyze = RunCommand(IrisBinary() + " analyze --help");
  ASSERT_EQ(analyze.exit_code, 0) << analyze.output;
  EXPECT_NE(analyze.output.find("--models-dir"), std::string::npos) << analyze.output;
  EXPECT_EQ(analyze.output.find("--port"), std::string::npos) << analyze.output;
  // A server flag given to a command that does not use it is a usage error, not silently ignored.
  auto misplaced = RunCommand(IrisBinary() + " models list --port 9 2>&1");
  EXPECT_NE(misplaced.exit_code, 0) << misplaced.output;
}

TEST(ServeCli, BadConfigValueExitsWithCode3AndAMessage) {
  TempDir dir;
  auto result = RunCommand(IrisBinary() + " serve --port 70000 --data-dir " + (dir.path() / "d").string());
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_NE(result.output.find("server.port"), std::string::npos) << result.output;
  auto negative = RunCommand(IrisBinary() + " serve --max-queued-connections 0 --data-dir " + dir.path().string());
  EXPECT_EQ(negative.exit_code, 3) << negative.output;
  EXPECT_NE(negative.output.find("max_queued_connections"), std::string::npos) << negative.output;
}

TEST(ServeCli, PortInUseExitsWithCode1) {
  auto running = ServerProcess::Start();
  TempDir dir;
  // `timeout`: a server that wrongly starts must not hang the test.
  auto result = RunCommand("timeout 10 " + IrisBinary() + " serve --host 127.0.0.1 --port " +
                           std::to_string(running->port()) + " --data-dir " + dir.path().string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("server.start_failed"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace iris::testing
