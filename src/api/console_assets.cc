#include "api/console_assets.h"

namespace iris::api {

const EmbeddedFile* FindConsoleAsset(std::string_view name) {
  for (const EmbeddedFile& file : ConsoleAssetFiles()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

std::string_view ConsoleContentType(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "text/plain; charset=utf-8";
}

}  // namespace iris::api
