#include "store/postgres_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

namespace iris {
namespace {

// What a SQLSTATE says about retrying; see the header's table.
StatusCode CodeForSqlState(std::string_view state) {
  if (state == "40001" || state == "40P01") return StatusCode::kUnavailable;
  if (state.substr(0, 2) == "08") return StatusCode::kUnavailable;
  if (state == "57014") return StatusCode::kDeadlineExceeded;
  if (state == "57P01" || state == "57P02" || state == "57P03") return StatusCode::kUnavailable;  // shutting down
  if (state == "53100") return StatusCode::kStorageFull;
  if (state.substr(0, 2) == "53") return StatusCode::kResourceExhausted;
  if (state == "23505") return StatusCode::kAlreadyExists;
  if (state.substr(0, 2) == "23") return StatusCode::kFailedPrecondition;
  return StatusCode::kInternal;
}

std::string TrimmedMessage(const char* text) {
  std::string message = text ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

PgResult::~PgResult() {
  if (result_) PQclear(result_);
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return result_ ? PQntuples(result_) : 0; }

std::int64_t PgResult::affected() const {
  if (!result_) return 0;
  const char* text = PQcmdTuples(result_);
  std::int64_t n = 0;
  if (text && *text) std::from_chars(text, text + std::strlen(text), n);
  return n;
}

bool PgResult::IsNull(int row, int column) const { return !result_ || PQgetisnull(result_, row, column) != 0; }

std::string PgResult::Text(int row, int column) const {
  if (IsNull(row, column)) return "";
  return std::string(PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgResult::Int64(int row, int column) const {
  if (IsNull(row, column)) return 0;
  const char* text = PQgetvalue(result_, row, column);
  std::int64_t n = 0;
  std::from_chars(text, text + PQgetlength(result_, row, column), n);
  return n;
}

std::string PgResult::Bytes(int row, int column) const {
  const std::string hex = Text(row, column);
  if (hex.size() < 2 || hex[0] != '\\' || hex[1] != 'x') return "";
  return PgHexDecoded(std::string_view(hex).substr(2)).value_or("");
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url, const PgConnectOptions& options) {
  const std::string connect_timeout = std::to_string(std::max(1, options.connect_timeout_s));
  const std::string session_options =
      "-c statement_timeout=" + std::to_string(options.statement_timeout.count()) + " -c client_encoding=UTF8";
  // Later keywords override earlier ones, and dbname expands the URL in place: connect_timeout
  // first so a value in the URL wins; options last so every session gets the timeout.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "options", nullptr};
  const char* values[] = {connect_timeout.c_str(), "iris", url.c_str(), session_options.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return ResourceExhausted("PostgreSQL: out of memory allocating a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = TrimmedMessage(PQerrorMessage(conn));
    PQfinish(conn);
    return Unavailable("PostgreSQL at " + RedactedUrl(url) + ": cannot connect: " + message);
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

bool PgConnection::healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

int PgConnection::socket() const { return conn_ ? PQsocket(conn_) : -1; }

Result<int> PgConnection::TakeNotifications() {
  if (PQconsumeInput(conn_) == 0 || !healthy()) {
    return Unavailable("PostgreSQL connection lost: " + TrimmedMessage(PQerrorMessage(conn_)));
  }
  int count = 0;
  while (PGnotify* notify = PQnotifies(conn_)) {
    PQfreemem(notify);
    ++count;
  }
  return count;
}

Status PgConnection::ErrorOf(pg_result* result, std::string_view sql) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = TrimmedMessage(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = TrimmedMessage(PQerrorMessage(conn_));
  if (!healthy()) return Unavailable("PostgreSQL connection lost: " + message);
  const std::string first_words(sql.substr(0, std::min<std::size_t>(sql.size(), 60)));
  const StatusCode code = state ? CodeForSqlState(state) : StatusCode::kInternal;
  return Status(code, "PostgreSQL " + std::string(state ? state : "?????") + ": " + message + " (in \"" + first_words +
                          (sql.size() > 60 ? "...\")" : "\")"));
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text(sql);
  pg_result* raw = PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                                nullptr, /*resultFormat=*/0);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Status error = ErrorOf(raw, sql);
    if (raw) PQclear(raw);
    return error;
  }
  return PgResult(raw);
}

Status PgConnection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  pg_result* result = PQexec(conn_, text.c_str());
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  Status out = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? Status::Ok() : ErrorOf(result, sql);
  if (result) PQclear(result);
  return out;
}

bool IsRetryablePgError(const Status& status) { return status.code() == StatusCode::kUnavailable; }

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

std::optional<std::string> PgHexDecoded(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string PgByteaHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace iris
