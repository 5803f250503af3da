// The models POST /process-image needs (YOLOX-Nano, YuNet, ISNet), installed once per test process from
// ../shared/models into a temporary models dir (through `iris models pull --model-mirror`).
#pragma once

#include <filesystem>
#include <stdexcept>

#include "e2e_http.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {

inline const std::filesystem::path& ProcessImageModelsDir() {
  static TempDir* dir = [] {
    auto* d = new TempDir();  // lives until the process ends
    const auto r = RunCommand(IrisBinary() + " models pull yolox-nano yunet isnet-general-small-int8 --models-dir " +
                              (d->path() / "models").string() + " --model-mirror " + RequireShared("models").string());
    if (r.exit_code != 0) throw std::runtime_error("installing models failed: " + r.output);
    return d;
  }();
  static const std::filesystem::path path = dir->path() / "models";
  return path;
}

}  // namespace iris::testing
