#include "index/durable_collection.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "index/collection_log.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

constexpr int kDim = 8;

// The vector written by operation k: exact float values (metric L2 stores vectors as given).
std::vector<float> VectorFor(std::uint32_t k) {
  std::vector<float> vector(kDim);
  for (int d = 0; d < kDim; ++d) vector[d] = static_cast<float>(k) + 0.125f * static_cast<float>(d);
  return vector;
}

DurableCollectionOptions Options() {
  DurableCollectionOptions options;
  options.name = "products";
  options.model = "external";
  options.index.dim = kDim;
  options.index.metric = Metric::kL2;
  options.index.initial_capacity = 16;
  return options;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(input), {});
}

void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::filesystem::path> FilesStartingWith(const std::filesystem::path& dir, const std::string& prefix) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(prefix)) found.push_back(entry.path());
  }
  return found;
}

TEST(DurableCollection, RemoveDirectoryNeedsNoFileDescriptorForWhatCreateMakes) {
  testing::TempDir dir;
  const std::filesystem::path fresh = dir.path() / "fresh";
  ASSERT_TRUE(DurableCollection::Create(fresh, Options()).ok());  // meta file and first log
  // In a child that cannot open any file (as a server out of descriptors), so the limit does not
  // touch this process.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit none{0, 0};
    if (::setrlimit(RLIMIT_NOFILE, &none) != 0) ::_exit(2);
    ::_exit(DurableCollection::RemoveDirectory(fresh).ok() ? 0 : 1);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0);
  EXPECT_FALSE(std::filesystem::exists(fresh));

  // A collection with more in it (snapshots, later logs) is removed recursively.
  const std::filesystem::path used = dir.path() / "used";
  {
    auto collection = DurableCollection::Create(used, Options());
    ASSERT_TRUE(collection.ok());
    ASSERT_TRUE((*collection)->Upsert("a", VectorFor(1)).ok());
    ASSERT_TRUE((*collection)->Checkpoint().ok());
  }
  EXPECT_TRUE(DurableCollection::RemoveDirectory(used).ok());
  EXPECT_FALSE(std::filesystem::exists(used));
  EXPECT_TRUE(DurableCollection::RemoveDirectory(used).ok());  // already gone
}

TEST(DurableCollection, WritesSurviveReopenWithoutCheckpoint) {
  testing::TempDir dir;
  {
    auto created = DurableCollection::Create(dir.path() / "c", Options());
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    DurableCollection& c = **created;
    ASSERT_TRUE(c.Upsert("a", VectorFor(1), {{"tag", "x"}}).ok());
    ASSERT_TRUE(c.Upsert("b", VectorFor(2)).ok());
    ASSERT_TRUE(c.Upsert("a", VectorFor(3)).ok());  // replaces
    ASSERT_TRUE(c.Delete("b").ok());
    EXPECT_EQ(c.Delete("b").code(), StatusCode::kNotFound);
    EXPECT_EQ(c.Upsert("", VectorFor(1)).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.Upsert("z", std::vector<float>(3, 1.0f)).code(), StatusCode::kInvalidArgument);
    nlohmann::json deep = nlohmann::json::object();
    for (int depth = 1; depth <= 64; ++depth) deep = {{"m", deep}};  // 65 levels
    EXPECT_EQ(c.Upsert("z", VectorFor(1), deep).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(c.last_sequence(), 4u);  // rejected writes are not logged
  }
  EXPECT_EQ(DurableCollection::Create(dir.path() / "c", Options()).status().code(), StatusCode::kAlreadyExists);
  auto opened = DurableCollection::Open(dir.path() / "c");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const DurableCollection& c = **opened;
  EXPECT_EQ(c.options().name, "products");
  EXPECT_EQ(c.options().index.metric, Metric::kL2);
  EXPECT_FALSE(c.options().created.empty());
  EXPECT_EQ(c.index().size(), 1u);
  // a (replaced in place) and b (deleted, its element kept for a new id): replay re-applies the same
  // operations, nothing more.
  EXPECT_EQ(c.index().graph_elements(), 2u);
  auto a = c.index().Get("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->vector, VectorFor(3));
  EXPECT_TRUE(a->metadata.empty());
  EXPECT_EQ(c.index().Get("b").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.last_sequence(), 4u);
  const nlohmann::json meta = nlohmann::json::parse(ReadFile(dir.path() / "c" / "collection.meta.json"));
  EXPECT_EQ(meta["name"], "products");
  EXPECT_EQ(meta["dim"], kDim);
  EXPECT_EQ(meta["metric"], "l2");
  EXPECT_EQ(DurableCollection::Open(dir.path() / "nothing").status().code(), StatusCode::kNotFound);
}

TEST(DurableCollection, CheckpointRotatesTheLogAndReopenCombinesSnapshotAndLog) {
  testing::TempDir dir;
  const auto path = dir.path() / "c";
  {
    auto c = std::move(DurableCollection::Create(path, Options())).value();
    std::vector<DurableItem> batch;
    for (std::uint32_t k = 0; k < 50; ++k) batch.push_back({"item" + std::to_string(k), VectorFor(k), {{"k", k}}});
    ASSERT_TRUE(c->UpsertBatch(batch).ok());
    ASSERT_TRUE(c->Checkpoint().ok());
    EXPECT_EQ(c->snapshot_sequence(), 50u);
    EXPECT_EQ(FilesStartingWith(path, "log-").size(), 1u);
    EXPECT_EQ(FilesStartingWith(path, "snapshot-").size(), 1u);
    ASSERT_TRUE(c->Delete("item7").ok());
    ASSERT_TRUE(c->Upsert("item8", VectorFor(1000)).ok());
    ASSERT_TRUE(c->Upsert("new", VectorFor(2000)).ok());
  }
  auto c = std::move(DurableCollection::Open(path)).value();
  EXPECT_EQ(c->index().size(), 50u);
  EXPECT_EQ(c->index().Get("item7").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c->index().Get("item8")->vector, VectorFor(1000));
  EXPECT_EQ(c->index().Get("item9")->metadata, (nlohmann::json{{"k", 9}}));
  EXPECT_EQ(c->last_sequence(), 53u);
  auto hits = c->index().Search(VectorFor(2000), 1);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, "new");
}

TEST(DurableCollection, KilledBetweenSnapshotAndNewLogRecoversWithoutDuplicates) {
  testing::TempDir dir;
  const auto path = dir.path() / "c";
  {
    auto c = std::move(DurableCollection::Create(path, Options())).value();
    for (std::uint32_t k = 0; k < 20; ++k) ASSERT_TRUE(c->Upsert("item" + std::to_string(k % 10), VectorFor(k)).ok());
    // What Checkpoint's first step leaves if the process dies right after it: a snapshot covering
    // sequence 20 and the old log, whose records 1..20 are all in the snapshot.
    char name[64];
    std::snprintf(name, sizeof(name), "snapshot-%020d.irishnsw", 20);
    ASSERT_TRUE(c->index().Save(path / name).ok());
  }
  {
    auto c = std::move(DurableCollection::Open(path)).value();
    EXPECT_EQ(c->snapshot_sequence(), 20u);
    EXPECT_EQ(c->index().size(), 10u);
    EXPECT_EQ(c->index().graph_elements(), 10u);  // replacements reuse their elements; nothing replayed twice
    EXPECT_EQ(c->index().Get("item3")->vector, VectorFor(13));
    ASSERT_TRUE(c->Upsert("item3", VectorFor(99)).ok());
    EXPECT_EQ(c->last_sequence(), 21u);
  }
  auto c = std::move(DurableCollection::Open(path)).value();
  EXPECT_EQ(c->index().size(), 10u);
  EXPECT_EQ(c->index().Get("item3")->vector, VectorFor(99));
  EXPECT_EQ(FilesStartingWith(path, "log-").size(), 1u);
}

TEST(DurableCollection, CorruptSnapshotIsAnErrorNotAnEmptyCollection) {
  testing::TempDir dir;
  const auto path = dir.path() / "c";
  {
    auto c = std::move(DurableCollection::Create(path, Options())).value();
    ASSERT_TRUE(c->Upsert("a", VectorFor(1)).ok());
    ASSERT_TRUE(c->Checkpoint().ok());
  }
  const auto snapshots = FilesStartingWith(path, "snapshot-");
  ASSERT_EQ(snapshots.size(), 1u);
  std::string bytes = ReadFile(snapshots[0]);
  bytes[bytes.size() / 2] ^= 0x10;
  WriteFile(snapshots[0], bytes);
  auto opened = DurableCollection::Open(path);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find(snapshots[0].string()), std::string::npos) << opened.status().message();

  // A missing snapshot whose log starts later is a gap, also reported.
  std::filesystem::remove(snapshots[0]);
  EXPECT_EQ(DurableCollection::Open(path).status().code(), StatusCode::kFailedPrecondition);
}

TEST(DurableCollection, CorruptLogRecordInTheMiddleIsReported) {
  testing::TempDir dir;
  const auto path = dir.path() / "c";
  {
    auto c = std::move(DurableCollection::Create(path, Options())).value();
    for (std::uint32_t k = 0; k < 3; ++k) ASSERT_TRUE(c->Upsert("item" + std::to_string(k), VectorFor(k)).ok());
  }
  const auto logs = FilesStartingWith(path, "log-");
  ASSERT_EQ(logs.size(), 1u);
  std::string bytes = ReadFile(logs[0]);
  bytes[40] ^= 0x01;  // inside the first record
  WriteFile(logs[0], bytes);
  auto opened = DurableCollection::Open(path);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find(logs[0].string()), std::string::npos) << opened.status().message();
}

// A record that an older version acknowledged but today's checks refuse (an id of invalid UTF-8, a
// vector whose L2 distances overflow float) is skipped on replay; the other items stay readable.
TEST(DurableCollection, ReplaySkipsRecordsThatTodaysChecksRefuse) {
  testing::TempDir dir;
  const auto path = dir.path() / "c";
  {
    auto c = std::move(DurableCollection::Create(path, Options())).value();
    ASSERT_TRUE(c->Upsert("before", VectorFor(1)).ok());
    EXPECT_EQ(c->Upsert("\xFF\xFE", VectorFor(2)).code(), StatusCode::kInvalidArgument);
    std::vector<float> huge(kDim, 3e38f);
    EXPECT_EQ(c->Upsert("huge", huge).code(), StatusCode::kInvalidArgument);
  }
  const auto logs = FilesStartingWith(path, "log-");
  ASSERT_EQ(logs.size(), 1u);
  {
    // Append what an older version let through, straight to the log.
    auto log = CollectionLog::Open(logs[0], [](const LogRecord&) { return Status::Ok(); });
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    LogRecord bad_id;
    bad_id.id = "\xFF\xFE";
    bad_id.vector = VectorFor(2);
    bad_id.metadata = nlohmann::json::object();
    ASSERT_TRUE((*log)->Append(bad_id).ok());
    LogRecord huge;
    huge.id = "huge";
    huge.vector = std::vector<float>(kDim, 3e38f);
    huge.metadata = nlohmann::json::object();
    ASSERT_TRUE((*log)->Append(huge).ok());
  }
  {
    auto reopened = DurableCollection::Open(path);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    ASSERT_TRUE((*reopened)->Upsert("after", VectorFor(3)).ok());
  }
  auto opened = DurableCollection::Open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->index().size(), 2u);
  EXPECT_TRUE((*opened)->index().Contains("before"));
  EXPECT_TRUE((*opened)->index().Contains("after"));
  EXPECT_FALSE((*opened)->index().Contains("huge"));
}

// The expected contents after the first `applied` operations of the child's stream (below).
struct Op {
  bool is_delete;
  std::string id;
  std::uint32_t k;
};
Op OpFor(std::uint32_t k) {
  if (k % 7 == 6) return {true, "item" + std::to_string((k * 13) % 60), k};
  return {false, "item" + std::to_string(k % 60), k};
}
std::map<std::string, std::uint32_t> Model(std::uint32_t applied) {
  std::map<std::string, std::uint32_t> state;
  for (std::uint32_t k = 0; k < applied; ++k) {
    const Op op = OpFor(k);
    if (op.is_delete) {
      state.erase(op.id);
    } else {
      state[op.id] = k;
    }
  }
  return state;
}

// Child: a stream of upserts/deletes (ids reused, so replacements are exercised) with a checkpoint
// every 40 operations; after each acknowledged operation it writes k to the pipe.
// A delete of a missing id is NotFound and logs nothing; the model treats it as a no-op too.
[[noreturn]] void RunWriter(const std::filesystem::path& path, int ack_fd, std::uint32_t first_op) {
  auto opened = DurableCollection::Open(path);
  if (!opened.ok()) ::_exit(3);
  DurableCollection& c = **opened;
  for (std::uint32_t k = first_op;; ++k) {
    const Op op = OpFor(k);
    Status status = op.is_delete ? c.Delete(op.id) : c.Upsert(op.id, VectorFor(k), {{"k", k}});
    if (op.is_delete && status.code() == StatusCode::kNotFound) status = Status::Ok();
    if (!status.ok()) ::_exit(4);
    if (::write(ack_fd, &k, sizeof(k)) != sizeof(k)) ::_exit(5);
    if (k % 40 == 39 && !c.Checkpoint().ok()) ::_exit(6);
  }
}

TEST(DurableCollection, KillDashNineLosesNoAcknowledgedWriteAndDuplicatesNone) {
  testing::TempDir dir;
  const auto path = dir.path() / "c";
  ASSERT_TRUE(DurableCollection::Create(path, Options()).ok());
  std::mt19937 random(2024);
  std::uint32_t acknowledged = 0;  // operations 0..acknowledged-1 were acknowledged, across all runs
  for (int run = 0; run < 6; ++run) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      RunWriter(path, fds[1], acknowledged);
    }
    ::close(fds[1]);
    // Kill after a random number of acknowledgements (0: while it is still opening the collection).
    const std::uint32_t kill_after = std::uniform_int_distribution<std::uint32_t>(0, 150)(random);
    std::uint32_t seen = 0;
    std::uint32_t k = 0;
    if (kill_after == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(random)));
    } else {
      while (seen < kill_after && ::read(fds[0], &k, sizeof(k)) == sizeof(k)) {
        ASSERT_EQ(k, acknowledged) << "the child acknowledged out of order";
        ++acknowledged;
        ++seen;
      }
    }
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    // Acknowledgements already in the pipe were given before the kill: they count too.
    while (::read(fds[0], &k, sizeof(k)) == sizeof(k)) {
      ASSERT_EQ(k, acknowledged);
      ++acknowledged;
    }
    ::close(fds[0]);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status)) << "child exited with " << WEXITSTATUS(wait_status);

    auto opened = DurableCollection::Open(path);
    ASSERT_TRUE(opened.ok()) << "run " << run << ": " << opened.status().ToString();
    const HnswCollection& index = (*opened)->index();
    // The one operation in flight at the kill may or may not have become durable.
    std::optional<std::uint32_t> matched;
    for (std::uint32_t applied : {acknowledged, acknowledged + 1}) {
      const auto expected = Model(applied);
      bool same = index.size() == expected.size();
      for (auto it = expected.begin(); same && it != expected.end(); ++it) {
        auto item = index.Get(it->first);
        same = item.ok() && item->vector == VectorFor(it->second) && item->metadata["k"] == it->second;
      }
      if (same) matched = applied;
    }
    ASSERT_TRUE(matched.has_value()) << "run " << run << ": after " << acknowledged
                                     << " acknowledged operations the collection holds " << index.size()
                                     << " items, matching neither " << acknowledged << " nor " << acknowledged + 1
                                     << " applied operations";
    EXPECT_EQ(index.ListIds(0, 1000).size(), index.size()) << "no duplicated ids";
    acknowledged = *matched;  // the next child continues from what is durable
  }
  EXPECT_GT(acknowledged, 40u) << "the kills should come after a few checkpoints";
}

}  // namespace
}  // namespace iris
