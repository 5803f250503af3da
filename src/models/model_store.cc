#include "models/model_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

#include "models/file_sha256.h"
#include "models/http_download.h"

namespace iris::models {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxAttemptsPerUrl = 5;  // retries only while each attempt adds bytes (resumable)

bool IsHttpUrl(std::string_view s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

std::string JoinUrl(std::string base, std::string_view a, std::string_view b) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + std::string(a) + "/" + std::string(b);
}

std::int64_t SizeOrMinusOne(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return -1;
  auto size = fs::file_size(path, ec);
  return ec ? -1 : static_cast<std::int64_t>(size);
}

void RemoveQuietly(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

// An exclusive flock on a file, released on destruction.
class PullLock {
 public:
  static Result<PullLock> Acquire(const fs::path& path) {
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) return Internal("cannot open lock file " + path.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return Internal("cannot lock " + path.string() + ": " + std::strerror(errno));
    }
    return PullLock(fd);
  }
  PullLock(PullLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  PullLock& operator=(PullLock&&) = delete;
  PullLock(const PullLock&) = delete;
  ~PullLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  explicit PullLock(int fd) : fd_(fd) {}
  int fd_;
};

// Fetches `url` into `part`, retrying (with resume) while attempts keep adding bytes.
Result<DownloadOutcome> DownloadWithRetries(const std::string& url, const fs::path& part, const PullOptions& options,
                                            const PullProgress& base) {
  DownloadProgressFn progress;
  if (options.on_progress) {
    progress = [&](const DownloadProgress& p) {
      PullProgress event = base;
      event.bytes_done = p.bytes_done;
      event.bytes_total = p.bytes_total;
      options.on_progress(event);
    };
  }
  bool resumed_any = false;
  std::int64_t resumed_from = 0;
  for (int attempt = 1;; ++attempt) {
    std::int64_t before = std::max<std::int64_t>(SizeOrMinusOne(part), 0);
    auto outcome = DownloadUrlToFile(url, part, progress);
    if (outcome.ok()) {
      if (outcome->resumed && !resumed_any) {
        resumed_any = true;
        resumed_from = outcome->resumed_from;
      }
      outcome->resumed = resumed_any || outcome->resumed;
      outcome->resumed_from = resumed_any ? resumed_from : outcome->resumed_from;
      return outcome;
    }
    std::int64_t after = std::max<std::int64_t>(SizeOrMinusOne(part), 0);
    if (attempt >= kMaxAttemptsPerUrl || after <= before) return outcome.status();
    if (options.on_message) {
      options.on_message(outcome.status().message() + "; resuming from byte " + std::to_string(after));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
}

}  // namespace

std::string NotInstalledMessage(std::string_view name) {
  return "model '" + std::string(name) + "' is not installed; install it with: iris models pull " + std::string(name);
}

std::string_view FileCheckStateName(FileCheck::State state) {
  switch (state) {
    case FileCheck::State::kVerified:
      return "verified";
    case FileCheck::State::kUnverified:
      return "unverified";
    case FileCheck::State::kMissing:
      return "missing";
    case FileCheck::State::kMismatch:
      return "MISMATCH";
  }
  return "?";
}

ModelStore::ModelStore(ModelCatalog catalog, fs::path models_dir, std::string mirror)
    : catalog_(std::move(catalog)), models_dir_(std::move(models_dir)), mirror_(std::move(mirror)) {}

std::vector<std::string> ModelStore::SourcesFor(const ModelSpec& spec, const ModelFile& file) const {
  std::vector<std::string> sources;
  if (!mirror_.empty()) {
    if (IsHttpUrl(mirror_)) {
      sources.push_back(JoinUrl(mirror_, spec.mirror_path, file.path));
    } else {
      std::string folder = mirror_.rfind("file://", 0) == 0 ? mirror_.substr(7) : mirror_;
      sources.push_back((fs::path(folder) / spec.mirror_path / file.path).string());
    }
  }
  sources.insert(sources.end(), file.urls.begin(), file.urls.end());
  return sources;
}

Result<PullReport> ModelStore::Pull(std::string_view name, const PullOptions& options) {
  IRIS_ASSIGN_OR_RETURN(const ModelSpec* spec, catalog_.Find(name));
  const fs::path dir = ModelDir(spec->name);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir.string() + ": " + ec.message());
  IRIS_ASSIGN_OR_RETURN(PullLock lock, PullLock::Acquire(dir / ".pull.lock"));

  if (!options.allow_unverified) {
    std::string unverifiable;
    for (const auto& file : spec->files) {
      if (!file.sha256 && SizeOrMinusOne(dir / file.path) < 0)
        unverifiable += (unverifiable.empty() ? "" : ", ") + file.path;
    }
    if (!unverifiable.empty()) {
      return FailedPrecondition("model '" + spec->name + "': the catalog has no sha256 for " + unverifiable +
                                ", so the download cannot be verified. Re-run with --allow-unverified to install "
                                "anyway; the computed sha256 is printed so it can be added to models/catalog.json");
    }
  }

  PullReport report;
  report.model = spec->name;
  for (const auto& file : spec->files) {
    IRIS_ASSIGN_OR_RETURN(PulledFile pulled, PullFile(*spec, file, options));
    report.files.push_back(std::move(pulled));
  }
  return report;
}

Result<PulledFile> ModelStore::PullFile(const ModelSpec& spec, const ModelFile& file, const PullOptions& options) {
  const fs::path target = ModelDir(spec.name) / file.path;
  const fs::path part = target.string() + ".part";
  PulledFile pulled;
  pulled.path = file.path;

  if (SizeOrMinusOne(target) >= 0) {
    IRIS_ASSIGN_OR_RETURN(std::string actual, Sha256OfFile(target));
    if (!file.sha256 || actual == *file.sha256) {
      pulled.sha256 = actual;
      pulled.already_installed = true;
      pulled.verified = file.sha256.has_value();
      pulled.size = SizeOrMinusOne(target);
      return pulled;
    }
    if (options.on_message) {
      options.on_message("installed " + target.string() + " does not match the catalog (expected sha256 " +
                         *file.sha256 + ", got " + actual + "); fetching it again");
    }
    RemoveQuietly(target);
  }

  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Internal("cannot create " + target.parent_path().string() + ": " + ec.message());

  const std::vector<std::string> sources = SourcesFor(spec, file);
  if (sources.empty()) {
    return Unavailable("no download source for '" + file.path + "' of model '" + spec.name +
                       "': the catalog lists no URL for it; set IRIS_MODEL_MIRROR (or --model-mirror) to a folder "
                       "or URL that holds " +
                       spec.mirror_path + "/" + file.path);
  }

  std::string failures;
  for (const auto& source : sources) {
    bool resumed = false;
    if (IsHttpUrl(source)) {
      PullProgress base{spec.name, file.path, source, 0, file.size.value_or(-1)};
      auto outcome = DownloadWithRetries(source, part, options, base);
      if (!outcome.ok()) {
        failures += "\n  " + outcome.status().message();
        if (options.on_message) options.on_message(outcome.status().message());
        continue;
      }
      resumed = outcome->resumed;
    } else {
      if (SizeOrMinusOne(source) < 0) {
        failures += "\n  " + source + ": not found in the mirror";
        continue;
      }
      fs::copy_file(source, part, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        failures += "\n  copy " + source + " failed: " + ec.message();
        continue;
      }
    }

    IRIS_ASSIGN_OR_RETURN(std::string actual, Sha256OfFile(part));
    if (file.sha256 && actual != *file.sha256) {
      const std::int64_t got_size = SizeOrMinusOne(part);
      RemoveQuietly(part);
      std::string message = "sha256 mismatch for '" + file.path + "' from " + source + ": expected " + *file.sha256 +
                            ", got " + actual + " (" + std::to_string(got_size) + " bytes); file removed";
      failures += "\n  " + message;
      if (options.on_message) options.on_message(message);
      continue;
    }
    fs::rename(part, target, ec);  // same directory: atomic
    if (ec) return Internal("cannot move " + part.string() + " into place: " + ec.message());
    pulled.source = source;
    pulled.sha256 = actual;
    pulled.verified = file.sha256.has_value();
    pulled.resumed = resumed;
    pulled.size = SizeOrMinusOne(target);
    return pulled;
  }
  return Unavailable("could not install '" + file.path + "' of model '" + spec.name + "'; tried:" + failures);
}

Result<std::vector<FileCheck>> ModelStore::Verify(std::string_view name) const {
  IRIS_ASSIGN_OR_RETURN(const ModelSpec* spec, catalog_.Find(name));
  std::vector<FileCheck> checks;
  for (const auto& file : spec->files) {
    FileCheck check;
    check.path = file.path;
    check.expected_sha256 = file.sha256.value_or("");
    const fs::path path = ModelDir(spec->name) / file.path;
    check.size = SizeOrMinusOne(path);
    if (check.size < 0) {
      check.state = FileCheck::State::kMissing;
      check.size = 0;
    } else {
      IRIS_ASSIGN_OR_RETURN(check.actual_sha256, Sha256OfFile(path));
      if (!file.sha256) {
        check.state = FileCheck::State::kUnverified;
      } else {
        check.state = check.actual_sha256 == *file.sha256 ? FileCheck::State::kVerified : FileCheck::State::kMismatch;
      }
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

ModelStatus ModelStore::StatusOf(const ModelSpec& spec) const {
  ModelStatus status;
  status.spec = &spec;
  for (const auto& file : spec.files) {
    std::int64_t size = SizeOrMinusOne(ModelDir(spec.name) / file.path);
    if (size < 0 || (file.size && size != *file.size)) {
      status.missing_files.push_back(file.path);
    }
    if (size > 0) status.bytes_on_disk += size;
  }
  status.installed = status.missing_files.empty();
  return status;
}

std::vector<ModelStatus> ModelStore::List() const {
  std::vector<ModelStatus> out;
  for (const auto& spec : catalog_.models()) out.push_back(StatusOf(spec));
  return out;
}

Result<fs::path> ModelStore::ResolveModelFile(std::string_view name, std::string_view role) const {
  IRIS_ASSIGN_OR_RETURN(const ModelSpec* spec, catalog_.Find(name));
  const ModelFile* file = spec->FindFile(role);
  if (file == nullptr) return NotFound("model '" + spec->name + "' has no file with role '" + std::string(role) + "'");
  if (!StatusOf(*spec).installed) return FailedPrecondition(NotInstalledMessage(spec->name));
  return fs::absolute(ModelDir(spec->name) / file->path);
}

}  // namespace iris::models
