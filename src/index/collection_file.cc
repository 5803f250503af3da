#include "index/collection_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "core/file_error.h"
#include "core/hash.h"
#include "index/raw_fields.h"

namespace iris {
namespace {

constexpr char kMagic[8] = {'I', 'R', 'I', 'S', 'H', 'N', 'S', 'W'};
constexpr size_t kHeaderSize = 64;
constexpr size_t kChecksumSize = 64;

Status Corrupt(const std::filesystem::path& path, const std::string& why) {
  return FailedPrecondition("collection file " + path.string() + " is corrupt or truncated: " + why);
}

Status WriteAndSync(const std::filesystem::path& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError("cannot create", path, errno);
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return FileError("cannot write", path, error);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int error = errno;
    ::close(fd);
    return FileError("cannot fsync", path, error);
  }
  ::close(fd);
  return Status::Ok();
}

void SyncDirectory(const std::filesystem::path& directory) {
  int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the rename itself already happened
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Status WriteCollectionFile(const std::filesystem::path& path, const CollectionFileContents& contents) {
  std::string bytes;
  bytes.reserve(kHeaderSize + contents.catalog_json.size() + contents.index_bytes.size() + kChecksumSize);
  bytes.append(kMagic, sizeof(kMagic));
  AppendRaw<std::uint32_t>(bytes, kCollectionFileVersion);
  AppendRaw<std::uint32_t>(bytes, contents.dim);
  AppendRaw<std::uint32_t>(bytes, contents.metric);
  AppendRaw<std::uint32_t>(bytes, contents.m);
  AppendRaw<std::uint32_t>(bytes, contents.ef_construction);
  AppendRaw<std::uint32_t>(bytes, contents.ef_search);
  AppendRaw<std::uint64_t>(bytes, contents.item_count);
  AppendRaw<std::uint64_t>(bytes, contents.next_label);
  AppendRaw<std::uint64_t>(bytes, contents.catalog_json.size());
  AppendRaw<std::uint64_t>(bytes, contents.index_bytes.size());
  bytes += contents.catalog_json;
  bytes += contents.index_bytes;
  bytes += Sha256Hex(bytes);

  std::random_device random;
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random());
  Status written = WriteAndSync(temp, bytes);
  if (!written.ok()) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return written;
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return FileError("cannot rename to", path, error.value());
  }
  SyncDirectory(path.parent_path());
  return Status::Ok();
}

Result<CollectionFileContents> ReadCollectionFile(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) return NotFound("collection file " + path.string() + " cannot be opened");
  std::ostringstream buffer;
  buffer << input.rdbuf();
  if (input.bad()) return Internal("cannot read collection file " + path.string());
  const std::string bytes = std::move(buffer).str();

  if (bytes.size() < kHeaderSize + kChecksumSize) return Corrupt(path, "shorter than the header");
  if (std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) return Corrupt(path, "bad magic (not an Iris HNSW file)");
  const auto version = ReadRaw<std::uint32_t>(bytes, 8);
  if (version != kCollectionFileVersion) {
    return FailedPrecondition("collection file " + path.string() + " has format version " + std::to_string(version) +
                              ", this build reads version " + std::to_string(kCollectionFileVersion));
  }
  const auto catalog_size = ReadRaw<std::uint64_t>(bytes, 48);
  const auto index_size = ReadRaw<std::uint64_t>(bytes, 56);
  const std::uint64_t payload_room = bytes.size() - kHeaderSize - kChecksumSize;
  if (catalog_size > payload_room || index_size != payload_room - catalog_size) {
    return Corrupt(path, "section lengths do not match the file size");
  }
  const std::string_view covered(bytes.data(), bytes.size() - kChecksumSize);
  if (Sha256Hex(covered) != std::string_view(bytes).substr(bytes.size() - kChecksumSize)) {
    return Corrupt(path, "checksum mismatch");
  }

  CollectionFileContents contents;
  contents.dim = ReadRaw<std::uint32_t>(bytes, 12);
  contents.metric = ReadRaw<std::uint32_t>(bytes, 16);
  contents.m = ReadRaw<std::uint32_t>(bytes, 20);
  contents.ef_construction = ReadRaw<std::uint32_t>(bytes, 24);
  contents.ef_search = ReadRaw<std::uint32_t>(bytes, 28);
  contents.item_count = ReadRaw<std::uint64_t>(bytes, 32);
  contents.next_label = ReadRaw<std::uint64_t>(bytes, 40);
  contents.catalog_json = bytes.substr(kHeaderSize, catalog_size);
  contents.index_bytes = bytes.substr(kHeaderSize + catalog_size, index_size);
  return contents;
}

}  // namespace iris
