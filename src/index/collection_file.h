// Collection file: the on-disk form of an HnswCollection (format version 1).
//
// Layout (integers little-endian, as every supported target writes them):
//   [0,8)    magic "IRISHNSW"
//   [8,12)   u32 format version (1)
//   [12,32)  u32 dim, u32 metric (Metric's value), u32 m, u32 ef_construction, u32 ef_search
//   [32,64)  u64 item_count, u64 next_label, u64 catalog length C, u64 index length I
//   [64, 64+C)         catalog: UTF-8 JSON, the id <-> label map and each item's metadata
//   [64+C, 64+C+I)     hnswlib's saveIndex bytes
//   last 64 bytes      SHA-256 (lower-case hex) of every byte before it
// A file whose size, magic, version or checksum does not match is reported as FailedPrecondition
// naming the file; it is never read as an empty collection.
//
// Writes go to a temporary file in the same directory which is fsynced and renamed over the
// target, so a reader sees the old file or the new one, never a mix. Stateless; thread-safe for
// distinct paths.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.h"

namespace iris {

inline constexpr std::uint32_t kCollectionFileVersion = 1;

struct CollectionFileContents {
  std::uint32_t dim = 0;
  std::uint32_t metric = 0;
  std::uint32_t m = 0;
  std::uint32_t ef_construction = 0;
  std::uint32_t ef_search = 0;
  std::uint64_t item_count = 0;
  std::uint64_t next_label = 0;
  std::string catalog_json;
  std::string index_bytes;
};

Status WriteCollectionFile(const std::filesystem::path& path, const CollectionFileContents& contents);
Result<CollectionFileContents> ReadCollectionFile(const std::filesystem::path& path);

}  // namespace iris
