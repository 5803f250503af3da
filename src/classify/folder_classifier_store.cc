#include "classify/folder_classifier_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace iris {
namespace {

namespace fs = std::filesystem;

constexpr char kIndexName[] = "best_models.json";
constexpr char kFilePrefix[] = "classifier_";
constexpr char kFileSuffix[] = ".json";
constexpr char kFolderPrefix[] = "collection_";

std::string Errno() { return std::strerror(errno); }

// Writes `text` to `path` through a temporary file in the same folder and a rename.
Status WriteFileAtomically(const fs::path& path, std::string_view text) {
  static std::atomic<int> counter{0};
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp.";
  name += std::to_string(::getpid());
  name += '.';
  name += std::to_string(counter++);
  const fs::path tmp = path.parent_path() / name;
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

}  // namespace

// The Writer of a folder: the store's own reads, and file writes; the caller holds the DirLock.
class FolderClassifierStore::FolderWriter : public ClassifierStore::Writer {
 public:
  explicit FolderWriter(FolderClassifierStore& store) : store_(store) {}
  Result<std::vector<std::string>> Versions(std::string_view collection_id) override {
    return store_.Versions(collection_id);
  }
  Result<Classifier> Load(std::string_view collection_id, std::string_view version) override {
    return store_.Load(collection_id, version);
  }
  Result<std::map<std::string, BestModelEntry>> ReadBestModels() override { return store_.ReadBestModels(); }
  Status PutBest(std::string_view collection_id, const BestModelEntry& entry) override {
    IRIS_ASSIGN_OR_RETURN(auto index, store_.ReadBestModels());
    index[std::string(collection_id)] = entry;
    return WriteFileAtomically(store_.dir_ / kIndexName, BestModelsToJson(index));
  }
  Status DeleteVersion(std::string_view collection_id, std::string_view version) override {
    const fs::path path = store_.dir_ / RelativeFile(collection_id, version);
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) return Internal("cannot delete " + path.string() + ": " + ec.message());
    return {};
  }

 private:
  FolderClassifierStore& store_;
};

FolderClassifierStore::FolderClassifierStore(fs::path dir) : dir_(std::move(dir)) {}

Status FolderClassifierStore::WithWriteLock(const std::function<Status(Writer&)>& fn) {
  IRIS_ASSIGN_OR_RETURN(auto lock, DirLock::Acquire(dir_));
  FolderWriter writer(*this);
  return fn(writer);
}

Result<std::string> FolderClassifierStore::Save(Classifier& classifier) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(classifier.collection_id));
  if (!classifier.version.empty() && !IsValidClassifierVersion(classifier.version)) {
    return InvalidArgument("classifier version '" + classifier.version + "' must look like 20261124T031500Z");
  }
  IRIS_ASSIGN_OR_RETURN(auto lock, DirLock::Acquire(dir_));
  const fs::path folder = dir_ / (kFolderPrefix + classifier.collection_id);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Internal("cannot create " + folder.string() + ": " + ec.message());
  if (classifier.version.empty()) {
    auto when = std::chrono::system_clock::now();
    classifier.version = ClassifierVersionAt(when);
    while (fs::exists(dir_ / RelativeFile(classifier.collection_id, classifier.version))) {
      when += std::chrono::seconds(1);
      classifier.version = ClassifierVersionAt(when);
    }
  } else if (fs::exists(dir_ / RelativeFile(classifier.collection_id, classifier.version))) {
    return AlreadyExists("classifier version " + classifier.version + " of collection '" + classifier.collection_id +
                         "' exists already");
  }
  const std::string relative = RelativeFile(classifier.collection_id, classifier.version);
  IRIS_RETURN_IF_ERROR(WriteFileAtomically(dir_ / relative, ClassifierToJson(classifier)));
  return relative;
}

Result<std::vector<std::string>> FolderClassifierStore::Versions(std::string_view collection_id) const {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  std::vector<std::string> versions;
  const fs::path folder = dir_ / (kFolderPrefix + std::string(collection_id));
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

Result<std::vector<std::string>> FolderClassifierStore::Collections() const {
  std::vector<std::string> ids;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return ids;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kFolderPrefix, 0) != 0 || !entry.is_directory()) continue;
    std::string id = name.substr(sizeof(kFolderPrefix) - 1);
    if (!ValidateCollectionId(id).ok()) continue;
    IRIS_ASSIGN_OR_RETURN(auto versions, Versions(id));
    if (!versions.empty()) ids.push_back(std::move(id));
  }
  if (ec) return Internal("cannot list " + dir_.string() + ": " + ec.message());
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<Classifier> FolderClassifierStore::Load(std::string_view collection_id, std::string_view version) const {
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

Result<std::map<std::string, BestModelEntry>> FolderClassifierStore::ReadBestModels() const {
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

Result<std::string> FolderClassifierStore::IndexStamp() const {
  struct stat st {};
  if (::stat((dir_ / kIndexName).c_str(), &st) != 0) return std::string();
  std::string stamp = std::to_string(st.st_mtim.tv_sec);
  stamp += '.';
  stamp += std::to_string(st.st_mtim.tv_nsec);
  stamp += '/';
  stamp += std::to_string(st.st_size);
  stamp += '/';
  stamp += std::to_string(st.st_ino);
  return stamp;
}

}  // namespace iris
