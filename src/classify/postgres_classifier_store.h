// PostgresClassifierStore: the ClassifierStore (classifier_store.h) shared by every `iris serve` on the
// PostgreSQL database of storage.database_url (migration 6 of store/postgres_schema.cc), so a classifier
// trained once -- `iris train-classifier` with the same database_url -- is used by every process:
//   classifier_versions (collection_id, version, document)  one row per stored version; `document` is
//                                                            the classifier file's JSON (classifier_file.h)
//   classifier_best (collection_id, version, metrics..., revision)
//                                                            the index; `revision` comes from a sequence
//                                                            and is raised on every change
// Writers (Save's insert, BakeOff, SetBest) run in one transaction each; BakeOff and SetBest first take
// a transaction-scoped advisory lock, so two trainers, on any machines, take turns as they do on a
// folder. Versions are unique by the primary key (two trainers saving in the same second get
// consecutive seconds). IndexStamp is one query: max(revision) and the row count of classifier_best.
//
// Ownership: borrows the PostgresDatabase, which must outlive the store. Thread-safety: as ClassifierStore.
#pragma once

#include "classify/classifier_store.h"
#include "store/postgres_database.h"

namespace iris {

class PostgresClassifierStore : public ClassifierStore {
 public:
  explicit PostgresClassifierStore(PostgresDatabase& db) : db_(db) {}

  std::string location() const override { return "PostgreSQL " + db_.redacted_url(); }

  Result<std::string> Save(Classifier& classifier) override;
  Result<std::vector<std::string>> Versions(std::string_view collection_id) const override;
  Result<std::vector<std::string>> Collections() const override;
  Result<Classifier> Load(std::string_view collection_id, std::string_view version) const override;
  Result<std::map<std::string, BestModelEntry>> ReadBestModels() const override;
  Result<std::string> IndexStamp() const override;

 protected:
  Status WithWriteLock(const std::function<Status(Writer&)>& fn) override;

 private:
  class PostgresWriter;
  PostgresDatabase& db_;
};

}  // namespace iris
