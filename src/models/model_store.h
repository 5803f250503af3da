// ModelStore: the installed models on disk, laid out as <models_dir>/<model name>/<file path>,
// and the operations on them: Pull (install with sha256 verification), Verify (re-hash), List,
// and ResolveModelFile (what adapters call to find a weight file).
//
// Pull tries, for each file, the mirror first (IRIS_MODEL_MIRROR / models.mirror: a folder, read as
// <mirror>/<mirror_path>/<file path>, or an http(s) URL joined the same way), then the catalog URLs.
// Downloads go to "<file>.part" (resumed with an HTTP Range request when it exists), are verified
// against the catalog sha256, and are renamed into place atomically, so a file at its final path is
// always complete. A file whose catalog sha256 is null (not yet known) is refused unless
// PullOptions::allow_unverified is set; its computed hash is then reported so it can be recorded.
//
// Thread-safety: const methods may run concurrently. Pull takes an exclusive advisory lock
// (<models_dir>/<name>/.pull.lock), so concurrent pulls of one model, even from two processes,
// run one after the other. The store holds a copy of the catalog; returned ModelSpec pointers stay
// valid as long as the store lives.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "models/model_catalog.h"

namespace iris::models {

struct PullProgress {
  std::string model;
  std::string file;    // catalog path of the file being fetched
  std::string source;  // mirror folder/URL or catalog URL
  std::int64_t bytes_done = 0;
  std::int64_t bytes_total = -1;  // -1 unknown
};

struct PullOptions {
  bool allow_unverified = false;                         // install files whose catalog sha256 is null
  std::function<void(const PullProgress&)> on_progress;  // called often during downloads
  std::function<void(std::string_view)> on_message;      // one line per notable event (source failed, ...)
};

struct PulledFile {
  std::string path;    // catalog path
  std::string source;  // where it came from; empty when it was already installed
  std::string sha256;  // computed
  bool already_installed = false;
  bool verified = false;  // false: the catalog has no sha256 for it (only with allow_unverified)
  bool resumed = false;   // an HTTP download continued a previous .part file
  std::int64_t size = 0;
};

struct PullReport {
  std::string model;
  std::vector<PulledFile> files;
};

struct FileCheck {
  enum class State {
    kVerified,    // present, sha256 matches the catalog
    kUnverified,  // present, the catalog has no sha256 to compare with
    kMissing,
    kMismatch,  // present, sha256 differs (corrupted or replaced)
  };
  std::string path;
  State state = State::kMissing;
  std::string expected_sha256;  // empty when unknown
  std::string actual_sha256;    // empty when missing
  std::int64_t size = 0;
};
std::string_view FileCheckStateName(FileCheck::State state);

struct ModelStatus {
  const ModelSpec* spec = nullptr;
  bool installed = false;  // every file present (with the catalog size, where known); not re-hashed
  std::int64_t bytes_on_disk = 0;
  std::vector<std::string> missing_files;
};

class ModelStore {
 public:
  // `mirror`: empty, a folder, or an http(s) URL.
  ModelStore(ModelCatalog catalog, std::filesystem::path models_dir, std::string mirror);

  const ModelCatalog& catalog() const { return catalog_; }
  const std::filesystem::path& models_dir() const { return models_dir_; }
  std::filesystem::path ModelDir(std::string_view name) const { return models_dir_ / std::string(name); }

  // Installs every file of the model. Already installed files that verify are skipped. Errors:
  // NotFound (unknown model), FailedPrecondition (unverifiable files without allow_unverified),
  // Unavailable (no source delivered a file with the right hash; the message lists every attempt,
  // with expected and actual sha256 on a mismatch; a mismatching download is deleted).
  Result<PullReport> Pull(std::string_view name, const PullOptions& options = {});

  // Re-hashes the installed files of the model. NotFound for an unknown model; otherwise one
  // FileCheck per catalog file (the caller decides what a missing or mismatching file means).
  Result<std::vector<FileCheck>> Verify(std::string_view name) const;

  // Every catalog model with its installation state (cheap: sizes only, no hashing).
  std::vector<ModelStatus> List() const;
  ModelStatus StatusOf(const ModelSpec& spec) const;

  // Absolute path of the model's file with this role. NotFound for an unknown model or role;
  // FailedPrecondition "model 'X' is not installed; install it with: iris models pull X" when
  // any of its files is missing.
  Result<std::filesystem::path> ResolveModelFile(std::string_view name, std::string_view role) const;

 private:
  Result<PulledFile> PullFile(const ModelSpec& spec, const ModelFile& file, const PullOptions& options);
  std::vector<std::string> SourcesFor(const ModelSpec& spec, const ModelFile& file) const;

  ModelCatalog catalog_;
  std::filesystem::path models_dir_;
  std::string mirror_;
};

// The exact guidance shown (by the API too) when a model is missing.
std::string NotInstalledMessage(std::string_view name);

}  // namespace iris::models
