// TempDir: a fresh directory under the system temp dir, removed with everything in it when the
// object is destroyed. Not copyable.
#pragma once

#include <filesystem>

namespace iris::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace iris::testing
