#include "store/storage_probe.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/file_error.h"

namespace iris {

Status ProbeFileCreation(const std::filesystem::path& directory) {
  std::string path = (directory / ".probe-XXXXXX").string();
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return FileError("cannot create a file in the data directory", directory, errno);
  ::unlink(path.c_str());
  ::close(fd);
  return Status::Ok();
}

Status CheckFreeSpace(const std::filesystem::path& directory, std::uint64_t min_free_bytes) {
  struct statvfs info {};
  if (::statvfs(directory.c_str(), &info) != 0) {
    return FileError("cannot read the free space of the data directory", directory, errno);
  }
  const std::uint64_t available = static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
  if (available < min_free_bytes) {
    return StorageFull("the data directory's file system has " + std::to_string(available) +
                       " bytes free, less than the " + std::to_string(min_free_bytes) +
                       " bytes needed to accept writes");
  }
  return Status::Ok();
}

}  // namespace iris
