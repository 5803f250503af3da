#include "app/job_kinds.h"

#include "app/collection_jobs.h"
#include "app/product_jobs.h"

namespace iris::app {

Status RegisterJobKinds(JobRunner& runner, JobKindServices services) {
  ProductService& products = services.products;
  CollectionService& collections = services.collections;
  auto product_item = [&products](JobItemContext& ctx) { return RunProductJobItem(products, ctx); };
  IRIS_RETURN_IF_ERROR(runner.Register(kGenerateBatchJob, product_item));
  IRIS_RETURN_IF_ERROR(runner.Register(kGenerateAllJob, product_item));
  IRIS_RETURN_IF_ERROR(runner.Register(kGenerateImagesJob, [&shots = services.product_shots](JobItemContext& ctx) {
    return RunGenerateImagesItem(shots, ctx);
  }));

  // A product's image comes from the product catalog (its URL template when the item has no
  // image_url); any other item must name the URL its image came from.
  ReindexImageSource images = [&products, &ingestor = services.ingestor](
                                  const std::string& collection, const std::string& id,
                                  const std::string& url) -> Result<std::shared_ptr<IngestedImage>> {
    if (products.IsProductCollection(collection)) return products.FetchImage(id, url);
    if (url.empty()) return InvalidArgument("item '" + id + "' has no image_url in its metadata");
    return ingestor.FromUrl(url);
  };
  IRIS_RETURN_IF_ERROR(runner.Register(
      kReindexJob, [&collections, images](JobItemContext& ctx) { return RunReindexItem(collections, images, ctx); }));
  return runner.Register(kDedupScanJob,
                         [&collections](JobItemContext& ctx) { return RunDuplicateScanItem(collections, ctx); });
}

}  // namespace iris::app
