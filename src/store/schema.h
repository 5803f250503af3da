// The Iris database schema: the ordered list of migrations Database::Open applies by default.
// Modules that need tables append a Migration to the list in schema.cc with the next version
// (never edit a released one). Thread-safe: the list is built once and never changes.
#pragma once

#include <vector>

#include "store/migration.h"

namespace iris {

const std::vector<Migration>& IrisMigrations();

}  // namespace iris
