#include "app/product_jobs.h"

#include <charconv>

#include "app/product_service.h"

namespace iris::app {
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

Status RunProductItem(ProductService& products, JobItemContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(ProductTask task, ParseProductItem(ctx.item));
  IRIS_ASSIGN_OR_RETURN(auto collection, products.Collection());
  IRIS_ASSIGN_OR_RETURN(auto image, products.FetchImage(task.id, task.image_url));
  Trace trace;  // image->source() is the URL fetched: the list's, or the template's
  IRIS_RETURN_IF_ERROR(products.Index(*collection, task.id, *image, image->source(), "catalog", trace));
  ctx.result = {{"product_id", ProductIdJson(task.id)}, {"stages_ms", trace.StagesJson()}};
  return Status::Ok();
}

Status RunPageItem(ProductService& products, JobItemContext& ctx) {
  const std::string_view text = std::string_view(ctx.item).substr(kPagePrefix.size());
  int page = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), page);
  if (error != std::errc() || end != text.data() + text.size() || page < 1) {
    return InvalidArgument("bad page item '" + ctx.item + "'");
  }
  const int page_size = ctx.params.value("page_size", products.config().page_size);
  const int start_page = ctx.params.value("start_page", 1);
  IRIS_ASSIGN_OR_RETURN(std::vector<ProductRef> refs, products.catalog().FetchPage(page, page_size));
  std::vector<std::string> more;
  more.reserve(refs.size() + 1);
  for (const ProductRef& p : refs) more.push_back(ProductItem(p.id, p.image_url));
  const bool last = static_cast<int>(refs.size()) < page_size || page - start_page + 1 >= kMaxProductPages;
  if (!last) more.push_back(PageItem(page + 1));
  IRIS_RETURN_IF_ERROR(ctx.AppendItems(more));
  ctx.result = {{"page", page}, {"products", refs.size()}, {"last_page", last}};
  return Status::Ok();
}

}  // namespace

std::string ProductItem(const std::string& product_id, const std::string& image_url) {
  std::string item = std::string(kProductPrefix) + product_id;
  if (!image_url.empty()) item.append(" ").append(image_url);
  return item;
}

std::string PageItem(int page) { return std::string(kPagePrefix) + std::to_string(page); }

Status RunProductJobItem(ProductService& products, JobItemContext& ctx) {
  if (ctx.item.starts_with(kPagePrefix)) return RunPageItem(products, ctx);
  if (ctx.item.starts_with(kProductPrefix)) return RunProductItem(products, ctx);
  return InvalidArgument("unknown item '" + ctx.item + "'");
}

}  // namespace iris::app
