// Fuzz target: the duplicate-signature codec (dedup/signature_codec.h), which reads BLOBs back from
// the signature store. Any bytes must decode or be refused; what decodes must encode back to the same
// bytes (the codec is lossless and canonical).
#include <cstdlib>
#include <string>
#include <string_view>

#include "dedup/signature_codec.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = iris::DecodeSignature(bytes);
  if (decoded.ok() && iris::EncodeSignature(*decoded) != bytes) std::abort();  // not canonical: a bug
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  iris::DuplicateSignature empty;
  iris::DuplicateSignature small;
  small.phash = 0x0123456789abcdefull;
  small.trimmed_phash = 0xfedcba9876543210ull;
  small.oriented_phashes = {1, 2, 3, 4, 5, 6, 7};
  small.thumbnail = {2, 2, {0.f, 0.25f, 0.5f, 1.f}};
  small.features.width = 64;
  small.features.height = 48;
  small.features.keypoints = {{10.f, 20.f, 0.5f, 0, 30}, {40.f, 8.f, -1.f, 1, 12}};
  small.features.descriptors = {{1, 2, 3, 4}, {5, 6, 7, 8}};
  small.features.thumbnail = {1, 1, {0.5f}};
  small.embedding = {0.6f, 0.8f};
  return {iris::EncodeSignature(empty), iris::EncodeSignature(small)};
}
