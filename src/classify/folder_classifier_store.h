// FolderClassifierStore: the ClassifierStore (classifier_store.h) of a folder, analysis.classifiers_dir.
// Layout (documented for users in docs/classifiers.md):
//
//   <dir>/collection_<id>/classifier_<version>.json    one file per trained version (classifier_file.h)
//   <dir>/best_models.json                              the index:
//     {"<id>": {"file": "collection_<id>/classifier_<version>.json", "version": "<version>",
//               "macro_precision": 0.91, "macro_recall": 0.88, "test_samples": 163}, ...}
//
// Every file is written atomically (a temporary file in the same folder, fsync, rename), so a reader
// sees the old or the new file, never half of one. Save and BakeOff take an exclusive lock on
// <dir>/.lock (flock), so two trainers on one machine do not lose each other's index entries. Nothing
// but collection_<id>/classifier_<version>.json for a valid id and version is ever opened through the
// index (no path traversal). IndexStamp is best_models.json's mtime, size and inode.
#pragma once

#include <filesystem>

#include "classify/classifier_store.h"

namespace iris {

class FolderClassifierStore : public ClassifierStore {
 public:
  explicit FolderClassifierStore(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::string location() const override { return dir_.string(); }

  Result<std::string> Save(Classifier& classifier) override;
  Result<std::vector<std::string>> Versions(std::string_view collection_id) const override;
  Result<std::vector<std::string>> Collections() const override;
  Result<Classifier> Load(std::string_view collection_id, std::string_view version) const override;
  Result<std::map<std::string, BestModelEntry>> ReadBestModels() const override;
  Result<std::string> IndexStamp() const override;

 protected:
  Status WithWriteLock(const std::function<Status(Writer&)>& fn) override;

 private:
  class FolderWriter;
  std::filesystem::path dir_;
};

}  // namespace iris
