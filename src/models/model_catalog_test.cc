#include "models/model_catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>

#include "models/embedded_catalog.h"
#include "models/file_sha256.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::models {
namespace {

using nlohmann::ordered_json;

ordered_json EmbeddedJson() { return ordered_json::parse(EmbeddedCatalogJson()); }

// The embedded catalog with one edit applied, re-parsed.
Result<ModelCatalog> ParseEdited(const std::function<void(ordered_json&)>& edit) {
  ordered_json root = EmbeddedJson();
  edit(root);
  return ModelCatalog::Parse(root.dump());
}

ordered_json& Entry(ordered_json& root, const std::string& name) {
  for (auto& m : root["models"]) {
    if (m["name"] == name) return m;
  }
  throw std::runtime_error("no catalog entry " + name);
}

TEST(ModelCatalogTest, EmbeddedCatalogIsTheCheckedInFile) {
  std::string on_disk = iris::testing::ReadFileBytes(iris::testing::SourceDir() / "models" / "catalog.json");
  EXPECT_EQ(EmbeddedCatalogJson(), on_disk) << "rebuild: the embedded copy is stale";
}

TEST(ModelCatalogTest, EmbeddedCatalogParsesWithEveryModel) {
  auto catalog = ModelCatalog::Parse(EmbeddedCatalogJson());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  std::set<std::string> names;
  for (const auto& m : catalog->models()) names.insert(m.name);
  for (const char* expected : {"clip-vit-b-32", "dinov2-small", "dinov3-vitl16", "resnet50", "resnet50-imagenet-logits",
                               "yolox-nano", "yunet", "ultraface-rfb-320", "ultraface-rfb-640", "mobilefacenet",
                               "isnet-general-small-int8", "clip-standin-tiny", "clip-standin-colors"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }

  auto clip = catalog->Find("clip-vit-b-32");
  ASSERT_TRUE(clip.ok());
  const ModelSpec& c = **clip;
  EXPECT_EQ(c.task, ModelTask::kImageTextEmbedding);
  EXPECT_EQ(c.family, ModelFamily::kClip);
  EXPECT_EQ(c.embedding_dim, 512);
  ASSERT_NE(c.FindFile("vision"), nullptr);
  ASSERT_NE(c.FindFile("text"), nullptr);
  EXPECT_EQ(c.FindFile("vision")->inputs.at(0).name, "pixel_values");
  EXPECT_EQ(c.FindFile("text")->outputs.at(0).name, "text_embeds");
  ASSERT_TRUE(c.preprocessing.has_value());
  EXPECT_EQ(c.preprocessing->resize, ResizeMode::kShortestSide);
  EXPECT_EQ(c.preprocessing->filter, ResizeFilter::kBicubic);
  EXPECT_TRUE(c.preprocessing->antialias);
  EXPECT_FLOAT_EQ(c.preprocessing->mean[0], 0.48145466f);
  EXPECT_FLOAT_EQ(c.preprocessing->std_dev[2], 0.27577711f);
  ASSERT_TRUE(c.text.has_value());
  EXPECT_EQ(c.text->context_length, 77);
  EXPECT_EQ(c.text->end_token_id, 49407);

  auto yolox = catalog->Find("yolox-nano");
  ASSERT_TRUE(yolox.ok());
  EXPECT_EQ((*yolox)->preprocessing->channel_order, ChannelOrder::kBgr);
  EXPECT_EQ((*yolox)->preprocessing->resize, ResizeMode::kLetterbox);
  EXPECT_EQ((*yolox)->preprocessing->value_range, ValueRange::kZeroTo255);
  EXPECT_FLOAT_EQ((*yolox)->preprocessing->pad_value, 114);
  ASSERT_EQ((*yolox)->labels.size(), 80u);
  EXPECT_EQ((*yolox)->labels[0], "person");

  auto dino = catalog->Find("dinov2-small");
  ASSERT_TRUE(dino.ok());
  EXPECT_EQ((*dino)->pooling, Pooling::kCls);
  EXPECT_EQ((*dino)->preprocessing->shortest_side, 256);
  EXPECT_EQ((*dino)->preprocessing->crop, CropMode::kCenter);

  EXPECT_TRUE((*catalog->Find("mobilefacenet"))->test_only);
  EXPECT_NE((*catalog->Find("mobilefacenet"))->licence.find("UNKNOWN"), std::string::npos);
  EXPECT_TRUE((*catalog->Find("clip-standin-colors"))->test_only);
  EXPECT_FALSE((*catalog->Find("yolox-nano"))->test_only);
}

// Every catalog file staged in ../shared/models must have exactly the recorded sha256 and size, and
// every file with a recorded sha256 must be staged there (so none of them was typed in by hand).
TEST(ModelCatalogTest, SharedModelFilesMatchTheCatalogHashes) {
  auto catalog = ModelCatalog::Parse(EmbeddedCatalogJson());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  const auto shared = iris::testing::RequireShared("models");
  int checked = 0;
  for (const auto& m : catalog->models()) {
    for (const auto& f : m.files) {
      const auto path = shared / m.mirror_path / f.path;
      if (!f.sha256) {
        EXPECT_FALSE(f.size.has_value()) << m.name << "/" << f.path << ": size without hash";
        continue;
      }
      ASSERT_TRUE(std::filesystem::exists(path)) << m.name << ": hash recorded but " << path << " is not staged";
      auto actual = Sha256OfFile(path);
      ASSERT_TRUE(actual.ok()) << actual.status().ToString();
      EXPECT_EQ(*actual, *f.sha256) << path;
      ASSERT_TRUE(f.size.has_value()) << path;
      EXPECT_EQ(static_cast<std::int64_t>(std::filesystem::file_size(path)), *f.size) << path;
      ++checked;
    }
  }
  EXPECT_GE(checked, 18);  // 6 real models + 2 stand-ins of 6 files
}

// Weights that could not be downloaded here carry no invented hash.
TEST(ModelCatalogTest, ModelsNotStagedHereHaveNullHashes) {
  auto catalog = ModelCatalog::Parse(EmbeddedCatalogJson());
  ASSERT_TRUE(catalog.ok());
  for (const char* name : {"clip-vit-b-32", "dinov2-small", "dinov3-vitl16", "resnet50", "resnet50-imagenet-logits",
                           "clip-vit-b-32-int8", "dinov2-small-int8", "resnet50-imagenet-logits-int8"}) {
    auto spec = catalog->Find(name);
    ASSERT_TRUE(spec.ok()) << name;
    for (const auto& f : (*spec)->files) {
      EXPECT_FALSE(f.sha256.has_value()) << name << "/" << f.path;
      EXPECT_FALSE(f.urls.empty()) << name << "/" << f.path << " needs a download URL";
    }
  }
}

struct BadCatalogCase {
  std::string label;
  std::function<void(ordered_json&)> edit;
  std::string expected_message;
};

TEST(ModelCatalogTest, RejectsBadCatalogsWithClearMessages) {
  const std::vector<BadCatalogCase> cases = {
      {"missing name", [](ordered_json& r) { r["models"][0].erase("name"); }, "'name' is required"},
      {"duplicate name", [](ordered_json& r) { r["models"][1]["name"] = r["models"][0]["name"]; },
       "model name 'clip-vit-b-32' appears more than once"},
      {"unknown task", [](ordered_json& r) { Entry(r, "yunet")["task"] = "captioning"; },
       "model 'yunet': 'task' has unknown value \"captioning\""},
      {"unknown family", [](ordered_json& r) { Entry(r, "yunet")["family"] = "retinaface"; },
       "'family' has unknown value \"retinaface\""},
      {"mean of length 2",
       [](ordered_json& r) {
         Entry(r, "resnet50")["preprocessing"]["mean"] = {0.5, 0.5};
       },
       "model 'resnet50' preprocessing: 'mean' must be an array of 3 numbers"},
      {"std of length 4",
       [](ordered_json& r) {
         Entry(r, "resnet50")["preprocessing"]["std"] = {1, 1, 1, 1};
       },
       "'std' must be an array of 3 numbers"},
      {"zero std",
       [](ordered_json& r) {
         Entry(r, "resnet50")["preprocessing"]["std"] = {1, 0, 1};
       },
       "'std' must be positive"},
      {"unknown resize", [](ordered_json& r) { Entry(r, "yunet")["preprocessing"]["resize"] = "crop"; },
       "'resize' has unknown value \"crop\""},
      {"lower-case channel order", [](ordered_json& r) { Entry(r, "yunet")["preprocessing"]["channel_order"] = "bgr"; },
       "'channel_order' has unknown value \"bgr\""},
      {"unknown value range", [](ordered_json& r) { Entry(r, "yunet")["preprocessing"]["value_range"] = "0-65535"; },
       "'value_range' has unknown value"},
      {"NHWC layout", [](ordered_json& r) { Entry(r, "yunet")["preprocessing"]["layout"] = "NHWC"; },
       "'layout' must be NCHW"},
      {"short sha256", [](ordered_json& r) { Entry(r, "yunet")["files"][0]["sha256"] = "abc123"; },
       "model 'yunet' files[0]: 'sha256' must be 64 lower-case hex digits or null"},
      {"missing sha256 key", [](ordered_json& r) { Entry(r, "yunet")["files"][0].erase("sha256"); },
       "'sha256' is required (null when not yet known)"},
      {"misspelt field", [](ordered_json& r) { Entry(r, "yunet")["files"][0]["sha265"] = "x"; },
       "'sha265' is not a known field"},
      {"path escaping the folder", [](ordered_json& r) { Entry(r, "yunet")["files"][0]["path"] = "../evil.onnx"; },
       "'path' must be a relative path inside the model folder"},
      {"ftp url", [](ordered_json& r) { Entry(r, "yunet")["files"][0]["urls"] = {"ftp://example.com/x.onnx"}; },
       "'urls' must hold http:// or https:// URLs"},
      {"dual encoder without text tower",
       [](ordered_json& r) {
         auto& files = Entry(r, "clip-standin-tiny")["files"];
         files.erase(1);
       },
       "needs a file with role 'text'"},
      {"embedding without dimension", [](ordered_json& r) { Entry(r, "dinov2-small").erase("embedding_dim"); },
       "'embedding_dim' is required for an embedding task"},
      {"shortest_side without crop",
       [](ordered_json& r) { Entry(r, "dinov2-small")["preprocessing"]["crop"] = "none"; }, "'crop' must be center"},
      {"schema version 2", [](ordered_json& r) { r["schema_version"] = 2; }, "'schema_version' must be 1"},
      {"models not an array", [](ordered_json& r) { r["models"] = "all"; }, "'models' must be an array"},
      {"variant of nothing", [](ordered_json& r) { Entry(r, "clip-vit-b-32-int8")["variant_of"] = "clip-vit-b-16"; },
       "model 'clip-vit-b-32-int8': 'variant_of' names no model: 'clip-vit-b-16'"},
      {"variant of a variant",
       [](ordered_json& r) { Entry(r, "clip-standin-tiny-int8")["variant_of"] = "clip-vit-b-32-int8"; },
       "must name a base model, not the variant 'clip-vit-b-32-int8'"},
      {"variant of another family",
       [](ordered_json& r) { Entry(r, "resnet50-imagenet-logits-int8")["variant_of"] = "dinov2-small"; },
       "'dinov2-small' has another task, family or embedding_dim"},
      {"variant twice", [](ordered_json& r) { Entry(r, "clip-standin-tiny-int8")["variant"] = "fp32"; },
       "'clip-standin-tiny' already has the variant 'fp32'"},
      {"variant with capitals", [](ordered_json& r) { Entry(r, "resnet50-imagenet-logits-int8")["variant"] = "INT8"; },
       "'variant' must be 1-16 characters of a-z and 0-9"},
  };
  for (const auto& c : cases) {
    auto catalog = ParseEdited(c.edit);
    ASSERT_FALSE(catalog.ok()) << c.label << ": accepted";
    EXPECT_EQ(catalog.status().code(), StatusCode::kInvalidArgument) << c.label;
    EXPECT_NE(catalog.status().message().find(c.expected_message), std::string::npos)
        << c.label << ": got \"" << catalog.status().message() << "\"";
  }
  auto not_json = ModelCatalog::Parse("{\"models\": [");
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.status().message().find("not valid JSON"), std::string::npos);
}

TEST(ModelCatalogTest, UnknownNameIsNotFoundAndSuggestsCloseNames) {
  auto catalog = ModelCatalog::Parse(EmbeddedCatalogJson());
  ASSERT_TRUE(catalog.ok());
  auto typo = catalog->Find("yolox-nan");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(typo.status().message(), "unknown model 'yolox-nan'; did you mean: yolox-nano (see: iris models list)");
  auto far = catalog->Find("stable-diffusion-xl");
  ASSERT_FALSE(far.ok());
  EXPECT_NE(far.status().message().find("known models: clip-vit-b-32"), std::string::npos) << far.status().message();
}

// int8 variants are sibling entries: own name, files and hashes, tied to their base by variant_of.
TEST(ModelCatalogTest, VariantsAreSiblingEntriesFoundByBaseAndVariant) {
  auto catalog = ModelCatalog::Parse(EmbeddedCatalogJson());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  for (const char* base :
       {"clip-vit-b-32", "dinov2-small", "resnet50-imagenet-logits", "clip-standin-tiny", "clip-standin-colors"}) {
    auto int8 = catalog->FindVariant(base, "int8");
    ASSERT_TRUE(int8.ok()) << base << ": " << int8.status().ToString();
    EXPECT_EQ((*int8)->name, std::string(base) + "-int8");
    EXPECT_EQ((*int8)->variant, "int8");
    EXPECT_EQ((*int8)->variant_of, base);
    EXPECT_FALSE((*int8)->licence.empty());
    auto fp32 = catalog->FindVariant((*int8)->name, "fp32");  // from the variant back to its base
    ASSERT_TRUE(fp32.ok()) << base;
    EXPECT_EQ((*fp32)->name, base);
    EXPECT_EQ((*fp32)->variant, "fp32");
    EXPECT_EQ(catalog->VariantsOf(**fp32).size(), 2u) << base;
  }
  // The Xenova export's quantized towers are installed under the fp32 file names.
  const ModelSpec& clip8 = **catalog->FindVariant("clip-vit-b-32", "int8");
  ASSERT_NE(clip8.FindFile("vision"), nullptr);
  EXPECT_EQ(clip8.FindFile("vision")->path, "vision_model.onnx");
  EXPECT_NE(clip8.FindFile("vision")->urls.at(0).find("vision_model_quantized.onnx"), std::string::npos);
  // ISNet's only published form is already int8: a base entry whose variant is int8.
  const ModelSpec& isnet = **catalog->Find("isnet-general-small-int8");
  EXPECT_EQ(isnet.variant, "int8");
  EXPECT_TRUE(isnet.variant_of.empty());
  EXPECT_EQ((*catalog->FindVariant("isnet-general-small-int8", "int8"))->name, "isnet-general-small-int8");

  auto none = catalog->FindVariant("yolox-nano", "int8");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "model 'yolox-nano' has no variant 'int8'; its variants: fp32 (yolox-nano)");
  EXPECT_EQ(catalog->FindVariant("nope", "int8").status().code(), StatusCode::kNotFound);
}

TEST(ModelCatalogTest, LoadDefaultUsesTheOverrideFileWhenSet) {
  iris::testing::TempDir dir;
  const auto path = dir.path() / "catalog.json";
  ordered_json root = EmbeddedJson();
  root["models"] = ordered_json::array({Entry(root, "yunet")});
  {
    std::ofstream out(path);
    out << root.dump(2);
  }
  auto from_file = ModelCatalog::LoadDefault([&](const std::string& key) -> std::optional<std::string> {
    if (key == "IRIS_MODEL_CATALOG") return path.string();
    return std::nullopt;
  });
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  ASSERT_EQ(from_file->models().size(), 1u);
  EXPECT_EQ(from_file->models()[0].name, "yunet");

  auto embedded = ModelCatalog::LoadDefault([](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(embedded.ok());
  EXPECT_GE(embedded->models().size(), 12u);

  auto missing = ModelCatalog::LoadFile(dir.path() / "nope.json");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace iris::models
