#include "app/classifier_migration.h"

#include <algorithm>
#include <charconv>

#include "core/hash.h"

namespace iris::app {
namespace {

// The shortest text that reads back as the same double.
std::string ShortestText(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

struct Summary {
  std::int64_t versions = 0;
  std::int64_t best_entries = 0;
  std::string checksum;
};

// Counts and the chained SHA-256 of a store's versions and index (see the header).
Result<Summary> Summarise(const ClassifierStore& store) {
  Summary s;
  std::string chain = Sha256Hex("");
  const auto add = [&chain](std::string_view part) {
    std::string next = chain;
    next += '\n';
    next += part;
    chain = Sha256Hex(next);
  };
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> collections, store.Collections());
  for (const auto& id : collections) {
    IRIS_ASSIGN_OR_RETURN(std::vector<std::string> versions, store.Versions(id));
    for (const auto& version : versions) {
      IRIS_ASSIGN_OR_RETURN(Classifier c, store.Load(id, version));
      add(id + "\t" + version + "\t" + ClassifierToJson(c));
      ++s.versions;
    }
  }
  IRIS_ASSIGN_OR_RETURN(auto index, store.ReadBestModels());
  for (const auto& [id, e] : index) {
    std::string entry = "best\t" + id;
    entry += '\t';
    entry += e.version;
    entry += '\t';
    entry += '\t';
    entry += ShortestText(e.macro_precision);
    entry += '\t';
    entry += ShortestText(e.macro_recall);
    entry += '\t';
    entry += std::to_string(e.test_samples);
    add(entry);
    ++s.best_entries;
  }
  s.checksum = chain;
  return s;
}

}  // namespace

Result<ClassifierCopyReport> CopyClassifiers(const ClassifierStore& from, ClassifierStore& to, bool verify_only) {
  ClassifierCopyReport report;
  if (!verify_only) {
    IRIS_ASSIGN_OR_RETURN(std::vector<std::string> collections, from.Collections());
    for (const auto& id : collections) {
      IRIS_ASSIGN_OR_RETURN(std::vector<std::string> have, to.Versions(id));
      IRIS_ASSIGN_OR_RETURN(std::vector<std::string> versions, from.Versions(id));
      for (const auto& version : versions) {
        if (std::binary_search(have.begin(), have.end(), version)) continue;
        IRIS_ASSIGN_OR_RETURN(Classifier c, from.Load(id, version));
        IRIS_RETURN_IF_ERROR(to.Save(c).status());
        ++report.copied;
      }
    }
    IRIS_ASSIGN_OR_RETURN(auto index, from.ReadBestModels());
    IRIS_ASSIGN_OR_RETURN(auto target_index, to.ReadBestModels());
    for (const auto& [id, entry] : index) {
      auto it = target_index.find(id);
      const bool same = it != target_index.end() && it->second.version == entry.version &&
                        it->second.macro_precision == entry.macro_precision &&
                        it->second.macro_recall == entry.macro_recall && it->second.test_samples == entry.test_samples;
      if (!same) IRIS_RETURN_IF_ERROR(to.SetBest(id, entry));
    }
  }
  IRIS_ASSIGN_OR_RETURN(Summary source, Summarise(from));
  IRIS_ASSIGN_OR_RETURN(Summary target, Summarise(to));
  if (source.versions != target.versions || source.best_entries != target.best_entries ||
      source.checksum != target.checksum) {
    std::string why = "classifiers differ: " + from.location() + " has ";
    why += std::to_string(source.versions) + " versions and " + std::to_string(source.best_entries);
    why += " index entries, " + to.location() + " has " + std::to_string(target.versions) + " and ";
    why += std::to_string(target.best_entries) + " (checksums " + source.checksum.substr(0, 16) + " vs ";
    why += target.checksum.substr(0, 16) + ")";
    return FailedPrecondition(why);
  }
  report.versions = target.versions;
  report.best_entries = target.best_entries;
  report.checksum = target.checksum;
  return report;
}

}  // namespace iris::app
