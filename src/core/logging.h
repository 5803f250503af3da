// Process-wide structured logging (the one allowed piece of global mutable state besides the
// model registry). Thread-safe. Events are a name plus JSON fields; with format "json" each is
// one JSON object per line on stderr, with "text" a readable key=value line.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace iris {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// Call once at start-up; before that, events go to stderr as text at info level.
void InitLogging(std::string_view level, std::string_view format);

bool LogEnabled(LogLevel level);
void LogEvent(LogLevel level, std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

inline void LogInfo(std::string_view event, const nlohmann::json& f = nlohmann::json::object()) {
  LogEvent(LogLevel::kInfo, event, f);
}
inline void LogWarn(std::string_view event, const nlohmann::json& f = nlohmann::json::object()) {
  LogEvent(LogLevel::kWarn, event, f);
}
inline void LogError(std::string_view event, const nlohmann::json& f = nlohmann::json::object()) {
  LogEvent(LogLevel::kError, event, f);
}
inline void LogDebug(std::string_view event, const nlohmann::json& f = nlohmann::json::object()) {
  LogEvent(LogLevel::kDebug, event, f);
}

}  // namespace iris
