// Hardware population count for hot loops. Debian's x86-64 baseline (and so this build, without -march)
// has no POPCNT instruction, so std::popcount compiles to a call into libgcc's bit-twiddling
// __popcountdi2. A hot loop is written once as an inline function and compiled twice: a copy marked
// IRIS_TARGET_POPCNT (which may use the instruction) and a plain one; CpuHasPopcnt() picks the copy
// at run time (a plain function pointer choice, not an ifunc: it works under every sanitizer).
//
//   inline int CountAll(const Data& d) { ... std::popcount(x) ... }
//   IRIS_TARGET_POPCNT int CountAllPopcnt(const Data& d) { return CountAll(d); }
//   int CountAllPlain(const Data& d) { return CountAll(d); }
//   ... CpuHasPopcnt() ? CountAllPopcnt(d) : CountAllPlain(d) ...
//
// Elsewhere (other architectures, or a build that already targets POPCNT) both copies are the same.
#pragma once

namespace iris {

#if defined(__x86_64__) && !defined(__POPCNT__) && defined(__GNUC__)
#define IRIS_TARGET_POPCNT __attribute__((target("popcnt")))
// True when this CPU has POPCNT (every x86-64 CPU since 2008-2010 does).
inline bool CpuHasPopcnt() {
  static const bool has = __builtin_cpu_supports("popcnt");
  return has;
}
#else
#define IRIS_TARGET_POPCNT
inline bool CpuHasPopcnt() { return true; }
#endif

}  // namespace iris
