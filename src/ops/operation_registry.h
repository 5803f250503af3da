// OperationRegistry: every analysis operation Iris offers (operation_catalog.h), built once from the
// configuration (which supplies parameter defaults such as score floors and model names), and the
// one way a task is run:
//   1. an unknown type fails the task ("error", naming the available types);
//   2. the params are checked against the operation's declaration (ResolveArguments); a bad value
//      fails the task with a message naming the parameter;
//   3. when caching is on and the operation names a cache version, the result is looked up in /
//      stored to the result cache under (image sha256, type, checked arguments, version). Only
//      successful results are stored; concurrent identical tasks compute once (single-flight);
//   4. otherwise the operation runs; a failed Status becomes an "error" result with its message, and
//      an exception thrown by a dependency is caught and reported the same way (never a crash).
// Describe() is the body of GET /available_operations/ ({"operations": {type: {...}}}), generated
// from the declarations, so documentation and validation cannot drift apart.
//
// The `detector` parameter allows the face detectors of the model catalog given (CatalogModelNames);
// without one, of the catalog compiled into the binary.
//
// Thread-safety: immutable after construction; Run may be called concurrently with different contexts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/model_catalog.h"
#include "ops/analysis_context.h"
#include "ops/analysis_task.h"
#include "ops/operation.h"

namespace iris::ops {

class OperationRegistry {
 public:
  OperationRegistry(const AnalysisConfig& config, const std::string& default_clip, const models::ModelCatalog& catalog);
  OperationRegistry(const AnalysisConfig& config, const std::string& default_clip);

  const Operation* Find(std::string_view type) const;
  const std::vector<Operation>& operations() const { return operations_; }
  nlohmann::json Describe() const;

  OperationResult Run(AnalysisContext& ctx, const AnalysisTask& task) const;

 private:
  std::vector<Operation> operations_;
};

}  // namespace iris::ops
