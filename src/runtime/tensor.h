// Tensor: an owning, typed, contiguous (row-major) n-dimensional value: what goes into and comes
// out of a model. It knows its element type and shape; data is one byte buffer sized exactly
// element_count * element size. Shapes of real tensors are never negative (-1 "dynamic" only
// appears in TensorSpec, see onnx_session.h).
//
// Batching helpers work along dim 0: Slice/Item cut rows out (copies), Concat joins tensors
// whose other dims and type agree. Typed access (values<T>) checks the element type and aborts on
// a mismatch: that is a bug in the caller, like Result::value() on an error.
//
// A Tensor is a plain value: copyable (deep copy), movable (cheap), thread-compatible.
// Knows nothing of ONNX Runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris {

enum class ElementType { kFloat32, kFloat16, kInt64, kInt32, kUint8 };

std::string_view ElementTypeName(ElementType type);  // "float32", "float16", ...
std::size_t ElementSize(ElementType type);           // bytes per element

// Maps a C++ element type to its ElementType (float16 has no C++ type here: use bytes()).
template <typename T>
struct ElementTypeOf;
template <>
struct ElementTypeOf<float> {
  static constexpr ElementType value = ElementType::kFloat32;
};
template <>
struct ElementTypeOf<std::int64_t> {
  static constexpr ElementType value = ElementType::kInt64;
};
template <>
struct ElementTypeOf<std::int32_t> {
  static constexpr ElementType value = ElementType::kInt32;
};
template <>
struct ElementTypeOf<std::uint8_t> {
  static constexpr ElementType value = ElementType::kUint8;
};

// "[2,3,224,224]"; used in error messages (also for spec shapes with -1).
std::string ShapeToString(std::span<const std::int64_t> shape);

class Tensor {
 public:
  // An empty float32 tensor of shape [0].
  Tensor() : shape_{0} {}

  // A zero-filled tensor. Negative dims are an InvalidArgument.
  static Result<Tensor> Zeros(ElementType type, std::vector<std::int64_t> shape);

  // Tensors from typed values; values.size() must equal the product of shape.
  static Result<Tensor> FromFloats(std::vector<std::int64_t> shape, std::span<const float> values);
  static Result<Tensor> FromInt64s(std::vector<std::int64_t> shape, std::span<const std::int64_t> values);
  static Result<Tensor> FromInt32s(std::vector<std::int64_t> shape, std::span<const std::int32_t> values);
  static Result<Tensor> FromUint8s(std::vector<std::int64_t> shape, std::span<const std::uint8_t> values);
  // Any type from raw bytes (e.g. float16 bit patterns); bytes.size() must match exactly.
  static Result<Tensor> FromBytes(ElementType type, std::vector<std::int64_t> shape, std::span<const std::byte> bytes);

  ElementType type() const { return type_; }
  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::size_t rank() const { return shape_.size(); }
  std::int64_t element_count() const { return static_cast<std::int64_t>(data_.size() / ElementSize(type_)); }
  // Size of dim 0 (the batch); 0 for a rank-0 tensor.
  std::int64_t batch() const { return shape_.empty() ? 0 : shape_[0]; }

  std::span<const std::byte> bytes() const { return data_; }
  std::span<std::byte> mutable_bytes() { return data_; }

  template <typename T>
  std::span<const T> values() const {
    CheckType(ElementTypeOf<T>::value);
    return {reinterpret_cast<const T*>(data_.data()), data_.size() / sizeof(T)};
  }
  template <typename T>
  std::span<T> mutable_values() {
    CheckType(ElementTypeOf<T>::value);
    return {reinterpret_cast<T*>(data_.data()), data_.size() / sizeof(T)};
  }

  // Rows [begin, begin+count) along dim 0, as a new tensor with dim 0 = count.
  // Out of range, or a rank-0 tensor: InvalidArgument.
  Result<Tensor> Slice(std::int64_t begin, std::int64_t count) const;
  // Row i with its leading dim kept: shape [1, ...].
  Result<Tensor> Item(std::int64_t i) const { return Slice(i, 1); }

  // Joins tensors along dim 0. All must have the same type, the same rank (>= 1) and the same
  // dims after dim 0; otherwise InvalidArgument naming the first one that differs.
  static Result<Tensor> Concat(std::span<const Tensor> parts);

  // Same type, shape and bytes (bitwise; NaNs with equal bits compare equal).
  bool operator==(const Tensor& other) const = default;

  // "float32[1,3,224,224]"
  std::string Describe() const;

 private:
  Tensor(ElementType type, std::vector<std::int64_t> shape, std::vector<std::byte> data)
      : type_(type), shape_(std::move(shape)), data_(std::move(data)) {}
  void CheckType(ElementType wanted) const;

  ElementType type_ = ElementType::kFloat32;
  std::vector<std::int64_t> shape_;
  std::vector<std::byte> data_;
};

}  // namespace iris
