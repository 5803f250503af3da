#include "vector_engines/catalog_description.h"

#include <cstdio>
#include <random>

#include "index/vector_metric.h"

namespace iris {

nlohmann::json CatalogDescriptionJson(const CollectionDescription& d, const std::string& instance) {
  return {{"name", d.name},
          {"model", d.model},
          {"dim", d.index.dim},
          {"metric", std::string(MetricName(d.index.metric))},
          {"m", d.index.m},
          {"ef_construction", d.index.ef_construction},
          {"ef_search", d.index.ef_search},
          {"created", d.created},
          {"instance", instance}};
}

Result<CollectionDescription> CatalogDescriptionFromJson(const nlohmann::json& json, std::string_view engine) {
  try {
    CollectionDescription d;
    d.name = json.at("name").get<std::string>();
    d.model = json.at("model").get<std::string>();
    d.index.dim = json.at("dim").get<int>();
    auto metric = ParseMetric(json.at("metric").get<std::string>());
    if (!metric) return Internal("catalog entry of '" + d.name + "' names an unknown metric");
    d.index.metric = *metric;
    d.index.m = json.at("m").get<int>();
    d.index.ef_construction = json.at("ef_construction").get<int>();
    d.index.ef_search = json.at("ef_search").get<int>();
    d.created = json.value("created", "");
    return d;
  } catch (const nlohmann::json::exception& e) {
    std::string message = "a ";
    message += engine;
    message += " catalog entry Iris cannot read: ";
    message += e.what();
    return Internal(std::move(message));
  }
}

std::string RandomCatalogInstance() {
  std::random_device device;
  char out[17];
  std::snprintf(out, sizeof(out), "%08x%08x", device(), device());
  return out;
}

Status ValidateHnswSettings(const CollectionOptions& index) {
  if (index.m < 2 || index.m > 100) return InvalidArgument("m must be in [2, 100]");
  if (index.ef_construction < 1 || index.ef_search < 1) {
    return InvalidArgument("ef_construction and ef_search must be >= 1");
  }
  return {};
}

}  // namespace iris
