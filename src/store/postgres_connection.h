// PgConnection: a thin RAII wrapper around one libpq connection (connect, run a statement with
// text parameters, read the rows), and PgResult, the rows of one statement.
//
// Connect takes a libpq URL or key=value string ("postgresql://user@host:5432/db",
// "postgresql:///db?host=/run/postgresql"); a connect_timeout in it wins over the options' one.
// Every session gets statement_timeout, application_name "iris" and client_encoding UTF8.
//
// Errors are Status values carrying PostgreSQL's message and SQLSTATE; the code is mapped from the
// SQLSTATE class so callers can tell what is worth retrying:
//   40001 serialization failure, 40P01 deadlock          -> kUnavailable (retry the transaction)
//   class 08 (connection), a broken connection            -> kUnavailable
//   57014 query_canceled (statement_timeout)              -> kDeadlineExceeded
//   class 53 (insufficient resources: disk full 53100)    -> kStorageFull for 53100, else kResourceExhausted
//   23505 unique violation                                -> kAlreadyExists
//   other class 23 (integrity constraints)                -> kFailedPrecondition
//   everything else                                       -> kInternal
// IsRetryablePgError tells the first two rows apart from the rest. Messages never contain the
// connection string (it may hold a password); RedactedUrl gives a loggable form of one.
//
// Ownership: PgConnection owns its PGconn (closed by the destructor); PgResult owns its PGresult.
// Thread-safety: one thread at a time per connection (libpq's rule); PostgresDatabase enforces it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/redacted_url.h"
#include "core/result.h"

struct pg_conn;
struct pg_result;

namespace iris {

// A statement parameter: text, or SQL NULL (nullopt). Integers are passed as their decimal text.
using PgParam = std::optional<std::string>;

class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  // Rows changed by an INSERT/UPDATE/DELETE (0 for other statements).
  std::int64_t affected() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;    // "" for NULL
  std::int64_t Int64(int row, int column) const;  // 0 for NULL or non-numeric text
  // Decodes a bytea column returned in PostgreSQL's hex text format ("\x0a1b...").
  std::string Bytes(int row, int column) const;

 private:
  pg_result* result_;
};

struct PgConnectOptions {
  std::chrono::milliseconds statement_timeout{30'000};
  int connect_timeout_s = 10;
};

class PgConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url, const PgConnectOptions& options = {});
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement ($1, $2, ... for params, text format) and returns its rows.
  Result<PgResult> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  // Runs one or more ';'-separated statements without parameters (migrations, BEGIN/COMMIT).
  Status ExecScript(std::string_view sql);
  // False once the server side has gone away (the pool then replaces the connection).
  bool healthy() const;
  // For LISTEN: the socket to wait on, and the number of notifications that arrived since the last
  // call (reads what the socket holds without blocking). kUnavailable when the connection broke.
  int socket() const;
  Result<int> TakeNotifications();

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  Status ErrorOf(pg_result* result, std::string_view sql) const;
  pg_conn* conn_;
};

// True for errors after which the whole transaction may be tried again (kUnavailable).
bool IsRetryablePgError(const Status& status);

// Whether a storage.database_url names PostgreSQL ("postgres://", "postgresql://").
bool IsPostgresUrl(std::string_view url);

// Encodes bytes as a bytea hex literal ("\x0a1b...") to pass as a text parameter.
std::string PgByteaHex(std::string_view bytes);
// Decodes plain hex (no "\x"; either case), as encode(value, 'hex') gives it; nullopt for an odd
// length or a non-hex character.
std::optional<std::string> PgHexDecoded(std::string_view hex);

// SQL for "now" as the ISO-8601 UTC text with milliseconds the SQLite stores write
// ("2026-12-07T21:00:00.000Z"), so both backends show clients the same times.
inline constexpr char kPgNowIsoText[] = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

}  // namespace iris
