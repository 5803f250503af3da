#include "api/openapi.h"

#include <algorithm>
#include <cctype>

namespace iris::api {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "GET /tasks/{task_id}" -> "get_tasks_task_id": stable, unique per (method, path).
std::string OperationId(const RouteSpec& route) {
  std::string id = Lower(route.method) + "_";
  for (char c : route.path) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (id.back() != '_')
      id += '_';
  }
  while (id.back() == '_') id.pop_back();
  return id;
}

nlohmann::json Operation(const RouteSpec& route) {
  nlohmann::json op = {{"operationId", OperationId(route)}};
  if (!route.summary.empty()) op["summary"] = route.summary;
  if (!route.description.empty()) op["description"] = route.description;
  if (!route.tag.empty()) op["tags"] = {route.tag};
  if (!route.parameters.empty()) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : route.parameters) {
      nlohmann::json param = {
          {"name", p.name}, {"in", p.in}, {"required", p.in == "path" || p.required}, {"schema", p.schema}};
      if (!p.description.empty()) param["description"] = p.description;
      params.push_back(param);
    }
    op["parameters"] = params;
  }
  if (!route.request_bodies.empty()) {
    nlohmann::json content = nlohmann::json::object();
    bool required = false;
    std::string description;
    for (const auto& b : route.request_bodies) {
      content[b.content_type] = {{"schema", b.schema}};
      required = required || b.required;
      if (description.empty()) description = b.description;
    }
    op["requestBody"] = {{"required", required}, {"content", content}};
    if (!description.empty()) op["requestBody"]["description"] = description;
  }
  nlohmann::json responses = nlohmann::json::object();
  for (const auto& r : route.responses) {
    nlohmann::json response = {{"description", r.description.empty() ? "OK" : r.description}};
    if (!r.content_type.empty()) response["content"] = {{r.content_type, {{"schema", r.schema}}}};
    responses[std::to_string(r.status)] = response;
  }
  if (route.responses.empty()) responses["200"] = {{"description", "OK"}};
  responses["default"] = {
      {"description", "Error: 4xx/5xx with a JSON detail (429 and 503 carry Retry-After)"},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/ErrorDetail"}}}}}}}};
  op["responses"] = responses;
  // API keys (docs/security.md): required unless the server listens on loopback or server.auth = off.
  op["x-iris-access"] = RouteAccessName(route.access);
  op["security"] =
      route.access == RouteAccess::kPublic
          ? nlohmann::json::array()
          : nlohmann::json::array({{{"bearerKey", nlohmann::json::array()}}, {{"headerKey", nlohmann::json::array()}}});
  return op;
}

}  // namespace

nlohmann::json BuildOpenApiDocument(const std::vector<RouteSpec>& routes, std::string_view version) {
  nlohmann::json paths = nlohmann::json::object();
  nlohmann::json tags = nlohmann::json::array();
  std::vector<std::string> seen_tags;
  for (const auto& route : routes) {
    if (!route.documented) continue;
    paths[route.path][Lower(route.method)] = Operation(route);
    if (!route.tag.empty() && std::find(seen_tags.begin(), seen_tags.end(), route.tag) == seen_tags.end()) {
      seen_tags.push_back(route.tag);
      tags.push_back({{"name", route.tag}});
    }
  }
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Iris"},
        {"version", version},
        {"description", "Image understanding and visual search server. Errors are JSON {\"detail\": \"...\"}."}}},
      {"tags", tags},
      {"paths", paths},
      {"components",
       {{"schemas",
         {{"ErrorDetail",
           {{"type", "object"},
            {"properties", {{"detail", {{"type", "string"}, {"description", "what went wrong"}}}}},
            {"required", {"detail"}}}}}},
        {"securitySchemes",
         {{"bearerKey",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "Authorization: Bearer iris_<id>_<secret> (iris keys create)"}}},
          {"headerKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}}}}},
  };
}

}  // namespace iris::api
