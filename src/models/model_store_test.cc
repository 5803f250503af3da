#include "models/model_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "models/embedded_catalog.h"
#include "models/file_sha256.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::models {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

ModelCatalog EmbeddedCatalog() {
  auto catalog = ModelCatalog::Parse(EmbeddedCatalogJson());
  if (!catalog.ok()) throw std::runtime_error(catalog.status().ToString());
  return std::move(catalog).value();
}

// The embedded catalog with an edit applied to entry `name` (tests must never reach the internet:
// callers clear or replace the URLs of anything they pull without a complete mirror).
ModelCatalog EditedCatalog(const std::string& name, const std::function<void(ordered_json&)>& edit) {
  ordered_json root = ordered_json::parse(EmbeddedCatalogJson());
  for (auto& m : root["models"]) {
    if (m["name"] == name) edit(m);
  }
  auto catalog = ModelCatalog::Parse(root.dump());
  if (!catalog.ok()) throw std::runtime_error(catalog.status().ToString());
  return std::move(catalog).value();
}

fs::path SharedModels() { return iris::testing::RequireShared("models"); }

void FlipOneByte(const fs::path& path, std::streamoff offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(ModelStoreTest, PullFromFolderMirrorInstallsVerifiedFiles) {
  iris::testing::TempDir dir;
  ModelStore store(EmbeddedCatalog(), dir.path() / "models", SharedModels().string());
  for (const char* name : {"yolox-nano", "clip-standin-tiny"}) {
    auto report = store.Pull(name);
    ASSERT_TRUE(report.ok()) << name << ": " << report.status().ToString();
    const ModelSpec& spec = **store.catalog().Find(name);
    ASSERT_EQ(report->files.size(), spec.files.size());
    for (std::size_t i = 0; i < spec.files.size(); ++i) {
      const auto& pulled = report->files[i];
      const auto& file = spec.files[i];
      EXPECT_TRUE(pulled.verified) << pulled.path;
      EXPECT_FALSE(pulled.already_installed);
      EXPECT_EQ(pulled.sha256, *file.sha256);
      EXPECT_EQ(pulled.source, (SharedModels() / spec.mirror_path / file.path).string());
      const fs::path installed = dir.path() / "models" / name / file.path;
      auto actual = Sha256OfFile(installed);
      ASSERT_TRUE(actual.ok()) << installed;
      EXPECT_EQ(*actual, *file.sha256);
      EXPECT_FALSE(fs::exists(installed.string() + ".part"));
    }
  }
  auto path = store.ResolveModelFile("yolox-nano", "model");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, fs::absolute(dir.path() / "models" / "yolox-nano" / "yolox_nano.onnx"));
  auto text = store.ResolveModelFile("clip-standin-tiny", "text");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->filename(), "text_model.onnx");

  int installed = 0;
  for (const auto& status : store.List()) {
    if (status.installed) {
      ++installed;
      EXPECT_TRUE(status.spec->name == "yolox-nano" || status.spec->name == "clip-standin-tiny") << status.spec->name;
      EXPECT_GT(status.bytes_on_disk, 0);
    }
  }
  EXPECT_EQ(installed, 2);
}

TEST(ModelStoreTest, PullSkipsFilesAlreadyInstalledAndVerified) {
  iris::testing::TempDir dir;
  ModelStore store(EmbeddedCatalog(), dir.path(), SharedModels().string());
  ASSERT_TRUE(store.Pull("yunet").ok());
  const fs::path file = dir.path() / "yunet" / "face_detection_yunet_2026may.onnx";
  const auto before = fs::last_write_time(file);
  // Without a mirror there is nowhere to fetch from: the second pull must not need one.
  ModelStore offline(EditedCatalog("yunet", [](ordered_json& m) { m["files"][0]["urls"] = ordered_json::array(); }),
                     dir.path(), "");
  auto again = offline.Pull("yunet");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->files.size(), 1u);
  EXPECT_TRUE(again->files[0].already_installed);
  EXPECT_TRUE(again->files[0].verified);
  EXPECT_EQ(fs::last_write_time(file), before);
}

TEST(ModelStoreTest, PullReplacesACorruptedInstalledFile) {
  iris::testing::TempDir dir;
  ModelStore store(EmbeddedCatalog(), dir.path(), SharedModels().string());
  ASSERT_TRUE(store.Pull("ultraface-rfb-320").ok());
  const fs::path file = dir.path() / "ultraface-rfb-320" / "version-RFB-320.onnx";
  FlipOneByte(file, 1000);
  std::vector<std::string> messages;
  PullOptions options;
  options.on_message = [&](std::string_view m) { messages.emplace_back(m); };
  auto report = store.Pull("ultraface-rfb-320", options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->files[0].already_installed);
  EXPECT_TRUE(report->files[0].verified);
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages[0].find("does not match the catalog"), std::string::npos) << messages[0];
  EXPECT_EQ(*Sha256OfFile(file), "34cd7e60aeff28744c657de7a3dc64e872d506741de66987f3426f2b79f88017");
}

TEST(ModelStoreTest, VerifyDetectsCorruptedAndMissingFiles) {
  iris::testing::TempDir dir;
  ModelStore store(EmbeddedCatalog(), dir.path(), SharedModels().string());
  ASSERT_TRUE(store.Pull("clip-standin-colors").ok());
  auto clean = store.Verify("clip-standin-colors");
  ASSERT_TRUE(clean.ok());
  for (const auto& check : *clean) EXPECT_EQ(check.state, FileCheck::State::kVerified) << check.path;

  const fs::path model_dir = dir.path() / "clip-standin-colors";
  FlipOneByte(model_dir / "vision_model.onnx", 100);
  fs::remove(model_dir / "merges.txt");
  auto checks = store.Verify("clip-standin-colors");
  ASSERT_TRUE(checks.ok());
  int mismatches = 0, missing = 0;
  for (const auto& check : *checks) {
    if (check.path == "vision_model.onnx") {
      EXPECT_EQ(check.state, FileCheck::State::kMismatch);
      EXPECT_EQ(check.expected_sha256, "4827041d47493ba2c040109c3d68db935c21a5f396e5525ac39baf8f06ce5247");
      EXPECT_EQ(check.actual_sha256.size(), 64u);
      EXPECT_NE(check.actual_sha256, check.expected_sha256);
      ++mismatches;
    } else if (check.path == "merges.txt") {
      EXPECT_EQ(check.state, FileCheck::State::kMissing);
      ++missing;
    } else {
      EXPECT_EQ(check.state, FileCheck::State::kVerified) << check.path;
    }
  }
  EXPECT_EQ(mismatches, 1);
  EXPECT_EQ(missing, 1);
  // A model with a missing file is not installed any more.
  auto resolved = store.ResolveModelFile("clip-standin-colors", "vision");
  EXPECT_EQ(resolved.status().code(), StatusCode::kFailedPrecondition);
}

TEST(ModelStoreTest, ResolveModelFileOnMissingModelGivesTheInstallCommand) {
  iris::testing::TempDir dir;
  ModelStore store(EmbeddedCatalog(), dir.path(), "");
  auto path = store.ResolveModelFile("clip-vit-b-32", "vision");
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(path.status().message(),
            "model 'clip-vit-b-32' is not installed; install it with: iris models pull clip-vit-b-32");
  EXPECT_EQ(NotInstalledMessage("yunet"), "model 'yunet' is not installed; install it with: iris models pull yunet");

  auto role = store.ResolveModelFile("yunet", "vision");
  EXPECT_EQ(role.status().code(), StatusCode::kNotFound);
  EXPECT_NE(role.status().message().find("no file with role 'vision'"), std::string::npos);
}

TEST(ModelStoreTest, UnknownModelIsNotFoundWithCloseNames) {
  iris::testing::TempDir dir;
  ModelStore store(EmbeddedCatalog(), dir.path(), SharedModels().string());
  auto pull = store.Pull("ultraface");
  ASSERT_FALSE(pull.ok());
  EXPECT_EQ(pull.status().code(), StatusCode::kNotFound);
  EXPECT_NE(pull.status().message().find("did you mean: ultraface-rfb-320, ultraface-rfb-640"), std::string::npos)
      << pull.status().message();
  EXPECT_EQ(store.Verify("dinov2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.ResolveModelFile("yunett", "model").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir.path() / "ultraface"));
}

TEST(ModelStoreTest, FileWithoutCatalogHashNeedsAllowUnverified) {
  iris::testing::TempDir dir;
  ModelCatalog catalog = EditedCatalog("mobilefacenet", [](ordered_json& m) {
    m["files"][0]["sha256"] = nullptr;
    m["files"][0]["size"] = nullptr;
    m["files"][0]["urls"] = ordered_json::array();
  });
  ModelStore store(catalog, dir.path(), SharedModels().string());
  auto refused = store.Pull("mobilefacenet");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("no sha256 for mobilefacenet.onnx"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("--allow-unverified"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "mobilefacenet" / "mobilefacenet.onnx"));

  PullOptions options;
  options.allow_unverified = true;
  auto report = store.Pull("mobilefacenet", options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->files[0].verified);
  EXPECT_EQ(report->files[0].sha256, "f055d9c9a4d826d198c42666590fdefa0fdc1374a75ccb6306c3d1b1bf8f74c5");
  auto checks = store.Verify("mobilefacenet");
  ASSERT_TRUE(checks.ok());
  EXPECT_EQ((*checks)[0].state, FileCheck::State::kUnverified);
  EXPECT_TRUE(store.ResolveModelFile("mobilefacenet", "model").ok());
}

TEST(ModelStoreTest, NoSourceExplainsHowToInstall) {
  iris::testing::TempDir dir;
  ModelStore store(EmbeddedCatalog(), dir.path(), "");
  auto pull = store.Pull("isnet-general-small-int8");  // the catalog has no URL for it: mirror only
  ASSERT_FALSE(pull.ok());
  EXPECT_EQ(pull.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(pull.status().message().find("IRIS_MODEL_MIRROR"), std::string::npos) << pull.status().message();
  EXPECT_NE(pull.status().message().find("segmentation-isnet/isnet_general_small_int8.onnx"), std::string::npos);

  iris::testing::TempDir empty_mirror;
  ModelStore store2(EditedCatalog("yunet", [](ordered_json& m) { m["files"][0]["urls"] = ordered_json::array(); }),
                    dir.path(), empty_mirror.path().string());
  auto missing = store2.Pull("yunet");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("not found in the mirror"), std::string::npos)
      << missing.status().message();
}

}  // namespace
}  // namespace iris::models
