// `iris migrate --from SOURCE --to TARGET`: moves the job queue, the result cache, the duplicate signatures
// and the API keys between the embedded iris.db ("sqlite:DIR") and a shared PostgreSQL database (a
// postgresql:// URL), either way, then verifies both sides hold the same rows (app/storage_migration.h).
// With --qdrant-url (or --milvus-url), the vector collections move too: DIR/collections into that engine, or back
// (app/collection_migration.h). The trained classifiers always move: DIR/classifiers (--classifiers-dir)
// <-> the database's tables (app/classifier_migration.h). docs/scale-out.md. Stop the servers first.
// Interrupted? Run it again.
//   iris migrate --from sqlite:./iris-data --to postgresql://iris@db/iris --qdrant-url http://qdrant:6333
//   iris migrate --from postgresql://iris@db/iris --to sqlite:./iris-data --verify-only
#include <iostream>
#include <memory>
#include <string>

#include "app/classifier_migration.h"
#include "app/collection_migration.h"
#include "app/storage_migration.h"
#include "classify/folder_classifier_store.h"
#include "classify/postgres_classifier_store.h"
#include "cli/commands.h"
#include "core/logging.h"
#include "core/redacted_url.h"
#include "index/collection_manager.h"
#include "vector_engines/milvus_collection_store.h"
#include "vector_engines/qdrant_collection_store.h"

namespace iris::cli {
namespace {

// The external engine named by --qdrant-url or --milvus-url (the caller checked exactly one is set).
Result<std::unique_ptr<CollectionStore>> ExternalEngine(const QdrantStoreOptions& qdrant,
                                                        const MilvusStoreOptions& milvus) {
  if (!qdrant.client.url.empty()) {
    IRIS_ASSIGN_OR_RETURN(std::unique_ptr<QdrantCollectionStore> store, QdrantCollectionStore::Open(qdrant));
    return std::unique_ptr<CollectionStore>(std::move(store));
  }
  IRIS_ASSIGN_OR_RETURN(std::unique_ptr<MilvusCollectionStore> store, MilvusCollectionStore::Open(milvus));
  return std::unique_ptr<CollectionStore>(std::move(store));
}

// The two collection stores of a migration with --qdrant-url or --milvus-url: the sqlite side's
// DIR/collections and the external engine.
Result<std::pair<std::unique_ptr<CollectionStore>, std::unique_ptr<CollectionStore>>> CollectionStores(
    const std::string& from, const std::string& to, const QdrantStoreOptions& qdrant,
    const MilvusStoreOptions& milvus) {
  const bool from_local = from.rfind("sqlite:", 0) == 0;
  const bool to_local = to.rfind("sqlite:", 0) == 0;
  if (from_local == to_local) {
    return InvalidArgument("--qdrant-url or --milvus-url needs one side to be sqlite:DIR (its collections)");
  }
  const std::filesystem::path dir = (from_local ? from : to).substr(7);
  IRIS_ASSIGN_OR_RETURN(std::unique_ptr<CollectionManager> local, CollectionManager::Open(dir / "collections"));
  IRIS_ASSIGN_OR_RETURN(std::unique_ptr<CollectionStore> remote, ExternalEngine(qdrant, milvus));
  if (from_local)
    return std::make_pair(std::unique_ptr<CollectionStore>(std::move(local)),
                          std::unique_ptr<CollectionStore>(std::move(remote)));
  return std::make_pair(std::unique_ptr<CollectionStore>(std::move(remote)),
                        std::unique_ptr<CollectionStore>(std::move(local)));
}

// The classifiers of one side: a folder (sqlite:DIR: `folder`, default DIR/classifiers) or the database's
// tables (the database is opened into `database`, which must outlive the store).
Result<std::unique_ptr<ClassifierStore>> ClassifierStoreOf(const std::string& spec, const std::string& folder,
                                                           std::unique_ptr<PostgresDatabase>& database) {
  if (spec.rfind("sqlite:", 0) == 0) {
    const std::filesystem::path dir =
        folder.empty() ? std::filesystem::path(spec.substr(7)) / "classifiers" : std::filesystem::path(folder);
    return std::unique_ptr<ClassifierStore>(std::make_unique<FolderClassifierStore>(dir));
  }
  IRIS_ASSIGN_OR_RETURN(database, PostgresDatabase::Open(spec));
  return std::unique_ptr<ClassifierStore>(std::make_unique<PostgresClassifierStore>(*database));
}

// Copies and verifies the classifiers; the exit code.
int MigrateClassifiers(const std::string& from, const std::string& to, const std::string& folder, bool verify_only) {
  std::unique_ptr<PostgresDatabase> from_db, to_db;
  auto source = ClassifierStoreOf(from, folder, from_db);
  if (!source.ok()) {
    std::cerr << "iris: classifiers: --from: " << source.status().ToString() << "\n";
    return kExitFailure;
  }
  auto target = ClassifierStoreOf(to, folder, to_db);
  if (!target.ok()) {
    std::cerr << "iris: classifiers: --to: " << target.status().ToString() << "\n";
    return kExitFailure;
  }
  auto copied = app::CopyClassifiers(**source, **target, verify_only);
  if (!copied.ok()) {
    std::cerr << "iris: classifiers: " << copied.status().ToString() << "\n";
    return kExitFailure;
  }
  std::cout << "classifiers: " << copied->copied << " versions copied, " << copied->versions << " versions and "
            << copied->best_entries << " index entries on both sides, sha256 " << copied->checksum.substr(0, 16)
            << "\n";
  return kExitOk;
}

}  // namespace

CommandRunner AddMigrateCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "migrate",
      "move the job queue, result cache, duplicate signatures, API keys and trained classifiers between iris.db (and "
      "DIR/classifiers) and PostgreSQL (and, with --qdrant-url or --milvus-url, the collections between "
      "DIR/collections and that engine), then verify (stop servers first)");
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto verify_only = std::make_shared<bool>(false);
  cmd->add_option("--from", *from, "sqlite:DIR (DIR/iris.db) or a postgresql:// URL")->required();
  cmd->add_option("--to", *to, "sqlite:DIR or a postgresql:// URL")->required();
  cmd->add_flag("--verify-only", *verify_only, "copy nothing: compare row counts and checksums");
  auto classifiers_dir = std::make_shared<std::string>();
  cmd->add_option("--classifiers-dir", *classifiers_dir,
                  "the sqlite side's trained classifiers (default DIR/classifiers), moved to or from the database");
  auto qdrant = std::make_shared<QdrantStoreOptions>();
  cmd->add_option("--qdrant-url", qdrant->client.url,
                  "also move the collections: the sqlite side's DIR/collections <-> this Qdrant");
  cmd->add_option("--qdrant-api-key", qdrant->client.api_key, "Qdrant API key");
  cmd->add_option("--qdrant-collection-prefix", qdrant->collection_prefix, "prefix of Iris's Qdrant collections")
      ->capture_default_str();
  auto milvus = std::make_shared<MilvusStoreOptions>();
  cmd->add_option("--milvus-url", milvus->client.url,
                  "also move the collections: the sqlite side's DIR/collections <-> this Milvus (REST API v2)");
  cmd->add_option("--milvus-token", milvus->client.token, "Milvus token (user:password or an API key)");
  cmd->add_option("--milvus-collection-prefix", milvus->collection_prefix, "prefix of Iris's Milvus collections")
      ->capture_default_str();
  return [=] {
    InitLogging("warn", "text");
    if (*from == *to) {
      std::cerr << "iris: --from and --to name the same place\n";
      return kExitUsage;
    }
    const bool external = !qdrant->client.url.empty() || !milvus->client.url.empty();
    if (!qdrant->client.url.empty() && !milvus->client.url.empty()) {
      std::cerr << "iris: --qdrant-url and --milvus-url: name one engine for the collections\n";
      return kExitUsage;
    }
    if (external && (from->rfind("sqlite:", 0) == 0) == (to->rfind("sqlite:", 0) == 0)) {
      std::cerr << "iris: --qdrant-url or --milvus-url needs one side to be sqlite:DIR (its collections move to or "
                   "from that engine)\n";
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
    if (int code = MigrateClassifiers(*from, *to, *classifiers_dir, *verify_only); code != kExitOk) return code;
    if (!external) return kExitOk;

    auto stores = CollectionStores(*from, *to, *qdrant, *milvus);
    if (!stores.ok()) {
      std::cerr << "iris: collections: " << stores.status().ToString() << "\n";
      return stores.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    app::CollectionCopyOptions copy;
    copy.verify_only = *verify_only;
    copy.progress = [](const std::string& collection, std::size_t copied) {
      std::cerr << "\rcollection " << collection << ": " << copied << " items copied" << std::flush;
    };
    auto copied = app::CopyCollections(*stores->first, *stores->second, copy);
    std::cerr << "\n";
    if (!copied.ok()) {
      std::cerr << "iris: collections: " << copied.status().ToString() << "\n";
      return kExitFailure;
    }
    for (const app::CollectionCopyReport& c : *copied) {
      std::cout << "collection " << c.name << ": " << c.copied << " copied, " << c.items << " items on both sides\n";
    }
    std::cout << "verified: every collection has the same items on both sides\n";
    return kExitOk;
  };
}

}  // namespace iris::cli
