// FakeCatalogServer: a product catalog over real HTTP on 127.0.0.1 (an ephemeral port), for the
// end-to-end tests of the seed-002 product routes. It serves
//   GET /api/products?page=N&page_size=M   {"products": [{"id": 1}, ...], "page": N} in id order
//                                          (pages from 1; a short or empty page is the last)
//   GET /api/products/{id}/image           the product's image bytes (image/jpeg), 404 if unknown
// Point products.image_url_template at image_url_template() and products.list_url at list_url().
//
// Failure injection: FailImage(id, times, status) answers `status` to the next `times` image
// requests of that product; set_image_delay_ms slows every image answer. ImageRequests(id) counts
// the image requests received per product (failed ones included).
//
// Thread-safe: the server answers from a pool of threads; every accessor locks. The destructor
// stops the server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace iris::testing {

class FakeCatalogServer {
 public:
  FakeCatalogServer();
  ~FakeCatalogServer();
  FakeCatalogServer(const FakeCatalogServer&) = delete;
  FakeCatalogServer& operator=(const FakeCatalogServer&) = delete;

  // Adds or replaces a product (numeric ids, like the seed's catalog).
  void AddProduct(int id, std::string image_bytes);
  void FailImage(int id, int times, int status);
  void set_image_delay_ms(int ms) { image_delay_ms_ = ms; }
  int ImageRequests(int id) const;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string image_url_template() const { return base_url() + "/api/products/{id}/image"; }
  std::string list_url() const { return base_url() + "/api/products"; }
  std::string image_url(int id) const { return base_url() + "/api/products/" + std::to_string(id) + "/image"; }

 private:
  struct Failure {
    int times = 0;
    int status = 500;
  };

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> image_delay_ms_{0};
  mutable std::mutex mutex_;
  std::map<int, std::string> images_;
  std::map<int, Failure> failures_;
  std::map<int, int> image_requests_;
};

}  // namespace iris::testing
