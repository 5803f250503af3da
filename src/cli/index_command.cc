// `iris index add DIR --collection C [--recursive] [--create [--model M]]`: embeds every image file in
// a folder (cli/image_files.h) with the collection's CLIP model and upserts it, in-process, into the
// collections of the configured data dir (the same files `iris serve` opens): id = the path relative
// to DIR, metadata {"path": <that path>}. Upsert replaces, so re-running re-indexes. A collection
// that does not exist is an error naming how to create it, unless --create is given (then it is
// created with --model, default models.default_clip). Do not run it while a server holds the same
// data dir: both would write the collection's log. Each image also gets its near-duplicate signature
// (stored in iris.db), so POST /v1/collections/{c}/duplicates finds it -- see docs/duplicates.md.
// A progress bar is drawn on a terminal; a summary line goes to stderr.
// Exit status: 0 all indexed, 1 some files failed, 2 usage, 3 configuration (or the data dir/collection
// cannot be opened).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/services.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/folder_command.h"
#include "cli/image_files.h"
#include "cli/progress_bar.h"
#include "core/logging.h"

namespace iris::cli {
namespace {

namespace fs = std::filesystem;

struct IndexAddArgs {
  std::string dir;
  std::string collection;
  bool recursive = false;
  bool create = false;
  std::string model;
};

Result<std::shared_ptr<const VectorCollection>> OpenCollection(app::CollectionService& collections,
                                                               const IndexAddArgs& args) {
  auto existing = collections.Get(args.collection);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound || !args.create) return existing;
  CollectionSpec spec;
  spec.model = args.model;  // empty: models.default_clip
  return collections.Create(args.collection, spec);
}

struct IndexRun {
  std::size_t files = 0;
  std::vector<std::pair<std::string, std::string>> failures;  // (id, error)
};

IndexRun IndexFiles(app::CollectionService& collections, const ImageIngestor& ingestor,
                    const VectorCollection& collection, const IndexAddArgs& args) {
  const std::vector<fs::path> files = ListImageFiles(args.dir, args.recursive);
  IndexRun run;
  run.files = files.size();
  auto& failures = run.failures;
  ProgressBar progress("index", files.size());
  std::error_code ec;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string id = fs::relative(files[i], args.dir, ec).generic_string();
    progress.Update(i, id);
    std::ifstream in(files[i], std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto image = ingestor.FromUpload(bytes.str(), files[i].filename().string());
    if (!image.ok()) {
      failures.push_back({id, image.status().message()});
      continue;
    }
    // The same path as PUT /v1/collections/{c}/items/{id}: embedding, upsert, duplicate signature.
    Trace trace;
    if (Status s = collections.UpsertImage(collection, id, **image, {{"path", id}}, trace); !s.ok()) {
      failures.push_back({id, s.message()});
    }
  }
  progress.Clear();
  return run;
}

int RunIndexAdd(const ConfigFlags& flags, const IndexAddArgs& args) {
  int exit_code = kExitOk;
  std::optional<Config> config = StartFolderCommand("iris index add", args.dir, flags, exit_code);
  if (!config) return exit_code;
  auto opened = app::OpenServices(*config);
  if (!opened.ok()) {
    std::cerr << "iris index add: " << opened.status().message() << "\n";
    return kExitConfig;
  }
  std::shared_ptr<app::Services> services = *opened;
  app::CollectionService& collections = *services->collections;
  auto collection = OpenCollection(collections, args);
  if (!collection.ok()) {
    std::cerr << "iris index add: " << collection.status().message() << "\n";
    if (collection.status().code() == StatusCode::kNotFound) {
      std::cerr << "  create it first, e.g. `iris index add " << args.dir << " --collection " << args.collection
                << " --create [--model M]`, or\n  curl -X POST http://HOST:PORT/v1/collections -H 'Content-Type: "
                   "application/json' -d '{\"name\": \""
                << args.collection << "\", \"model\": \"M\"}'\n";
    }
    services->Close();
    return kExitConfig;
  }
  // The model must be installed (and match the collection) before any file is read.
  Trace setup;
  if (auto model = collections.EncoderOf(**collection, setup); !model.ok()) {
    std::cerr << "iris index add: " << model.status().message() << "\n";
    services->Close();
    return kExitConfig;
  }
  const IndexRun run = IndexFiles(collections, *services->ingestor, **collection, args);
  const auto count = (*collection)->Count();
  services->Close();  // snapshots the collection; the log already holds every write
  for (const auto& [id, error] : run.failures) std::cerr << "iris index add: " << id << ": " << error << "\n";
  std::cerr << "iris index add: " << run.files - run.failures.size() << " of " << run.files << " images indexed into '"
            << args.collection << "' (" << (count.ok() ? std::to_string(*count) : "?") << " items), "
            << run.failures.size() << " failed\n";
  return run.failures.empty() ? kExitOk : kExitFailure;
}

}  // namespace

CommandRunner AddIndexCommand(CLI::App& app) {
  auto* index = app.add_subcommand("index", "Manage vector collections from the command line");
  index->require_subcommand(1);
  auto* add = index->add_subcommand("add", "Embed the images of a folder into a collection (id = relative path)");
  auto args = std::make_shared<IndexAddArgs>();
  add->add_option("dir", args->dir, "folder of images")->required();
  add->add_option("--collection,-c", args->collection, "collection name")->required();
  add->add_flag("--recursive,-r", args->recursive, "include sub-folders");
  add->add_flag("--create", args->create, "create the collection when it does not exist");
  add->add_option("--model", args->model, "CLIP model for --create (default models.default_clip)");
  auto flags = std::make_shared<ConfigFlags>(*add, ServicesSettings());
  return [flags, args] { return RunIndexAdd(*flags, *args); };
}

}  // namespace iris::cli
