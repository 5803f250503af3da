#include "core/hash.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace iris {
namespace {

std::string ToHex(const unsigned char* data, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (unsigned int i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

DigestContext NewDigest(const EVP_MD* md) {
  DigestContext ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) throw std::runtime_error("EVP_DigestInit failed");
  return ctx;
}

std::string Finish(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx, digest, &size);
  return ToHex(digest, size);
}

}  // namespace

ContentHashes ComputeContentHashes(std::span<const std::uint8_t> bytes) {
  DigestContext sha = NewDigest(EVP_sha256());
  DigestContext md5 = NewDigest(EVP_md5());
  constexpr std::size_t kChunk = 1 << 16;  // interleave so the bytes are read from cache once
  for (std::size_t off = 0; off < bytes.size(); off += kChunk) {
    std::size_t n = std::min(kChunk, bytes.size() - off);
    EVP_DigestUpdate(sha.get(), bytes.data() + off, n);
    EVP_DigestUpdate(md5.get(), bytes.data() + off, n);
  }
  return {Finish(sha.get()), Finish(md5.get())};
}

ContentHashes ComputeContentHashes(std::string_view bytes) {
  return ComputeContentHashes(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::string Sha256Hex(std::string_view bytes) {
  DigestContext sha = NewDigest(EVP_sha256());
  EVP_DigestUpdate(sha.get(), bytes.data(), bytes.size());
  return Finish(sha.get());
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace iris
