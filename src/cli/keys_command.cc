// `iris keys create|list|revoke`: the API keys of `iris serve` (docs/security.md, docs/operations.md).
// They live in <data_dir>/iris.db, so give the same --data-dir (or IRIS_STORAGE_DATA_DIR) as the
// server -- or, for servers sharing a PostgreSQL database, the same --database-url; a running server
// sees a new key at once and a revoke within 2 s.
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/key_service.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "core/logging.h"

namespace iris::cli {
namespace {

const std::vector<std::string> kKeysSettings = {"storage.data_dir", "storage.database_url", "log"};

int ExitCodeFor(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument) return kExitUsage;
  return kExitFailure;
}

// Opens the key service, or prints why not and sets `exit_code`.
std::unique_ptr<app::OpenedKeyService> Open(const ConfigFlags& flags, int& exit_code) {
  auto config = flags.Load();
  if (!config.ok()) {
    std::cerr << "iris: " << config.status().message() << "\n";
    exit_code = kExitConfig;
    return nullptr;
  }
  InitLogging(config->log.level, "text");  // database migrations on stderr; --log-level warn hides them
  auto opened = app::OpenKeyService(config->storage.data_dir, config->storage.database_url);
  if (!opened.ok()) {
    std::cerr << "iris: " << opened.status().ToString() << "\n";
    exit_code = kExitFailure;
    return nullptr;
  }
  return std::make_unique<app::OpenedKeyService>(std::move(opened).value());
}

nlohmann::ordered_json KeyJson(const auth::ApiKeyRecord& key) {
  auto text_or_null = [](const std::string& v) {
    return v.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v);
  };
  return {{"id", key.id},
          {"name", key.name},
          {"scope", std::string(auth::KeyScopeName(key.scope))},
          {"rate_limit_per_minute", key.rate_limit_per_minute},
          {"created_at", key.created_at},
          {"revoked_at", text_or_null(key.revoked_at)},
          {"last_used_at", text_or_null(key.last_used_at)}};
}

std::string RateText(std::int64_t per_minute) {
  return per_minute == 0 ? "unlimited" : std::to_string(per_minute) + "/min";
}

int RunCreate(const ConfigFlags& flags, const app::NewApiKey& request) {
  int exit_code = kExitOk;
  auto opened = Open(flags, exit_code);
  if (!opened) return exit_code;
  auto created = opened->keys->Create(request);
  if (!created.ok()) {
    std::cerr << "iris: " << created.status().message() << "\n";
    return ExitCodeFor(created.status());
  }
  const auth::ApiKeyRecord& key = created->record;
  // The details on stderr, the key alone on stdout: KEY=$(iris keys create --name ci) works.
  std::cerr << "created API key " << key.id << " (name " << key.name << ", scope " << auth::KeyScopeName(key.scope)
            << ", rate limit " << RateText(key.rate_limit_per_minute) << ")\n"
            << "It is shown only now: store it. Send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.\n";
  std::cout << created->key << "\n";
  return kExitOk;
}

int RunList(const ConfigFlags& flags, bool as_json) {
  int exit_code = kExitOk;
  auto opened = Open(flags, exit_code);
  if (!opened) return exit_code;
  auto keys = opened->keys->List();
  if (!keys.ok()) {
    std::cerr << "iris: " << keys.status().ToString() << "\n";
    return kExitFailure;
  }
  if (as_json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& key : *keys) out.push_back(KeyJson(key));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(14) << "ID" << std::setw(24) << "NAME" << std::setw(7) << "SCOPE" << std::setw(12)
            << "RATE" << std::setw(26) << "CREATED" << std::setw(26) << "LAST USED"
            << "REVOKED\n";
  for (const auto& key : *keys) {
    std::cout << std::left << std::setw(14) << key.id << std::setw(24) << key.name << std::setw(7)
              << auth::KeyScopeName(key.scope) << std::setw(12) << RateText(key.rate_limit_per_minute) << std::setw(26)
              << key.created_at << std::setw(26) << (key.last_used_at.empty() ? "-" : key.last_used_at)
              << (key.revoked() ? key.revoked_at : "-") << "\n";
  }
  return kExitOk;
}

int RunRevoke(const ConfigFlags& flags, const std::string& id) {
  int exit_code = kExitOk;
  auto opened = Open(flags, exit_code);
  if (!opened) return exit_code;
  auto revoked = opened->keys->Revoke(id);
  if (!revoked.ok()) {
    std::cerr << "iris: " << revoked.status().message() << "\n";
    return ExitCodeFor(revoked.status());
  }
  std::cout << (*revoked ? "revoked API key " + id + " (running servers refuse it within 2 s)"
                         : "API key " + id + " was already revoked")
            << "\n";
  return kExitOk;
}

}  // namespace

CommandRunner AddKeysCommand(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "create, list and revoke the API keys of iris serve (stored hashed)");
  keys->require_subcommand(1);

  auto* create = keys->add_subcommand("create", "make a key and print it once (stdout; details on stderr)");
  auto create_flags = std::make_shared<ConfigFlags>(*create, kKeysSettings);
  auto request = std::make_shared<app::NewApiKey>();
  create->add_option("--name", request->name, "what the key is for (shown by list)")->required();
  create->add_flag("--read-only", request->read_only, "the key may only read: routes that store or delete get 403");
  create->add_option("--rate-limit", request->rate_limit_per_minute,
                     "requests a minute this key may make, per server (0: unlimited; beyond it 429)");

  auto* list = keys->add_subcommand("list", "every key: id, name, scope, rate limit, times (never the secret)");
  auto list_flags = std::make_shared<ConfigFlags>(*list, kKeysSettings);
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "print JSON instead of a table");

  auto* revoke = keys->add_subcommand("revoke", "refuse a key from now on (running servers within 2 s)");
  auto revoke_flags = std::make_shared<ConfigFlags>(*revoke, kKeysSettings);
  auto revoke_id = std::make_shared<std::string>();
  revoke->add_option("id", *revoke_id, "the key's id (iris keys list)")->required();

  return [=] {
    if (create->parsed()) return RunCreate(*create_flags, *request);
    if (list->parsed()) return RunList(*list_flags, *list_json);
    if (revoke->parsed()) return RunRevoke(*revoke_flags, *revoke_id);
    return kExitUsage;
  };
}

}  // namespace iris::cli
