#include "dedup/collection_dedup_index.h"

namespace iris {

std::shared_ptr<DuplicateDetector> CollectionDedupIndex::For(const std::string& collection) {
  std::lock_guard lock(mutex_);
  auto& detector = detectors_[collection];
  if (!detector) detector = std::make_shared<DuplicateDetector>(options_);
  return detector;
}

bool CollectionDedupIndex::Remove(const std::string& collection, const std::string& id) {
  std::shared_ptr<DuplicateDetector> detector;
  {
    std::lock_guard lock(mutex_);
    auto it = detectors_.find(collection);
    if (it == detectors_.end()) return false;
    detector = it->second;
  }
  return detector->Remove(id);
}

void CollectionDedupIndex::Forget(const std::string& collection) {
  std::lock_guard lock(mutex_);
  detectors_.erase(collection);
}

}  // namespace iris
