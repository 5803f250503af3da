#include "index/collection_manager.h"

#include "core/logging.h"

namespace iris {

Status CollectionManager::ValidateName(std::string_view name) {
  if (name.empty() || name.size() > 64) return InvalidArgument("collection name must have 1 to 64 characters");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return InvalidArgument("collection name may contain only letters, digits, '_' and '-'");
  }
  return {};
}

Result<std::unique_ptr<CollectionManager>> CollectionManager::Open(const std::filesystem::path& root,
                                                                   CollectionManagerOptions options) {
  std::error_code error;
  std::filesystem::create_directories(root, error);
  if (error) return Internal("cannot create " + root.string() + ": " + error.message());
  std::unique_ptr<CollectionManager> manager(new CollectionManager(root, options));
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (!ValidateName(name).ok()) {
      LogWarn("collections.ignored_directory", {{"path", entry.path().string()}});
      continue;
    }
    auto opened = DurableCollection::Open(entry.path());
    if (!opened.ok()) {
      LogError("collections.open_failed",
               {{"collection", name}, {"path", entry.path().string()}, {"error", opened.status().ToString()}});
      manager->broken_.emplace(name, opened.status());
      continue;
    }
    LogInfo("collections.opened", {{"collection", name}, {"items", (*opened)->index().size()}});
    manager->collections_.emplace(name, std::shared_ptr<DurableCollection>(std::move(opened).value()));
  }
  if (error) return Internal("cannot list " + root.string() + ": " + error.message());
  const std::size_t count = manager->collections_.size() + manager->broken_.size();
  if (count > options.max_collections) {
    LogWarn("collections.over_limit", {{"collections", count}, {"max_collections", options.max_collections}});
  }
  return manager;
}

CollectionDescription DescriptionOf(const std::string& name, const CollectionSpec& spec) {
  CollectionDescription description;
  description.name = name;
  description.model = spec.model;
  description.index.dim = spec.dim;
  description.index.metric = spec.metric;
  description.index.m = spec.m;
  description.index.ef_construction = spec.ef_construction;
  description.index.ef_search = spec.ef_search;
  return description;
}

Result<std::shared_ptr<DurableCollection>> CollectionManager::Create(const std::string& name,
                                                                     const CollectionSpec& spec) {
  return CreateDurable(DescriptionOf(name, spec));
}

Result<std::shared_ptr<DurableCollection>> CollectionManager::CreateDurable(const CollectionDescription& description) {
  const std::string& name = description.name;
  IRIS_RETURN_IF_ERROR(ValidateName(name));
  if (description.model.empty()) return InvalidArgument("model must not be empty");
  std::lock_guard lock(mutex_);
  if (collections_.contains(name) || broken_.contains(name)) {
    return AlreadyExists("collection '" + name + "' already exists");
  }
  const std::size_t count = collections_.size() + broken_.size();
  if (count >= options_.max_collections) {
    return ResourceExhausted("cannot create collection '" + name + "': " + std::to_string(count) +
                             " collections exist, the most collections.max_collections (" +
                             std::to_string(options_.max_collections) +
                             ") allows; drop one or raise collections.max_collections");
  }
  DurableCollectionOptions options = description;
  options.created.clear();  // DurableCollection::Create sets it
  auto created = DurableCollection::Create(root_ / name, std::move(options));
  if (!created.ok()) {
    // The name is not a known collection, so whatever is in its directory is what this call began
    // (meta file included, when opening failed after it was written); AlreadyExists means another
    // process made a whole collection there meanwhile, which is not ours to remove.
    if (created.status().code() != StatusCode::kAlreadyExists) {
      if (Status removed = DurableCollection::RemoveDirectory(root_ / name); !removed.ok()) {
        LogError("collections.cleanup_failed", {{"collection", name}, {"error", removed.ToString()}});
      }
    }
    return created.status();
  }
  std::shared_ptr<DurableCollection> collection = std::move(created).value();
  collections_.emplace(name, collection);
  return collection;
}

Result<std::shared_ptr<VectorCollection>> CollectionManager::Create(const CollectionDescription& description) {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<DurableCollection> created, CreateDurable(description));
  return std::shared_ptr<VectorCollection>(std::move(created));
}

Result<std::shared_ptr<VectorCollection>> CollectionManager::Get(const std::string& name) const {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<DurableCollection> found, GetDurable(name));
  return std::shared_ptr<VectorCollection>(std::move(found));
}

Result<std::shared_ptr<DurableCollection>> CollectionManager::GetDurable(const std::string& name) const {
  std::lock_guard lock(mutex_);
  if (auto it = collections_.find(name); it != collections_.end()) return it->second;
  if (auto it = broken_.find(name); it != broken_.end()) {
    return FailedPrecondition("collection '" + name + "' could not be opened: " + it->second.message());
  }
  return NotFound("no collection named '" + name + "'");
}

std::vector<std::string> CollectionManager::Names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, collection] : collections_) names.push_back(name);
  return names;
}

Status CollectionManager::Drop(const std::string& name) {
  std::lock_guard lock(mutex_);
  const bool known = collections_.erase(name) + broken_.erase(name) > 0;
  if (!known) return NotFound("no collection named '" + name + "'");
  std::error_code error;
  std::filesystem::remove_all(root_ / name, error);
  if (error) return Internal("cannot remove " + (root_ / name).string() + ": " + error.message());
  return {};
}

Status CollectionManager::CheckpointAll() {
  std::vector<std::pair<std::string, std::shared_ptr<DurableCollection>>> all;
  {
    std::lock_guard lock(mutex_);
    all.assign(collections_.begin(), collections_.end());
  }
  Status first;
  for (const auto& [name, collection] : all) {
    Status status = collection->Checkpoint();
    if (!status.ok()) {
      LogError("collections.checkpoint_failed", {{"collection", name}, {"error", status.ToString()}});
      if (first.ok()) first = status;
    }
  }
  return first;
}

std::map<std::string, Status> CollectionManager::Broken() const {
  std::lock_guard lock(mutex_);
  return broken_;
}

}  // namespace iris
