#include "image/vips_runtime.h"

#include <vips/vips.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "core/logging.h"

namespace iris {
namespace {

// libvips reports per-file oddities ("error in tile", "ignoring nclx profile") as GLib warnings on
// stderr. The decoder already turns real failures into a Status, so these go to the structured log
// at debug level instead of interleaving with it as unstructured text.
void ForwardVipsMessage(const gchar* /*domain*/, GLogLevelFlags /*level*/, const gchar* message, gpointer) {
  if (LogEnabled(LogLevel::kDebug)) LogDebug("vips_message", {{"message", message ? message : ""}});
}

}  // namespace

Status StartVips(const VipsRuntimeOptions& options) {
  static std::once_flag once;
  static Status started;
  std::call_once(once, [&options] {
    if (VIPS_INIT("iris") != 0) {
      std::string message = vips_error_buffer();
      vips_error_clear();
      started = Internal("libvips failed to start: " + message);
      return;
    }
    g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
                      ForwardVipsMessage, nullptr);
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    vips_concurrency_set(std::max(1, options.concurrency));
  });
  return started;
}

}  // namespace iris
