// The routes every Iris server has, whatever else is configured: GET /healthz (liveness),
// GET /readyz (readiness checks; 503 while not ready or shutting down), GET /metrics
// (Prometheus), GET /openapi.json and GET /docs. With App::test_routes_enabled() also
// GET /v1/debug/sleep?ms=N, a slow request for shutdown and overload tests (never in production).
#pragma once

#include "api/app.h"
#include "core/status.h"

namespace iris::api {

Status RegisterBuiltinRoutes(App& app);

}  // namespace iris::api
