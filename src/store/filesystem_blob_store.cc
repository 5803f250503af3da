#include "store/filesystem_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <string>
#include <system_error>

#include "core/file_error.h"
#include "core/hash.h"

namespace iris {
namespace {

Status ErrnoStatus(std::string_view what, const std::filesystem::path& path, int error) {
  return FileError("blob store: " + std::string(what), path, error);
}

// Closes the descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error (close can surface a delayed write error).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// A blob opened for reading; the descriptor is closed with the reader. pread() keeps no file
// position, so concurrent ReadAt calls need no lock.
class FileReader : public BlobReader {
 public:
  FileReader(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}

  std::uint64_t size() const override { return size_; }
  void set_size(std::uint64_t size) { size_ = size; }
  const std::filesystem::path& path() const { return path_; }

  Status ReadAt(std::uint64_t offset, std::span<char> out) const override {
    if (offset > size_ || out.size() > size_ - offset) {
      return InvalidArgument("blob store: read of " + std::to_string(out.size()) + " bytes at " +
                             std::to_string(offset) + " passes the end of a " + std::to_string(size_) + "-byte blob");
    }
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("cannot read", path_, errno);
      }
      if (n == 0) return Internal("blob store: " + path_.string() + " shrank while being read");
      done += static_cast<std::size_t>(n);
    }
    return Status::Ok();
  }

 private:
  FileDescriptor fd_;
  const std::filesystem::path path_;
  std::uint64_t size_ = 0;
};

Status WriteAll(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// Makes a rename inside dir durable.
Status SyncDirectory(const std::filesystem::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("cannot fsync directory", dir, errno);
  return Status::Ok();
}

// Writes bytes to a fresh temporary file in the final directory, then renames it into place.
Status WriteAtomically(const std::filesystem::path& path, std::string_view bytes) {
  const std::filesystem::path dir = path.parent_path();
  std::string temp = (dir / ".tmp-XXXXXX").string();
  FileDescriptor fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot create temporary file in", dir, errno);
  Status status = WriteAll(fd.get(), bytes, temp);
  if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoStatus("cannot fsync", temp, errno);
  if (status.ok() && fd.Close() != 0) status = ErrnoStatus("cannot close", temp, errno);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) status = ErrnoStatus("cannot rename", temp, errno);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  return SyncDirectory(dir);
}

}  // namespace

Result<std::unique_ptr<FilesystemBlobStore>> FilesystemBlobStore::Open(const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(root, ec);
  if (ec) return Internal("blob store: cannot resolve " + root.string() + ": " + ec.message());
  std::filesystem::create_directories(absolute, ec);
  if (ec) return Internal("blob store: cannot create " + absolute.string() + ": " + ec.message());
  if (!std::filesystem::is_directory(absolute, ec)) {
    return FailedPrecondition("blob store: " + absolute.string() + " is not a directory");
  }
  if (::access(absolute.c_str(), W_OK | X_OK) != 0) return ErrnoStatus("cannot write to", absolute, errno);
  return std::unique_ptr<FilesystemBlobStore>(new FilesystemBlobStore(std::move(absolute)));
}

Result<std::string> FilesystemBlobStore::Put(std::string_view bytes, std::string_view /*content_type*/) {
  std::string key = BlobKeyForContent(bytes);
  std::filesystem::path path = PathFor(key);

  // Same key means same content; the size check only guards against a file damaged by hand.
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) &&
      static_cast<std::uint64_t>(existing.st_size) == bytes.size()) {
    return key;
  }

  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Internal("blob store: cannot create " + path.parent_path().string() + ": " + ec.message());
  IRIS_RETURN_IF_ERROR(WriteAtomically(path, bytes));
  return key;
}

Result<std::string> FilesystemBlobStore::Get(std::string_view key) {
  IRIS_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, OpenReader(key));
  std::string bytes(static_cast<std::size_t>(reader->size()), '\0');
  IRIS_RETURN_IF_ERROR(reader->ReadAt(0, bytes));
  return bytes;
}

Result<std::unique_ptr<BlobReader>> FilesystemBlobStore::OpenReader(std::string_view key) {
  IRIS_RETURN_IF_ERROR(ValidateBlobKey(key));
  std::filesystem::path path = PathFor(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("blob " + std::string(key) + " not found");
    return ErrnoStatus("cannot open", path, errno);
  }
  auto reader = std::make_unique<FileReader>(fd, std::move(path));
  struct stat info {};
  if (::fstat(fd, &info) != 0) return ErrnoStatus("cannot stat", reader->path(), errno);
  reader->set_size(static_cast<std::uint64_t>(info.st_size));
  return std::unique_ptr<BlobReader>(std::move(reader));
}

Result<bool> FilesystemBlobStore::Exists(std::string_view key) {
  IRIS_RETURN_IF_ERROR(ValidateBlobKey(key));
  std::filesystem::path path = PathFor(key);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) return S_ISREG(info.st_mode);
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return ErrnoStatus("cannot stat", path, errno);
}

Status FilesystemBlobStore::Delete(std::string_view key) {
  IRIS_RETURN_IF_ERROR(ValidateBlobKey(key));
  std::filesystem::path path = PathFor(key);
  // Empty fan-out directories are kept: removing one could race with a Put about to write there.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("cannot delete", path, errno);
  return Status::Ok();
}

}  // namespace iris
