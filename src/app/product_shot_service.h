// ProductShotService: generated product shots of the jewelry catalog (seeds 003/004: POST /generate-images,
// POST /regenerate-image; contract in docs/product-shots.md, differences from the seed in docs/compat.md).
//
//   Plan        checks a request before anything is made or stored: the product type and its shot types
//               (app/product_shot_types.h; default list when none is given, cut to num_images), height and
//               width for the types that need them, and the original: a URL of a file stored for a
//               configured website (app/catalog_blob_locator.h) that exists and is an image.
//   Generate    makes every planned shot in parallel (one thread per shot): the white-background type
//               locally (ISNet cut-out on white, vision/product_cutout.h; no provider), the others through
//               the image-edit provider (providers/image_edit_client.h, which bounds the calls in flight by
//               generation.max_concurrency and retries 429/5xx with backoff and Retry-After). Each shot is
//               stored in the original's website location as soon as it is made; a shot that fails is
//               reported in `failed` with its reason and the others go on. Then the ZIP of the stored shots
//               (plus manifest.json, which records the set) is written to a temporary file with libzip and
//               stored. When every shot failed nothing is stored and the error names each failure (its
//               code is the first failure's).
//   Submit      the same Generate as a background job ("catalog.generate_images", one item; GET /tasks/{id}
//               shows its progress and, when done, the reply as the item's result).
//   Regenerate  one shot of a set made again: the set is read from its ZIP (zip_url, read with the store's
//               credentials), the shot picked by prompt_index, image_type or its image_url; the new shot is
//               stored first, then a new ZIP with it in place of the old one. Nothing is deleted: the old
//               shot and ZIP stay valid for clients that hold their URLs (blobs are content-addressed and may
//               be shared). If the new shot cannot be made, the set is unchanged and the error is returned.
//
// Blobs are content-addressed: a repeat of a deterministic shot (white background) or of a whole set gives
// the same keys and ZIP. Errors: Unprocessable (422) for bad requests (each names the field), NotFound (404)
// for an original or ZIP that the store does not hold, UnsupportedMedia (415) for an original that is not an
// image; storage errors as the blob store gives them. Stage timings go to the Trace.
// Thread-safety: every method is thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/catalog_blob_locator.h"
#include "app/catalog_websites.h"
#include "app/image_library.h"
#include "app/product_shot_types.h"
#include "core/config.h"
#include "core/trace.h"
#include "ingest/image_ingestor.h"
#include "jobs/job_runner.h"
#include "providers/image_edit_client.h"
#include "vision/model_registry.h"

namespace iris::app {

inline constexpr char kGenerateImagesJob[] = "catalog.generate_images";
inline constexpr int kMaxShotsPerRequest = 10;

struct GenerateRequest {
  std::string s3_url;        // the original (the seed's `s3_urls`)
  std::string product_type;  // earring, bracelet, necklace
  int num_images = 4;        // 1..kMaxShotsPerRequest: at most this many of the types
  std::optional<std::vector<int>> image_types;
  std::string height, width;  // for the types that need them (3, Dimension Image)
  std::string website;        // optional: must be the original's website

  nlohmann::json ToJson() const;
  static Result<GenerateRequest> FromJson(const nlohmann::json& j);
};

struct RegenerateRequest {
  std::string zip_url;  // the set (as /generate-images replied)
  std::optional<int> prompt_index;
  std::optional<int> image_type;
  std::string image_url;      // or the shot's own URL
  std::string original_url;   // optional: must be the set's original
  std::string height, width;  // optional: replace the set's
  std::string website;        // optional: must be the set's website
};

struct Shot {
  int prompt_index = 0;
  const ShotType* type = nullptr;
  std::string key;  // stored blob
  std::string mime;
  std::string url;
};

struct FailedShot {
  int prompt_index = 0;
  const ShotType* type = nullptr;
  Status error;
};

struct ShotSet {
  const CatalogWebsite* site = nullptr;
  const ProductShotList* product = nullptr;
  std::string original_key, original_url;
  std::string height, width;
  std::vector<std::pair<int, const ShotType*>> requested;  // prompt_index, type
  std::vector<Shot> shots;                                 // stored, by prompt_index
  std::vector<FailedShot> failed;
  std::string zip_key, zip_url;
  std::optional<int> regenerated;  // prompt_index, after Regenerate
};

// The reply of both routes: {original_image_url, gen_images: [{prompt_index, image_url, image_type,
// image_type_name}], zip_url, failed: [{prompt_index, image_type, image_type_name, error}]} (+ regenerated).
nlohmann::json ShotSetJson(const ShotSet& set);

class ProductShotService {
 public:
  ProductShotService(std::shared_ptr<const CatalogWebsites> websites, ModelRegistry& models,
                     const ImageIngestor& ingestor, const ImageEditClient& editor, const ProductShotTypes& types,
                     GenerationConfig config, std::filesystem::path temp_dir, JobRunner& jobs);

  Result<ShotSet> Plan(const GenerateRequest& request, Trace& trace) const;
  Result<ShotSet> Generate(const GenerateRequest& request, Trace& trace) const;
  Result<std::string> Submit(const GenerateRequest& request, Trace& trace) const;
  Result<ShotSet> Regenerate(const RegenerateRequest& request, Trace& trace) const;
  // A stored file of a website's location by its SHA-256 (the filesystem backend's file_url), with its
  // media type from its magic bytes (PNG, JPEG, WebP, ZIP; else application/octet-stream).
  Result<StoredImage> OpenFile(const std::string& website, const std::string& sha256, Trace& trace) const;

 private:
  Result<std::shared_ptr<IngestedImage>> ReadOriginal(const CatalogBlobRef& ref, Trace& trace) const;
  // Makes and stores one shot; `bytes` receives its encoded image.
  Result<Shot> MakeShot(const ShotSet& set, const IngestedImage& original, int prompt_index, const ShotType& type,
                        std::string& bytes) const;
  Result<std::string> MakeImage(const IngestedImage& original, const ShotType& type, const std::string& height,
                                const std::string& width, std::string& mime) const;
  // Writes and stores the ZIP of set.shots (`bytes` gives each shot's encoded image).
  Status StoreZip(ShotSet& set, const std::vector<std::string>& bytes, Trace& trace) const;
  Result<ShotSet> ReadSet(const CatalogBlobRef& zip, std::vector<std::string>& bytes, Trace& trace) const;

  std::shared_ptr<const CatalogWebsites> websites_;
  ModelRegistry& models_;
  const ImageIngestor& ingestor_;
  const ImageEditClient& editor_;
  const ProductShotTypes& types_;
  GenerationConfig config_;
  std::filesystem::path temp_dir_;
  JobRunner& jobs_;
};

// The handler of kGenerateImagesJob: runs Generate with the job's params; the reply is the item's result.
Status RunGenerateImagesItem(const ProductShotService& service, JobItemContext& ctx);

}  // namespace iris::app
