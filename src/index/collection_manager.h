// CollectionManager: the local engine's CollectionStore (index/vector_collection.h) -- the named vector
// collections of one server, each a DurableCollection in its own directory <root>/<name>/ (the
// directory name is the collection name).
//
//   * Names: [A-Za-z0-9_-]{1,64}; anything else is InvalidArgument.
//   * Open(root) creates root if needed and opens every collection directory in it. A directory
//     that fails to open (corrupt meta/snapshot/log, or no collection.meta.json) is NOT emptied or
//     replaced: it is logged ("collections.open_failed", with the error) and kept aside as broken;
//     Get of a broken name is FailedPrecondition with the open error, Create of it AlreadyExists,
//     Drop removes it (the only way to reuse the name).
//   * Create(name, spec): AlreadyExists on a duplicate; bad spec (dim, M, ef) InvalidArgument;
//     ResourceExhausted when max_collections collections (healthy and broken) already exist, since
//     each one holds memory and an open file. A Create that fails for any other reason removes the
//     directory it began, so nothing half-made is left to show up (or be reported broken) at the
//     next start. Open still opens every collection on disk, even more than max_collections.
//   * Drop(name) forgets the collection and removes its directory. Handlers that still hold the
//     shared_ptr may finish their call; what they write is lost with the directory.
//   * CheckpointAll() snapshots every collection (called at shutdown); errors are logged and the
//     first one returned, the others are still checkpointed.
//
// Errors: unknown name -> NotFound; no file descriptor left -> Unavailable, disk full ->
// StorageFull (core/file_error.h); other I/O failures -> Internal.
// Thread-safety: all methods may be called concurrently (one mutex guards the name map; the
// collections themselves are thread-safe).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "index/durable_collection.h"
#include "index/vector_collection.h"

namespace iris {

struct CollectionSpec {
  std::string model = "external";  // embedding model name, or "external" for caller vectors
  int dim = 0;
  Metric metric = Metric::kCosine;
  int m = 16;
  int ef_construction = 200;
  int ef_search = 128;  // docs/performance.md: recall@10 0.85 at 64, 0.96 at 128 (100k, embedding-like data)
};

// The description of a collection `name` made with `spec` (created left empty).
CollectionDescription DescriptionOf(const std::string& name, const CollectionSpec& spec);

struct CollectionManagerOptions {
  std::size_t max_collections = 100;  // the server passes collections.max_collections
};

class CollectionManager : public CollectionStore {
 public:
  static Result<std::unique_ptr<CollectionManager>> Open(const std::filesystem::path& root,
                                                         CollectionManagerOptions options = {});

  CollectionManager(const CollectionManager&) = delete;
  CollectionManager& operator=(const CollectionManager&) = delete;

  Result<std::shared_ptr<DurableCollection>> Create(const std::string& name, const CollectionSpec& spec);
  Result<std::shared_ptr<DurableCollection>> GetDurable(const std::string& name) const;
  // Names of the healthy collections, sorted.
  std::vector<std::string> Names() const;

  // CollectionStore.
  Result<std::shared_ptr<VectorCollection>> Create(const CollectionDescription& description) override;
  Result<std::shared_ptr<VectorCollection>> Get(const std::string& name) const override;
  Result<std::vector<std::string>> List() const override { return Names(); }
  Status Drop(const std::string& name) override;
  Status CheckpointAll() override;
  // Collections that could not be opened at start-up: name -> error.
  std::map<std::string, Status> Broken() const override;
  std::string engine() const override { return "local"; }
  Status Ping() const override { return {}; }
  const std::filesystem::path& root() const { return root_; }

  static Status ValidateName(std::string_view name);

 private:
  CollectionManager(std::filesystem::path root, CollectionManagerOptions options)
      : root_(std::move(root)), options_(options) {}
  Result<std::shared_ptr<DurableCollection>> CreateDurable(const CollectionDescription& description);

  const std::filesystem::path root_;
  const CollectionManagerOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<DurableCollection>> collections_;
  std::map<std::string, Status> broken_;
};

}  // namespace iris
