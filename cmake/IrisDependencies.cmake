# Finds every third-party dependency and exposes it as an imported target.
# All come from Debian packages (scripts/setup.sh) except ONNX Runtime (ORT_ROOT).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips-cpp>=8.14)
# libzip (the ZIP archives of generated product shots); pkg-config, as its CMake package also wants the
# zipcmp/zipmerge tools that libzip-dev does not install.
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET GLOBAL libzip>=1.7)
# libpq: the PostgreSQL client for storage.database_url (docs/scale-out.md).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET GLOBAL libpq>=15)

# cpp-httplib. Debian's 0.11.4 is NOT header-only: httplib.h only declares, the code is in
# libcpp-httplib.so, built with OpenSSL/zlib/brotli support. Every user must compile with the same
# CPPHTTPLIB_* macros (they change class layouts) and link the library: pkg-config gives both.
pkg_check_modules(IRIS_CPP_HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
add_library(iris_httplib INTERFACE)
target_link_libraries(iris_httplib INTERFACE PkgConfig::IRIS_CPP_HTTPLIB OpenSSL::SSL OpenSSL::Crypto Threads::Threads)

# hnswlib (header only)
find_path(HNSWLIB_INCLUDE_DIR hnswlib/hnswlib.h REQUIRED)
add_library(iris_hnswlib INTERFACE)
target_include_directories(iris_hnswlib SYSTEM INTERFACE ${HNSWLIB_INCLUDE_DIR})

# ONNX Runtime: .deps/onnxruntime (scripts/install_onnxruntime.sh) or an official release.
set(ORT_ROOT "${CMAKE_CURRENT_SOURCE_DIR}/.deps/onnxruntime" CACHE PATH "ONNX Runtime root (include/, lib/)")
find_path(ORT_INCLUDE_DIR onnxruntime_cxx_api.h
  PATHS ${ORT_ROOT}/include ${ORT_ROOT}/include/onnxruntime NO_DEFAULT_PATH)
find_library(ORT_LIBRARY onnxruntime PATHS ${ORT_ROOT}/lib NO_DEFAULT_PATH)
if(NOT ORT_INCLUDE_DIR OR NOT ORT_LIBRARY)
  message(FATAL_ERROR "ONNX Runtime not found under ORT_ROOT=${ORT_ROOT}: run scripts/setup.sh")
endif()
add_library(iris_onnxruntime INTERFACE)
target_include_directories(iris_onnxruntime SYSTEM INTERFACE ${ORT_INCLUDE_DIR})
target_link_libraries(iris_onnxruntime INTERFACE ${ORT_LIBRARY})
get_filename_component(ORT_LIBRARY_DIR ${ORT_LIBRARY} DIRECTORY)
# Binaries find libonnxruntime.so.1 through their RPATH, wherever the build tree lives.
set(CMAKE_BUILD_RPATH ${ORT_LIBRARY_DIR})
set(CMAKE_INSTALL_RPATH ${ORT_LIBRARY_DIR})

if(IRIS_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(IRIS_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
