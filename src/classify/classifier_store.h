// ClassifierStore: where trained collection classifiers live -- every saved version, a bake-off that
// ranks the versions of a collection and keeps the best, and the index of best versions the server
// reads. Two implementations:
//   FolderClassifierStore   (classify/folder_classifier_store.h) analysis.classifiers_dir, files on disk;
//                           the default, one machine (or a folder on shared storage).
//   PostgresClassifierStore (classify/postgres_classifier_store.h) the PostgreSQL database of
//                           storage.database_url, shared by every `iris serve` (docs/scale-out.md).
// Both hold the same documents (classify/classifier_file.h's JSON) and the same index entries, so
// `iris migrate` copies one into the other (app/classifier_migration.h).
//
// A version is named by its "file", RelativeFile(id, version) = collection_<id>/classifier_<version>.json:
// the path under the folder, and the same logical name in PostgreSQL, so reports read alike.
//
// Errors: InvalidArgument for a bad collection id or version; NotFound "no classifier for collection 'X'
// (train one with: iris train-classifier ...)" when the index has no entry; FailedPrecondition when a
// version the index names is missing or invalid, or the index itself is corrupt (a server-side problem,
// not the request's); Internal for I/O failures; Unavailable when the database cannot be reached.
// Thread-safety: every method may be called concurrently; writers (Save, BakeOff, SetBest) of one
// store -- or of several processes on the same folder or database -- are serialised by the store
// (a folder lock or a PostgreSQL advisory lock). ClassifierCache is fully thread-safe.
#pragma once

#include <cstdint>
#include <functional>
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
  std::string file;  // RelativeFile(collection id, version)
  std::string version;
  double macro_precision = 0;
  double macro_recall = 0;
  int test_samples = 0;
};

struct BakeOffCandidate {
  std::string version;
  std::string file;           // RelativeFile(collection id, version)
  bool evaluated = false;     // false: another embedding model or dimension than the test set, or unreadable
  std::string note;           // why it was not evaluated
  ClassifierMetrics metrics;  // on the bake-off's test set when evaluated, else the file's own (if readable)
  bool kept = false;
};

struct BakeOffResult {
  std::string collection_id;
  std::vector<BakeOffCandidate> ranked;  // best first
  std::vector<std::string> deleted;      // versions removed (their RelativeFile names)
  BestModelEntry best;                   // what the index now says for the collection
};

class ClassifierStore {
 public:
  virtual ~ClassifierStore() = default;

  static std::string RelativeFile(std::string_view collection_id, std::string_view version);

  // Where the classifiers are, for reports and messages: the folder, or "PostgreSQL <url without password>".
  virtual std::string location() const = 0;

  // Stores a new version. An empty classifier.version is set to the current UTC time; when that
  // version exists already, the next free second is used (versions stay unique and ordered). A given
  // version that exists already is AlreadyExists. Returns RelativeFile of the version.
  virtual Result<std::string> Save(Classifier& classifier) = 0;

  // The stored versions of a collection, oldest first (empty when there are none).
  virtual Result<std::vector<std::string>> Versions(std::string_view collection_id) const = 0;
  // The collections that have at least one stored version, sorted.
  virtual Result<std::vector<std::string>> Collections() const = 0;
  virtual Result<Classifier> Load(std::string_view collection_id, std::string_view version) const = 0;

  // The index (empty when nothing has been baked off yet).
  virtual Result<std::map<std::string, BestModelEntry>> ReadBestModels() const = 0;

  // A value that changes whenever the index changes (ClassifierCache reloads then); "" when there is
  // no index yet.
  virtual Result<std::string> IndexStamp() const = 0;

  // Points the index at a stored version (FailedPrecondition when the version is not stored); for
  // migrations, which copy an index as it is.
  Status SetBest(std::string_view collection_id, const BestModelEntry& entry);

  // Evaluates every stored version of the collection on `test_set`, ranks them (macro precision,
  // then macro recall, then the newer version; versions that cannot be evaluated on this test set
  // come after all evaluated ones, newest first), deletes all but the best `keep` (>= 1) versions and
  // points the index at the best one. FailedPrecondition when the collection has no versions.
  Result<BakeOffResult> BakeOff(std::string_view collection_id, const LabeledEmbeddings& test_set, int keep = 10);

  // The classifier the index names for the collection (see the errors above).
  Result<std::shared_ptr<const Classifier>> LoadBest(std::string_view collection_id) const;

  // Loads the version an index entry names and checks it belongs to the entry.
  Result<std::shared_ptr<const Classifier>> LoadEntry(std::string_view collection_id,
                                                      const BestModelEntry& entry) const;

 protected:
  // What a writer may do while it holds the store's write lock (WithWriteLock).
  class Writer {
   public:
    virtual ~Writer() = default;
    virtual Result<std::vector<std::string>> Versions(std::string_view collection_id) = 0;
    virtual Result<Classifier> Load(std::string_view collection_id, std::string_view version) = 0;
    virtual Result<std::map<std::string, BestModelEntry>> ReadBestModels() = 0;
    // Replaces the index entry of entry's collection.
    virtual Status PutBest(std::string_view collection_id, const BestModelEntry& entry) = 0;
    virtual Status DeleteVersion(std::string_view collection_id, std::string_view version) = 0;
  };
  // Runs fn holding the store's exclusive write lock. fn may run more than once (a PostgreSQL
  // transaction retried after a serialization failure), so it must reset what it fills in.
  virtual Status WithWriteLock(const std::function<Status(Writer&)>& fn) = 0;
};

// NotFound "no classifier for collection 'X' (train one with: iris train-classifier ...)".
Status NoClassifierError(std::string_view collection_id);

// Parses best_models.json text (strict: every entry's "file" must be RelativeFile(id, version)).
Result<std::map<std::string, BestModelEntry>> ParseBestModelsJson(std::string_view text);
// The index as best_models.json text.
std::string BestModelsToJson(const std::map<std::string, BestModelEntry>& index);

// Best classifiers of a store for a server: reads the index lazily and reads it again (dropping loaded
// classifiers) whenever the store's IndexStamp changes, so new training -- by this or another process
// -- is picked up without a restart. Each classifier is read once until then. Get costs one
// IndexStamp (a stat of best_models.json, or one PostgreSQL query). Errors are not cached: a later
// call retries.
class ClassifierCache {
 public:
  explicit ClassifierCache(std::shared_ptr<const ClassifierStore> store);

  Result<std::shared_ptr<const Classifier>> Get(std::string_view collection_id);
  const ClassifierStore& store() const { return *store_; }

 private:
  std::shared_ptr<const ClassifierStore> store_;
  std::mutex mu_;
  bool loaded_ = false;
  std::string stamp_;
  std::map<std::string, BestModelEntry> index_;
  std::map<std::string, std::shared_ptr<const Classifier>> classifiers_;
};

}  // namespace iris
