// `iris train-classifier` end to end: the real binary trains "is this garment category X" classifiers
// on the real clothing-cc0 photos, embedded by the clip-standin-colors model installed from the
// model mirror (../shared/models), writes versioned classifier files and best_models.json, prunes to
// --keep versions, prints metrics that agree with the files, and refuses bad input with exit 2 (bad
// arguments or data) or 1 (the work failed) and a message that says what is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "analysis_server.h"
#include "e2e_http.h"
#include "support/postgres_process.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

nlohmann::json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

// The JSON report printed on stdout (the log goes to stderr, which RunCommand merges: the report is
// the text from the first line that is exactly "{").
nlohmann::json ReportOf(const std::string& output) {
  const auto start = output.find("\n{\n") != std::string::npos ? output.find("\n{\n") + 1 : output.find("{\n");
  if (start == std::string::npos) return nlohmann::json();
  const auto end = output.rfind("\n}");
  return ParseJson(output.substr(start, end + 2 - start));
}

class TrainClassifierTest : public ::testing::Test {
 protected:
  // One models folder with the colour stand-in, pulled from the shared mirror, for the whole suite.
  static void SetUpTestSuite() {
    models_ = new TempDir();
    auto pull = RunCommand(IrisBinary() + " models pull clip-standin-colors --models-dir " + models_->path().string() +
                           " --model-mirror " + RequireShared("models").string());
    ASSERT_EQ(pull.exit_code, 0) << pull.output;
  }
  static void TearDownTestSuite() {
    delete models_;
    models_ = nullptr;
  }

  // A training CSV in a temp folder whose image paths are relative to it (through a link to the
  // real photos): one row per photo and collection, label 1 when the photo's category is the
  // collection. `every` > 1 keeps every n-th photo only.
  fs::path WriteClothingCsv(const std::vector<std::string>& collections, int every = 1) {
    fs::create_directory_symlink(RequireShared("data/clothing-cc0/images"), dir_.path() / "photos");
    std::ifstream labels(RequireShared("data/clothing-cc0/labels.csv"));
    std::string line;
    std::getline(labels, line);
    std::vector<std::pair<std::string, std::string>> photos;  // file under images/, category
    for (int i = 0; std::getline(labels, line); ++i) {
      if (i % every != 0) continue;
      const auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
      photos.emplace_back(line.substr(std::string("images/").size(), c1 - 7), line.substr(c1 + 1, c2 - c1 - 1));
    }
    const fs::path csv = dir_.path() / "train.csv";
    std::ofstream out(csv);
    out << "collection_id,label,image\n";
    for (const auto& c : collections) {
      for (const auto& [file, category] : photos) {
        out << c << "," << (category == c ? 1 : 0) << ",photos/" << file << "\n";
        if (category == c) ++positives_[c];
        ++samples_[c];
      }
    }
    return csv;
  }

  std::string Train(const fs::path& data, const std::string& extra) {
    return IrisBinary() + " train-classifier --data " + data.string() + " --models-dir " + models_->path().string() +
           " --model clip-standin-colors --dir " + classifiers().string() + " --log-level warn " + extra;
  }

  fs::path classifiers() const { return dir_.path() / "classifiers"; }

  static TempDir* models_;
  TempDir dir_;
  std::map<std::string, int> positives_, samples_;
};

TempDir* TrainClassifierTest::models_ = nullptr;

TEST_F(TrainClassifierTest, TrainsOnRealPhotosAndWritesFilesIndexAndMetricsThatAgree) {
  const auto csv = WriteClothingCsv({"shoes", "hat", "shorts"});
  auto run = RunCommand(Train(csv, "--collection shoes --collection hat --json"));  // shorts not asked for
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto report = ReportOf(run.output);
  ASSERT_TRUE(report.is_object()) << run.output;
  ASSERT_EQ(report["collections"].size(), 2u) << run.output;
  EXPECT_EQ(report["model"], "clip-standin-colors");
  EXPECT_FALSE(fs::exists(classifiers() / "collection_shorts"));

  const auto index = ReadJson(classifiers() / "best_models.json");
  ASSERT_TRUE(index.is_object());
  EXPECT_EQ(index.size(), 2u);
  for (const auto& c : report["collections"]) {
    const std::string id = c["collection_id"];
    SCOPED_TRACE(id);
    EXPECT_EQ(c["samples"], 372);
    EXPECT_EQ(c["positives"], positives_[id]);
    EXPECT_EQ(positives_[id], id == "shoes" ? 73 : 12);  // the data set's documented counts
    // Stratified 20 %: round(0.2 * n_c) of each class.
    const int test_pos = static_cast<int>(std::lround(0.2 * positives_[id]));
    const int test_neg = static_cast<int>(std::lround(0.2 * (372 - positives_[id])));
    const auto& m = c["metrics"];
    EXPECT_EQ(c["test_samples"], test_pos + test_neg);
    EXPECT_EQ(c["train_samples"].get<int>() + c["test_samples"].get<int>(), 372);
    EXPECT_EQ(m["true_positives"].get<int>() + m["false_negatives"].get<int>(), test_pos);
    EXPECT_EQ(m["true_negatives"].get<int>() + m["false_positives"].get<int>(), test_neg);
    // The printed macro precision/recall/accuracy follow from the printed confusion counts.
    const double tp = m["true_positives"], fp = m["false_positives"], tn = m["true_negatives"],
                 fn = m["false_negatives"];
    const double p1 = tp + fp > 0 ? tp / (tp + fp) : 0, p0 = tn + fn > 0 ? tn / (tn + fn) : 0;
    EXPECT_NEAR(m["macro_precision"].get<double>(), (p0 + p1) / 2, 1e-12);
    EXPECT_NEAR(m["macro_recall"].get<double>(), (tp / (tp + fn) + tn / (tn + fp)) / 2, 1e-12);
    EXPECT_NEAR(m["accuracy"].get<double>(), (tp + tn) / (test_pos + test_neg), 1e-12);
    EXPECT_TRUE(c["solver"]["converged"].get<bool>());

    // The version file: the documented format, the model that embedded the photos, the same metrics.
    const std::string version = c["version"];
    const fs::path file = classifiers() / ("collection_" + id) / ("classifier_" + version + ".json");
    EXPECT_EQ(c["file"], "collection_" + id + "/classifier_" + version + ".json");
    const auto saved = ReadJson(file);
    ASSERT_TRUE(saved.is_object()) << file;
    EXPECT_EQ(saved["format"], "iris.classifier.v1");
    EXPECT_EQ(saved["collection_id"], id);
    EXPECT_EQ(saved["embedding_model"], "clip-standin-colors");
    EXPECT_EQ(saved["embedding_dim"], 512);
    EXPECT_EQ(saved["normalized_embeddings"], true);
    EXPECT_EQ(saved["training"]["samples"], 372);
    EXPECT_EQ(saved["training"]["positives"], positives_[id]);
    EXPECT_EQ(saved["training"]["class_weight"], "balanced");
    EXPECT_EQ(saved["metrics"]["macro_precision"], m["macro_precision"]);
    EXPECT_EQ(saved["metrics"]["macro_recall"], m["macro_recall"]);
    EXPECT_EQ(saved["metrics"]["test_samples"], c["test_samples"]);
    // The colour stand-in only ever fills dims 0..10 (its 11 colours): the features the photos really
    // had drive the weights, and the always-zero dims keep weight exactly 0 under the L2 penalty.
    const auto& w = saved["weights"];
    ASSERT_EQ(w.size(), 512u);
    int colour_weights = 0;
    for (int j = 0; j < 11; ++j) colour_weights += w[j].get<double>() != 0.0;
    EXPECT_EQ(colour_weights, 11);
    for (int j = 11; j < 512; ++j) ASSERT_EQ(w[j].get<double>(), 0.0) << j;

    // best_models.json points at the (only) version, with the bake-off's metrics.
    EXPECT_EQ(index[id]["file"], c["file"]);
    EXPECT_EQ(index[id]["version"], version);
    EXPECT_EQ(index[id]["macro_precision"], m["macro_precision"]);
    EXPECT_EQ(c["best"]["version"], version);
    std::printf(
        "[measured] %-6s clip-standin-colors on clothing-cc0: macro precision %.3f, macro recall %.3f, "
        "accuracy %.3f (test %d: tp %d fp %d tn %d fn %d)\n",
        id.c_str(), m["macro_precision"].get<double>(), m["macro_recall"].get<double>(), m["accuracy"].get<double>(),
        c["test_samples"].get<int>(), int(tp), int(fp), int(tn), int(fn));
  }

  // The table form names the same numbers.
  auto table = RunCommand(Train(csv, "--collection shoes"));
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("COLLECTION"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("shoes"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("best_models.json updated"), std::string::npos) << table.output;
}

TEST_F(TrainClassifierTest, KeepsOnlyTheBestVersionsAndTheIndexFollowsTheBest) {
  const auto csv = WriteClothingCsv({"shoes"}, /*every=*/3);  // 124 photos: quicker runs
  nlohmann::json last;
  std::vector<std::string> all_versions;
  for (int run = 0; run < 4; ++run) {
    auto r = RunCommand(Train(csv, "--keep 2 --json --seed " + std::to_string(100 + run)));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    last = ReportOf(r.output);
    ASSERT_TRUE(last.is_object()) << r.output;
    all_versions.push_back(last["collections"][0]["version"]);
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(classifiers() / "collection_shoes")) {
      files += e.path().extension() == ".json";
    }
    EXPECT_EQ(files, std::min<std::size_t>(run + 1, 2)) << "after run " << run;
  }
  // Versions are unique even when runs fall in the same second.
  std::set<std::string> unique(all_versions.begin(), all_versions.end());
  EXPECT_EQ(unique.size(), 4u);
  const auto& c = last["collections"][0];
  ASSERT_EQ(c["kept"].size(), 2u);
  EXPECT_EQ(c["deleted"].size(), 1u);  // the third-best of the last bake-off
  // Ranked best first by macro precision on this run's test split; the index names the first.
  EXPECT_GE(c["kept"][0]["macro_precision"].get<double>(), c["kept"][1]["macro_precision"].get<double>());
  const auto index = ReadJson(classifiers() / "best_models.json");
  EXPECT_EQ(index["shoes"]["version"], c["kept"][0]["version"]);
  EXPECT_EQ(index["shoes"]["version"], c["best"]["version"]);
  EXPECT_TRUE(fs::exists(classifiers() / index["shoes"]["file"].get<std::string>()));
  for (const auto& d : c["deleted"]) EXPECT_FALSE(fs::exists(classifiers() / d.get<std::string>())) << d;
}

// With storage.database_url naming PostgreSQL the classifier goes into the database: two servers on it,
// started before the training, both use it (no restart, no classifiers folder involved).
TEST_F(TrainClassifierTest, TrainsIntoPostgresAndEveryServerOnItUsesTheClassifier) {
  auto postgres = PostgresProcess::Start();
  ASSERT_NE(postgres, nullptr) << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  ServerOptions options;
  options.extra_args = {"--models-dir",         models_->path().string(),
                        "--default-clip-model", "clip-standin-colors",
                        "--database-url",       url,
                        "--classifiers-dir",    (dir_.path() / "unused").string()};
  auto first = ServerProcess::Start(options);
  auto second = ServerProcess::Start(options);
  fs::path shoe;
  for (const auto& e : fs::directory_iterator(RequireShared("data/clothing-cc0/images/shoes"))) {
    if (shoe.empty() || e.path() < shoe) shoe = e.path();
  }
  std::ifstream photo_file(shoe, std::ios::binary);
  std::string photo((std::istreambuf_iterator<char>(photo_file)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(photo.empty());
  const nlohmann::json task = {{"operation_id", "c"}, {"type", "classify"}, {"params", {{"collection_id", "shoes"}}}};
  auto classify = [&](ServerProcess& server) {
    auto client = server.Client();
    auto res = AnalyzeUpload(*client, photo, "shoe.jpg", {task});
    if (!res || res->status != 200) return nlohmann::json();
    return ParseJson(res->body)["results"]["c"];
  };
  EXPECT_EQ(classify(*first)["status"], "skipped");  // nothing trained yet

  const auto csv = WriteClothingCsv({"shoes"}, /*every=*/3);
  auto r = RunCommand(IrisBinary() + " train-classifier --data " + csv.string() + " --models-dir " +
                      models_->path().string() + " --model clip-standin-colors --database-url '" + url +
                      "' --log-level warn --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto report = ReportOf(r.output);
  ASSERT_TRUE(report.is_object()) << r.output;
  EXPECT_EQ(report["dir"].get<std::string>().rfind("PostgreSQL ", 0), 0u) << report["dir"];
  EXPECT_FALSE(fs::exists(classifiers()));
  EXPECT_FALSE(fs::exists(dir_.path() / "unused" / "best_models.json"));
  const std::string best = report["collections"][0]["best"]["version"];
  EXPECT_EQ(PostgresProcess::Query(url, "SELECT version FROM classifier_best WHERE collection_id = 'shoes'"),
            std::vector<std::string>{best});

  const auto a = classify(*first), b = classify(*second);
  ASSERT_EQ(a["status"], "success") << a.dump();
  ASSERT_EQ(b["status"], "success") << b.dump();
  EXPECT_EQ(a["data"], b["data"]);
  EXPECT_TRUE(a["data"]["is_in_collection"].is_boolean()) << a.dump();
  const double p = a["data"]["probability"].get<double>();
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1.0);
}

TEST_F(TrainClassifierTest, RefusesBadInputWithAClearMessage) {
  const auto csv = WriteClothingCsv({"shoes"}, /*every=*/6);
  auto write = [&](const std::string& name, const std::string& text) {
    const fs::path p = dir_.path() / name;
    std::ofstream(p) << text;
    return p;
  };
  struct Case {
    std::string what;
    std::string command;
    int exit_code;
    std::string message;
  };
  const std::string four_rows =
      "{\"collection_id\": 1, \"label\": 1, \"embedding\": [1, 0]}\n"
      "{\"collection_id\": 1, \"label\": 1, \"embedding\": [0.9, 0.1]}\n"
      "{\"collection_id\": 1, \"label\": 0, \"embedding\": [0, 1]}\n";
  const std::vector<Case> cases = {
      {"missing data file", Train(dir_.path() / "nope.csv", ""), 2, "does not exist"},
      {"bad label", Train(write("bad_label.csv", "collection_id,label,image\nshoes,1,a.jpg\nshoes,maybe,b.jpg\n"), ""),
       2, "bad_label.csv:3: label 'maybe' must be 0, 1, true or false"},
      {"dimension mismatch between rows",
       Train(write("dims.jsonl", four_rows + "{\"collection_id\": 1, \"label\": 0, \"embedding\": [0, 1, 0]}\n"), ""),
       2, "dims.jsonl:4: embedding has 3 values, but the one on line 1 has 2"},
      {"embedding rows of another size than the model's",
       Train(write("mixed.jsonl", four_rows + "{\"collection_id\": 1, \"label\": 0, \"image\": \"photos/shoes/" +
                                      fs::directory_iterator(dir_.path() / "photos/shoes")->path().filename().string() +
                                      "\"}\n"),
             ""),
       2, "mixed.jsonl:1: embedding has 2 values, but model 'clip-standin-colors' makes 512"},
      {"unknown collection", Train(csv, "--collection hats"), 2, "collection 'hats' is not in"},
      {"path traversal id on the command line", Train(csv, "--collection ../../etc"), 2,
       "may only contain letters, digits"},
      {"path traversal id in the data", Train(write("trav.csv", "collection_id,label,image\n../x,1,a.jpg\n"), ""), 2,
       "trav.csv:2: collection id '../x' may only contain"},
      {"missing image file",
       Train(write("missing_img.csv",
                   "collection_id,label,image\ns,1,photos/none.jpg\ns,1,x.jpg\ns,0,y.jpg\ns,0,z.jpg\n"),
             ""),
       2, "missing_img.csv:2: image " + (dir_.path() / "photos/none.jpg").string() + " does not exist"},
      {"too few examples", Train(write("few.jsonl", four_rows), ""), 2,
       "collection '1' has 2 positive and 1 negative examples; at least 2 of each"},
      {"not an image",
       Train(write("notimg.csv", "collection_id,label,image\ns,1,t1.jpg\ns,1,t1.jpg\ns,0,t1.jpg\ns,0,t1.jpg\n"), ""), 1,
       "notimg.csv:2: image "},
      {"model not installed",
       IrisBinary() + " train-classifier --data " + csv.string() + " --models-dir " + (dir_.path() / "empty").string() +
           " --model clip-vit-b-32 --dir " + classifiers().string(),
       1, "iris models pull clip-vit-b-32"},
      {"keep 0", Train(csv, "--keep 0"), 2, "--keep must be at least 1"},
      {"test fraction 1", Train(csv, "--test-fraction 1"), 2, "--test-fraction must be between 0 and 1"},
      {"no --data", IrisBinary() + " train-classifier", 2, "--data is required"},
  };
  write("t1.jpg", "this is text, not a JPEG");
  for (const auto& c : cases) {
    auto r = RunCommand(c.command);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.what << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos)
        << c.what << "\nexpected: " << c.message << "\ngot: " << r.output;
  }
  // Nothing was written by any failed run.
  EXPECT_FALSE(fs::exists(classifiers() / "best_models.json"));
}

}  // namespace
}  // namespace iris::testing
