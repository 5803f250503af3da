// Pull over HTTP from a local httplib server on 127.0.0.1 that serves ../shared/models in mirror
// layout, with faults injected by path prefix:
//   /ok/...      honours Range (httplib answers 206)
//   /flaky/...   the first request for a path sends only kFlakyBytes of the body, then closes
//   /norange/... ignores Range: always 200 with the whole file
//   /wrong/...   serves the file with one byte changed
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/hash.h"
#include "models/embedded_catalog.h"
#include "models/file_sha256.h"
#include "models/model_store.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::models {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr std::size_t kFlakyBytes = 200'000;

class MirrorServer {
 public:
  explicit MirrorServer(fs::path root) : root_(std::move(root)) {
    server_.Get(R"(/(ok|flaky|norange|wrong)/(.+))",
                [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~MirrorServer() {
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& mode) const { return "http://127.0.0.1:" + std::to_string(port_) + "/" + mode; }

  // Range headers received, in order ("" for none), for every request whose path ends with `file`.
  std::vector<std::string> RangesFor(const std::string& file) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [path, range] : requests_) {
      if (path.size() >= file.size() && path.compare(path.size() - file.size(), file.size(), file) == 0) {
        out.push_back(range);
      }
    }
    return out;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    const std::string mode = req.matches[1];
    const std::string relative = req.matches[2];
    bool first_time = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.emplace_back(req.path, req.get_header_value("Range"));
      first_time = served_.insert(req.path).second;
    }
    const fs::path file = root_ / relative;
    if (relative.find("..") != std::string::npos || !fs::is_regular_file(file)) {
      res.status = 404;
      res.set_content("not found", "text/plain");
      return;
    }
    auto body = std::make_shared<std::string>(iris::testing::ReadFileBytes(file));
    if (mode == "wrong") {
      (*body)[body->size() / 2] ^= 0x01;
      res.set_content(*body, "application/octet-stream");
    } else if (mode == "norange") {
      // A chunked body has no length, so httplib cannot apply the Range: a server without range support.
      res.status = 200;
      res.set_chunked_content_provider("application/octet-stream", [body](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= body->size()) {
          sink.done();
          return true;
        }
        std::size_t n = std::min<std::size_t>(64 * 1024, body->size() - offset);
        return sink.write(body->data() + offset, n);
      });
    } else if (mode == "flaky" && first_time) {
      res.set_content_provider(body->size(), "application/octet-stream",
                               [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                 if (offset >= kFlakyBytes) return false;  // drop the connection
                                 std::size_t n = std::min({length, kFlakyBytes - offset, std::size_t{64 * 1024}});
                                 return sink.write(body->data() + offset, n);
                               });
    } else {
      res.set_content(*body, "application/octet-stream");  // httplib applies a Range itself (206)
    }
  }

  fs::path root_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> requests_;
  std::set<std::string> served_;
};

// The embedded catalog whose entry `name` downloads only from `urls_base` + "/<mirror_path>/<file>"
// (never from the internet).
ModelCatalog CatalogWithUrls(const std::string& name, const std::string& urls_base) {
  ordered_json root = ordered_json::parse(EmbeddedCatalogJson());
  for (auto& m : root["models"]) {
    if (m["name"] != name) continue;
    for (auto& f : m["files"]) {
      f["urls"] = urls_base.empty() ? ordered_json::array()
                                    : ordered_json::array({urls_base + "/" + m["mirror_path"].get<std::string>() + "/" +
                                                           f["path"].get<std::string>()});
    }
  }
  auto catalog = ModelCatalog::Parse(root.dump());
  if (!catalog.ok()) throw std::runtime_error(catalog.status().ToString());
  return std::move(catalog).value();
}

class ModelHttpPullTest : public ::testing::Test {
 protected:
  ModelHttpPullTest() : server_(iris::testing::RequireShared("models")) {}
  MirrorServer server_;
  iris::testing::TempDir dir_;
};

TEST_F(ModelHttpPullTest, PullsEveryFileFromAnHttpMirror) {
  ModelStore store(CatalogWithUrls("clip-standin-tiny", ""), dir_.path(), server_.Url("ok") + "/");
  auto report = store.Pull("clip-standin-tiny");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->files.size(), 6u);
  for (const auto& f : report->files) {
    EXPECT_TRUE(f.verified) << f.path;
    EXPECT_EQ(f.source, server_.Url("ok") + "/clip-standin-tiny/" + f.path);
  }
  auto checks = store.Verify("clip-standin-tiny");
  ASSERT_TRUE(checks.ok());
  for (const auto& c : *checks) EXPECT_EQ(c.state, FileCheck::State::kVerified) << c.path;
}

TEST_F(ModelHttpPullTest, InterruptedDownloadResumesWithRangeAndEndsVerified) {
  ModelStore store(CatalogWithUrls("yolox-nano", server_.Url("flaky")), dir_.path(), "");
  std::vector<std::string> messages;
  std::int64_t last_done = 0, last_total = 0;
  PullOptions options;
  options.on_message = [&](std::string_view m) { messages.emplace_back(m); };
  options.on_progress = [&](const PullProgress& p) {
    last_done = p.bytes_done;
    last_total = p.bytes_total;
  };
  auto report = store.Pull("yolox-nano", options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->files[0].verified);
  EXPECT_TRUE(report->files[0].resumed);
  EXPECT_EQ(report->files[0].sha256, "e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd");
  EXPECT_EQ(last_done, 3678356);
  EXPECT_EQ(last_total, 3678356);

  auto ranges = server_.RangesFor("yolox_nano.onnx");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "");
  ASSERT_EQ(ranges[1].rfind("bytes=", 0), 0u) << ranges[1];
  const long long resumed_from = std::stoll(ranges[1].substr(6));
  EXPECT_GT(resumed_from, 0);
  EXPECT_LE(resumed_from, static_cast<long long>(kFlakyBytes));
  EXPECT_EQ(ranges[1], "bytes=" + std::to_string(resumed_from) + "-");
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages[0].find("resuming from byte"), std::string::npos) << messages[0];
  EXPECT_FALSE(fs::exists(dir_.path() / "yolox-nano" / "yolox_nano.onnx.part"));
}

TEST_F(ModelHttpPullTest, ExistingPartFileIsResumedFromItsSize) {
  const fs::path model_dir = dir_.path() / "yunet";
  fs::create_directories(model_dir);
  const std::string full = iris::testing::ReadFileBytes(
      iris::testing::RequireShared("models/face-detector-yunet/face_detection_yunet_2026may.onnx"));
  {
    std::ofstream part(model_dir / "face_detection_yunet_2026may.onnx.part", std::ios::binary);
    part.write(full.data(), 100'000);
  }
  ModelStore store(CatalogWithUrls("yunet", server_.Url("ok")), dir_.path(), "");
  auto report = store.Pull("yunet");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->files[0].resumed);
  EXPECT_TRUE(report->files[0].verified);
  EXPECT_EQ(server_.RangesFor("face_detection_yunet_2026may.onnx"), std::vector<std::string>{"bytes=100000-"});
}

TEST_F(ModelHttpPullTest, ServerIgnoringRangeRestartsTheFile) {
  const fs::path model_dir = dir_.path() / "yunet";
  fs::create_directories(model_dir);
  {
    // Garbage that would corrupt the result if the 200 answer were appended to it.
    std::ofstream part(model_dir / "face_detection_yunet_2026may.onnx.part", std::ios::binary);
    part << std::string(5000, 'x');
  }
  ModelStore store(CatalogWithUrls("yunet", server_.Url("norange")), dir_.path(), "");
  auto report = store.Pull("yunet");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->files[0].resumed);
  EXPECT_TRUE(report->files[0].verified);
  EXPECT_EQ(server_.RangesFor("face_detection_yunet_2026may.onnx"), std::vector<std::string>{"bytes=5000-"});
  EXPECT_EQ(*Sha256OfFile(model_dir / "face_detection_yunet_2026may.onnx"),
            "ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0");
}

TEST_F(ModelHttpPullTest, HashMismatchRemovesTheFileAndNamesBothHashes) {
  ModelStore store(CatalogWithUrls("ultraface-rfb-640", ""), dir_.path(), server_.Url("wrong"));
  auto report = store.Pull("ultraface-rfb-640");
  ASSERT_FALSE(report.ok());
  std::string wrong =
      iris::testing::ReadFileBytes(iris::testing::RequireShared("models/face-detector-ultraface/version-RFB-640.onnx"));
  wrong[wrong.size() / 2] ^= 0x01;
  const std::string& message = report.status().message();
  EXPECT_NE(message.find("expected 8f4c659275977e7a3bfbfa339a9c769ad793df50f9c0baa8c14b11baa1646430"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("got " + Sha256Hex(wrong)), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir_.path() / "ultraface-rfb-640" / "version-RFB-640.onnx"));
  EXPECT_FALSE(fs::exists(dir_.path() / "ultraface-rfb-640" / "version-RFB-640.onnx.part"));
  EXPECT_EQ(store.ResolveModelFile("ultraface-rfb-640", "model").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ModelHttpPullTest, FallsBackToCatalogUrlWhenTheMirrorLacksTheFile) {
  // The mirror answers 404 (wrong folder); the catalog URL has the file.
  ModelStore store(CatalogWithUrls("yunet", server_.Url("ok")), dir_.path(), server_.Url("ok") + "/no-such-folder");
  std::vector<std::string> messages;
  PullOptions options;
  options.on_message = [&](std::string_view m) { messages.emplace_back(m); };
  auto report = store.Pull("yunet", options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files[0].source, server_.Url("ok") + "/face-detector-yunet/face_detection_yunet_2026may.onnx");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("HTTP 404"), std::string::npos) << messages[0];
}

}  // namespace
}  // namespace iris::models
