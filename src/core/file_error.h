// FileError: the Status for a failed system call on a file or directory, so every module reports
// the two conditions a client must be told about the same way:
//   * EMFILE/ENFILE (no file descriptor left, in the process or the system) -> kUnavailable (503):
//     the server is overloaded; the condition passes when descriptors are released;
//   * ENOSPC/EDQUOT (the disk or a quota is full) -> kStorageFull (507);
//   * anything else -> kInternal (500; the message is logged, never shown to clients).
// The message is "<what> <path>: <strerror>". For the first two the message reaches the client, so
// it names no path: "<what>: too many open files" / "<what>: no space left on the storage device".
// Pure function; thread-safe.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/status.h"

namespace iris {

Status FileError(std::string_view what, const std::filesystem::path& path, int error);

// True for EMFILE and ENFILE.
bool IsOutOfFileDescriptors(int error);

}  // namespace iris
