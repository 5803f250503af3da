#include "support/fake_catalog_server.h"

#include <nlohmann/json.hpp>

namespace iris::testing {
namespace {

int IntParam(const httplib::Request& req, const char* name, int fallback) {
  if (!req.has_param(name)) return fallback;
  try {
    return std::stoi(req.get_param_value(name));
  } catch (...) {
    return -1;
  }
}

}  // namespace

FakeCatalogServer::FakeCatalogServer() {
  server_.Get("/api/products", [this](const httplib::Request& req, httplib::Response& res) {
    const int page = IntParam(req, "page", 1), page_size = IntParam(req, "page_size", 10);
    if (page < 1 || page_size < 1) {
      res.status = 400;
      res.set_content(R"({"error": "bad page or page_size"})", "application/json");
      return;
    }
    nlohmann::json products = nlohmann::json::array();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = images_.begin();
      for (long skip = static_cast<long>(page - 1) * page_size; skip > 0 && it != images_.end(); --skip) ++it;
      for (int n = 0; n < page_size && it != images_.end(); ++n, ++it) products.push_back({{"id", it->first}});
    }
    res.set_content(nlohmann::json{{"products", products}, {"page", page}}.dump(), "application/json");
  });
  server_.Get(R"(/api/products/(\d+)/image)", [this](const httplib::Request& req, httplib::Response& res) {
    const int id = std::stoi(req.matches[1].str());
    if (const int delay = image_delay_ms_.load(); delay > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++image_requests_[id];
    if (auto f = failures_.find(id); f != failures_.end() && f->second.times > 0) {
      --f->second.times;
      res.status = f->second.status;
      return;
    }
    auto it = images_.find(id);
    if (it == images_.end()) {
      res.status = 404;
      return;
    }
    res.set_content(it->second, "image/jpeg");
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeCatalogServer::~FakeCatalogServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeCatalogServer::AddProduct(int id, std::string image_bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  images_[id] = std::move(image_bytes);
}

void FakeCatalogServer::FailImage(int id, int times, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_[id] = {times, status};
}

int FakeCatalogServer::ImageRequests(int id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = image_requests_.find(id);
  return it == image_requests_.end() ? 0 : it->second;
}

}  // namespace iris::testing
