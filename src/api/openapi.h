// BuildOpenApiDocument: the OpenAPI 3.1 document for a set of routes (from Router::routes()).
// Every operation documents its own responses plus the shared error schema ErrorDetail
// ({"detail": string}) as its "default" response. Pure function; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "api/router.h"

namespace iris::api {

nlohmann::json BuildOpenApiDocument(const std::vector<RouteSpec>& routes, std::string_view version);

}  // namespace iris::api
