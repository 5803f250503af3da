// Background jobs of the product routes (registered with every other job kind by app/job_kinds.h):
//
//   products.generate_batch   items "product:<id>" (or "product:<id> <image_url>"): fetch the
//                             product's image and index it (ProductService::Index).
//   products.generate_all     starts with one item "page:<n>"; a page item fetches page n of the
//                             product list (params.page_size products), appends one product item
//                             per product and, when the page was full, "page:<n+1>". Appending
//                             happens once per page even when a page item runs again after a crash.
//
// Failures worth retrying (catalog 5xx/429/timeouts, a full model queue) are kUnavailable or
// kResourceExhausted and retried with backoff by the runner; a 404 or a corrupt image fails the
// item for good and is listed in the job's errors.
#pragma once

#include <string>

#include "jobs/job_runner.h"

namespace iris::app {

class ProductService;

inline constexpr char kGenerateBatchJob[] = "products.generate_batch";
inline constexpr char kGenerateAllJob[] = "products.generate_all";
// Pages of the product list one generate-all job reads at most (a catalog that never ends a page
// short would otherwise loop forever).
inline constexpr int kMaxProductPages = 100'000;

std::string ProductItem(const std::string& product_id, const std::string& image_url = "");
std::string PageItem(int page);

// The handler of both product job kinds: runs one "product:" or "page:" item.
Status RunProductJobItem(ProductService& products, JobItemContext& ctx);

}  // namespace iris::app
