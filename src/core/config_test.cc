#include "core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace iris {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string WriteToml(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("iris_config_test_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigTest, DefaultsWork) {
  auto c = LoadConfig("", FakeEnv({}), {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.host, "127.0.0.1");
  EXPECT_EQ(c->server.port, 8000);
  EXPECT_EQ(c->storage.data_dir, "./iris-data");
}

// --data-dir moves the models and classifiers too, unless a source names their own folders.
TEST(ConfigTest, ModelsAndClassifiersFollowTheDataDirUnlessSetThemselves) {
  auto c = LoadConfig("", FakeEnv({}), {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(std::filesystem::path(c->models.dir), std::filesystem::path("./iris-data/models"));
  EXPECT_EQ(std::filesystem::path(c->analysis.classifiers_dir), std::filesystem::path("./iris-data/classifiers"));

  c = LoadConfig("", FakeEnv({}), {{"--data-dir", "/srv/iris"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->models.dir, "/srv/iris/models");
  EXPECT_EQ(c->analysis.classifiers_dir, "/srv/iris/classifiers");

  c = LoadConfig("", FakeEnv({{"IRIS_MODELS_DIR", "/opt/models"}}),
                 {{"--data-dir", "/srv/iris"}, {"--classifiers-dir", "/opt/classifiers"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->models.dir, "/opt/models");
  EXPECT_EQ(c->analysis.classifiers_dir, "/opt/classifiers");

  c = LoadConfig(WriteToml("[storage]\ndata_dir = \"/var/lib/iris\"\n[models]\ndir = \"/m\"\n"), FakeEnv({}), {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->models.dir, "/m");
  EXPECT_EQ(c->analysis.classifiers_dir, "/var/lib/iris/classifiers");
}

TEST(ConfigTest, PrecedenceIsFileThenEnvThenFlags) {
  auto path =
      WriteToml("[server]\nport = 9001\nhost = \"0.0.0.0\"\n[ingest]\nfetch_allow_hosts = [\"a.test\", \"b.test\"]\n");
  auto c = LoadConfig(path, FakeEnv({{"IRIS_SERVER_PORT", "9002"}}), {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.port, 9002);
  EXPECT_EQ(c->server.host, "0.0.0.0");
  EXPECT_EQ(c->ingest.fetch_allow_hosts, (std::vector<std::string>{"a.test", "b.test"}));

  c = LoadConfig(path, FakeEnv({{"IRIS_SERVER_PORT", "9002"}}), {{"--port", "9003"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server.port, 9003);

  c = LoadConfig("", FakeEnv({{"IRIS_CONFIG", path}}), {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server.port, 9001);
}

TEST(ConfigTest, RejectsUnknownKeysBadNumbersAndBadValues) {
  auto c = LoadConfig(WriteToml("[server]\nprot = 1\n"), FakeEnv({}), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.prot"), std::string::npos);

  c = LoadConfig("", FakeEnv({{"IRIS_SERVER_PORT", "80x"}}), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("IRIS_SERVER_PORT"), std::string::npos);

  c = LoadConfig("", FakeEnv({}), {{"--port", "70000"}});
  EXPECT_FALSE(c.ok());
  c = LoadConfig("", FakeEnv({}), {{"--log-format", "xml"}});
  EXPECT_FALSE(c.ok());
  c = LoadConfig(WriteToml("[server\n"), FakeEnv({}), {});
  EXPECT_FALSE(c.ok());
}

TEST(ConfigTest, TomlDumpRoundTrips) {
  auto c =
      LoadConfig("", FakeEnv({{"IRIS_INGEST_FETCH_ALLOW_HOSTS", "x.test, y.test"}, {"IRIS_SERVER_PORT", "1234"}}), {});
  ASSERT_TRUE(c.ok());
  auto again = LoadConfig(WriteToml(ConfigToToml(*c)), FakeEnv({}), {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->server.port, 1234);
  EXPECT_EQ(again->ingest.fetch_allow_hosts, c->ingest.fetch_allow_hosts);
}

TEST(ConfigTest, VectorEnginesNeedTheirUrlAndMilvusTokensAreNeverPrinted) {
  auto c = LoadConfig("", FakeEnv({{"IRIS_STORAGE_VECTOR_ENGINE", "milvus"}}), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("storage.milvus_url"), std::string::npos) << c.status().message();
  c = LoadConfig("", FakeEnv({{"IRIS_STORAGE_VECTOR_ENGINE", "weaviate"}}), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("local, qdrant or milvus"), std::string::npos) << c.status().message();
  c = LoadConfig("", FakeEnv({{"IRIS_STORAGE_VECTOR_ENGINE", "qdrant"}}), {});
  EXPECT_FALSE(c.ok());

  c = LoadConfig("",
                 FakeEnv({{"IRIS_STORAGE_VECTOR_ENGINE", "milvus"},
                          {"IRIS_STORAGE_MILVUS_URL", "http://milvus.internal:19530"},
                          {"IRIS_STORAGE_MILVUS_TOKEN", "root:s3cret"}}),
                 {{"--milvus-collection-prefix", "shop_"}, {"--milvus-timeout", "5"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->storage.vector_engine, "milvus");
  EXPECT_EQ(c->storage.milvus_url, "http://milvus.internal:19530");
  EXPECT_EQ(c->storage.milvus_token, "root:s3cret");
  EXPECT_EQ(c->storage.milvus_collection_prefix, "shop_");
  EXPECT_EQ(c->storage.milvus_timeout_s, 5);
  const std::string toml = ConfigToToml(*c);
  EXPECT_EQ(toml.find("s3cret"), std::string::npos) << "the token is never printed";
  EXPECT_NE(toml.find("milvus_token = '***'"), std::string::npos) << toml;
  EXPECT_EQ(Config{}.storage.milvus_collection_prefix, "iris_");

  c = LoadConfig("", FakeEnv({{"IRIS_STORAGE_MILVUS_TIMEOUT_S", "0"}}), {});
  EXPECT_FALSE(c.ok());
}

TEST(ConfigTest, EveryOptionHasEnvAndFlag) {
  for (const auto& opt : ConfigOptions()) {
    EXPECT_EQ(opt.env.rfind("IRIS_", 0), 0u) << opt.key;
    EXPECT_EQ(opt.flag.rfind("--", 0), 0u) << opt.key;
    EXPECT_FALSE(opt.help.empty()) << opt.key;
  }
}

}  // namespace
}  // namespace iris

namespace iris {
namespace {

TEST(ConfigTest, IssueNamedEnvironmentVariables) {
  auto c =
      LoadConfig("", FakeEnv({{"IRIS_DEVICE", "cuda"}, {"IRIS_REQUIRE_GPU", "1"}, {"IRIS_MODEL_MIRROR", "/m"}}), {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->runtime.device, "cuda");
  EXPECT_EQ(c->runtime.require_gpu, 1);
  EXPECT_EQ(c->models.mirror, "/m");
  EXPECT_FALSE(LoadConfig("", FakeEnv({{"IRIS_DEVICE", "tpu"}}), {}).ok());
}

}  // namespace
}  // namespace iris
