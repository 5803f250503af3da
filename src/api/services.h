// RegisterServices: the one place where `iris serve` opens what its routes need (storage,
// models, indexes) and adds those routes, readiness checks, metrics collectors and shutdown
// hooks to the App. Called once by RunServer after the built-in routes and before the server
// listens. A non-OK Status aborts start-up (exit code 1).
#pragma once

#include "api/app.h"
#include "core/status.h"

namespace iris::api {

Status RegisterServices(App& app);

}  // namespace iris::api
