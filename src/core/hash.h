// Content hashes. SHA-256 is Iris's identity for every image and blob; MD5 is kept only because
// the seed services used it as a cache key. Both are lower-case hex. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace iris {

struct ContentHashes {
  std::string sha256;  // 64 hex chars
  std::string md5;     // 32 hex chars
};

// Computes both hashes in one pass over the bytes.
ContentHashes ComputeContentHashes(std::span<const std::uint8_t> bytes);
ContentHashes ComputeContentHashes(std::string_view bytes);

std::string Sha256Hex(std::string_view bytes);

// True for a SHA-256 as Iris writes it: exactly 64 lower-case hex characters.
bool IsSha256Hex(std::string_view text);

}  // namespace iris
