// `iris models list|pull|verify|info|compare`: the model catalog and the installed models (docs/models.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/models_compare.h"
#include "models/model_store.h"

namespace iris::cli {
namespace {

using models::FileCheck;
using models::ModelCatalog;
using models::ModelStore;

std::string HumanBytes(std::int64_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  if (bytes >= (1ll << 30)) {
    out << static_cast<double>(bytes) / (1ll << 30) << " GiB";
  } else if (bytes >= (1ll << 20)) {
    out << static_cast<double>(bytes) / (1ll << 20) << " MiB";
  } else if (bytes >= 1024) {
    out << static_cast<double>(bytes) / 1024 << " KiB";
  } else {
    out << bytes << " B";
  }
  return out.str();
}

// Loads the configuration and the catalog shared by every `models` subcommand.
struct ModelsContext {
  std::unique_ptr<ModelStore> store;
  int exit_code = kExitOk;
};

ModelsContext OpenStore(const ConfigFlags& flags) {
  ModelsContext context;
  auto config = flags.Load();
  if (!config.ok()) {
    std::cerr << "iris: " << config.status().message() << "\n";
    context.exit_code = kExitConfig;
    return context;
  }
  auto catalog = ModelCatalog::LoadDefault(ProcessEnv());
  if (!catalog.ok()) {
    std::cerr << "iris: " << catalog.status().message() << "\n";
    context.exit_code = kExitConfig;
    return context;
  }
  context.store = std::make_unique<ModelStore>(std::move(catalog).value(), config->models.dir, config->models.mirror);
  return context;
}

int RunList(const ConfigFlags& flags, bool as_json) {
  auto context = OpenStore(flags);
  if (!context.store) return context.exit_code;
  const auto statuses = context.store->List();
  if (as_json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& s : statuses) {
      out.push_back({{"name", s.spec->name},
                     {"task", models::ModelTaskName(s.spec->task)},
                     {"family", models::ModelFamilyName(s.spec->family)},
                     {"variant", s.spec->variant},
                     {"variant_of", s.spec->variant_of.empty() ? nlohmann::ordered_json()
                                                               : nlohmann::ordered_json(s.spec->variant_of)},
                     {"installed", s.installed},
                     {"bytes_on_disk", s.bytes_on_disk},
                     {"missing_files", s.missing_files},
                     {"path", context.store->ModelDir(s.spec->name).string()},
                     {"licence", s.spec->licence},
                     {"test_only", s.spec->test_only}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << std::left << std::setw(26) << "NAME" << std::setw(8) << "VARIANT" << std::setw(22) << "TASK"
            << std::setw(11) << "INSTALLED" << std::setw(11) << "ON DISK"
            << "LICENCE\n";
  for (const auto& s : statuses) {
    std::string state = s.installed ? "yes" : (s.bytes_on_disk > 0 ? "partial" : "no");
    std::string licence = s.spec->licence.substr(0, s.spec->licence.find(" ("));
    if (s.spec->test_only) licence += " [test only]";
    std::cout << std::left << std::setw(26) << s.spec->name << std::setw(8) << s.spec->variant << std::setw(22)
              << models::ModelTaskName(s.spec->task) << std::setw(11) << state << std::setw(11)
              << (s.bytes_on_disk > 0 ? HumanBytes(s.bytes_on_disk) : "-") << licence << "\n";
  }
  std::cout << "models dir: " << context.store->models_dir().string() << "\n";
  return kExitOk;
}

// Redraws one progress line on stderr, at most every 100 ms, only when stderr is a terminal.
class ProgressLine {
 public:
  ProgressLine() : enabled_(::isatty(STDERR_FILENO) == 1) {}

  void Update(const models::PullProgress& p) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    bool finished = p.bytes_total > 0 && p.bytes_done >= p.bytes_total;
    if (!finished && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::ostringstream line;
    line << "  " << p.file << "  " << HumanBytes(p.bytes_done);
    if (p.bytes_total > 0) {
      line << " / " << HumanBytes(p.bytes_total) << "  " << (100 * p.bytes_done / p.bytes_total) << "%";
    }
    std::cerr << "\r\033[K" << line.str() << std::flush;
    drawn_ = true;
  }

  void Clear() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// `names` as given, or with --variant each replaced by its sibling entry of that variant.
int RunPull(const ConfigFlags& flags, std::vector<std::string> names, const std::string& variant,
            bool allow_unverified) {
  auto context = OpenStore(flags);
  if (!context.store) return context.exit_code;
  for (auto& name : names) {
    auto spec =
        variant.empty() ? context.store->catalog().Find(name) : context.store->catalog().FindVariant(name, variant);
    if (!spec.ok()) {
      std::cerr << "iris: " << spec.status().message() << "\n";
      return kExitUsage;
    }
    name = (*spec)->name;
  }
  ProgressLine progress;
  models::PullOptions options;
  options.allow_unverified = allow_unverified;
  options.on_progress = [&](const models::PullProgress& p) { progress.Update(p); };
  options.on_message = [&](std::string_view message) {
    progress.Clear();
    std::cerr << "iris: " << message << "\n";
  };
  int exit_code = kExitOk;
  for (const auto& name : names) {
    std::cout << name << ":\n" << std::flush;
    auto report = context.store->Pull(name, options);
    progress.Clear();
    if (!report.ok()) {
      std::cerr << "iris: " << report.status().message() << "\n";
      exit_code = kExitFailure;
      continue;
    }
    for (const auto& f : report->files) {
      std::cout << "  " << f.path << "  " << (f.verified ? "verified" : "UNVERIFIED") << ", " << HumanBytes(f.size);
      if (f.already_installed) {
        std::cout << ", already installed";
      } else {
        std::cout << ", from " << f.source << (f.resumed ? " (resumed)" : "");
      }
      std::cout << "\n";
      if (!f.verified) {
        std::cout << "    sha256 " << f.sha256 << " size " << f.size
                  << " (not in the catalog: record it in models/catalog.json)\n";
      }
    }
    std::cout << "  installed in " << context.store->ModelDir(name).string() << "\n";
  }
  return exit_code;
}

int RunVerify(const ConfigFlags& flags, std::vector<std::string> names) {
  auto context = OpenStore(flags);
  if (!context.store) return context.exit_code;
  const bool explicit_names = !names.empty();
  if (!explicit_names) {
    for (const auto& s : context.store->List()) {
      if (s.bytes_on_disk > 0) names.push_back(s.spec->name);
    }
    if (names.empty()) {
      std::cout << "no models installed in " << context.store->models_dir().string() << "\n";
      return kExitOk;
    }
  }
  int exit_code = kExitOk;
  for (const auto& name : names) {
    auto checks = context.store->Verify(name);
    if (!checks.ok()) {
      std::cerr << "iris: " << checks.status().message() << "\n";
      if (checks.status().code() == StatusCode::kNotFound) return kExitUsage;
      exit_code = kExitFailure;
      continue;
    }
    bool good = true;
    std::cout << name << ":\n";
    for (const auto& c : *checks) {
      std::cout << "  " << c.path << "  " << models::FileCheckStateName(c.state);
      if (c.state == FileCheck::State::kMismatch) {
        std::cout << " (expected sha256 " << c.expected_sha256 << ", got " << c.actual_sha256 << ")";
      } else if (c.state == FileCheck::State::kUnverified) {
        std::cout << " (sha256 " << c.actual_sha256 << "; the catalog has none)";
      }
      std::cout << "\n";
      if (c.state == FileCheck::State::kMismatch || c.state == FileCheck::State::kMissing) good = false;
    }
    if (!good) {
      std::cout << "  repair with: iris models pull " << name << "\n";
      exit_code = kExitFailure;
    }
  }
  return exit_code;
}

int RunInfo(const ConfigFlags& flags, const std::string& name) {
  auto context = OpenStore(flags);
  if (!context.store) return context.exit_code;
  auto spec = context.store->catalog().Find(name);
  if (!spec.ok()) {
    std::cerr << "iris: " << spec.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << (*spec)->json.dump(2) << "\n";
  const auto status = context.store->StatusOf(**spec);
  std::cerr << "installed: " << (status.installed ? "yes" : "no") << " (" << context.store->ModelDir(name).string()
            << ")\n";
  return kExitOk;
}

}  // namespace

// The settings every `models` subcommand uses (models.dir defaults to <storage.data_dir>/models).
const std::vector<std::string> kModelsSettings = {"storage.data_dir", "models", "log"};

CommandRunner AddModelsCommand(CLI::App& app) {
  auto* models = app.add_subcommand("models", "list, install (pull), verify and describe the models of the catalog");
  models->require_subcommand(1);

  auto* list = models->add_subcommand("list", "every catalog model: task, installed or not, size on disk, licence");
  auto list_flags = std::make_shared<ConfigFlags>(*list, kModelsSettings);
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "print JSON instead of a table");

  auto* pull = models->add_subcommand(
      "pull", "download and install models (IRIS_MODEL_MIRROR first, then the catalog URLs), verifying sha256");
  auto pull_flags = std::make_shared<ConfigFlags>(*pull, kModelsSettings);
  auto pull_names = std::make_shared<std::vector<std::string>>();
  auto allow_unverified = std::make_shared<bool>(false);
  pull->add_option("name", *pull_names, "model names (see: iris models list)")->required();
  auto pull_variant = std::make_shared<std::string>();
  pull->add_option("--variant", *pull_variant,
                   "install this variant of each model instead (e.g. int8: the sibling entry NAME-int8; "
                   "see the VARIANT column of iris models list)");
  pull->add_flag("--allow-unverified", *allow_unverified,
                 "install files whose sha256 the catalog does not record yet (their computed sha256 is printed)");

  auto* verify = models->add_subcommand("verify", "re-hash installed model files against the catalog");
  auto verify_flags = std::make_shared<ConfigFlags>(*verify, kModelsSettings);
  auto verify_names = std::make_shared<std::vector<std::string>>();
  verify->add_option("name", *verify_names, "model names (default: every model with files on disk)");

  auto* info = models->add_subcommand("info", "print a model's catalog entry (JSON)");
  auto info_flags = std::make_shared<ConfigFlags>(*info, kModelsSettings);
  auto info_name = std::make_shared<std::string>();
  info->add_option("name", *info_name, "model name")->required();

  auto* compare = models->add_subcommand(
      "compare", "what switching from model A to model B (e.g. its int8 variant) changes on a folder of images");
  auto compare_flags = std::make_shared<ConfigFlags>(*compare);
  auto compare_args = std::make_shared<ModelsCompareArgs>();
  compare->add_option("a", compare_args->model_a, "the model in use (catalog name or --local-models name)")->required();
  compare->add_option("b", compare_args->model_b, "the candidate, e.g. NAME-int8")->required();
  compare->add_option("--images", compare_args->images, "folder of images (at least 2)")->required();
  compare
      ->add_option("--labels", compare_args->labels,
                   "zero-shot labels, comma-separated (default: 20 everyday photo subjects)")
      ->delimiter(',');
  compare->add_flag("--per-image", compare_args->per_image, "also print one line per image");
  compare->add_option("--json", compare_args->json_out, "also write the result as JSON to this file");

  return [=] {
    if (compare->parsed()) return RunModelsCompare(*compare_flags, *compare_args);
    if (list->parsed()) return RunList(*list_flags, *list_json);
    if (pull->parsed()) return RunPull(*pull_flags, *pull_names, *pull_variant, *allow_unverified);
    if (verify->parsed()) return RunVerify(*verify_flags, *verify_names);
    if (info->parsed()) return RunInfo(*info_flags, *info_name);
    return kExitUsage;
  };
}

}  // namespace iris::cli
