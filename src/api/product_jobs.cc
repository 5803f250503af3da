#include "api/product_jobs.h"

#include <charconv>

#include "api/collection_writer.h"
#include "api/product_service.h"

namespace iris::api {
namespace {

constexpr std::string_view kProductPrefix = "product:";
constexpr std::string_view kPagePrefix = "page:";

struct ProductTask {
  std::string id;
  std::string image_url;
};

Result<ProductTask> ParseProductItem(std::string_view item) {
  item.remove_prefix(kProductPrefix.size());
  ProductTask task;
  const std::size_t space = item.find(' ');
  task.id = std::string(item.substr(0, space));
  if (space != std::string_view::npos) task.image_url = std::string(item.substr(space + 1));
  IRIS_RETURN_IF_ERROR(ValidateProductId(task.id));
  return task;
}

Status RunProductItem(AppServices& services, JobItemContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(ProductTask task, ParseProductItem(ctx.item));
  IRIS_ASSIGN_OR_RETURN(auto collection, ProductCollection(services));
  IRIS_ASSIGN_OR_RETURN(auto image, FetchProductImage(services, task.id, task.image_url));
  RequestContext local;  // image->source() is the URL fetched: the list's, or the template's
  IRIS_RETURN_IF_ERROR(IndexProduct(services, *collection, task.id, *image, image->source(), "catalog", local));
  ctx.result = {{"product_id", ProductIdJson(task.id)}, {"stages_ms", local.StagesJson()}};
  return Status::Ok();
}

Status RunPageItem(AppServices& services, JobItemContext& ctx) {
  const std::string_view text = std::string_view(ctx.item).substr(kPagePrefix.size());
  int page = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), page);
  if (error != std::errc() || end != text.data() + text.size() || page < 1) {
    return InvalidArgument("bad page item '" + ctx.item + "'");
  }
  const int page_size = ctx.params.value("page_size", services.products_config.page_size);
  const int start_page = ctx.params.value("start_page", 1);
  IRIS_ASSIGN_OR_RETURN(std::vector<ProductRef> products, services.products->FetchPage(page, page_size));
  std::vector<std::string> more;
  more.reserve(products.size() + 1);
  for (const ProductRef& p : products) more.push_back(ProductItem(p.id, p.image_url));
  const bool last = static_cast<int>(products.size()) < page_size || page - start_page + 1 >= kMaxProductPages;
  if (!last) more.push_back(PageItem(page + 1));
  IRIS_RETURN_IF_ERROR(ctx.AppendItems(more));
  ctx.result = {{"page", page}, {"products", products.size()}, {"last_page", last}};
  return Status::Ok();
}

Status RunReindexItem(AppServices& services, JobItemContext& ctx) {
  const std::string name = ctx.params.value("collection", "");
  IRIS_ASSIGN_OR_RETURN(auto collection, services.collections->Get(name));
  IRIS_ASSIGN_OR_RETURN(CollectionItem item, collection->index().Get(ctx.item));
  std::string url;
  if (item.metadata.contains("image_url") && item.metadata["image_url"].is_string()) {
    url = item.metadata["image_url"].get<std::string>();
  }
  const bool is_products = name == services.products_config.collection;
  std::shared_ptr<IngestedImage> image;
  if (is_products) {
    IRIS_ASSIGN_OR_RETURN(image, FetchProductImage(services, ctx.item, url));
  } else {
    if (url.empty()) return InvalidArgument("item '" + ctx.item + "' has no image_url in its metadata");
    IRIS_ASSIGN_OR_RETURN(image, services.ingestor->FromUrl(url));
  }
  RequestContext local;
  IRIS_RETURN_IF_ERROR(UpsertImageItem(services, *collection, ctx.item, *image, item.metadata, local));
  ctx.result = {{"id", ctx.item}};
  return Status::Ok();
}

}  // namespace

std::string ProductItem(const std::string& product_id, const std::string& image_url) {
  std::string item = std::string(kProductPrefix) + product_id;
  if (!image_url.empty()) item.append(" ").append(image_url);
  return item;
}

std::string PageItem(int page) { return std::string(kPagePrefix) + std::to_string(page); }

Status RegisterProductJobs(const std::shared_ptr<AppServices>& services) {
  std::weak_ptr<AppServices> weak = services;
  auto product_or_page = [weak](JobItemContext& ctx) -> Status {
    auto s = weak.lock();
    if (!s) return Unavailable("the server is shutting down");
    if (ctx.item.starts_with(kPagePrefix)) return RunPageItem(*s, ctx);
    if (ctx.item.starts_with(kProductPrefix)) return RunProductItem(*s, ctx);
    return InvalidArgument("unknown item '" + ctx.item + "'");
  };
  IRIS_RETURN_IF_ERROR(services->jobs->Register(kGenerateBatchJob, product_or_page));
  IRIS_RETURN_IF_ERROR(services->jobs->Register(kGenerateAllJob, product_or_page));
  return services->jobs->Register(kReindexJob, [weak](JobItemContext& ctx) -> Status {
    auto s = weak.lock();
    if (!s) return Unavailable("the server is shutting down");
    return RunReindexItem(*s, ctx);
  });
}

}  // namespace iris::api
