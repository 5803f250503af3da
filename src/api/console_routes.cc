#include "api/console_routes.h"

#include <cstdio>
#include <functional>
#include <string>

#include "api/console_assets.h"

namespace iris::api {

// Scripts, styles, fetches and images from this origin only; images also from blob: and data: URLs (the
// reduced previews the page draws from a dropped file). No inline script, no framing.
const char kConsoleContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

namespace {

std::string EtagOf(std::string_view bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "\"%016zx\"", std::hash<std::string_view>{}(bytes));
  return text;
}

HttpResponse ServeAsset(const EmbeddedFile& file, const httplib::Request& req) {
  std::string etag = EtagOf(file.bytes);
  HttpResponse response = req.get_header_value("If-None-Match") == etag
                              ? HttpResponse::Text("", std::string(ConsoleContentType(file.name)), 304)
                              : HttpResponse::Text(std::string(file.bytes), std::string(ConsoleContentType(file.name)));
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("Content-Security-Policy", kConsoleContentSecurityPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

}  // namespace

Status RegisterConsoleRoutes(App& app) {
  IRIS_RETURN_IF_ERROR(app.router().Add(
      RouteSpec::Get("/")
          .Public()
          .Summary("Web console")
          .Description("The console page (docs/console.md): analyse an image, ask for a region, browse and search "
                       "collections, the catalog, jobs, models and health. Static, embedded in the binary.")
          .Tag("console")
          .Returns(200, "HTML page", "text/html", {{"type", "string"}}),
      [](const httplib::Request& req, RequestContext&) -> Result<HttpResponse> {
        const EmbeddedFile* index = FindConsoleAsset("index.html");
        if (index == nullptr) return Internal("the console's index.html is not embedded");
        return ServeAsset(*index, req);
      }));
  return app.router().Add(RouteSpec::Get("/console/{file}")
                              .Public()
                              .Summary("A web console file (script or style)")
                              .Description("One of the console's embedded files; 404 for any other name.")
                              .Tag("console")
                              .Returns(200, "The file", "text/javascript", {{"type", "string"}})
                              .Returns(404, "No such console file"),
                          [](const httplib::Request& req, RequestContext& ctx) -> Result<HttpResponse> {
                            std::string name = ctx.PathParam("file");
                            const EmbeddedFile* file = FindConsoleAsset(name);
                            if (file == nullptr || name == "index.html")
                              return NotFound("no console file named '" + name + "'");
                            return ServeAsset(*file, req);
                          });
}

}  // namespace iris::api
