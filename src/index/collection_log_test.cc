#include "index/collection_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "index/raw_fields.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

LogRecord Upsert(const std::string& id, std::vector<float> vector, nlohmann::json metadata = nlohmann::json::object()) {
  LogRecord record;
  record.type = LogRecord::Type::kUpsert;
  record.id = id;
  record.vector = std::move(vector);
  record.metadata = std::move(metadata);
  return record;
}

LogRecord Delete(const std::string& id) {
  LogRecord record;
  record.type = LogRecord::Type::kDelete;
  record.id = id;
  return record;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(input), {});
}

void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Replayed {
  Status status;
  std::vector<LogRecord> records;
  CollectionLog::ReplayStats stats;
  std::unique_ptr<CollectionLog> log;
};

Replayed OpenLog(const std::filesystem::path& path) {
  Replayed out;
  auto opened = CollectionLog::Open(
      path,
      [&](const LogRecord& record) {
        out.records.push_back(record);
        return Status::Ok();
      },
      &out.stats);
  out.status = opened.status();
  if (opened.ok()) out.log = std::move(opened).value();
  return out;
}

// Three records; returns the file offsets where records 2 and 3 start.
std::vector<size_t> WriteThreeRecords(const std::filesystem::path& path) {
  EXPECT_TRUE(CollectionLog::Create(path, 0).ok());
  auto log = std::move(CollectionLog::Open(path, nullptr)).value();
  std::vector<size_t> starts;
  EXPECT_EQ(*log->Append(Upsert("a", {1, 2, 3}, {{"tag", "x"}})), 1u);
  starts.push_back(std::filesystem::file_size(path));
  EXPECT_EQ(*log->Append(Upsert("b", {4, 5, 6})), 2u);
  starts.push_back(std::filesystem::file_size(path));
  EXPECT_EQ(*log->Append(Delete("a")), 3u);
  return starts;
}

TEST(CollectionLog, Crc32cMatchesTheStandardCheckValue) { EXPECT_EQ(Crc32c("123456789"), 0xE3069283u); }

TEST(CollectionLog, AppendedRecordsReplayInOrderWithTheirContents) {
  testing::TempDir dir;
  const auto path = dir.path() / "log";
  WriteThreeRecords(path);
  Replayed replay = OpenLog(path);
  ASSERT_TRUE(replay.status.ok()) << replay.status.ToString();
  ASSERT_EQ(replay.records.size(), 3u);
  EXPECT_EQ(replay.records[0].sequence, 1u);
  EXPECT_EQ(replay.records[0].id, "a");
  EXPECT_EQ(replay.records[0].vector, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(replay.records[0].metadata, (nlohmann::json{{"tag", "x"}}));
  EXPECT_EQ(replay.records[1].id, "b");
  EXPECT_EQ(replay.records[2].type, LogRecord::Type::kDelete);
  EXPECT_EQ(replay.records[2].sequence, 3u);
  EXPECT_EQ(replay.stats.truncated_bytes, 0u);
  EXPECT_EQ(replay.log->last_sequence(), 3u);
  // Appends continue the sequence after reopening.
  EXPECT_EQ(*replay.log->Append(Delete("b")), 4u);
}

TEST(CollectionLog, BatchGetsConsecutiveSequencesAndStartsAfterTheBase) {
  testing::TempDir dir;
  const auto path = dir.path() / "log";
  ASSERT_TRUE(CollectionLog::Create(path, 41).ok());
  EXPECT_EQ(CollectionLog::Create(path, 41).code(), StatusCode::kAlreadyExists);
  auto log = std::move(CollectionLog::Open(path, nullptr)).value();
  EXPECT_EQ(log->last_sequence(), 41u);
  std::vector<LogRecord> batch = {Upsert("x", {1}), Upsert("y", {2}), Delete("x")};
  EXPECT_EQ(*log->AppendBatch(batch), 44u);
  EXPECT_EQ(batch[0].sequence, 42u);
  EXPECT_EQ(batch[2].sequence, 44u);
  log.reset();
  Replayed replay = OpenLog(path);
  ASSERT_TRUE(replay.status.ok());
  ASSERT_EQ(replay.records.size(), 3u);
  EXPECT_EQ(replay.records[1].id, "y");
  EXPECT_EQ(replay.log->base_sequence(), 41u);
}

TEST(CollectionLog, TornTailIsTruncatedAtEveryCutPoint) {
  testing::TempDir dir;
  const auto path = dir.path() / "log";
  const std::vector<size_t> starts = WriteThreeRecords(path);
  const std::string full = ReadFile(path);
  // Cut the last record anywhere inside it: two records survive, the rest is dropped.
  for (size_t cut = starts[1] + 1; cut < full.size(); cut += 3) {
    WriteFile(path, full.substr(0, cut));
    Replayed replay = OpenLog(path);
    ASSERT_TRUE(replay.status.ok()) << "cut at " << cut << ": " << replay.status.ToString();
    EXPECT_EQ(replay.records.size(), 2u);
    EXPECT_EQ(replay.stats.truncated_bytes, cut - starts[1]);
    EXPECT_EQ(std::filesystem::file_size(path), starts[1]);
    EXPECT_EQ(*replay.log->Append(Delete("b")), 3u);  // the lost record's sequence is reused
  }
}

TEST(CollectionLog, ZeroFilledAndHalfWrittenTailsAreTornNotCorrupt) {
  testing::TempDir dir;
  const auto path = dir.path() / "log";
  const std::vector<size_t> starts = WriteThreeRecords(path);
  const std::string full = ReadFile(path);

  WriteFile(path, full + std::string(100, '\0'));
  Replayed zeros = OpenLog(path);
  ASSERT_TRUE(zeros.status.ok()) << zeros.status.ToString();
  EXPECT_EQ(zeros.records.size(), 3u);
  EXPECT_EQ(zeros.stats.truncated_bytes, 100u);

  std::string damaged_last = full;
  damaged_last.back() ^= 0x55;  // last record's payload checksum fails: an interrupted write
  WriteFile(path, damaged_last);
  Replayed torn = OpenLog(path);
  ASSERT_TRUE(torn.status.ok()) << torn.status.ToString();
  EXPECT_EQ(torn.records.size(), 2u);
  EXPECT_EQ(std::filesystem::file_size(path), starts[1]);
}

TEST(CollectionLog, CorruptRecordInTheMiddleIsAnErrorNamingFileAndOffset) {
  testing::TempDir dir;
  const auto path = dir.path() / "log";
  const std::vector<size_t> starts = WriteThreeRecords(path);
  const std::string full = ReadFile(path);

  std::string payload_flip = full;
  payload_flip[starts[0] + 20] ^= 0x01;  // inside record 2's payload
  WriteFile(path, payload_flip);
  Replayed replay = OpenLog(path);
  EXPECT_EQ(replay.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(replay.status.message().find(path.string()), std::string::npos) << replay.status.message();
  EXPECT_NE(replay.status.message().find("offset " + std::to_string(starts[0])), std::string::npos)
      << replay.status.message();
  EXPECT_EQ(ReadFile(path), payload_flip) << "a corrupt log must not be truncated";

  std::string header_flip = full;
  header_flip[starts[0] + 1] ^= 0x01;  // record 2's length
  WriteFile(path, header_flip);
  EXPECT_EQ(OpenLog(path).status.code(), StatusCode::kFailedPrecondition);

  std::string file_header_flip = full;
  file_header_flip[3] ^= 0x01;
  WriteFile(path, file_header_flip);
  EXPECT_EQ(OpenLog(path).status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(CollectionLog::Replay(path, nullptr).code(), StatusCode::kFailedPrecondition);
}

TEST(CollectionLog, MetadataNestedDeeperThanIrisWritesIsCorruptNotACrash) {
  // A record whose metadata is 70,000 nested arrays (never written by Iris, which refuses metadata
  // deeper than 64 levels): built from a record with a placeholder string of the same length, with the
  // checksums recomputed.
  testing::TempDir dir;
  const auto path = dir.path() / "log";
  const std::string deep = "{\"m\":" + std::string(70'000, '[') + std::string(70'000, ']') + "}";
  const std::string placeholder = "{\"m\":\"" + std::string(deep.size() - 8, 'x') + "\"}";
  ASSERT_EQ(placeholder.size(), deep.size());
  ASSERT_TRUE(CollectionLog::Create(path, 0).ok());
  {
    auto log = std::move(CollectionLog::Open(path, nullptr)).value();
    ASSERT_TRUE(log->Append(Upsert("a", {1, 2}, nlohmann::json::parse(placeholder))).ok());
  }
  std::string bytes = ReadFile(path);
  const std::size_t at = bytes.find(placeholder);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, deep.size(), deep);
  constexpr std::size_t kFrame = 24;  // the first record follows the 24-byte file header
  const std::uint32_t length = ReadRaw<std::uint32_t>(bytes, kFrame);
  std::string fields;
  AppendRaw<std::uint32_t>(fields, length);
  AppendRaw<std::uint32_t>(fields, Crc32c(std::string_view(bytes).substr(kFrame + 12, length)));
  AppendRaw<std::uint32_t>(fields, Crc32c(fields));
  bytes.replace(kFrame, fields.size(), fields);
  WriteFile(path, bytes);

  Replayed replay = OpenLog(path);
  EXPECT_EQ(replay.status.code(), StatusCode::kFailedPrecondition) << replay.status.ToString();
  EXPECT_NE(replay.status.message().find("does not decode"), std::string::npos) << replay.status.message();
  EXPECT_TRUE(replay.records.empty());
  EXPECT_EQ(ReadFile(path), bytes) << "a corrupt log must not be truncated";
}

TEST(CollectionLog, ReplayErrorFromTheCallbackStopsOpen) {
  testing::TempDir dir;
  const auto path = dir.path() / "log";
  WriteThreeRecords(path);
  int calls = 0;
  auto opened = CollectionLog::Open(path, [&](const LogRecord&) {
    ++calls;
    return Internal("apply failed");
  });
  EXPECT_EQ(opened.status().code(), StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(CollectionLog::Open(dir.path() / "missing", nullptr).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace iris
