#include "store/storage_probe.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <limits>

#include "support/temp_dir.h"

namespace iris {
namespace {

TEST(StorageProbe, SucceedsInAWritableDirectoryAndLeavesNothing) {
  testing::TempDir dir;
  EXPECT_TRUE(ProbeFileCreation(dir.path()).ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(StorageProbe, FailsForAMissingDirectory) {
  testing::TempDir dir;
  Status status = ProbeFileCreation(dir.path() / "gone");
  EXPECT_EQ(status.code(), StatusCode::kInternal) << status.ToString();
}

TEST(StorageProbe, ReportsAProcessOutOfFileDescriptors) {
  testing::TempDir dir;
  // In a child, so the limit does not touch this process.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit none{0, 0};
    if (::setrlimit(RLIMIT_NOFILE, &none) != 0) ::_exit(2);
    Status status = ProbeFileCreation(dir.path());
    const bool said_so =
        status.code() == StatusCode::kUnavailable && status.message().find("too many open files") != std::string::npos;
    ::_exit(said_so ? 0 : 1);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(StorageProbe, CheckFreeSpaceReportsAFullFileSystemAsStorageFull) {
  testing::TempDir dir;
  EXPECT_TRUE(CheckFreeSpace(dir.path(), 0).ok());
  // No file system has this much free: the answer a full disk gives.
  Status full = CheckFreeSpace(dir.path(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(full.code(), StatusCode::kStorageFull) << full.ToString();
  EXPECT_NE(full.message().find("bytes free"), std::string::npos) << full.message();
  EXPECT_EQ(CheckFreeSpace(dir.path() / "gone", 0).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace iris
