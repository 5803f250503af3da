// The HTML of GET /docs: one self-contained page (inline CSS and script, no external resources:
// servers often have no internet) that fetches /openapi.json and renders every route with its
// parameters, request bodies and response schemas. Constant; thread-safe.
#pragma once

#include <string_view>

namespace iris::api {

std::string_view DocsPageHtml();

}  // namespace iris::api
