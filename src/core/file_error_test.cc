#include "core/file_error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace iris {
namespace {

TEST(FileError, OutOfDescriptorsIsUnavailableWithoutThePath) {
  for (int error : {EMFILE, ENFILE}) {
    Status status = FileError("cannot open", "/secret/dir/file", error);
    EXPECT_EQ(status.code(), StatusCode::kUnavailable);
    EXPECT_NE(status.message().find("too many open files"), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find("/secret"), std::string::npos) << status.message();
    EXPECT_TRUE(IsOutOfFileDescriptors(error));
  }
}

TEST(FileError, FullDiskIsStorageFull) {
  for (int error : {ENOSPC, EDQUOT}) {
    Status status = FileError("cannot write", "/secret/file", error);
    EXPECT_EQ(status.code(), StatusCode::kStorageFull);
    EXPECT_EQ(status.message().find("/secret"), std::string::npos) << status.message();
  }
}

TEST(FileError, OtherErrorsAreInternalAndNameThePath) {
  Status status = FileError("cannot open", "/data/x", EACCES);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message(), "cannot open /data/x: Permission denied");
  EXPECT_FALSE(IsOutOfFileDescriptors(EACCES));
}

}  // namespace
}  // namespace iris
