#include "dedup/signature_codec.h"

#include <cstring>

#include "dedup/codec_io.h"

namespace iris {
namespace {

using codec_io::Reader;
using codec_io::Writer;

bool InFrame(float v, int side) { return v >= -1.0f && v <= static_cast<float>(side) + 1.0f; }

}  // namespace

std::string EncodeSignature(const DuplicateSignature& s) {
  Writer w;
  w.out().append(kSignatureMagic, sizeof(kSignatureMagic));
  w.Uint(kSignatureFormatVersion);
  w.Uint(s.phash);
  w.Uint(static_cast<std::uint8_t>(s.trimmed_phash ? 1 : 0));
  if (s.trimmed_phash) w.Uint(*s.trimmed_phash);
  w.Hashes(s.oriented_phashes);
  w.Hashes(s.trimmed_oriented_phashes);
  w.Plane(s.thumbnail);
  w.Plane(s.trimmed_thumbnail);
  const LocalFeatures& f = s.features;
  w.I32(f.width);
  w.I32(f.height);
  w.Count(f.keypoints.size());
  for (const Keypoint& k : f.keypoints) {
    w.F32(k.x);
    w.F32(k.y);
    w.F32(k.angle);
    w.I32(k.level);
    w.I32(k.score);
  }
  for (std::size_t i = 0; i < f.keypoints.size(); ++i) {  // one descriptor per keypoint (LocalFeatures)
    const BinaryDescriptor d = i < f.descriptors.size() ? f.descriptors[i] : BinaryDescriptor{};
    for (std::uint64_t word : d) w.Uint(word);
  }
  w.Plane(f.thumbnail);
  w.Count(s.embedding.size());
  for (float v : s.embedding) w.F32(v);
  return std::move(w.out());
}

Result<DuplicateSignature> DecodeSignature(std::string_view bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignatureMagic, sizeof(kSignatureMagic)) != 0) {
    return InvalidArgument("not a duplicate signature (no IDSG magic)");
  }
  Reader r(bytes.substr(4));
  const std::uint32_t version = r.Uint<std::uint32_t>("version");
  if (version != kSignatureFormatVersion) {
    return InvalidArgument("duplicate signature format version " + std::to_string(version) + " (this build reads " +
                           std::to_string(kSignatureFormatVersion) + ")");
  }
  DuplicateSignature s;
  s.phash = r.Uint<std::uint64_t>("phash");
  const std::uint8_t has_trimmed = r.Uint<std::uint8_t>("has_trimmed");
  if (has_trimmed > 1) r.Fail("has_trimmed is " + std::to_string(has_trimmed));
  if (has_trimmed == 1) s.trimmed_phash = r.Uint<std::uint64_t>("trimmed_phash");
  s.oriented_phashes = r.Hashes("oriented_phashes");
  s.trimmed_oriented_phashes = r.Hashes("trimmed_oriented_phashes");
  s.thumbnail = r.Plane("thumbnail", kSignatureMaxPlaneSide);
  s.trimmed_thumbnail = r.Plane("trimmed_thumbnail", kSignatureMaxPlaneSide);

  LocalFeatures& f = s.features;
  f.width = r.I32("features.width");
  f.height = r.I32("features.height");
  if (r.ok() && (f.width < 0 || f.height < 0 || f.width > kSignatureMaxFrameSide || f.height > kSignatureMaxFrameSide ||
                 (f.width == 0) != (f.height == 0))) {
    r.Fail("bad feature frame " + std::to_string(f.width) + "x" + std::to_string(f.height));
  }
  // Each keypoint takes 20 bytes and its descriptor 32 more.
  f.keypoints.resize(r.Count(20 + 32, "features.keypoints"));
  for (Keypoint& k : f.keypoints) {
    k.x = r.F32("keypoint.x");
    k.y = r.F32("keypoint.y");
    k.angle = r.F32("keypoint.angle");
    k.level = r.I32("keypoint.level");
    k.score = r.I32("keypoint.score");
    if (r.ok() && (!InFrame(k.x, f.width) || !InFrame(k.y, f.height) || k.level < 0 || k.level > 64)) {
      r.Fail("keypoint outside its " + std::to_string(f.width) + "x" + std::to_string(f.height) + " frame");
    }
  }
  f.descriptors.resize(f.keypoints.size());
  for (BinaryDescriptor& d : f.descriptors) {
    for (std::uint64_t& word : d) word = r.Uint<std::uint64_t>("descriptor");
  }
  f.thumbnail = r.Plane("features.thumbnail", kSignatureMaxPlaneSide);
  if (r.ok() && f.width == 0 && (!f.keypoints.empty() || !f.thumbnail.values.empty())) {
    r.Fail("features without a frame");
  }
  s.embedding.resize(r.Count(4, "embedding"));
  for (float& v : s.embedding) v = r.F32("embedding");
  if (r.ok() && r.remaining() != 0) r.Fail(std::to_string(r.remaining()) + " trailing bytes");
  if (!r.ok()) return InvalidArgument(r.error());
  return s;
}

}  // namespace iris
