#include "core/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

namespace iris {
namespace {

std::atomic<bool> g_json{false};

spdlog::level::level_enum ToSpd(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> Logger() {
  static std::once_flag once;
  static std::shared_ptr<spdlog::logger> logger;
  std::call_once(once, [] {
    logger = std::make_shared<spdlog::logger>("iris", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::info);
  });
  return logger;
}

}  // namespace

void InitLogging(std::string_view level, std::string_view format) {
  auto logger = Logger();
  logger->set_level(spdlog::level::from_str(std::string(level)));
  g_json = format == "json";
  // JSON lines carry their own timestamp and level fields.
  logger->set_pattern(g_json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

bool LogEnabled(LogLevel level) { return Logger()->should_log(ToSpd(level)); }

void LogEvent(LogLevel level, std::string_view event, const nlohmann::json& fields) {
  auto logger = Logger();
  auto spd = ToSpd(level);
  if (!logger->should_log(spd)) return;
  if (g_json) {
    nlohmann::json line = nlohmann::json::object();
    auto now = std::chrono::system_clock::now();
    line["ts"] = std::chrono::duration<double>(now.time_since_epoch()).count();
    line["level"] = std::string(spdlog::level::to_string_view(spd).data());
    line["event"] = event;
    if (fields.is_object()) line.update(fields);
    logger->log(spd, "{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    std::string text(event);
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) {
        text +=
            " " + k + "=" +
            (v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
    logger->log(spd, "{}", text);
  }
}

}  // namespace iris
