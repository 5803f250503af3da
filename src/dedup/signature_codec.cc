#include "dedup/signature_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace iris {
namespace {

static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559, "binary32 floats expected");

template <typename U>
U ToLittle(U v) {
  if constexpr (std::endian::native == std::endian::big) {
    U out = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) out = static_cast<U>((out << 8) | ((v >> (8 * i)) & 0xFF));
    return out;
  } else {
    return v;
  }
}

class Writer {
 public:
  template <typename U>
  void Uint(U v) {
    const U le = ToLittle(v);
    char bytes[sizeof(U)];
    std::memcpy(bytes, &le, sizeof(U));
    out_.append(bytes, sizeof(U));
  }
  void I32(int v) { Uint(static_cast<std::uint32_t>(v)); }
  void F32(float v) { Uint(std::bit_cast<std::uint32_t>(v)); }
  void Count(std::size_t n) { Uint(static_cast<std::uint32_t>(n)); }
  void Plane(const LumaPlane& p) {
    Uint(static_cast<std::uint32_t>(p.width));
    Uint(static_cast<std::uint32_t>(p.height));
    for (float v : p.values) F32(v);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// Bounds-checked little-endian reader: every read first checks the bytes are there; the first failure
// is kept and later reads return zeros.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  template <typename U>
  U Uint(const char* what) {
    if (!Need(sizeof(U), what)) return 0;
    U v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(U));
    pos_ += sizeof(U);
    return ToLittle(v);
  }
  int I32(const char* what) { return static_cast<int>(Uint<std::uint32_t>(what)); }
  float F32(const char* what) {
    const float v = std::bit_cast<float>(Uint<std::uint32_t>(what));
    if (ok() && !std::isfinite(v)) Fail(std::string(what) + " is not a finite number");
    return ok() ? v : 0.0f;
  }
  // A count of items of item_size bytes each; fails when they cannot all be in the remaining bytes.
  std::size_t Count(std::size_t item_size, const char* what) {
    const std::uint32_t n = Uint<std::uint32_t>(what);
    if (ok() && static_cast<std::uint64_t>(n) * item_size > remaining()) {
      Fail(std::string(what) + ": " + std::to_string(n) + " items do not fit in the " + std::to_string(remaining()) +
           " bytes left");
      return 0;
    }
    return ok() ? n : 0;
  }
  LumaPlane Plane(const char* what) {
    LumaPlane p;
    const std::uint32_t w = Uint<std::uint32_t>(what), h = Uint<std::uint32_t>(what);
    if (!ok()) return p;
    if (w > kSignatureMaxPlaneSide || h > kSignatureMaxPlaneSide || (w == 0) != (h == 0)) {
      Fail(std::string(what) + ": bad size " + std::to_string(w) + "x" + std::to_string(h));
      return p;
    }
    const std::size_t n = static_cast<std::size_t>(w) * h;
    if (!Need(4 * n, what)) return p;
    p.width = static_cast<int>(w);
    p.height = static_cast<int>(h);
    p.values.resize(n);
    for (float& v : p.values) v = F32(what);
    return p;
  }

  void Fail(std::string message) {
    if (ok()) error_ = "corrupt duplicate signature: " + std::move(message);
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  bool Need(std::size_t n, const char* what) {
    if (!ok()) return false;
    if (n > remaining()) {
      Fail(std::string("truncated in ") + what + " (" + std::to_string(n) + " bytes needed, " +
           std::to_string(remaining()) + " left)");
      return false;
    }
    return true;
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string error_;
};

std::vector<std::uint64_t> HashList(Reader& r, const char* what) {
  std::vector<std::uint64_t> out(r.Count(8, what));
  for (std::uint64_t& h : out) h = r.Uint<std::uint64_t>(what);
  return out;
}

bool InFrame(float v, int side) { return v >= -1.0f && v <= static_cast<float>(side) + 1.0f; }

}  // namespace

std::string EncodeSignature(const DuplicateSignature& s) {
  Writer w;
  w.out().append(kSignatureMagic, sizeof(kSignatureMagic));
  w.Uint(kSignatureFormatVersion);
  w.Uint(s.phash);
  w.Uint(static_cast<std::uint8_t>(s.trimmed_phash ? 1 : 0));
  if (s.trimmed_phash) w.Uint(*s.trimmed_phash);
  for (const auto* list : {&s.oriented_phashes, &s.trimmed_oriented_phashes}) {
    w.Count(list->size());
    for (std::uint64_t h : *list) w.Uint(h);
  }
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
  s.oriented_phashes = HashList(r, "oriented_phashes");
  s.trimmed_oriented_phashes = HashList(r, "trimmed_oriented_phashes");
  s.thumbnail = r.Plane("thumbnail");
  s.trimmed_thumbnail = r.Plane("trimmed_thumbnail");

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
  f.thumbnail = r.Plane("features.thumbnail");
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
