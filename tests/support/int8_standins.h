// The int8 twins of the CLIP stand-ins for tests: ../shared/models/clip-standin-{tiny,colors} with
// both towers quantized by ../shared/tools/quantize_dynamic.py (Debian python3-onnx, python3-numpy),
// made once per test process in a temporary folder (never committed). The folder is laid out as a
// model mirror: <mirror>/clip-standin-tiny-int8/ and <mirror>/clip-standin-colors-int8/ hold the
// catalog files of the entries of those names (the tokenizer files copied from the fp32 stand-in).
// Failures (no python3-onnx, a missing stand-in) throw std::runtime_error with the tool's output.
// Thread-safe.
#pragma once

#include <filesystem>
#include <string>

namespace iris::testing {

// The mirror folder holding both int8 stand-ins.
std::filesystem::path Int8StandInMirror();

// The model folder of one stand-in variant: "tiny" or "colors", "fp32" (the shared folder) or "int8".
std::filesystem::path StandInFolder(const std::string& standin, const std::string& variant);

}  // namespace iris::testing
