#include "classify/postgres_classifier_store.h"

#include <charconv>
#include <cstdlib>

namespace iris {
namespace {

// The shortest text that reads back as the same double.
std::string DoubleText(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("0");
}

const std::string& InsertVersionSql() {
  static const std::string sql = [] {
    std::string text =
        "INSERT INTO classifier_versions(collection_id, version, document, created_at) VALUES ($1, $2, $3, ";
    text += kPgNowIsoText;
    text += ") ON CONFLICT DO NOTHING";
    return text;
  }();
  return sql;
}

Status BadVersion(std::string_view version) {
  return InvalidArgument("classifier version '" + std::string(version) + "' must look like 20261124T031500Z");
}

Result<std::vector<std::string>> VersionsOn(PgConnection& c, std::string_view collection_id) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT version FROM classifier_versions WHERE collection_id = $1 "
                                           "ORDER BY version",
                                           {std::string(collection_id)}));
  std::vector<std::string> versions;
  for (int i = 0; i < r.rows(); ++i) versions.push_back(r.Text(i, 0));
  return versions;
}

Result<Classifier> LoadOn(PgConnection& c, std::string_view collection_id, std::string_view version) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(collection_id));
  if (!IsValidClassifierVersion(version)) return BadVersion(version);
  IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT document FROM classifier_versions WHERE collection_id = $1 AND "
                                           "version = $2",
                                           {std::string(collection_id), std::string(version)}));
  const std::string name = "classifier version " + std::string(version) + " of collection '" +
                           std::string(collection_id) + "' in PostgreSQL";
  if (r.rows() == 0) return NotFound(name + " does not exist");
  auto parsed = ParseClassifierJson(r.Text(0, 0));
  if (!parsed.ok()) return parsed.status().WithContext(name);
  if (parsed->collection_id != collection_id || parsed->version != version) {
    return FailedPrecondition(name + " holds collection '" + parsed->collection_id + "' version " + parsed->version);
  }
  return parsed;
}

Result<std::map<std::string, BestModelEntry>> BestOn(PgConnection& c) {
  IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT collection_id, version, macro_precision, macro_recall, "
                                           "test_samples FROM classifier_best ORDER BY collection_id"));
  std::map<std::string, BestModelEntry> index;
  for (int i = 0; i < r.rows(); ++i) {
    BestModelEntry e;
    const std::string id = r.Text(i, 0);
    e.version = r.Text(i, 1);
    e.file = ClassifierStore::RelativeFile(id, e.version);
    e.macro_precision = std::strtod(r.Text(i, 2).c_str(), nullptr);
    e.macro_recall = std::strtod(r.Text(i, 3).c_str(), nullptr);
    e.test_samples = static_cast<int>(r.Int64(i, 4));
    index[id] = std::move(e);
  }
  return index;
}

}  // namespace

// The Writer of a transaction that holds the classifiers' advisory lock.
class PostgresClassifierStore::PostgresWriter : public ClassifierStore::Writer {
 public:
  explicit PostgresWriter(PgConnection& c) : c_(c) {}
  Result<std::vector<std::string>> Versions(std::string_view collection_id) override {
    return VersionsOn(c_, collection_id);
  }
  Result<Classifier> Load(std::string_view collection_id, std::string_view version) override {
    return LoadOn(c_, collection_id, version);
  }
  Result<std::map<std::string, BestModelEntry>> ReadBestModels() override { return BestOn(c_); }
  Status PutBest(std::string_view collection_id, const BestModelEntry& entry) override {
    return c_
        .Exec(
            "INSERT INTO classifier_best(collection_id, version, macro_precision, macro_recall, test_samples, "
            "revision) VALUES ($1, $2, $3, $4, $5, nextval('classifier_best_revision')) "
            "ON CONFLICT (collection_id) DO UPDATE SET version = EXCLUDED.version, macro_precision = "
            "EXCLUDED.macro_precision, macro_recall = EXCLUDED.macro_recall, test_samples = EXCLUDED.test_samples, "
            "revision = EXCLUDED.revision",
            {std::string(collection_id), entry.version, DoubleText(entry.macro_precision),
             DoubleText(entry.macro_recall), std::to_string(entry.test_samples)})
        .status();
  }
  Status DeleteVersion(std::string_view collection_id, std::string_view version) override {
    return c_
        .Exec("DELETE FROM classifier_versions WHERE collection_id = $1 AND version = $2",
              {std::string(collection_id), std::string(version)})
        .status();
  }

 private:
  PgConnection& c_;
};

Status PostgresClassifierStore::WithWriteLock(const std::function<Status(Writer&)>& fn) {
  return db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(c.Exec("SELECT pg_advisory_xact_lock(hashtextextended('iris.classifiers', 0))").status());
    PostgresWriter writer(c);
    return fn(writer);
  });
}

Result<std::string> PostgresClassifierStore::Save(Classifier& classifier) {
  IRIS_RETURN_IF_ERROR(ValidateCollectionId(classifier.collection_id));
  if (!classifier.version.empty() && !IsValidClassifierVersion(classifier.version)) {
    return BadVersion(classifier.version);
  }
  const bool choose_version = classifier.version.empty();
  const auto started = std::chrono::system_clock::now();
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    auto when = started;
    for (int tries = 0;; ++tries) {
      if (choose_version) classifier.version = ClassifierVersionAt(when);
      IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec(InsertVersionSql(), {classifier.collection_id, classifier.version,
                                                                    ClassifierToJson(classifier)}));
      if (r.affected() == 1) return {};
      if (!choose_version) {
        return AlreadyExists("classifier version " + classifier.version + " of collection '" +
                             classifier.collection_id + "' exists already");
      }
      if (tries >= 3600) return Internal("no free classifier version within an hour of now");
      when += std::chrono::seconds(1);
    }
  }));
  return RelativeFile(classifier.collection_id, classifier.version);
}

Result<std::vector<std::string>> PostgresClassifierStore::Versions(std::string_view collection_id) const {
  std::vector<std::string> versions;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(versions, VersionsOn(c, collection_id));
    return {};
  }));
  return versions;
}

Result<std::vector<std::string>> PostgresClassifierStore::Collections() const {
  std::vector<std::string> ids;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult r,
                          c.Exec("SELECT DISTINCT collection_id FROM classifier_versions ORDER BY collection_id"));
    ids.clear();
    for (int i = 0; i < r.rows(); ++i) ids.push_back(r.Text(i, 0));
    return {};
  }));
  return ids;
}

Result<Classifier> PostgresClassifierStore::Load(std::string_view collection_id, std::string_view version) const {
  std::optional<Classifier> loaded;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(Classifier classifier, LoadOn(c, collection_id, version));
    loaded = std::move(classifier);
    return {};
  }));
  return std::move(*loaded);
}

Result<std::map<std::string, BestModelEntry>> PostgresClassifierStore::ReadBestModels() const {
  std::map<std::string, BestModelEntry> index;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(index, BestOn(c));
    return {};
  }));
  return index;
}

Result<std::string> PostgresClassifierStore::IndexStamp() const {
  std::string stamp;
  IRIS_RETURN_IF_ERROR(db_.Transaction([&](PgConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(PgResult r, c.Exec("SELECT count(*), coalesce(max(revision), 0) FROM classifier_best"));
    stamp = r.Text(0, 0) == "0" ? std::string() : r.Text(0, 0) + "/" + r.Text(0, 1);
    return {};
  }));
  return stamp;
}

}  // namespace iris
