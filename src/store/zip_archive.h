// ZIP archives with libzip (Debian's libzip-dev), written to and read from files, never assembled in
// memory: the archive of a product-shot set is written entry by entry to a temporary file, then handed to
// the blob store as a read-only memory map of that file (MappedFile).
//
//   WriteZipFile  a new archive at `path` (an existing file is replaced). Entries are stored (images are
//                 compressed already) unless `deflate` is set; every entry gets the same fixed time stamp
//                 (1980-01-01 00:00), so equal entries give byte-equal archives (and equal blob keys).
//                 Entry names must be non-empty, relative, without "..", '\\' or control characters.
//   ZipReader     an archive file opened for reading: entry names, and one entry's bytes up to a bound
//                 (kTooLarge above it: a hostile archive cannot make Iris inflate gigabytes).
//   MappedFile    a whole file mapped read-only (empty files give an empty view).
//
// Errors: kInvalidArgument for a bad entry name or a duplicate; kNotFound for a missing entry;
// kUnprocessable for a file that is not a ZIP archive; kInternal for other libzip or I/O failures (the
// message names the file). Thread-safety: a ZipReader is used by one thread at a time; the functions are
// reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

typedef struct zip zip_t;

namespace iris {

struct ZipEntry {
  std::string name;        // path inside the archive, e.g. "0_white_background.png"
  std::string_view bytes;  // must stay valid until WriteZipFile returns
  bool deflate = false;    // compress (for text); images are stored as they are
};

Status WriteZipFile(const std::filesystem::path& path, const std::vector<ZipEntry>& entries);

class ZipReader {
 public:
  static Result<std::unique_ptr<ZipReader>> Open(const std::filesystem::path& path);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::vector<std::string>& names() const { return names_; }
  Result<std::string> Read(const std::string& name, std::uint64_t max_bytes) const;

 private:
  ZipReader() = default;
  zip_t* zip_ = nullptr;
  std::filesystem::path path_;
  std::vector<std::string> names_;
};

class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile() = default;
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// A file name inside `dir` that did not exist a moment ago (created empty, mode 0600); the caller
// removes it. kInternal when `dir` cannot be created or written.
Result<std::filesystem::path> MakeTempFile(const std::filesystem::path& dir, const std::string& suffix);

}  // namespace iris
