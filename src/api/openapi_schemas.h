// JSON-schema fragments shared by route documentation (what an image input looks like, ...).
#pragma once

#include <nlohmann/json.hpp>

namespace iris::api {

// multipart/form-data with the image file in `file` (also accepted: `image`, `image_file`).
nlohmann::json ImageUploadSchema(const nlohmann::json& extra_properties = nlohmann::json::object());
// application/json {"image_url": "..."}.
nlohmann::json ImageUrlSchema(const nlohmann::json& extra_properties = nlohmann::json::object());

}  // namespace iris::api
