// CatalogService: the jewelry catalog of seeds 003/004 (POST /image_similarity_search, POST /delete_image,
// GET /catalog/{website}/images/{image_id}). Each website (app/catalog_websites.h) is one collection of
// CollectionService ("catalog-<website>", created on first use with catalog.model) holding one item per
// stored image, and one blob store location holding the bytes. An item's id is the SHA-256 of its bytes
// (the image_name the routes reply with); its metadata keeps the blob key, content type, byte size and
// the client's file name ("source", as metadata only: keys never carry it).
//
//   SimilaritySearch  check_duplicate: the near-duplicate engine (CollectionService::Duplicates: hash,
//             local features + geometry over several candidates, not a top-1 cosine threshold) plus the
//             exact-bytes case; duplicates -> up to top_k matches {id, distance = 1 - cosine of the
//             embeddings, url}, nothing stored. Otherwise (or check_duplicate false): the blob is stored,
//             then the item indexed (vector + duplicate signature); storing the same bytes again is a no-op
//             returning the same image.
//   Delete    removes the item (vector and duplicate signature) and then the blob, unless another website
//             with the same storage location still indexes the same bytes.
//   Open      the stored bytes of an item (for the filesystem backend's image URLs).
//
// A store and a delete of equal bytes are serialised (striped locks by content hash), so a delete never
// removes a blob an upload is about to index. Stage timings go to the Trace.
// Errors: kUnprocessable for an unknown website (naming the configured ones) or an image the model cannot
// take; kNotFound for an unknown image; storage errors as the blob store gives them (kUnavailable for an
// unreachable S3). If indexing fails after the blob was stored, the blob is removed again (unless shared).
// Thread-safety: every method is thread-safe.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/catalog_websites.h"
#include "app/collection_service.h"
#include "app/image_library.h"
#include "core/trace.h"
#include "ingest/image_ingestor.h"

namespace iris::app {

struct CatalogMatch {
  std::string id;
  double distance = 0;  // 1 - cosine similarity (lower = closer), the seed's meaning
  std::string url;
};

struct CatalogSearchResult {
  bool duplicate_found = false;
  std::vector<CatalogMatch> matches;  // when duplicate_found
  std::string image_name;             // when stored: the image id
  std::string url;                    // when stored
};

struct CatalogDeleteResult {
  std::string image_name;
  bool blob_deleted = false;  // false when another website still indexes the same bytes
};

class CatalogService {
 public:
  CatalogService(CollectionService& collections, std::shared_ptr<const CatalogWebsites> websites, std::string model)
      : collections_(collections), websites_(std::move(websites)), model_(std::move(model)) {}

  const CatalogWebsites& websites() const { return *websites_; }

  // `image` must decode (the caller checks); top_k >= 1. FindDuplicates, then StoreImage when none.
  Result<CatalogSearchResult> SimilaritySearch(const std::string& website, const IngestedImage& image, int top_k,
                                               bool check_duplicate, Trace& trace);
  // The duplicate check alone: up to top_k matches, closest first (empty: not a duplicate). Stores nothing.
  Result<std::vector<CatalogMatch>> FindDuplicates(const std::string& website, const IngestedImage& image, int top_k,
                                                   Trace& trace);
  // Stores and indexes `image` without a duplicate check (the same bytes again: the same image, no change).
  Result<CatalogSearchResult> StoreImage(const std::string& website, const IngestedImage& image, Trace& trace);
  Result<CatalogDeleteResult> Delete(const std::string& website, const std::string& image_id, Trace& trace);
  Result<StoredImage> Open(const std::string& website, const std::string& image_id, Trace& trace) const;

 private:
  Result<std::vector<CatalogMatch>> FindDuplicates(const CatalogWebsite& site, const VectorCollection& collection,
                                                   const IngestedImage& image, int top_k, Trace& trace) const;
  Result<CatalogSearchResult> Store(const CatalogWebsite& site, const VectorCollection& collection,
                                    const IngestedImage& image, Trace& trace);
  // The website's collection, created on first use with catalog.model.
  Result<std::shared_ptr<const VectorCollection>> CollectionOf(const CatalogWebsite& site);
  // Whether a website other than `site` at the same location indexes `image_id`.
  bool SharedElsewhere(const CatalogWebsite& site, const std::string& image_id) const;
  std::mutex& LockFor(const std::string& image_id);

  CollectionService& collections_;
  std::shared_ptr<const CatalogWebsites> websites_;
  std::string model_;
  std::array<std::mutex, 64> content_locks_;
};

}  // namespace iris::app
