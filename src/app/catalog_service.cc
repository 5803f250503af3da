#include "app/catalog_service.h"

#include <algorithm>
#include <functional>

#include "core/hash.h"
#include "core/logging.h"
#include "image/image_format.h"

namespace iris::app {
namespace {

double CosineDistance(std::span<const float> a, std::span<const float> b) {
  double dot = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) dot += static_cast<double>(a[i]) * b[i];
  return std::clamp(1.0 - dot, 0.0, 2.0);  // both L2-normalised; rounding must not make a copy's distance negative
}

Status CheckImageId(const std::string& image_id) {
  if (!IsSha256Hex(image_id)) return Unprocessable("image_name must be 64 lower-case hex characters");
  return {};
}

}  // namespace

Result<std::shared_ptr<const VectorCollection>> CatalogService::CollectionOf(const CatalogWebsite& site) {
  return collections_.GetOrCreate(site.collection, model_.empty() ? collections_.default_model() : model_);
}

std::mutex& CatalogService::LockFor(const std::string& image_id) {
  return content_locks_[std::hash<std::string>{}(image_id) % content_locks_.size()];
}

Result<CatalogSearchResult> CatalogService::SimilaritySearch(const std::string& website, const IngestedImage& image,
                                                             int top_k, bool check_duplicate, Trace& trace) {
  IRIS_ASSIGN_OR_RETURN(const CatalogWebsite* site, websites_->Find(website));
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionOf(*site));
  if (check_duplicate) {
    IRIS_ASSIGN_OR_RETURN(auto matches, FindDuplicates(*site, *collection, image, top_k, trace));
    if (!matches.empty()) return CatalogSearchResult{true, std::move(matches), "", ""};
  }
  return Store(*site, *collection, image, trace);
}

Result<std::vector<CatalogMatch>> CatalogService::FindDuplicates(const std::string& website, const IngestedImage& image,
                                                                 int top_k, Trace& trace) {
  IRIS_ASSIGN_OR_RETURN(const CatalogWebsite* site, websites_->Find(website));
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionOf(*site));
  return FindDuplicates(*site, *collection, image, top_k, trace);
}

Result<CatalogSearchResult> CatalogService::StoreImage(const std::string& website, const IngestedImage& image,
                                                       Trace& trace) {
  IRIS_ASSIGN_OR_RETURN(const CatalogWebsite* site, websites_->Find(website));
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionOf(*site));
  return Store(*site, *collection, image, trace);
}

Result<std::vector<CatalogMatch>> CatalogService::FindDuplicates(const CatalogWebsite& site,
                                                                 const VectorCollection& collection,
                                                                 const IngestedImage& image, int top_k,
                                                                 Trace& trace) const {
  const std::string& own_id = image.hashes().sha256;
  std::vector<std::string> ids;
  IRIS_ASSIGN_OR_RETURN(bool stored, collection.Contains(own_id));
  if (stored) ids.push_back(own_id);  // the very same bytes
  IRIS_ASSIGN_OR_RETURN(auto check, collections_.CheckDuplicates(collection, image, trace));
  for (const auto& candidate : check.report.candidates) {
    if (!candidate.duplicate) break;  // duplicates come first
    if (candidate.id == own_id) continue;
    IRIS_ASSIGN_OR_RETURN(bool still_there, collection.Contains(candidate.id));
    if (still_there) ids.push_back(candidate.id);
  }
  if (ids.empty()) return std::vector<CatalogMatch>{};
  IRIS_ASSIGN_OR_RETURN(std::vector<float> query, collections_.EmbedImage(collection, image, trace));
  std::vector<CatalogMatch> matches;
  for (const auto& id : ids) {
    auto item = collection.Get(id);
    if (!item.ok() && item.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
    if (!item.ok()) return item.status();
    matches.push_back({id, CosineDistance(query, item->vector), site.url(id, item->metadata.value("blob_key", ""))});
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const CatalogMatch& a, const CatalogMatch& b) { return a.distance < b.distance; });
  if (matches.size() > static_cast<std::size_t>(top_k)) matches.resize(static_cast<std::size_t>(top_k));
  return matches;
}

Result<CatalogSearchResult> CatalogService::Store(const CatalogWebsite& site, const VectorCollection& collection,
                                                  const IngestedImage& image, Trace& trace) {
  const std::string id = image.hashes().sha256;
  const std::string content_type(ImageFormatMimeType(image.info().format));
  std::lock_guard lock(LockFor(id));
  std::string key;
  {
    ScopedStage stage(trace, "storage");
    IRIS_ASSIGN_OR_RETURN(key, site.blobs->Put(image.bytes(), content_type));
  }
  nlohmann::json metadata = {{"blob_key", key},
                             {"content_type", content_type},
                             {"bytes", image.bytes().size()},
                             {"source", image.source().substr(0, 256)}};
  if (Status indexed = collections_.UpsertImage(collection, id, image, std::move(metadata), trace); !indexed.ok()) {
    auto kept = collection.Contains(id);
    if (kept.ok() && !*kept && !SharedElsewhere(site, id)) {
      if (Status removed = site.blobs->Delete(key); !removed.ok()) {
        LogWarn("catalog.blob_cleanup_failed", {{"key", key}, {"error", removed.ToString()}});
      }
    }
    return indexed;
  }
  return CatalogSearchResult{false, {}, id, site.url(id, key)};
}

bool CatalogService::SharedElsewhere(const CatalogWebsite& site, const std::string& image_id) const {
  for (const auto& other : websites_->all()) {
    if (&other == &site || other.location != site.location) continue;
    auto collection = collections_.GetIfAny(other.collection);
    if (!collection.ok()) return true;  // cannot tell: keep the blob
    if (!*collection) continue;
    auto holds = (*collection)->Contains(image_id);
    if (!holds.ok() || *holds) return true;  // an engine that cannot answer: keep the blob
  }
  return false;
}

Result<CatalogDeleteResult> CatalogService::Delete(const std::string& website, const std::string& image_id,
                                                   Trace& trace) {
  IRIS_ASSIGN_OR_RETURN(const CatalogWebsite* site, websites_->Find(website));
  IRIS_RETURN_IF_ERROR(CheckImageId(image_id));
  IRIS_ASSIGN_OR_RETURN(auto collection, collections_.GetIfAny(site->collection));
  const Status not_found = NotFound("website " + site->name + " has no image " + image_id);
  if (!collection) return not_found;
  std::lock_guard lock(LockFor(image_id));
  auto item = collection->Get(image_id);
  if (!item.ok()) return item.status().code() == StatusCode::kNotFound ? not_found : item.status();
  const std::string key = item->metadata.value("blob_key", "");
  {
    ScopedStage stage(trace, "index");
    IRIS_RETURN_IF_ERROR(collections_.Delete(*collection, image_id));
  }
  CatalogDeleteResult result{image_id, false};
  if (!key.empty() && !SharedElsewhere(*site, image_id)) {
    ScopedStage stage(trace, "storage");
    IRIS_RETURN_IF_ERROR(site->blobs->Delete(key));
    result.blob_deleted = true;
  }
  return result;
}

Result<StoredImage> CatalogService::Open(const std::string& website, const std::string& image_id, Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(const CatalogWebsite* site, websites_->Find(website));
  IRIS_RETURN_IF_ERROR(CheckImageId(image_id));
  IRIS_ASSIGN_OR_RETURN(auto collection, collections_.GetIfAny(site->collection));
  const Status not_found = NotFound("website " + site->name + " has no image " + image_id);
  if (!collection) return not_found;
  auto item = collection->Get(image_id);
  if (!item.ok()) return item.status().code() == StatusCode::kNotFound ? not_found : item.status();
  ScopedStage stage(trace, "storage");
  StoredImage stored;
  stored.content_type = item->metadata.value("content_type", "application/octet-stream");
  IRIS_ASSIGN_OR_RETURN(stored.reader, site->blobs->OpenReader(item->metadata.value("blob_key", "")));
  return stored;
}

}  // namespace iris::app
