#include "store/blob_store.h"

#include <string>

#include "core/hash.h"

namespace iris {
namespace {

constexpr std::string_view kPrefix = "sha256/";
constexpr std::size_t kHexLength = 64;
// "sha256/" + "ab/" + "cd/" + 64 hex
constexpr std::size_t kKeyLength = kPrefix.size() + 3 + 3 + kHexLength;

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string BlobKeyForSha256(std::string_view sha256_hex) {
  std::string key(kPrefix);
  key += sha256_hex.substr(0, 2);
  key += '/';
  key += sha256_hex.substr(2, 2);
  key += '/';
  key += sha256_hex;
  return key;
}

std::string BlobKeyForContent(std::string_view bytes) { return BlobKeyForSha256(Sha256Hex(bytes)); }

Status ValidateBlobKey(std::string_view key) {
  // Checked by construction rather than by looking for "..": only one shape is accepted, and it
  // has no room for dots, extra slashes or anything else a path could use.
  auto invalid = [&] {
    std::string shown(key.substr(0, 100));
    return InvalidArgument("invalid blob key \"" + shown + "\"; expected sha256/<2 hex>/<2 hex>/<64 lower-case hex>");
  };
  if (key.size() != kKeyLength || !key.starts_with(kPrefix)) return invalid();
  std::string_view rest = key.substr(kPrefix.size());
  if (rest[2] != '/' || rest[5] != '/') return invalid();
  std::string_view hex = rest.substr(6);
  if (!IsLowerHex(hex) || rest.substr(0, 2) != hex.substr(0, 2) || rest.substr(3, 2) != hex.substr(2, 2)) {
    return invalid();
  }
  return Status::Ok();
}

}  // namespace iris
