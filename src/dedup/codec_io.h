// Little-endian, bounds-checked byte writer and reader shared by the duplicate-signature codecs
// (signature_codec.h: format v1; tiered_signature_codec.h: the resident and cold tiers, format v2).
//
//   * Writer appends numbers (little-endian; floats as IEEE-754 binary32 bit patterns), counts (u32),
//     float planes (u32 width, u32 height, f32 values) and 8-bit planes (u16 width, u16 height, bytes).
//   * Reader checks that every read fits the remaining bytes; the first failure is kept (message starts
//     with "corrupt duplicate signature: ") and later reads return zeros, so a decoder can read on and
//     test ok() once. Counts are checked against the remaining bytes before anything is allocated.
//
// Errors: reported through Reader::ok()/error(). Thread-safety: objects are single-threaded; no shared state.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "dedup/plane_compression.h"
#include "vision/color_space.h"

namespace iris::codec_io {

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
  // Values rounded to 0..255 (a plane already at 8-bit levels round-trips exactly).
  void Plane8(const LumaPlane& p) {
    Uint(static_cast<std::uint16_t>(p.width));
    Uint(static_cast<std::uint16_t>(p.height));
    for (float v : p.values) {
      out_.push_back(static_cast<char>(static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0f, 255.0f)))));
    }
  }
  // An 8-bit plane compressed (plane_compression.h): u16 width, u16 height, u32 n, n bytes.
  void ZPlane8(const LumaPlane& p) {
    std::vector<std::uint8_t> values(p.values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      values[i] = static_cast<std::uint8_t>(std::lround(std::clamp(p.values[i], 0.0f, 255.0f)));
    }
    const std::string z = values.empty() ? std::string() : CompressPlane8(values, p.width, p.height);
    Uint(static_cast<std::uint16_t>(p.width));
    Uint(static_cast<std::uint16_t>(p.height));
    Count(z.size());
    out_ += z;
  }
  // An unsigned number in LEB128 (7 bits a byte, low first).
  void Varint(std::uint32_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Hashes(const std::vector<std::uint64_t>& list) {
    Count(list.size());
    for (std::uint64_t h : list) Uint(h);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

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
  LumaPlane Plane(const char* what, int max_side) {
    const std::uint32_t w = Uint<std::uint32_t>(what), h = Uint<std::uint32_t>(what);
    return PlaneBody(w, h, 4, what, max_side);
  }
  LumaPlane Plane8(const char* what, int max_side) {
    const std::uint16_t w = Uint<std::uint16_t>(what), h = Uint<std::uint16_t>(what);
    return PlaneBody(w, h, 1, what, max_side);
  }
  LumaPlane ZPlane8(const char* what, int max_side) {
    const std::uint16_t w = Uint<std::uint16_t>(what), h = Uint<std::uint16_t>(what);
    const std::size_t n = Count(1, what);
    LumaPlane p;
    if (!ok()) return p;
    if (w > max_side || h > max_side || (w == 0) != (h == 0)) {
      Fail(std::string(what) + ": bad size " + std::to_string(w) + "x" + std::to_string(h));
      return p;
    }
    const Result<std::vector<std::uint8_t>> values = DecompressPlane8(bytes_.substr(pos_, n), w, h);
    pos_ += n;
    if (!values.ok()) {
      Fail(std::string(what) + ": " + values.status().message());
      return p;
    }
    p.width = w;
    p.height = h;
    p.values.assign(values->begin(), values->end());
    return p;
  }
  // A LEB128 number of at most 32 bits.
  std::uint32_t Varint(const char* what) {
    std::uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      const std::uint8_t byte = Uint<std::uint8_t>(what);
      if (!ok()) return 0;
      if (shift == 28 && byte > 0x0F) break;
      v |= static_cast<std::uint32_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    Fail(std::string(what) + ": variable-length number longer than 32 bits");
    return 0;
  }
  std::vector<std::uint64_t> Hashes(const char* what) {
    std::vector<std::uint64_t> out(Count(8, what));
    for (std::uint64_t& h : out) h = Uint<std::uint64_t>(what);
    return out;
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
  LumaPlane PlaneBody(std::uint32_t w, std::uint32_t h, std::size_t value_size, const char* what, int max_side) {
    LumaPlane p;
    if (!ok()) return p;
    if (w > static_cast<std::uint32_t>(max_side) || h > static_cast<std::uint32_t>(max_side) || (w == 0) != (h == 0)) {
      Fail(std::string(what) + ": bad size " + std::to_string(w) + "x" + std::to_string(h));
      return p;
    }
    const std::size_t n = static_cast<std::size_t>(w) * h;
    if (!Need(value_size * n, what)) return p;
    p.width = static_cast<int>(w);
    p.height = static_cast<int>(h);
    p.values.resize(n);
    if (value_size == 1) {
      for (float& v : p.values) v = static_cast<float>(static_cast<std::uint8_t>(bytes_[pos_++]));
    } else {
      for (float& v : p.values) v = F32(what);
    }
    return p;
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace iris::codec_io
