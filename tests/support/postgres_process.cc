#include "support/postgres_process.h"

#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "support/server_process.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

// The newest Debian PostgreSQL server binaries (/usr/lib/postgresql/<major>/bin), or "".
std::filesystem::path ServerBinDir() {
  std::filesystem::path best;
  int best_major = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::filesystem::path bin = entry.path() / "bin";
    if (!std::filesystem::exists(bin / "postgres") || !std::filesystem::exists(bin / "initdb")) continue;
    const int major = std::atoi(entry.path().filename().c_str());
    if (major > best_major) {
      best_major = major;
      best = bin;
    }
  }
  return best;
}

// Runs argv as the postgres user when we are root; returns the child's pid. stdout/stderr -> log.
int Spawn(const std::vector<std::string>& args, const std::string& log) {
  const bool root = ::geteuid() == 0;
  const passwd* pw = root ? ::getpwnam("postgres") : nullptr;
  if (root && pw == nullptr)
    throw std::runtime_error("running as root but there is no `postgres` user to run PostgreSQL");
  const uid_t uid = pw ? pw->pw_uid : 0;
  const gid_t gid = pw ? pw->pw_gid : 0;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "a");
    if (out) {
      ::dup2(fileno(out), STDERR_FILENO);
      ::dup2(fileno(out), STDOUT_FILENO);
    }
    if (root && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) std::_Exit(126);
    // Dies with the test process (set after setuid, which clears it), so a killed test leaves no server.
    ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  return pid;
}

int WaitExit(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void GiveToPostgresUser(const std::filesystem::path& dir) {
  if (::geteuid() != 0) return;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) return;
  if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown " + dir.string() + " failed");
}

std::string UniqueName() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return "iris_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(device() % 100000);
}

}  // namespace

std::string PostgresProcess::NotInstalledMessage() {
  return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run scripts/setup.sh (it installs "
         "Debian's postgresql package), or set IRIS_TEST_POSTGRES_URL to a server of your own";
}

std::unique_ptr<PostgresProcess> PostgresProcess::Start() {
  auto p = std::unique_ptr<PostgresProcess>(new PostgresProcess());
  if (const char* url = std::getenv("IRIS_TEST_POSTGRES_URL"); url && *url) {
    p->external_url_ = url;
    return p;
  }
  const std::filesystem::path bin = ServerBinDir();
  if (bin.empty()) return nullptr;
  p->temp_ = std::make_unique<TempDir>();
  const std::filesystem::path root = p->temp_->path();
  GiveToPostgresUser(root);
  const std::string log = (root / "postgres.log").string();
  const std::string data = (root / "data").string();
  const int initdb = WaitExit(Spawn(
      {(bin / "initdb").string(), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"},
      log));
  if (initdb != 0) throw std::runtime_error("initdb failed (" + std::to_string(initdb) + "): " + ReadFileBytes(log));
  p->port_ = FreeLoopbackPort();  // names the socket file; no TCP listener
  p->pid_ = Spawn({(bin / "postgres").string(), "-D", data, "-k", root.string(), "-p", std::to_string(p->port_), "-c",
                   "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                   "-c", "max_connections=200"},
                  log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    PGconn* conn = PQconnectdb(p->AdminUrl().c_str());
    const bool up = PQstatus(conn) == CONNECTION_OK;
    PQfinish(conn);
    if (up) return p;
    int status = 0;
    if (::waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      throw std::runtime_error("postgres exited during start-up; its log: " + ReadFileBytes(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("postgres did not accept connections in 30 s; its log: " + ReadFileBytes(log));
}

PostgresProcess& PostgresProcess::Shared() {
  static std::unique_ptr<PostgresProcess> server = Start();
  if (!server) throw std::runtime_error(NotInstalledMessage());
  return *server;
}

PostgresProcess::~PostgresProcess() {
  if (!external_url_.empty()) {
    for (const std::string& name : created_) {
      try {
        Query(external_url_, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (const std::exception&) {
      }
    }
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGQUIT);  // immediate shutdown: the cluster is thrown away
    WaitExit(pid_);
  }
}

std::string PostgresProcess::AdminUrl() const {
  if (!external_url_.empty()) return external_url_;
  return "postgresql:///postgres?host=" + temp_->path().string() + "&port=" + std::to_string(port_) + "&user=postgres";
}

std::string PostgresProcess::CreateDatabase() {
  const std::string name = UniqueName();
  Query(AdminUrl(), "CREATE DATABASE " + name);
  created_.push_back(name);
  if (!external_url_.empty()) {
    // Same server and credentials, other database: libpq's dbname keyword overrides the URL's.
    return external_url_ + (external_url_.find('?') == std::string::npos ? "?" : "&") + "dbname=" + name;
  }
  return "postgresql:///" + name + "?host=" + temp_->path().string() + "&port=" + std::to_string(port_) +
         "&user=postgres";
}

std::vector<std::string> PostgresProcess::Query(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to " + url + ": " + message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    throw std::runtime_error("query failed: " + sql + ": " + message);
  }
  std::vector<std::string> rows;
  for (int r = 0; r < PQntuples(result); ++r) {
    std::string row;
    for (int c = 0; c < PQnfields(result); ++c) {
      if (c > 0) row += '|';
      row += PQgetvalue(result, r, c);
    }
    rows.push_back(row);
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

}  // namespace iris::testing
