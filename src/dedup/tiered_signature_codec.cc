#include "dedup/tiered_signature_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dedup/codec_io.h"
#include "dedup/signature_codec.h"

namespace iris {
namespace {

using codec_io::Reader;
using codec_io::Writer;

constexpr std::uint32_t kMaxVoteKey = 1u << 20;  // FeatureIndex keys: 16 chunks x 16 bits

void Header(Writer& w, const char (&magic)[4], std::uint64_t phash, const std::optional<std::uint64_t>& trimmed) {
  w.out().append(magic, 4);
  w.Uint(kTieredFormatVersion);
  w.Uint(phash);
  w.Uint(static_cast<std::uint8_t>(trimmed ? 1 : 0));
  if (trimmed) w.Uint(*trimmed);
}

// Checks magic and version (2 or 3: returned in `version`), then reads the pHashes; the reader starts after
// the magic.
Status ReadHeader(std::string_view bytes, const char (&magic)[4], const char* what, Reader& r, std::uint32_t& version,
                  std::uint64_t& phash, std::optional<std::uint64_t>& trimmed) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), magic, 4) != 0) {
    return InvalidArgument(std::string("not a ") + what + " (no " + std::string(magic, 4) + " magic)");
  }
  version = r.Uint<std::uint32_t>("version");
  if (version != kTieredFormatVersion && version != kTieredFormatVersion2) {
    return InvalidArgument(std::string(what) + " format version " + std::to_string(version) + " (this build reads " +
                           std::to_string(kTieredFormatVersion2) + " and " + std::to_string(kTieredFormatVersion) +
                           ")");
  }
  phash = r.Uint<std::uint64_t>("phash");
  const std::uint8_t has_trimmed = r.Uint<std::uint8_t>("has_trimmed");
  if (has_trimmed > 1) r.Fail("has_trimmed is " + std::to_string(has_trimmed));
  if (has_trimmed == 1) trimmed = r.Uint<std::uint64_t>("trimmed_phash");
  return Status::Ok();
}

}  // namespace

std::string EncodeResident(const ResidentSignature& s) {
  Writer w;
  Header(w, kResidentMagic, s.phash, s.trimmed_phash);
  std::vector<std::uint32_t> keys = s.vote_keys;
  std::sort(keys.begin(), keys.end());
  w.Count(keys.size());
  std::uint32_t previous = 0;
  for (std::uint32_t k : keys) {
    w.Varint(k - previous);
    previous = k;
  }
  w.Count(s.embedding.size());
  for (float v : s.embedding) w.F32(v);
  return std::move(w.out());
}

Result<ResidentSignature> DecodeResident(std::string_view bytes) {
  ResidentSignature s;
  Reader r(bytes.size() >= 4 ? bytes.substr(4) : bytes);
  std::uint32_t version = 0;
  IRIS_RETURN_IF_ERROR(
      ReadHeader(bytes, kResidentMagic, "resident duplicate signature", r, version, s.phash, s.trimmed_phash));
  const bool deltas = version >= 3;
  s.vote_keys.resize(r.Count(deltas ? 1 : 4, "vote_keys"));
  std::uint64_t key = 0;
  for (std::uint32_t& k : s.vote_keys) {
    key = deltas ? key + r.Varint("vote_key") : r.Uint<std::uint32_t>("vote_key");
    if (r.ok() && key >= kMaxVoteKey) r.Fail("vote key " + std::to_string(key) + " out of range");
    k = static_cast<std::uint32_t>(key);
  }
  s.embedding.resize(r.Count(4, "embedding"));
  for (float& v : s.embedding) v = r.F32("embedding");
  if (r.ok() && r.remaining() != 0) r.Fail(std::to_string(r.remaining()) + " trailing bytes");
  if (!r.ok()) return InvalidArgument(r.error());
  return s;
}

std::string EncodeCold(const ColdSignature& s) {
  Writer w;
  Header(w, kColdMagic, s.phash, s.trimmed_phash);
  w.Hashes(s.oriented_phashes);
  w.Hashes(s.trimmed_oriented_phashes);
  w.ZPlane8(s.thumbnail);
  w.ZPlane8(s.trimmed_thumbnail);
  const LocalFeatures& f = s.features;
  w.I32(f.width);
  w.I32(f.height);
  w.Uint(static_cast<std::uint8_t>(s.position_shift));
  w.Count(f.keypoints.size());
  const double unit = std::ldexp(1.0, s.position_shift);
  auto fixed = [&](float v) {
    return static_cast<std::uint16_t>(std::clamp<long>(std::lround(static_cast<double>(v) * unit), 0, 65535));
  };
  for (const Keypoint& k : f.keypoints) {
    w.Uint(fixed(k.x));
    w.Uint(fixed(k.y));
  }
  for (std::size_t i = 0; i < f.keypoints.size(); ++i) {
    const BinaryDescriptor d = i < f.descriptors.size() ? f.descriptors[i] : BinaryDescriptor{};
    for (std::uint64_t word : d) w.Uint(word);
  }
  w.ZPlane8(f.thumbnail);
  return std::move(w.out());
}

std::size_t EncodedColdSize(const ColdSignature& s) { return EncodeCold(s).size(); }

Result<ColdSignature> DecodeCold(std::string_view bytes) {
  ColdSignature s;
  Reader r(bytes.size() >= 4 ? bytes.substr(4) : bytes);
  std::uint32_t version = 0;
  IRIS_RETURN_IF_ERROR(ReadHeader(bytes, kColdMagic, "cold duplicate signature", r, version, s.phash, s.trimmed_phash));
  const auto plane = [&](const char* what) {
    return version >= 3 ? r.ZPlane8(what, kSignatureMaxPlaneSide) : r.Plane8(what, kSignatureMaxPlaneSide);
  };
  s.oriented_phashes = r.Hashes("oriented_phashes");
  s.trimmed_oriented_phashes = r.Hashes("trimmed_oriented_phashes");
  s.thumbnail = plane("thumbnail");
  s.trimmed_thumbnail = plane("trimmed_thumbnail");
  LocalFeatures& f = s.features;
  f.width = r.I32("features.width");
  f.height = r.I32("features.height");
  if (r.ok() && (f.width < 0 || f.height < 0 || f.width > kSignatureMaxFrameSide || f.height > kSignatureMaxFrameSide ||
                 (f.width == 0) != (f.height == 0))) {
    r.Fail("bad feature frame " + std::to_string(f.width) + "x" + std::to_string(f.height));
  }
  s.position_shift = r.Uint<std::uint8_t>("position_shift");
  if (r.ok() && s.position_shift > 8) r.Fail("position_shift " + std::to_string(s.position_shift) + " > 8");
  f.keypoints.resize(r.Count(kColdBytesPerKeypoint, "features.keypoints"));
  const double unit = std::ldexp(1.0, s.position_shift);
  for (Keypoint& k : f.keypoints) {
    k.x = static_cast<float>(r.Uint<std::uint16_t>("keypoint.x") / unit);
    k.y = static_cast<float>(r.Uint<std::uint16_t>("keypoint.y") / unit);
    if (r.ok() && (k.x > static_cast<float>(f.width) + 1.0f || k.y > static_cast<float>(f.height) + 1.0f)) {
      r.Fail("keypoint outside its " + std::to_string(f.width) + "x" + std::to_string(f.height) + " frame");
    }
  }
  f.descriptors.resize(f.keypoints.size());
  for (BinaryDescriptor& d : f.descriptors) {
    for (std::uint64_t& word : d) word = r.Uint<std::uint64_t>("descriptor");
  }
  f.thumbnail = plane("features.thumbnail");
  if (r.ok() && f.width == 0 && (!f.keypoints.empty() || !f.thumbnail.values.empty())) {
    r.Fail("features without a frame");
  }
  if (r.ok() && r.remaining() != 0) r.Fail(std::to_string(r.remaining()) + " trailing bytes");
  if (!r.ok()) return InvalidArgument(r.error());
  return s;
}

}  // namespace iris
