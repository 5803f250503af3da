// `iris migrate --from SOURCE --to TARGET`: moves the job queue, the result cache and the API keys between the
// embedded iris.db ("sqlite:DIR") and a shared PostgreSQL database (a postgresql:// URL), either way,
// then verifies both sides hold the same rows (app/storage_migration.h; docs/scale-out.md). Stop the
// servers first. Interrupted? Run it again: rows already copied are skipped.
//   iris migrate --from sqlite:./iris-data --to postgresql://iris@db/iris
//   iris migrate --from postgresql://iris@db/iris --to sqlite:./iris-data --verify-only
#include <iostream>
#include <memory>
#include <string>

#include "app/storage_migration.h"
#include "cli/commands.h"
#include "core/logging.h"
#include "core/redacted_url.h"

namespace iris::cli {

CommandRunner AddMigrateCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "migrate",
      "move the job queue, result cache and API keys between iris.db and PostgreSQL, then verify (stop servers first)");
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto verify_only = std::make_shared<bool>(false);
  cmd->add_option("--from", *from, "sqlite:DIR (DIR/iris.db) or a postgresql:// URL")->required();
  cmd->add_option("--to", *to, "sqlite:DIR or a postgresql:// URL")->required();
  cmd->add_flag("--verify-only", *verify_only, "copy nothing: compare row counts and checksums");
  return [=] {
    InitLogging("warn", "text");
    if (*from == *to) {
      std::cerr << "iris: --from and --to name the same place\n";
      return kExitUsage;
    }
    auto source = app::OpenMigrationEndpoint(*from);
    if (!source.ok()) {
      std::cerr << "iris: --from: " << source.status().ToString() << "\n";
      return source.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    auto target = app::OpenMigrationEndpoint(*to);
    if (!target.ok()) {
      std::cerr << "iris: --to: " << target.status().ToString() << "\n";
      return target.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    app::MigrationOptions options;
    options.verify_only = *verify_only;
    options.progress = [](const std::string& table, std::int64_t copied) {
      std::cerr << "\r" << table << ": " << copied << " rows copied" << std::flush;
    };
    std::cerr << (*verify_only ? "verifying " : "migrating ") << (*source)->name() << " -> " << (*target)->name()
              << "\n";
    auto report = app::Migrate(**source, **target, options);
    std::cerr << "\n";
    if (!report.ok()) {
      std::cerr << "iris: " << report.status().ToString() << "\n";
      return kExitFailure;
    }
    for (const app::TableReport& t : report->tables) {
      std::cout << t.table << ": " << t.copied << " copied, " << t.target_rows << " rows on both sides, sha256 "
                << t.target_checksum.substr(0, 16) << "\n";
    }
    std::cout << "verified: every table has the same rows on both sides\n";
    return kExitOk;
  };
}

}  // namespace iris::cli
