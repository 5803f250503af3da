// PostgresProcess: a real PostgreSQL server (Debian's postgresql package, installed by
// scripts/setup.sh) started for a test in a fresh cluster under a temp dir, listening only on a Unix
// socket in that dir (no TCP port, nothing shared with other tests), and stopped by the destructor.
// fsync is off: the tests need a real server, not a durable one.
//
// initdb and postgres refuse to run as root: when the test runs as root they run as the `postgres`
// system user (created by the package), which is given the temp dir.
//
// IRIS_TEST_POSTGRES_URL points the tests at a server you run instead (e.g. a managed one); nothing is
// started then and each CreateDatabase() makes a fresh database on it, dropped by the destructor.
//
// Start returns nullptr when PostgreSQL is not installed (the caller fails, naming scripts/setup.sh)
// and throws when it is installed but does not start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace iris::testing {

class PostgresProcess {
 public:
  static std::unique_ptr<PostgresProcess> Start();
  // One server for the whole test process, started on first use (stopped at exit); throws with
  // NotInstalledMessage() when PostgreSQL is not installed. For suites that want a database per test.
  static PostgresProcess& Shared();
  ~PostgresProcess();
  PostgresProcess(const PostgresProcess&) = delete;
  PostgresProcess& operator=(const PostgresProcess&) = delete;

  // Creates an empty database and returns its libpq URL (postgresql:///NAME?host=...).
  std::string CreateDatabase();
  // Runs one SQL statement on the database of `url` (psql-free, through libpq) and returns the
  // rows, each as its columns' text joined by '|'. Throws on an error.
  static std::vector<std::string> Query(const std::string& url, const std::string& sql);
  // Why Start returned nullptr, for the test's failure message.
  static std::string NotInstalledMessage();

 private:
  PostgresProcess() = default;
  std::string AdminUrl() const;
  int pid_ = -1;
  int port_ = 0;
  std::string external_url_;  // IRIS_TEST_POSTGRES_URL, when set
  std::vector<std::string> created_;
  std::unique_ptr<TempDir> temp_;
};

}  // namespace iris::testing
