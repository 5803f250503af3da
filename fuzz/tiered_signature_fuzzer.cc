// Fuzz target: the two-tier duplicate-signature codec (dedup/tiered_signature_codec.h), which reads the
// duplicate_resident and duplicate_cold BLOBs back from the database, including the zlib streams of the
// cold thumbnails (dedup/plane_compression.h). Any bytes must decode or be refused. What decodes must
// survive a round trip: encoding it and decoding that gives a signature that encodes to the same bytes
// (zlib streams are not canonical, so the input bytes themselves may differ).
#include <cstdlib>
#include <string>
#include <string_view>

#include "dedup/tiered_signature_codec.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto cold = iris::DecodeCold(bytes); cold.ok()) {
    const std::string once = iris::EncodeCold(*cold);
    auto again = iris::DecodeCold(once);
    if (!again.ok() || iris::EncodeCold(*again) != once) std::abort();
  }
  if (auto resident = iris::DecodeResident(bytes); resident.ok()) {
    const std::string once = iris::EncodeResident(*resident);
    auto again = iris::DecodeResident(once);
    if (!again.ok() || iris::EncodeResident(*again) != once) std::abort();
  }
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  iris::ColdSignature cold;
  cold.phash = 0x0123456789abcdefull;
  cold.trimmed_phash = 0xfedcba9876543210ull;
  cold.oriented_phashes = {1, 2, 3, 4, 5, 6, 7};
  cold.thumbnail = {4, 3, {0.f, 10.f, 20.f, 30.f, 40.f, 50.f, 60.f, 70.f, 80.f, 90.f, 100.f, 255.f}};
  cold.features.width = 64;
  cold.features.height = 48;
  cold.position_shift = 6;
  cold.features.keypoints = {{10.f, 20.f, 0.f, 0, 0}, {40.f, 8.f, 0.f, 0, 0}};
  cold.features.descriptors = {{1, 2, 3, 4}, {5, 6, 7, 8}};
  cold.features.thumbnail = {2, 2, {0.f, 64.f, 128.f, 255.f}};
  iris::ResidentSignature resident;
  resident.phash = 42;
  resident.vote_keys = {3, 70000, 1048575};
  resident.embedding = {0.6f, 0.8f};
  return {iris::EncodeCold(iris::ColdSignature{}), iris::EncodeCold(cold), iris::EncodeResident(resident)};
}
