#include "store/zip_archive.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

namespace iris {
namespace {

// 1980-01-01 00:00 local time: the earliest DOS time stamp, the same in every archive.
time_t FixedTime() {
  std::tm tm{};
  tm.tm_year = 80;
  tm.tm_mday = 1;
  tm.tm_hour = 12;  // noon: no time zone moves it to another day
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

Status CheckEntryName(const std::string& name) {
  bool bad = name.empty() || name.size() > 255 || name.front() == '/' || name.find("..") != std::string::npos ||
             name.find('\\') != std::string::npos;
  for (char c : name) bad = bad || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  if (bad) return InvalidArgument("bad ZIP entry name '" + name.substr(0, 64) + "'");
  return {};
}

Status ZipError(const std::string& what, const std::filesystem::path& path, zip_t* zip) {
  return Internal(what + " " + path.string() + ": " + (zip ? zip_strerror(zip) : "libzip error"));
}

}  // namespace

Status WriteZipFile(const std::filesystem::path& path, const std::vector<ZipEntry>& entries) {
  std::set<std::string> seen;
  for (const auto& e : entries) {
    IRIS_RETURN_IF_ERROR(CheckEntryName(e.name));
    if (!seen.insert(e.name).second) return InvalidArgument("ZIP entry '" + e.name + "' given twice");
  }
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!zip) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, error);
    Status status = Internal("cannot create ZIP " + path.string() + ": " + zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return status;
  }
  const time_t mtime = FixedTime();
  for (const auto& e : entries) {
    zip_source_t* source = zip_source_buffer(zip, e.bytes.data(), e.bytes.size(), 0);
    const zip_int64_t index = source ? zip_file_add(zip, e.name.c_str(), source, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (source) zip_source_free(source);
      Status status = ZipError("cannot add " + e.name + " to", path, zip);
      zip_discard(zip);
      return status;
    }
    const auto i = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(zip, i, e.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_mtime(zip, i, mtime, 0) != 0) {
      Status status = ZipError("cannot set the entry options of " + e.name + " in", path, zip);
      zip_discard(zip);
      return status;
    }
  }
  if (zip_close(zip) != 0) {  // writes the archive, entry by entry, to the file
    Status status = ZipError("cannot write ZIP", path, zip);
    zip_discard(zip);
    return status;
  }
  return {};
}

Result<std::unique_ptr<ZipReader>> ZipReader::Open(const std::filesystem::path& path) {
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!zip) {
    if (error == ZIP_ER_NOZIP || error == ZIP_ER_INCONS) return Unprocessable("the file is not a ZIP archive");
    zip_error_t ze;
    zip_error_init_with_code(&ze, error);
    Status status = Internal("cannot open ZIP " + path.string() + ": " + zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return status;
  }
  std::unique_ptr<ZipReader> reader(new ZipReader());
  reader->zip_ = zip;
  reader->path_ = path;
  const zip_int64_t n = zip_get_num_entries(zip, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(zip, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS);
    if (name) reader->names_.emplace_back(name);
  }
  return reader;
}

ZipReader::~ZipReader() {
  if (zip_) zip_discard(zip_);
}

Result<std::string> ZipReader::Read(const std::string& name, std::uint64_t max_bytes) const {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(zip_, name.c_str(), 0, &st) != 0) return NotFound("the ZIP has no entry '" + name.substr(0, 64) + "'");
  if (!(st.valid & ZIP_STAT_SIZE) || st.size > max_bytes) {
    return TooLarge("ZIP entry '" + name.substr(0, 64) + "' is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(zip_fopen(zip_, name.c_str(), 0), &zip_fclose);
  if (!file) return ZipError("cannot open entry " + name + " of", path_, zip_);
  std::string out(static_cast<std::size_t>(st.size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const zip_int64_t got = zip_fread(file.get(), out.data() + done, out.size() - done);
    if (got <= 0) return ZipError("cannot read entry " + name + " of", path_, zip_);
    done += static_cast<std::size_t>(got);
  }
  return out;
}

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Internal("cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return Internal("cannot stat " + path.string() + ": " + std::strerror(e));
  }
  std::unique_ptr<MappedFile> mapped(new MappedFile());
  mapped->size_ = static_cast<std::size_t>(st.st_size);
  if (mapped->size_ > 0) {
    void* data = ::mmap(nullptr, mapped->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int e = errno;
      ::close(fd);
      return Internal("cannot map " + path.string() + ": " + std::strerror(e));
    }
    mapped->data_ = data;
  }
  ::close(fd);
  return mapped;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

Result<std::filesystem::path> MakeTempFile(const std::filesystem::path& dir, const std::string& suffix) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir.string() + ": " + ec.message());
  std::string pattern = (dir / ("iris-XXXXXX" + suffix)).string();
  const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) return Internal("cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno));
  ::close(fd);
  return std::filesystem::path(pattern);
}

}  // namespace iris
