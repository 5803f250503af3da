// Fuzz target: image ingestion. Every format libvips is built with here (JPEG, PNG, WebP, GIF, TIFF,
// HEIF/AVIF, ...) goes through ProbeImage (header only) and DecodeImage, at full size and with
// shrink-on-load, exactly as uploads and downloaded URLs do (ingest/image_ingestor.cc). Limits are
// smaller than the server's defaults (4 MP instead of 100 MP) so each execution stays fast; the code
// path is the same. Seeds: scripts/fuzz.sh adds the photos of ../shared/data.
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "image/image_decoder.h"
#include "image/vips_runtime.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool started = iris::StartVips().ok();
  if (!started) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  iris::DecodeOptions options;
  options.limits.max_pixels = 4'000'000;
  if (!iris::ProbeImage(bytes, options.limits).ok()) return 0;
  (void)iris::DecodeImage(bytes, options);
  options.min_side = 64;  // shrink-on-load path
  (void)iris::DecodeImage(bytes, options);
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  // A 1x1 PNG and a truncated JPEG header; the real seeds are the photos scripts/fuzz.sh adds.
  static constexpr unsigned char kPng[] = {
      137, 80, 78, 71, 13, 10, 26,  10,  0,   0,   0,   13, 73, 72, 68, 82, 0,  0,  0,   1,   0,  0,   0,
      1,   8,  2,  0,  0,  0,  144, 119, 83,  222, 0,   0,  0,  12, 73, 68, 65, 84, 120, 156, 99, 248, 207,
      192, 0,  0,  3,  1,  1,  0,   201, 254, 146, 239, 0,  0,  0,  0,  73, 69, 78, 68,  174, 66, 96,  130};
  static constexpr unsigned char kJpegHead[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F',
                                                0,    1,    1,    0,    0, 1,    0,   1,   0,   0};
  return {std::string(reinterpret_cast<const char*>(kPng), sizeof kPng),
          std::string(reinterpret_cast<const char*>(kJpegHead), sizeof kJpegHead)};
}
