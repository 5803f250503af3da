// The contract every fuzz target in fuzz/ follows (docs/fuzzing.md).
//
//   * LLVMFuzzerTestOneInput(data, size) feeds one input to one parser of user-controlled bytes and
//     returns 0. Any input is allowed: the code under test must answer with an error, never crash,
//     hang, read out of bounds or allocate without bound. Sanitizers (ASan + UBSan in the libFuzzer
//     build) turn a violation into a crash that libFuzzer saves.
//   * IrisFuzzSeeds() returns small valid inputs (made with the code's own writers where it has one),
//     so the fuzzer starts from inputs that reach deep into the parser. scripts/fuzz.sh writes them to
//     the corpus with `--write-seeds DIR` (the replay binary's option, see replay_main.cc).
//   * Each target is built twice: with clang's libFuzzer and sanitizers (IRIS_FUZZ=ON, by
//     scripts/fuzz.sh), and as a replay binary in every normal build, whose ctest runs the target's
//     seeds and every file in fuzz/regressions/<target>/ (each crash libFuzzer found, kept forever).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// Small valid inputs to start fuzzing from (may be empty).
std::vector<std::string> IrisFuzzSeeds();
