#include "products/product_catalog.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

namespace iris {
namespace {

TEST(ProductIdTest, IdsAreValidatedAndNumericOnesStayNumbers) {
  EXPECT_TRUE(ValidateProductId("20").ok());
  EXPECT_TRUE(ValidateProductId("SKU-12_a.b").ok());
  for (const char* bad : {"", "a/b", "..", "a b", "x?y", "%2e"}) EXPECT_FALSE(ValidateProductId(bad).ok()) << bad;
  EXPECT_FALSE(ValidateProductId(std::string(129, 'a')).ok());
  EXPECT_EQ(ProductIdJson("20"), nlohmann::json(20));
  EXPECT_EQ(ProductIdJson("0"), nlohmann::json(0));
  EXPECT_EQ(ProductIdJson("020"), nlohmann::json("020"));
  EXPECT_EQ(ProductIdJson("SKU-1"), nlohmann::json("SKU-1"));
  EXPECT_EQ(ProductIdJson("99999999999999999999"), nlohmann::json("99999999999999999999"));
  EXPECT_EQ(*ProductIdFromJson(29), "29");
  EXPECT_EQ(*ProductIdFromJson("abc"), "abc");
  EXPECT_FALSE(ProductIdFromJson(-1).ok());
  EXPECT_FALSE(ProductIdFromJson(1.5).ok());
  EXPECT_FALSE(ProductIdFromJson(nullptr).ok());
  EXPECT_FALSE(ProductIdFromJson("../etc").ok());
}

TEST(ProductPageTest, AcceptsTheCommonListShapes) {
  auto plain = ParseProductPage("[1, 2, \"x-3\"]");
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->size(), 3u);
  EXPECT_EQ((*plain)[2].id, "x-3");
  auto wrapped = ParseProductPage(R"({"products": [{"id": 7, "image_url": "https://a/7.jpg"}, {"product_id": "8"}]})");
  ASSERT_TRUE(wrapped.ok()) << wrapped.status().ToString();
  EXPECT_EQ((*wrapped)[0].id, "7");
  EXPECT_EQ((*wrapped)[0].image_url, "https://a/7.jpg");
  EXPECT_EQ((*wrapped)[1].id, "8");
  EXPECT_TRUE((*wrapped)[1].image_url.empty());
  for (const char* key : {"items", "data", "results"}) {
    auto page = ParseProductPage(nlohmann::json{{key, {1}}}.dump());
    ASSERT_TRUE(page.ok()) << key;
    EXPECT_EQ(page->size(), 1u);
  }
  EXPECT_TRUE(ParseProductPage("[]")->empty());
}

TEST(ProductPageTest, RefusesWhatIsNotAProductList) {
  for (const char* bad :
       {"", "not json", "{}", "{\"products\": 3}", "[{\"name\": \"no id\"}]", "[true]", "[-4]", "[\"a/b\"]"}) {
    auto page = ParseProductPage(bad);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  // A hostile list server's deeply nested page is refused before it is built.
  auto deep = ParseProductPage("{\"products\": [" + std::string(70'000, '[') + std::string(70'000, ']') + "]}");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(), "the product list page: JSON nested deeper than 64 levels");
}

TEST(ProductCatalogTest, UrlsComeFromTheConfiguredTemplates) {
  ProductsConfig products;
  auto none = ProductCatalog::Create(products, IngestConfig{});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->ImageUrl("1").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*none)->ListUrl(1, 10).status().code(), StatusCode::kFailedPrecondition);

  products.image_url_template = "https://shop.example/api/products/{id}/image";
  products.list_url = "https://shop.example/api/products?sort=id";
  auto catalog = ProductCatalog::Create(products, IngestConfig{});
  ASSERT_TRUE(catalog.ok());
  EXPECT_EQ(*(*catalog)->ImageUrl("20"), "https://shop.example/api/products/20/image");
  EXPECT_FALSE((*catalog)->ImageUrl("../admin").ok());
  EXPECT_EQ(*(*catalog)->ListUrl(3, 10), "https://shop.example/api/products?sort=id&page=3&page_size=10");
  products.list_url = "https://shop.example/p/{page}?n={page_size}";
  EXPECT_EQ(*(*ProductCatalog::Create(products, IngestConfig{}))->ListUrl(2, 5), "https://shop.example/p/2?n=5");

  products.list_url = "ftp://shop.example/list";
  EXPECT_FALSE(ProductCatalog::Create(products, IngestConfig{}).ok());
}

TEST(ProductCatalogTest, FetchesPagesFromTheConfiguredHostAndMarksServerErrorsRetryable) {
  httplib::Server server;
  server.Get("/list", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("page") == "2") {
      res.status = 503;
      return;
    }
    res.set_content(R"({"products": [{"id": 1}, {"id": 2}]})", "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  ProductsConfig products;
  products.list_url = "http://127.0.0.1:" + std::to_string(port) + "/list";  // loopback: trusted as configured
  auto catalog = ProductCatalog::Create(products, IngestConfig{});
  ASSERT_TRUE(catalog.ok());
  auto page = (*catalog)->FetchPage(1, 2);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->size(), 2u);
  auto failing = (*catalog)->FetchPage(2, 2);
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(failing.status().message().find("product list page 2"), std::string::npos);
  // A client-supplied URL to loopback is still refused.
  auto image = (*catalog)->ingestor().FromUrl("http://localhost:" + std::to_string(port) + "/list");
  EXPECT_FALSE(image.ok());
  server.stop();
  thread.join();
}

}  // namespace
}  // namespace iris
