// The web console's static files (src/console/), compiled into the binary by cmake/embed_files.cmake, so
// `iris serve` needs nothing on disk to serve the page at `/` (docs/console.md). Constant data; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace iris::api {

struct EmbeddedFile {
  std::string_view name;   // the file's path under src/console/, e.g. "console.js"
  std::string_view bytes;  // its content, verbatim
};

// Every console file, in the order src/api/CMakeLists.txt lists them (generated).
std::span<const EmbeddedFile> ConsoleAssetFiles();

// The file named `name`, or nullptr.
const EmbeddedFile* FindConsoleAsset(std::string_view name);

// The media type served for a console file, by its extension (.html, .css, .js, .svg; else text/plain).
std::string_view ConsoleContentType(std::string_view name);

}  // namespace iris::api
