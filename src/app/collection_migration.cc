#include "app/collection_migration.h"

#include <cmath>

namespace iris::app {
namespace {

Status CheckSameKind(const CollectionDescription& a, const CollectionDescription& b) {
  if (a.model == b.model && a.index.dim == b.index.dim && a.index.metric == b.index.metric) return Status::Ok();
  return FailedPrecondition("collection '" + a.name + "' exists on the target with model " + b.model + ", dim " +
                            std::to_string(b.index.dim) + ", metric " + std::string(MetricName(b.index.metric)) +
                            " (the source has " + a.model + ", " + std::to_string(a.index.dim) + ", " +
                            std::string(MetricName(a.index.metric)) + "): drop it there first");
}

Result<std::vector<std::string>> AllIds(const VectorCollection& collection) {
  IRIS_ASSIGN_OR_RETURN(std::size_t count, collection.Count());
  return collection.ListIds(0, count + 1);
}

std::string Differs(const std::string& collection, const std::string& what) {
  return "verification failed: collection '" + collection + "' " + what;
}

Status Verify(const VectorCollection& source, const VectorCollection& target, std::size_t& items) {
  const std::string& name = source.description().name;
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> ids, AllIds(source));
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> target_ids, AllIds(target));
  if (ids != target_ids) {
    return FailedPrecondition(Differs(name, "holds " + std::to_string(ids.size()) + " items on the source and " +
                                                std::to_string(target_ids.size()) + " on the target, or other ids"));
  }
  for (const std::string& id : ids) {
    IRIS_ASSIGN_OR_RETURN(CollectionItem a, source.Get(id));
    IRIS_ASSIGN_OR_RETURN(CollectionItem b, target.Get(id));
    if (a.metadata != b.metadata) return FailedPrecondition(Differs(name, "item '" + id + "': metadata differs"));
    bool same = a.vector.size() == b.vector.size();
    for (std::size_t i = 0; same && i < a.vector.size(); ++i) same = std::fabs(a.vector[i] - b.vector[i]) <= 1e-5f;
    if (!same) return FailedPrecondition(Differs(name, "item '" + id + "': vector differs"));
  }
  items = ids.size();
  return Status::Ok();
}

}  // namespace

Result<std::vector<CollectionCopyReport>> CopyCollections(CollectionStore& from, CollectionStore& to,
                                                          const CollectionCopyOptions& options) {
  std::vector<CollectionCopyReport> reports;
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> names, from.List());
  for (const std::string& name : names) {
    CollectionCopyReport report;
    report.name = name;
    IRIS_ASSIGN_OR_RETURN(std::shared_ptr<VectorCollection> source, from.Get(name));
    auto existing = to.Get(name);
    std::shared_ptr<VectorCollection> target;
    if (existing.ok()) {
      target = *existing;
      IRIS_RETURN_IF_ERROR(CheckSameKind(source->description(), target->description()));
    } else if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    } else if (options.verify_only) {
      return FailedPrecondition(Differs(name, "is missing on the target"));
    } else {
      IRIS_ASSIGN_OR_RETURN(target, to.Create(source->description()));
    }
    if (!options.verify_only) {
      IRIS_ASSIGN_OR_RETURN(std::vector<std::string> ids, AllIds(*source));
      std::vector<DurableItem> batch;
      auto flush = [&]() -> Status {
        if (batch.empty()) return Status::Ok();
        IRIS_RETURN_IF_ERROR(target->UpsertBatch(batch));
        report.copied += batch.size();
        batch.clear();
        if (options.progress) options.progress(name, report.copied);
        return Status::Ok();
      };
      for (const std::string& id : ids) {
        auto item = source->Get(id);
        if (!item.ok() && item.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
        IRIS_RETURN_IF_ERROR(item.status());
        batch.push_back({item->id, std::move(item->vector), std::move(item->metadata)});
        if (batch.size() == kCopyBatch) IRIS_RETURN_IF_ERROR(flush());
      }
      IRIS_RETURN_IF_ERROR(flush());
      IRIS_RETURN_IF_ERROR(target->Checkpoint());
    }
    IRIS_RETURN_IF_ERROR(Verify(*source, *target, report.items));
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace iris::app
