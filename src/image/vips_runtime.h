// The process-wide libvips runtime that every function in image/ runs on.
//
// libvips is started once per process (std::call_once) with settings chosen for a server that
// decodes untrusted uploads on many request threads at once:
//   * vips_block_untrusted_set(TRUE): loaders libvips marks untrusted (ImageMagick, PDF, SVG, ...)
//     can never run, even by mistake. image/ also only ever calls the explicit per-format loaders.
//   * vips_cache_set_max(0): no operation cache, so memory does not grow with each request, and no
//     cached operation can outlive the caller-owned bytes a loader was given.
//   * vips_concurrency_set(concurrency): default 1 worker thread per pipeline, because requests
//     already run in parallel; more threads per image would only oversubscribe the cores.
//   * libvips warnings about individual files go to the structured log (debug), not raw stderr.
//
// Every image/ function calls StartVips() with default options itself. A program that wants other
// options (e.g. a CLI batch tool wanting more threads per image) calls StartVips() first, before
// any other image/ call; the first call's options win for the life of the process.
// Thread-safe.
#pragma once

#include "core/status.h"

namespace iris {

struct VipsRuntimeOptions {
  int concurrency = 1;  // libvips worker threads per image pipeline (>= 1)
};

// Starts libvips on the first call; later calls return the first call's outcome and ignore their
// options. Fails (Internal) only if libvips itself cannot start.
Status StartVips(const VipsRuntimeOptions& options = {});

}  // namespace iris
