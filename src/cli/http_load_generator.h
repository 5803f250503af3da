// HttpLoadGenerator: drives an HTTP endpoint with N concurrent keep-alive clients for a fixed time,
// each sending multipart uploads back to back (one image per request, images taken round-robin), and
// reports throughput and latency percentiles. Used by `iris bench embed` against Iris or any server
// with the same kind of upload endpoint (e.g. the seed-style peer), so both are measured the same way.
// Not thread-safe itself; Run() spawns and joins its own client threads.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"

namespace iris::cli {

struct LoadTarget {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string path;                                               // e.g. "/v1/embeddings/image?model=x"
  std::string file_field = "file";                                // multipart field holding the image
  std::vector<std::pair<std::string, std::string>> extra_fields;  // other multipart form fields
};

struct LoadOptions {
  int concurrency = 1;
  std::chrono::duration<double> duration{10.0};
  std::chrono::duration<double> warmup{2.0};  // requests in this period are not counted
  int max_requests = 0;                       // >0: stop after this many counted requests (latency runs)
};

struct LoadReport {
  int requests = 0;    // counted (after warm-up) successful requests
  int failures = 0;    // non-200 answers or transport errors after warm-up
  double seconds = 0;  // counted wall time
  double throughput() const { return seconds > 0 ? requests / seconds : 0; }
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, mean_ms = 0, min_ms = 0;
  std::string first_error;  // for diagnosis
};

// `images` are encoded files (bytes) with their file names.
Result<LoadReport> RunHttpLoad(const LoadTarget& target, const std::vector<std::pair<std::string, std::string>>& images,
                               const LoadOptions& options);

}  // namespace iris::cli
