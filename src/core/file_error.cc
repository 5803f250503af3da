#include "core/file_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace iris {

bool IsOutOfFileDescriptors(int error) { return error == EMFILE || error == ENFILE; }

Status FileError(std::string_view what, const std::filesystem::path& path, int error) {
  if (IsOutOfFileDescriptors(error)) {
    return Unavailable(std::string(what) + ": too many open files (the server is out of file descriptors)");
  }
  if (error == ENOSPC || error == EDQUOT) {
    return StorageFull(std::string(what) + ": no space left on the storage device");
  }
  return Internal(std::string(what) + " " + path.string() + ": " + std::strerror(error));
}

}  // namespace iris
