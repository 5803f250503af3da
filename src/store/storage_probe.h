// ProbeFileCreation: whether this process can create a file in `directory` right now: it creates
// a uniquely named empty file ".probe-XXXXXX" there, then unlinks and closes it. For readiness checks
// (GET /readyz): a process out of file descriptors (EMFILE/ENFILE), a full disk, a read-only or
// vanished data directory all fail it, while a database whose connections are already open would
// still answer queries. Errors as core/file_error.h (kUnavailable for no descriptor left,
// kStorageFull for a full disk, kInternal otherwise). Thread-safe; one open() and unlink().
#pragma once

#include <filesystem>

#include "core/status.h"

namespace iris {

Status ProbeFileCreation(const std::filesystem::path& directory);

}  // namespace iris
