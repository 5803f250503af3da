#include "classify/classifier_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "classify/binary_metrics.h"
#include "core/json_limits.h"

namespace iris {
namespace {

namespace fs = std::filesystem;

constexpr char kIndexName[] = "best_models.json";
constexpr char kFilePrefix[] = "classifier_";
constexpr char kFileSuffix[] = ".json";

std::string Errno() { return std::strerror(errno); }

// Writes `text` to `path` through a temporary file in the same folder and a rename.
Status WriteFileAtomically(const fs::path& path, std::string_view text) {
  static std::atomic<int> counter{0};
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) +
                                             "." + std::to_string(counter++));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot create " + tmp.string() + ": " + Errno());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = Errno();
      ::close(fd);
      ::unlink(tmp.c_str());
      return Internal("cannot write " + tmp.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = Errno();
    ::unlink(tmp.c_str());
    return Internal("cannot write " + tmp.string() + ": " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = Errno();
    ::unlink(tmp.c_str());
    return Internal("cannot rename " + tmp.string() + " to " + path.string() + ": " + why);
  }
  return {};
}

Result<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path.string() + " does not exist or cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// An exclusive flock on <dir>/.lock for the lifetime of the object.
class DirLock {
 public:
  static Result<std::unique_ptr<DirLock>> Acquire(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Internal("cannot create classifier folder " + dir.string() + ": " + ec.message());
    const fs::path path = dir / ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Internal("cannot open " + path.string() + ": " + Errno());
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const std::string why = Errno();
      ::close(fd);
      return Internal("cannot lock " + path.string() + ": " + why);
    }
    return std::unique_ptr<DirLock>(new DirLock(fd));
  }
  ~DirLock() { ::close(fd_); }  // closing releases the lock
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

std::string IndexToJson(const std::map<std::string, BestModelEntry>& index) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [id, e] : index) {
    j[id] = {{"file", e.file},
             {"version", e.version},
             {"macro_precision", e.macro_precision},
             {"macro_recall", e.macro_recall},
             {"test_samples", e.test_samples}};
  }
  return j.dump(2) + "\n";
}

// Ranking order of the bake-off: evaluated first; then precision, recall, newer version.
bool RanksBefore(const BakeOffCandidate& a, const BakeOffCandidate& b) {
  if (a.evaluated != b.evaluated) return a.evaluated;
  if (a.evaluated) {
    if (a.metrics.macro_precision != b.metrics.macro_precision) {
      return a.metrics.macro_precision > b.metrics.macro_precision;
    }
    if (a.metrics.macro_recall != b.metrics.macro_recall) return a.metrics.macro_recall > b.metrics.macro_recall;
  }
  return a.version > b.version;
}

BakeOffCandidate Evaluate(const ClassifierStore& store, std::string_view collection_id, const std::string& version,
                          const LabeledEmbeddings& test_set) {
  BakeOffCandidate c;
  c.version = version;
  c.file = ClassifierStore::RelativeFile(collection_id, version);
  auto classifier = store.Load(collection_id, version);
  if (!classifier.ok()) {
    c.note = "unreadable: " + classifier.status().message();
    return c;
  }
  c.metrics = classifier->metrics;
  if (classifier->embedding_model != test_set.embedding_model) {
    c.note =
        "trained on model '" + classifier->embedding_model + "', test set is from '" + test_set.embedding_model + "'";
    return c;
  }
  std::vector<int> predicted;
  predicted.reserve(test_set.embeddings.size());
  for (const auto& e : test_set.embeddings) {
    auto p = classifier->Predict(e, test_set.embedding_model);
    if (!p.ok()) {
      c.note = p.status().message();
      return c;
    }
    predicted.push_back(p->is_in_collection ? 1 : 0);
  }
  const BinaryMetrics m = ComputeBinaryMetrics(predicted, test_set.labels);
  c.metrics = {m.macro_precision, m.macro_recall, m.accuracy, m.test_samples};
  c.evaluated = true;
  return c;
}

}  // namespace

Status NoClassifierError(std::string_view collection_id) {
  const std::string id(collection_id);
  return NotFound("no classifier for collection '" + id + "' (train one with: iris train-classifier --data FILE" +
                  " --collection " + id + ")");
}

ClassifierStore::ClassifierStore(fs::path dir) : dir_(std::move(dir)) {}

std::string ClassifierStore::RelativeFile(std::string_view collection_id, std::string_view version) {
  return "collection_" + std::string(collection_id) + "/" + kFilePrefix + std::string(version) + kFileSuffix;
}

Result<std::string> ClassifierStore::Save(Classifier& classifier) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(classifier.collection_id));
  IRIS_ASSIGN_OR_RETURN(auto lock, DirLock::Acquire(dir_));
  std::error_code ec;
  fs::create_directories(dir_ / ("collection_" + classifier.collection_id), ec);
  if (ec) return Internal("cannot create " + (dir_ / ("collection_" + classifier.collection_id)).string());
  if (classifier.version.empty()) {
    auto when = std::chrono::system_clock::now();
    classifier.version = ClassifierVersionAt(when);
    while (fs::exists(dir_ / RelativeFile(classifier.collection_id, classifier.version))) {
      when += std::chrono::seconds(1);
      classifier.version = ClassifierVersionAt(when);
    }
  } else if (!IsValidClassifierVersion(classifier.version)) {
    return InvalidArgument("classifier version '" + classifier.version + "' must look like 20261124T031500Z");
  } else if (fs::exists(dir_ / RelativeFile(classifier.collection_id, classifier.version))) {
    return AlreadyExists("classifier version " + classifier.version + " of collection '" + classifier.collection_id +
                         "' exists already");
  }
  const std::string relative = RelativeFile(classifier.collection_id, classifier.version);
  IRIS_RETURN_IF_ERROR(WriteFileAtomically(dir_ / relative, ClassifierToJson(classifier)));
  return relative;
}

Result<std::vector<std::string>> ClassifierStore::Versions(std::string_view collection_id) const {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  std::vector<std::string> versions;
  const fs::path folder = dir_ / ("collection_" + std::string(collection_id));
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return versions;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    const std::size_t prefix = sizeof(kFilePrefix) - 1, suffix = sizeof(kFileSuffix) - 1;
    if (name.size() <= prefix + suffix || name.rfind(kFilePrefix, 0) != 0 ||
        name.compare(name.size() - suffix, suffix, kFileSuffix) != 0) {
      continue;
    }
    std::string version = name.substr(prefix, name.size() - prefix - suffix);
    if (IsValidClassifierVersion(version) && entry.is_regular_file()) versions.push_back(std::move(version));
  }
  if (ec) return Internal("cannot list " + folder.string() + ": " + ec.message());
  std::sort(versions.begin(), versions.end());
  return versions;
}

Result<Classifier> ClassifierStore::Load(std::string_view collection_id, std::string_view version) const {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  if (!IsValidClassifierVersion(version)) {
    return InvalidArgument("classifier version '" + std::string(version) + "' must look like 20261124T031500Z");
  }
  IRIS_ASSIGN_OR_RETURN(Classifier c, ReadClassifierFile(dir_ / RelativeFile(collection_id, version)));
  if (c.collection_id != collection_id || c.version != version) {
    return FailedPrecondition((dir_ / RelativeFile(collection_id, version)).string() + " holds collection '" +
                              c.collection_id + "' version " + c.version + " (renamed by hand?)");
  }
  return c;
}

Result<BakeOffResult> ClassifierStore::BakeOff(std::string_view collection_id, const LabeledEmbeddings& test_set,
                                               int keep) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  if (keep < 1) return InvalidArgument("keep must be at least 1");
  if (test_set.embeddings.size() != test_set.labels.size() || test_set.embeddings.empty()) {
    return InvalidArgument("bake-off test set must have one label per embedding and at least one embedding");
  }
  IRIS_ASSIGN_OR_RETURN(auto lock, DirLock::Acquire(dir_));
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> versions, Versions(collection_id));
  if (versions.empty()) {
    return FailedPrecondition("collection '" + std::string(collection_id) + "' has no stored classifier versions");
  }
  BakeOffResult result;
  result.collection_id = collection_id;
  for (const auto& v : versions) result.ranked.push_back(Evaluate(*this, collection_id, v, test_set));
  std::stable_sort(result.ranked.begin(), result.ranked.end(), RanksBefore);

  IRIS_ASSIGN_OR_RETURN(auto index, ReadBestModels());
  const BakeOffCandidate& best = result.ranked.front();
  result.best = {best.file, best.version, best.metrics.macro_precision, best.metrics.macro_recall,
                 best.metrics.test_samples};
  index[std::string(collection_id)] = result.best;
  IRIS_RETURN_IF_ERROR(WriteFileAtomically(dir_ / kIndexName, IndexToJson(index)));

  for (std::size_t i = 0; i < result.ranked.size(); ++i) {
    auto& c = result.ranked[i];
    c.kept = static_cast<int>(i) < keep;
    if (c.kept) continue;
    std::error_code ec;
    fs::remove(dir_ / c.file, ec);
    if (ec) return Internal("cannot delete " + (dir_ / c.file).string() + ": " + ec.message());
    result.deleted.push_back(c.file);
  }
  return result;
}

Result<std::map<std::string, BestModelEntry>> ParseBestModelsJson(std::string_view text) {
  auto parsed = ParseBoundedJson(text, kMaxStoredJsonDepth);
  if (!parsed.ok()) return parsed.status().WithContext("best_models.json");
  const nlohmann::json& j = *parsed;
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("best_models.json is not a JSON object");
  std::map<std::string, BestModelEntry> index;
  for (const auto& [id, e] : j.items()) {
    if (auto s = ValidateCollectionId(id); !s.ok()) return s.WithContext("best_models.json");
    const std::string where = "best_models.json entry '" + id + "'";
    if (!e.is_object() || !e.contains("file") || !e["file"].is_string() || !e.contains("version") ||
        !e["version"].is_string()) {
      return InvalidArgument(where + " must be an object with \"file\" and \"version\" strings");
    }
    BestModelEntry entry;
    entry.file = e["file"].get<std::string>();
    entry.version = e["version"].get<std::string>();
    if (!IsValidClassifierVersion(entry.version)) return InvalidArgument(where + " has a malformed version");
    if (entry.file != ClassifierStore::RelativeFile(id, entry.version)) {
      return InvalidArgument(where + ": \"file\" must be " + ClassifierStore::RelativeFile(id, entry.version));
    }
    for (const char* key : {"macro_precision", "macro_recall"}) {
      if (e.contains(key) && !e[key].is_number()) return InvalidArgument(where + ": \"" + key + "\" must be a number");
    }
    entry.macro_precision = e.value("macro_precision", 0.0);
    entry.macro_recall = e.value("macro_recall", 0.0);
    if (e.contains("test_samples") && !e["test_samples"].is_number_integer()) {
      return InvalidArgument(where + ": \"test_samples\" must be an integer");
    }
    entry.test_samples = e.value("test_samples", 0);
    index[id] = std::move(entry);
  }
  return index;
}

Result<std::map<std::string, BestModelEntry>> ClassifierStore::ReadBestModels() const {
  const fs::path path = dir_ / kIndexName;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::map<std::string, BestModelEntry>{};
  IRIS_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  auto index = ParseBestModelsJson(text);
  if (!index.ok()) {
    return FailedPrecondition(path.string() + " is invalid (" + index.status().message() +
                              "); rerun iris train-classifier or fix the file");
  }
  return index;
}

Result<std::shared_ptr<const Classifier>> ClassifierStore::LoadEntry(std::string_view collection_id,
                                                                     const BestModelEntry& entry) const {
  auto loaded = Load(collection_id, entry.version);
  if (!loaded.ok()) {
    return FailedPrecondition("the classifier best_models.json names for collection '" + std::string(collection_id) +
                              "' cannot be used: " + loaded.status().message());
  }
  return std::make_shared<const Classifier>(std::move(loaded).value());
}

Result<std::shared_ptr<const Classifier>> ClassifierStore::LoadBest(std::string_view collection_id) const {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  IRIS_ASSIGN_OR_RETURN(auto index, ReadBestModels());
  auto it = index.find(std::string(collection_id));
  if (it == index.end()) return NoClassifierError(collection_id);
  return LoadEntry(collection_id, it->second);
}

ClassifierCache::ClassifierCache(fs::path dir) : store_(std::move(dir)) {}

ClassifierCache::Stamp ClassifierCache::CurrentStamp() const {
  Stamp s;
  struct stat st {};
  if (::stat((store_.dir() / kIndexName).c_str(), &st) != 0) return s;
  s.exists = true;
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.size = st.st_size;
  s.inode = st.st_ino;
  return s;
}

Result<std::shared_ptr<const Classifier>> ClassifierCache::Get(std::string_view collection_id) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  const std::string id(collection_id);
  std::lock_guard lock(mu_);
  // Two attempts: a trainer may replace the index and prune the file it named between our reading
  // the index and opening that file; the second attempt sees the new index.
  for (int attempt = 0;; ++attempt) {
    const Stamp now = CurrentStamp();
    if (!loaded_ || !(now == stamp_)) {
      IRIS_ASSIGN_OR_RETURN(index_, store_.ReadBestModels());
      classifiers_.clear();
      stamp_ = now;
      loaded_ = true;
    }
    auto it = index_.find(id);
    if (it == index_.end()) return NoClassifierError(collection_id);
    if (auto c = classifiers_.find(id); c != classifiers_.end()) return c->second;
    auto classifier = store_.LoadEntry(collection_id, it->second);
    if (!classifier.ok()) {
      if (attempt == 0 && !(CurrentStamp() == stamp_)) continue;
      return classifier.status();
    }
    classifiers_[id] = *classifier;
    return classifier;
  }
}

}  // namespace iris
