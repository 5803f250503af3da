// Fixed-size fields of the collection file (collection_file.h) and the collection log
// (collection_log.h): values copied byte for byte in the machine's byte order (little-endian on every
// target Iris builds for; both formats say so). ReadRaw does no bounds check: its callers check the
// sizes first. Header-only; no state.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace iris {

template <typename T>
void AppendRaw(std::string& out, T value) {
  static_assert(std::is_trivially_copyable_v<T>);
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
T ReadRaw(std::string_view in, std::size_t offset) {
  static_assert(std::is_trivially_copyable_v<T>);
  T value;
  std::memcpy(&value, in.data() + offset, sizeof(T));
  return value;
}

}  // namespace iris
