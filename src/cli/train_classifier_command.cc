// `iris train-classifier`: trains one logistic-regression classifier per collection from labelled
// examples (embeddings, or images embedded here with a CLIP model), saves it as a new version where the
// server reads classifiers (app::OpenClassifierStore: the PostgreSQL database of storage.database_url,
// else the classifiers folder; --dir forces a folder), runs the bake-off (all stored versions on this
// run's held-out split, best `--keep` kept) and updates the index (best_models.json, or the table
// classifier_best), which running servers pick up. docs/classifiers.md.
//
//   iris train-classifier --data FILE [--collection ID ...] [--dir DIR] [--model NAME] [--C 1.0]
//                         [--test-fraction 0.2] [--seed 42] [--keep 10] [--json]
//
// Exit codes: 0 ok; 1 the work failed (model not installed, an image that does not decode, I/O);
// 2 bad arguments or bad data (missing data file, bad label, dimension mismatch, unknown or invalid
// collection id, too few examples); 3 configuration error.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "app/services.h"
#include "classify/binary_metrics.h"
#include "classify/classifier_store.h"
#include "classify/folder_classifier_store.h"
#include "classify/logistic_regression.h"
#include "classify/training_data.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "core/logging.h"
#include "image/image_decoder.h"
#include "ingest/image_ingestor.h"
#include "models/model_store.h"
#include "vision/embedding_math.h"
#include "vision/image_tensor.h"
#include "vision/model_registry.h"

namespace iris::cli {
namespace {

struct TrainArgs {
  std::string data;
  std::vector<std::string> collections;
  std::string dir;
  std::string model;
  double C = 1.0;
  double test_fraction = 0.2;
  std::uint64_t seed = 42;
  int keep = 10;
  bool json = false;
};

// A failure with the exit code it maps to.
struct Failure {
  int exit_code;
  std::string message;
};

template <typename T>
using Outcome = std::variant<T, Failure>;

constexpr std::size_t kEmbedChunk = 16;

class Progress {
 public:
  Progress() : enabled_(::isatty(STDERR_FILENO) == 1) {}
  void Update(std::size_t done, std::size_t total) {
    if (!enabled_) return;
    std::fprintf(stderr, "\r\033[Kembedding images: %zu/%zu", done, total);
    std::fflush(stderr);
  }
  void Clear() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
};

Result<std::string> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Where(const std::string& data, const TrainingExample& e) {
  return data + ":" + std::to_string(e.line) + ": ";
}

// Fills `embeddings[i]` for every selected example: given embeddings are L2-normalised, images are
// decoded and embedded (normalised) with the CLIP model.
Outcome<std::vector<std::vector<float>>> Embed(const Config& config, const TrainArgs& args,
                                               const std::vector<TrainingExample>& examples,
                                               const std::vector<std::size_t>& selected) {
  std::vector<std::vector<float>> embeddings(examples.size());
  // Each distinct image path is decoded and embedded once, however many collections list it.
  std::vector<std::string> images;
  std::map<std::string, std::vector<std::size_t>> uses;  // path -> examples
  std::map<std::string, std::size_t> first_use;
  for (std::size_t i : selected) {
    const auto& e = examples[i];
    if (e.image.empty()) {
      embeddings[i] = e.embedding;
      L2NormalizeInPlace(embeddings[i]);
      if (Dot(embeddings[i], embeddings[i]) == 0) {
        return Failure{kExitUsage, Where(args.data, e) + "embedding is all zeros"};
      }
    } else {
      auto& u = uses[e.image];
      if (u.empty()) {
        images.push_back(e.image);
        first_use[e.image] = i;
      }
      u.push_back(i);
    }
  }
  if (images.empty()) return embeddings;

  auto catalog = models::ModelCatalog::LoadDefault(ProcessEnv());
  if (!catalog.ok()) return Failure{kExitConfig, catalog.status().message()};
  auto store =
      std::make_shared<const models::ModelStore>(std::move(catalog).value(), config.models.dir, config.models.mirror);
  ModelRegistry registry(config, store);
  auto model = registry.Clip(args.model);
  if (!model.ok()) return Failure{kExitFailure, model.status().message()};
  // The CLIP image tower: `classify` embeds regions with the classifier's CLIP model the same way.
  const ImageEncoder& encoder = **model;
  for (std::size_t i : selected) {
    if (!examples[i].embedding.empty() && static_cast<int>(examples[i].embedding.size()) != encoder.dim()) {
      return Failure{kExitUsage, Where(args.data, examples[i]) + "embedding has " +
                                     std::to_string(examples[i].embedding.size()) + " values, but model '" +
                                     args.model + "' makes " + std::to_string(encoder.dim())};
    }
  }

  DecodeOptions decode;
  decode.limits = DecodeLimitsFromConfig(config.ingest);
  // The server's decode size (DecodeMinSide), so a classifier sees the embeddings the server will
  // compute for the same photo.
  decode.min_side = DecodeMinSide(encoder.preprocessing());
  Progress progress;
  for (std::size_t start = 0; start < images.size(); start += kEmbedChunk) {
    const std::size_t end = std::min(images.size(), start + kEmbedChunk);
    std::vector<std::future<Result<DecodedImage>>> decoding;
    for (std::size_t k = start; k < end; ++k) {
      const std::string path = images[k];
      decoding.push_back(std::async(std::launch::async, [path, decode]() -> Result<DecodedImage> {
        IRIS_ASSIGN_OR_RETURN(std::string bytes, ReadBytes(path));
        return DecodeImage(bytes, decode);
      }));
    }
    std::vector<DecodedImage> decoded;
    for (std::size_t k = start; k < end; ++k) {
      auto d = decoding[k - start].get();
      if (!d.ok()) {
        progress.Clear();
        const auto& e = examples[first_use[images[k]]];
        return Failure{kExitFailure, Where(args.data, e) + "image " + e.image + ": " + d.status().message()};
      }
      decoded.push_back(std::move(d).value());
    }
    std::vector<const RgbImage*> pixels;
    for (const auto& d : decoded) pixels.push_back(&d.image);
    auto batch = encoder.EmbedImages(pixels, /*normalize=*/true);
    if (!batch.ok()) {
      progress.Clear();
      return Failure{kExitFailure, "embedding images failed: " + batch.status().message()};
    }
    for (std::size_t k = start; k < end; ++k) {
      for (std::size_t i : uses[images[k]]) embeddings[i] = (*batch)[k - start];
    }
    progress.Update(end, images.size());
  }
  progress.Clear();
  return embeddings;
}

nlohmann::ordered_json MetricsJson(const BinaryMetrics& m) {
  return {{"macro_precision", m.macro_precision},
          {"macro_recall", m.macro_recall},
          {"accuracy", m.accuracy},
          {"test_samples", m.test_samples},
          {"true_positives", m.true_positives},
          {"false_positives", m.false_positives},
          {"true_negatives", m.true_negatives},
          {"false_negatives", m.false_negatives}};
}

// Trains, saves and bakes off one collection; returns its report.
Outcome<nlohmann::ordered_json> TrainCollection(const std::string& id, const std::vector<std::size_t>& members,
                                                const std::vector<TrainingExample>& examples,
                                                const std::vector<std::vector<float>>& embeddings,
                                                const TrainArgs& args, ClassifierStore& store) {
  std::vector<int> labels;
  for (std::size_t i : members) labels.push_back(examples[i].label);
  const TrainTestSplit split = StratifiedSplit(labels, args.test_fraction, args.seed);
  std::vector<std::vector<float>> train_rows;
  std::vector<int> train_labels;
  for (std::size_t p : split.train) {
    train_rows.push_back(embeddings[members[p]]);
    train_labels.push_back(labels[p]);
  }
  LabeledEmbeddings test;
  test.embedding_model = args.model;
  for (std::size_t p : split.test) {
    test.embeddings.push_back(embeddings[members[p]]);
    test.labels.push_back(labels[p]);
  }
  LogisticRegressionOptions options;
  options.C = args.C;
  const auto started = std::chrono::steady_clock::now();
  auto fit = FitLogisticRegression(train_rows, train_labels, options);
  if (!fit.ok()) return Failure{kExitFailure, "collection '" + id + "': " + fit.status().message()};
  const double fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  Classifier classifier;
  classifier.collection_id = id;
  classifier.embedding_model = args.model;
  classifier.normalized_embeddings = true;
  classifier.model = fit->model;
  classifier.training.samples = static_cast<int>(members.size());
  classifier.training.positives = static_cast<int>(std::count(labels.begin(), labels.end(), 1));
  classifier.training.C = args.C;
  classifier.training.class_weight = "balanced";
  std::vector<int> predicted;
  for (const auto& e : test.embeddings) predicted.push_back(classifier.Probability(e) >= classifier.threshold ? 1 : 0);
  const BinaryMetrics metrics = ComputeBinaryMetrics(predicted, test.labels);
  classifier.metrics = {metrics.macro_precision, metrics.macro_recall, metrics.accuracy, metrics.test_samples};

  auto file = store.Save(classifier);
  if (!file.ok()) return Failure{kExitFailure, "collection '" + id + "': " + file.status().message()};
  auto bake = store.BakeOff(id, test, args.keep);
  if (!bake.ok()) return Failure{kExitFailure, "collection '" + id + "': " + bake.status().message()};

  nlohmann::ordered_json kept = nlohmann::ordered_json::array();
  for (const auto& c : bake->ranked) {
    if (!c.kept) continue;
    nlohmann::ordered_json k = {{"version", c.version}, {"evaluated", c.evaluated}};
    if (c.evaluated) {
      k["macro_precision"] = c.metrics.macro_precision;
      k["macro_recall"] = c.metrics.macro_recall;
    } else {
      k["note"] = c.note;
    }
    kept.push_back(std::move(k));
  }
  return nlohmann::ordered_json{
      {"collection_id", id},
      {"samples", classifier.training.samples},
      {"positives", classifier.training.positives},
      {"train_samples", split.train.size()},
      {"test_samples", split.test.size()},
      {"version", classifier.version},
      {"file", *file},
      {"metrics", MetricsJson(metrics)},
      {"solver",
       {{"iterations", fit->report.iterations}, {"converged", fit->report.converged}, {"seconds", fit_seconds}}},
      {"best",
       {{"version", bake->best.version},
        {"file", bake->best.file},
        {"macro_precision", bake->best.macro_precision},
        {"macro_recall", bake->best.macro_recall}}},
      {"kept", kept},
      {"deleted", bake->deleted}};
}

void PrintTable(const nlohmann::ordered_json& report, bool in_database) {
  std::printf("%-20s %7s %9s %5s  %-16s %9s %7s %8s  %-16s %9s %5s\n", "COLLECTION", "SAMPLES", "POSITIVES", "TEST",
              "NEW VERSION", "PRECISION", "RECALL", "ACCURACY", "BEST VERSION", "PRECISION", "KEPT");
  for (const auto& c : report["collections"]) {
    std::printf("%-20s %7d %9d %5d  %-16s %9.3f %7.3f %8.3f  %-16s %9.3f %5zu\n",
                c["collection_id"].get<std::string>().c_str(), c["samples"].get<int>(), c["positives"].get<int>(),
                c["test_samples"].get<int>(), c["version"].get<std::string>().c_str(),
                c["metrics"]["macro_precision"].get<double>(), c["metrics"]["macro_recall"].get<double>(),
                c["metrics"]["accuracy"].get<double>(), c["best"]["version"].get<std::string>().c_str(),
                c["best"]["macro_precision"].get<double>(), c["kept"].size());
  }
  std::printf("model: %s  classifiers: %s  (%s updated)\n", report["model"].get<std::string>().c_str(),
              report["dir"].get<std::string>().c_str(), in_database ? "classifier_best" : "best_models.json");
}

int Fail(int code, const std::string& message) {
  std::cerr << "iris train-classifier: " << message << "\n";
  return code;
}

int RunTrainClassifier(const ConfigFlags& flags, TrainArgs args) {
  auto config = flags.Load();
  if (!config.ok()) return Fail(kExitConfig, config.status().message());
  InitLogging(config->log.level, "text");  // readable model-loading events on stderr (--log-level warn hides them)
  if (!(args.C > 0) || !std::isfinite(args.C)) return Fail(kExitUsage, "--C must be a positive number");
  if (!(args.test_fraction > 0 && args.test_fraction < 1)) {
    return Fail(kExitUsage, "--test-fraction must be between 0 and 1 (exclusive)");
  }
  if (args.keep < 1) return Fail(kExitUsage, "--keep must be at least 1");
  for (const auto& id : args.collections) {
    if (auto s = ValidateCollectionId(id); !s.ok()) return Fail(kExitUsage, "--collection: " + s.message());
  }
  const bool explicit_dir = !args.dir.empty();
  if (args.dir.empty()) args.dir = config->analysis.classifiers_dir;
  if (args.model.empty()) args.model = config->models.default_clip;

  auto examples = ReadTrainingFile(args.data);
  if (!examples.ok()) return Fail(kExitUsage, examples.status().message());
  auto groups = GroupByCollection(*examples);
  if (!args.collections.empty()) {
    std::map<std::string, std::vector<std::size_t>> chosen;
    for (const auto& id : args.collections) {
      auto it = groups.find(id);
      if (it == groups.end()) {
        std::string have;
        for (const auto& [g, _] : groups) have += (have.empty() ? "" : ", ") + g;
        return Fail(kExitUsage, "collection '" + id + "' is not in " + args.data + " (it has: " + have + ")");
      }
      chosen[id] = it->second;
    }
    groups = std::move(chosen);
  }
  std::vector<std::size_t> selected;
  for (const auto& [id, members] : groups) {
    int positives = 0;
    for (std::size_t i : members) positives += (*examples)[i].label;
    const int negatives = static_cast<int>(members.size()) - positives;
    if (positives < 2 || negatives < 2) {
      return Fail(kExitUsage, "collection '" + id + "' has " + std::to_string(positives) + " positive and " +
                                  std::to_string(negatives) +
                                  " negative examples; at least 2 of each are needed (one to train, one to test)");
    }
    for (std::size_t i : members) {
      const auto& e = (*examples)[i];
      std::error_code ec;
      if (!e.image.empty() && !std::filesystem::is_regular_file(e.image, ec)) {
        return Fail(kExitUsage, Where(args.data, e) + "image " + e.image + " does not exist");
      }
      selected.push_back(i);
    }
  }

  auto embedded = Embed(*config, args, *examples, selected);
  if (auto* f = std::get_if<Failure>(&embedded)) return Fail(f->exit_code, f->message);
  const auto& embeddings = std::get<std::vector<std::vector<float>>>(embedded);

  // --dir names a folder; otherwise the classifiers the server reads (app::OpenClassifierStore).
  std::unique_ptr<PostgresDatabase> database;
  if (!explicit_dir) {
    auto opened = app::OpenSharedDatabase(config->storage);
    if (!opened.ok()) return Fail(kExitFailure, opened.status().ToString());
    database = std::move(opened).value();
  }
  std::shared_ptr<ClassifierStore> store = explicit_dir ? std::make_shared<FolderClassifierStore>(args.dir)
                                                        : app::OpenClassifierStore(*config, database.get());
  nlohmann::ordered_json report = {{"data", args.data},   {"dir", store->location()},
                                   {"model", args.model}, {"C", args.C},
                                   {"seed", args.seed},   {"test_fraction", args.test_fraction},
                                   {"keep", args.keep},   {"collections", nlohmann::ordered_json::array()}};
  for (const auto& [id, members] : groups) {
    auto trained = TrainCollection(id, members, *examples, embeddings, args, *store);
    if (auto* f = std::get_if<Failure>(&trained)) return Fail(f->exit_code, f->message);
    report["collections"].push_back(std::get<nlohmann::ordered_json>(trained));
  }
  if (args.json) {
    std::cout << report.dump(2) << "\n";
  } else {
    PrintTable(report, database != nullptr);
  }
  return kExitOk;
}

}  // namespace

CommandRunner AddTrainClassifierCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "train-classifier",
      "train collection classifiers (logistic regression on CLIP embeddings) from labelled examples, keep the best "
      "versions and update the index the server reads");
  auto args = std::make_shared<TrainArgs>();
  cmd->add_option("--data", args->data,
                  "labelled examples: .jsonl or .csv with collection_id, label and image or embedding "
                  "(docs/classifiers.md)")
      ->required();
  cmd->add_option("--collection", args->collections, "train only these collections (repeatable; default: all)");
  cmd->add_option("--dir", args->dir,
                  "classifiers folder (default: the database of storage.database_url when it is PostgreSQL, else "
                  "analysis.classifiers_dir)");
  cmd->add_option("--model", args->model, "CLIP model that embeds images (default: models.default_clip)");
  cmd->add_option("--C", args->C, "inverse regularisation strength")->capture_default_str();
  cmd->add_option("--test-fraction", args->test_fraction, "held-out share per class")->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of the train/test split")->capture_default_str();
  cmd->add_option("--keep", args->keep, "versions kept per collection after the bake-off")->capture_default_str();
  cmd->add_flag("--json", args->json, "print JSON instead of a table");
  auto flags = std::make_shared<ConfigFlags>(
      *cmd, std::vector<std::string>{"storage.data_dir", "storage.database_url", "models", "runtime", "analysis",
                                     "ingest", "log"});  // after the command's own options, so --help lists those first
  return [flags, args] { return RunTrainClassifier(*flags, *args); };
}

}  // namespace iris::cli
