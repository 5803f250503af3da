// S3rverProcess: a real S3-compatible server (s3rver from npm, installed pinned by scripts/setup.sh into
// .deps/s3rver) started on a free loopback port with its own data directory and the given buckets, and
// killed by the destructor. Virtual-host requests reach it as <bucket>.s3.localhost:<port> (libcurl
// resolves *.localhost to loopback); path-style as 127.0.0.1:<port>/<bucket>. s3rver accepts any
// signature for its built-in key pair S3RVER/S3RVER (it does not verify SigV4; aws_sigv4_test.cc does).
// Start returns nullptr when s3rver is not installed (the caller fails, naming scripts/setup.sh) and
// throws when it is installed but does not answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace iris::testing {

class S3rverProcess {
 public:
  static std::unique_ptr<S3rverProcess> Start(const std::vector<std::string>& buckets);
  ~S3rverProcess();
  S3rverProcess(const S3rverProcess&) = delete;
  S3rverProcess& operator=(const S3rverProcess&) = delete;

  int port() const { return port_; }
  std::string path_style_endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string virtual_host_endpoint() const { return "http://s3.localhost:" + std::to_string(port_); }
  // The directory s3rver keeps its objects in.
  const std::filesystem::path& directory() const { return directory_; }

 private:
  S3rverProcess() = default;
  int pid_ = -1;
  int port_ = 0;
  std::unique_ptr<TempDir> temp_;
  std::filesystem::path directory_;
};

// Where scripts/setup.sh installs s3rver's entry point.
std::filesystem::path S3rverScript();

}  // namespace iris::testing
