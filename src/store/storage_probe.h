// ProbeFileCreation: whether this process can create a file in `directory` right now: it creates
// a uniquely named empty file ".probe-XXXXXX" there, then unlinks and closes it. For readiness checks
// (GET /readyz): a process out of file descriptors (EMFILE/ENFILE), a full disk, a read-only or
// vanished data directory all fail it, while a database whose connections are already open would
// still answer queries. Errors as core/file_error.h (kUnavailable for no descriptor left,
// kStorageFull for a full disk, kInternal otherwise). Thread-safe; one open() and unlink().
//
// CheckFreeSpace: kStorageFull (507) when the file system holding `directory` has less than
// `min_free_bytes` available to this process (statvfs f_bavail), kInternal when it cannot be
// asked. A full disk still lets empty files be created, so the probe above alone stays ready.
// kReadyMinFreeBytes is what GET /readyz asks for. Thread-safe; one statvfs().
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/status.h"

namespace iris {

inline constexpr std::uint64_t kReadyMinFreeBytes = 1u << 20;

Status ProbeFileCreation(const std::filesystem::path& directory);

Status CheckFreeSpace(const std::filesystem::path& directory, std::uint64_t min_free_bytes);

}  // namespace iris
