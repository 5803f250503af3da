// ModelRegistry: the process's loaded models (one of the two allowed pieces of global mutable
// state, owned by the server and passed by reference). It resolves a model name to installed files
// -- a catalog model under models.dir (models::ModelStore) or a local folder from models.local -- and
// loads it once, on first use or at Preload, sharing the sessions and batchers with every request.
// Concurrent first uses of one name load it once; the others wait for that load. A failed load is
// not remembered (a later request retries, e.g. after `iris models pull`).
//
// Errors: NotFound for an unknown name; FailedPrecondition "model 'X' is not installed; install it
// with: iris models pull X" when the files are missing; FailedPrecondition when the model is not of
// the asked kind (e.g. a detector asked for as CLIP).
// Thread-safety: every method is thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "models/model_store.h"
#include "vision/clip_model.h"

namespace iris {

struct LoadedModelInfo {
  std::string name;
  std::string kind;      // "clip"
  std::string provider;  // execution provider of the main session
  int dim = 0;
  BatcherStats stats;
};

class ModelRegistry {
 public:
  ModelRegistry(const Config& config, std::shared_ptr<const models::ModelStore> store);

  // The CLIP model `name` (empty: models.default_clip).
  Result<std::shared_ptr<const ClipModel>> Clip(std::string_view name);

  // Loads every named model now (e.g. models.preload at start-up); the first failure is returned.
  Status Preload(const std::vector<std::string>& names);

  std::vector<LoadedModelInfo> Loaded() const;
  const std::string& default_clip() const { return default_clip_; }

 private:
  Result<ClipModelFiles> ClipFilesFor(const std::string& name) const;

  RuntimeConfig runtime_;
  std::string default_clip_;
  std::shared_ptr<const models::ModelStore> store_;
  std::map<std::string, std::filesystem::path> local_;  // name -> folder

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ClipModel>> clip_;
  std::map<std::string, std::shared_ptr<std::mutex>> loading_;  // one load per name at a time
};

// Parses models.local entries "name=DIR".
Result<std::map<std::string, std::filesystem::path>> ParseLocalModels(const std::vector<std::string>& entries);

}  // namespace iris
