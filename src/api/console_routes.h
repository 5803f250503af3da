// The web console's routes: GET / (the page) and GET /console/{file} (its scripts and styles), served from
// the files compiled into the binary (console_assets.h). Every answer carries a Content-Security-Policy
// that lets the page load and fetch only from the server that served it (no CDN, nothing sent elsewhere),
// X-Content-Type-Options: nosniff and an ETag (If-None-Match -> 304). Register once at start-up.
#pragma once

#include "api/app.h"
#include "core/status.h"

namespace iris::api {

Status RegisterConsoleRoutes(App& app);

// The Content-Security-Policy value sent with every console file.
extern const char kConsoleContentSecurityPolicy[];

}  // namespace iris::api
