#include "api/openapi_schemas.h"

namespace iris::api {

nlohmann::json ImageUploadSchema(const nlohmann::json& extra_properties) {
  nlohmann::json props = {{"file", {{"type", "string"}, {"format", "binary"}, {"description", "the image"}}}};
  props.update(extra_properties);
  return {{"type", "object"}, {"properties", props}, {"required", {"file"}}};
}

nlohmann::json ImageUrlSchema(const nlohmann::json& extra_properties) {
  nlohmann::json props = {
      {"image_url", {{"type", "string"}, {"format", "uri"}, {"description", "http(s) URL of the image"}}}};
  props.update(extra_properties);
  return {{"type", "object"}, {"properties", props}, {"required", {"image_url"}}};
}

}  // namespace iris::api
