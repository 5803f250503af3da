// ClassifierStore: the folder of trained collection classifiers (analysis.classifiers_dir), with
// every saved version, a bake-off that ranks the versions of a collection and keeps the best, and
// the index the server reads. Layout (documented for users in docs/classifiers.md):
//
//   <dir>/collection_<id>/classifier_<version>.json    one file per trained version (classifier_file.h)
//   <dir>/best_models.json                              the index:
//     {"<id>": {"file": "collection_<id>/classifier_<version>.json", "version": "<version>",
//               "macro_precision": 0.91, "macro_recall": 0.88, "test_samples": 163}, ...}
//
// Every file is written atomically (a temporary file in the same folder, fsync, rename), so a reader
// sees the old or the new file, never half of one. Save and BakeOff take an exclusive lock on
// <dir>/.lock (flock), so two trainers on one machine do not lose each other's index entries.
// An index entry's "file" must be exactly collection_<id>/classifier_<version>.json for its own id
// and version (nothing else is ever opened through the index: no path traversal). Collection ids
// are validated everywhere (ValidateCollectionId: [A-Za-z0-9_-], 1..64 characters).
//
// Errors: InvalidArgument for a bad collection id; NotFound "no classifier for collection 'X'
// (train one with: iris train-classifier ...)" when the index has no entry; FailedPrecondition when a
// stored file the index names is missing or invalid, or the index itself is corrupt (a server-side
// problem, not the request's); Internal for I/O failures.
// Thread-safety: ClassifierStore methods may be called concurrently (the lock serialises writers);
// ClassifierCache is fully thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classifier_file.h"
#include "core/result.h"

namespace iris {

// A labelled test set for a bake-off: embeddings of one model (L2-normalised or not, the
// classifiers normalise when they were trained so) with 0/1 labels.
struct LabeledEmbeddings {
  std::string embedding_model;
  std::vector<std::vector<float>> embeddings;
  std::vector<int> labels;
};

struct BestModelEntry {
  std::string file;  // relative to the store's folder
  std::string version;
  double macro_precision = 0;
  double macro_recall = 0;
  int test_samples = 0;
};

struct BakeOffCandidate {
  std::string version;
  std::string file;           // relative to the store's folder
  bool evaluated = false;     // false: another embedding model or dimension than the test set, or unreadable
  std::string note;           // why it was not evaluated
  ClassifierMetrics metrics;  // on the bake-off's test set when evaluated, else the file's own (if readable)
  bool kept = false;
};

struct BakeOffResult {
  std::string collection_id;
  std::vector<BakeOffCandidate> ranked;  // best first
  std::vector<std::string> deleted;      // files removed (relative paths)
  BestModelEntry best;                   // what best_models.json now says for the collection
};

class ClassifierStore {
 public:
  explicit ClassifierStore(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  static std::string RelativeFile(std::string_view collection_id, std::string_view version);

  // Writes a new version file. An empty classifier.version is set to the current UTC time; when
  // that version exists already, the next free second is used (versions stay unique and ordered).
  // A given version that exists already is AlreadyExists. Returns the relative file path.
  Result<std::string> Save(Classifier& classifier);

  // The stored versions of a collection, oldest first (empty when there are none).
  Result<std::vector<std::string>> Versions(std::string_view collection_id) const;
  Result<Classifier> Load(std::string_view collection_id, std::string_view version) const;

  // Evaluates every stored version of the collection on `test_set`, ranks them (macro precision,
  // then macro recall, then the newer version; versions that cannot be evaluated on this test set
  // come after all evaluated ones, newest first), deletes all but the best `keep` (>= 1) files and
  // points best_models.json at the best one. FailedPrecondition when the collection has no versions.
  Result<BakeOffResult> BakeOff(std::string_view collection_id, const LabeledEmbeddings& test_set, int keep = 10);

  // The index (empty when best_models.json does not exist yet).
  Result<std::map<std::string, BestModelEntry>> ReadBestModels() const;

  // The classifier best_models.json names for the collection (see the errors above).
  Result<std::shared_ptr<const Classifier>> LoadBest(std::string_view collection_id) const;

  // Loads the file an index entry names and checks it belongs to the entry.
  Result<std::shared_ptr<const Classifier>> LoadEntry(std::string_view collection_id,
                                                      const BestModelEntry& entry) const;

 private:
  std::filesystem::path dir_;
};

// NotFound "no classifier for collection 'X' (train one with: iris train-classifier ...)".
Status NoClassifierError(std::string_view collection_id);

// Parses best_models.json text (strict, see the layout above).
Result<std::map<std::string, BestModelEntry>> ParseBestModelsJson(std::string_view text);

// Best classifiers of a store folder for a server: loads best_models.json lazily and reloads it
// (dropping loaded classifiers) whenever the file changes (mtime, size or inode), so new training
// is picked up without a restart. Each classifier file is read once until then. Errors are not
// cached: a later call retries.
class ClassifierCache {
 public:
  explicit ClassifierCache(std::filesystem::path dir);

  Result<std::shared_ptr<const Classifier>> Get(std::string_view collection_id);
  const std::filesystem::path& dir() const { return store_.dir(); }

 private:
  struct Stamp {
    bool exists = false;
    std::int64_t mtime_ns = 0;
    std::int64_t size = 0;
    std::uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp CurrentStamp() const;

  ClassifierStore store_;
  std::mutex mu_;
  bool loaded_ = false;
  Stamp stamp_;
  std::map<std::string, BestModelEntry> index_;
  std::map<std::string, std::shared_ptr<const Classifier>> classifiers_;
};

}  // namespace iris
