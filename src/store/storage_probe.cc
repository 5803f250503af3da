#include "store/storage_probe.h"

#include <fcntl.h>
#include <stdlib.h>
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

}  // namespace iris
