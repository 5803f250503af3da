// FilesystemBlobStore: a BlobStore in a local directory; a blob's key is its path below root
// (root/sha256/ab/cd/<64 hex>).
//
// Put writes a temporary file in the blob's own directory, fsyncs it, renames it over the final
// name and fsyncs the directory, so a reader sees either no blob or the whole blob, also after a
// crash. Concurrent Puts of the same bytes each write their own temporary file and the renames
// replace identical content, so they are safe without a lock. A crash can leave a ".tmp-*" file
// behind; it is never mistaken for a blob (keys cannot start with a dot).
//
// This store is independent of SQLite: it keeps no index and ignores content_type. Callers that
// need metadata or reference counts record them in the `blobs` table in their own transaction.
//
// Ownership: holds only the root path. Thread-safety: all methods are safe from any number of
// threads (and processes) sharing the root.
#pragma once

#include <filesystem>
#include <memory>

#include "store/blob_store.h"

namespace iris {

class FilesystemBlobStore : public BlobStore {
 public:
  // Creates root (and parents) if missing; fails unless it is a writable directory.
  static Result<std::unique_ptr<FilesystemBlobStore>> Open(const std::filesystem::path& root);

  Result<std::string> Put(std::string_view bytes, std::string_view content_type) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::unique_ptr<BlobReader>> OpenReader(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;
  Status Delete(std::string_view key) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  explicit FilesystemBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path PathFor(std::string_view key) const { return root_ / std::filesystem::path(key); }

  const std::filesystem::path root_;
};

}  // namespace iris
