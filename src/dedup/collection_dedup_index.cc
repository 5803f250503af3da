#include "dedup/collection_dedup_index.h"

#include <chrono>

#include "core/logging.h"

namespace iris {

std::shared_ptr<DuplicateDetector> CollectionDedupIndex::NewDetector(const std::string& collection) const {
  if (!store_) return std::make_shared<DuplicateDetector>(options_);
  SignatureStore* store = store_;
  return std::make_shared<DuplicateDetector>(
      options_, nullptr,
      [store, collection](const std::vector<std::string>& ids) { return store->FetchCold(collection, ids); });
}

std::shared_ptr<CollectionDedupIndex::Slot> CollectionDedupIndex::SlotFor(const std::string& collection) {
  std::lock_guard lock(mutex_);
  auto& slot = slots_[collection];
  if (!slot) {
    slot = std::make_shared<Slot>();
    slot->detector = NewDetector(collection);
    slot->loaded = store_ == nullptr;  // nothing to load
  }
  return slot;
}

Status CollectionDedupIndex::EnsureLoaded(const std::string& collection, Slot& slot) {
  if (slot.loaded) return Status::Ok();
  const auto start = std::chrono::steady_clock::now();
  auto detector = NewDetector(collection);
  detector->BeginBulkAdd();
  Result<SignatureStore::LoadReport> report =
      store_->LoadAll(collection, [&](std::string id, ResidentSignature resident) {
        detector->Add(id, StoredSignature{std::move(resident), {}});
      });
  if (!report.ok()) {
    LogError("dedup.load_failed", {{"collection", collection}, {"error", report.status().ToString()}});
    return report.status().WithContext("loading the duplicate signatures of collection '" + collection + "'");
  }
  detector->Compact();
  slot.detector = std::move(detector);
  slot.loaded = true;
  slot.cursor = report->sequence;
  LogInfo("dedup.loaded",
          {{"collection", collection},
           {"signatures", report->loaded},
           {"corrupt", report->corrupt_ids.size()},
           {"converted_v1", report->converted},
           {"bytes", report->bytes},
           {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()}});
  return Status::Ok();
}

Status CollectionDedupIndex::CatchUp(const std::string& collection, Slot& slot) {
  if (!store_ || !store_->shared() || !slot.loaded) return Status::Ok();
  IRIS_ASSIGN_OR_RETURN(std::vector<SignatureStore::Change> changes, store_->ChangesSince(collection, slot.cursor));
  for (SignatureStore::Change& change : changes) {
    if (change.reload) {
      slot.loaded = false;
      return EnsureLoaded(collection, slot);
    }
    if (change.collection_removed) {
      slot.detector = NewDetector(collection);
    } else if (change.resident) {
      slot.detector->Add(change.id, StoredSignature{std::move(*change.resident), {}});
    } else {
      slot.detector->Remove(change.id);
    }
    slot.cursor = change.sequence;
  }
  return Status::Ok();
}

Result<std::shared_ptr<DuplicateDetector>> CollectionDedupIndex::Get(const std::string& collection) {
  const std::shared_ptr<Slot> slot = SlotFor(collection);
  std::lock_guard lock(slot->mutex);
  IRIS_RETURN_IF_ERROR(EnsureLoaded(collection, *slot));
  IRIS_RETURN_IF_ERROR(CatchUp(collection, *slot));
  return slot->detector;
}

std::shared_ptr<DuplicateDetector> CollectionDedupIndex::For(const std::string& collection) {
  const std::shared_ptr<Slot> slot = SlotFor(collection);
  std::lock_guard lock(slot->mutex);
  (void)EnsureLoaded(collection, *slot);  // logged there; retried on the next use
  if (Status caught_up = CatchUp(collection, *slot); !caught_up.ok()) {
    LogWarn("dedup.catch_up_failed", {{"collection", collection}, {"error", caught_up.ToString()}});
  }
  return slot->detector;
}

Status CollectionDedupIndex::Add(const std::string& collection, const std::string& id, DuplicateSignature signature) {
  const std::shared_ptr<Slot> slot = SlotFor(collection);
  std::lock_guard lock(slot->mutex);
  IRIS_RETURN_IF_ERROR(EnsureLoaded(collection, *slot));
  StoredSignature stored = signer_.Tier(signature);
  if (store_) IRIS_RETURN_IF_ERROR(store_->Put(collection, id, stored));
  slot->detector->Add(id, std::move(stored));
  return Status::Ok();
}

Status CollectionDedupIndex::Remove(const std::string& collection, const std::string& id) {
  std::shared_ptr<Slot> slot;
  if (store_) {
    slot = SlotFor(collection);  // serialises with a load of the collection in progress
  } else {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(collection);
    if (it == slots_.end()) return Status::Ok();
    slot = it->second;
  }
  std::lock_guard lock(slot->mutex);
  if (store_) IRIS_RETURN_IF_ERROR(store_->Remove(collection, id).status());
  // Not loaded yet: the later load reads the store, which no longer has it.
  if (slot->loaded) slot->detector->Remove(id);
  return Status::Ok();
}

Status CollectionDedupIndex::Forget(const std::string& collection) {
  const std::shared_ptr<Slot> slot = SlotFor(collection);
  std::lock_guard lock(slot->mutex);
  if (store_) IRIS_RETURN_IF_ERROR(store_->RemoveCollection(collection).status());
  slot->detector = NewDetector(collection);
  slot->loaded = true;  // the store holds nothing of it now
  return Status::Ok();
}

}  // namespace iris
