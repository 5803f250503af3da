#include "runtime/tensor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace iris {
namespace {

// Product of dims, or an error for a negative dim or an overflow.
Result<std::int64_t> ElementCountOf(std::span<const std::int64_t> shape) {
  std::int64_t count = 1;
  for (std::int64_t dim : shape) {
    if (dim < 0) return InvalidArgument("tensor shape " + ShapeToString(shape) + " has a negative dimension");
    if (dim != 0 && count > std::numeric_limits<std::int64_t>::max() / dim) {
      return InvalidArgument("tensor shape " + ShapeToString(shape) + " is too large");
    }
    count *= dim;
  }
  return count;
}

template <typename T>
Result<Tensor> FromTyped(std::vector<std::int64_t> shape, std::span<const T> values) {
  return Tensor::FromBytes(ElementTypeOf<T>::value, std::move(shape), std::as_bytes(values));
}

}  // namespace

std::string_view ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kFloat32:
      return "float32";
    case ElementType::kFloat16:
      return "float16";
    case ElementType::kInt64:
      return "int64";
    case ElementType::kInt32:
      return "int32";
    case ElementType::kUint8:
      return "uint8";
  }
  return "unknown";
}

std::size_t ElementSize(ElementType type) {
  switch (type) {
    case ElementType::kFloat32:
    case ElementType::kInt32:
      return 4;
    case ElementType::kFloat16:
      return 2;
    case ElementType::kInt64:
      return 8;
    case ElementType::kUint8:
      return 1;
  }
  return 1;
}

std::string ShapeToString(std::span<const std::int64_t> shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

Result<Tensor> Tensor::Zeros(ElementType type, std::vector<std::int64_t> shape) {
  IRIS_ASSIGN_OR_RETURN(std::int64_t count, ElementCountOf(shape));
  std::vector<std::byte> data(static_cast<std::size_t>(count) * ElementSize(type));
  return Tensor(type, std::move(shape), std::move(data));
}

Result<Tensor> Tensor::FromBytes(ElementType type, std::vector<std::int64_t> shape, std::span<const std::byte> bytes) {
  IRIS_ASSIGN_OR_RETURN(std::int64_t count, ElementCountOf(shape));
  const std::size_t want = static_cast<std::size_t>(count) * ElementSize(type);
  if (bytes.size() != want) {
    return InvalidArgument("tensor " + std::string(ElementTypeName(type)) + ShapeToString(shape) + " needs " +
                           std::to_string(count) + " elements but got " +
                           std::to_string(bytes.size() / ElementSize(type)));
  }
  return Tensor(type, std::move(shape), std::vector<std::byte>(bytes.begin(), bytes.end()));
}

Result<Tensor> Tensor::FromFloats(std::vector<std::int64_t> shape, std::span<const float> values) {
  return FromTyped(std::move(shape), values);
}
Result<Tensor> Tensor::FromInt64s(std::vector<std::int64_t> shape, std::span<const std::int64_t> values) {
  return FromTyped(std::move(shape), values);
}
Result<Tensor> Tensor::FromInt32s(std::vector<std::int64_t> shape, std::span<const std::int32_t> values) {
  return FromTyped(std::move(shape), values);
}
Result<Tensor> Tensor::FromUint8s(std::vector<std::int64_t> shape, std::span<const std::uint8_t> values) {
  return FromTyped(std::move(shape), values);
}

Result<Tensor> Tensor::Slice(std::int64_t begin, std::int64_t count) const {
  if (shape_.empty()) return InvalidArgument("cannot slice a rank-0 tensor");
  if (begin < 0 || count < 0 || begin > shape_[0] || count > shape_[0] - begin) {
    return InvalidArgument("rows [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                           ") are out of range for " + Describe());
  }
  const std::size_t row_bytes = shape_[0] == 0 ? 0 : data_.size() / static_cast<std::size_t>(shape_[0]);
  std::vector<std::int64_t> shape = shape_;
  shape[0] = count;
  const auto first = data_.begin() + static_cast<std::ptrdiff_t>(row_bytes * static_cast<std::size_t>(begin));
  return Tensor(type_, std::move(shape),
                std::vector<std::byte>(first, first + static_cast<std::ptrdiff_t>(row_bytes * count)));
}

Result<Tensor> Tensor::Concat(std::span<const Tensor> parts) {
  if (parts.empty()) return InvalidArgument("cannot concatenate zero tensors");
  const Tensor& first = parts.front();
  if (first.rank() == 0) return InvalidArgument("cannot concatenate rank-0 tensors");
  std::int64_t rows = 0;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Tensor& part = parts[i];
    const bool same_inner =
        part.rank() == first.rank() && std::equal(part.shape_.begin() + 1, part.shape_.end(), first.shape_.begin() + 1);
    if (part.type_ != first.type_ || !same_inner) {
      return InvalidArgument("cannot concatenate " + part.Describe() + " (part " + std::to_string(i) + ") with " +
                             first.Describe() + " along dim 0");
    }
    rows += part.shape_[0];
    bytes += part.data_.size();
  }
  std::vector<std::int64_t> shape = first.shape_;
  shape[0] = rows;
  std::vector<std::byte> data;
  data.reserve(bytes);
  for (const Tensor& part : parts) data.insert(data.end(), part.data_.begin(), part.data_.end());
  return Tensor(first.type_, std::move(shape), std::move(data));
}

std::string Tensor::Describe() const { return std::string(ElementTypeName(type_)) + ShapeToString(shape_); }

void Tensor::CheckType(ElementType wanted) const {
  if (wanted == type_) return;
  std::fprintf(stderr, "iris: Tensor of type %s read as %s\n", std::string(ElementTypeName(type_)).c_str(),
               std::string(ElementTypeName(wanted)).c_str());
  std::abort();
}

}  // namespace iris
