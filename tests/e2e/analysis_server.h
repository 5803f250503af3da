// Starting `iris serve` for the analysis API tests: the real models from ../shared/models are
// installed once per test process into a temporary models dir with `iris models pull` (the shared
// folder is the mirror, as on a machine without internet), and the CLIP stand-in with known answers
// (clip-standin-colors, served as "colors") is the default CLIP model.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "e2e_http.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {

inline const std::vector<std::string>& AnalysisModels() {
  static const std::vector<std::string> names = {"yolox-nano", "yunet", "ultraface-rfb-320", "ultraface-rfb-640",
                                                 "mobilefacenet"};
  return names;
}

// A models dir with AnalysisModels() installed (pulled once per process).
inline std::filesystem::path InstalledModelsDir() {
  std::string names;
  for (const auto& n : AnalysisModels()) names += (names.empty() ? "" : " ") + n;
  return ModelsDirWith(names);
}

// `models_dir` empty: InstalledModelsDir().
inline std::vector<std::string> AnalysisServerArgs(const std::filesystem::path& classifiers_dir,
                                                   const std::filesystem::path& models_dir = {}) {
  return {"--models-dir",         models_dir.empty() ? InstalledModelsDir().string() : models_dir.string(),
          "--local-models",       "colors=" + RequireShared("models/clip-standin-colors").string(),
          "--default-clip-model", "colors",
          "--classifiers-dir",    classifiers_dir.string(),
          "--fetch-allow-hosts",  "127.0.0.1"};
}

inline std::unique_ptr<ServerProcess> StartAnalysisServer(const std::filesystem::path& classifiers_dir,
                                                          std::vector<std::string> extra = {},
                                                          std::map<std::string, std::string> env = {},
                                                          const std::filesystem::path& models_dir = {}) {
  auto args = AnalysisServerArgs(classifiers_dir, models_dir);
  args.insert(args.end(), extra.begin(), extra.end());
  return ServerProcess::Start(ServeWith(args, env));
}

// POST /analyze_image_upload/ with a file and a task list (a vector, so one task is still a list).
inline httplib::Result AnalyzeUpload(httplib::Client& client, const std::string& bytes, const std::string& file_name,
                                     const std::vector<nlohmann::json>& tasks) {
  httplib::MultipartFormDataItems items = {{"image_file", bytes, file_name, "application/octet-stream"},
                                           {"tasks_json", nlohmann::json(tasks).dump(), "", ""}};
  return client.Post("/analyze_image_upload/", items);
}

}  // namespace iris::testing
