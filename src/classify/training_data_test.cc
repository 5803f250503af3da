#include "classify/training_data.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

std::string MessageOf(const Status& s) { return s.message(); }

TEST(TrainingDataTest, ReadsJsonLinesWithIntegerOrStringIdsAndEitherInput) {
  const std::string text =
      "{\"collection_id\": 42, \"label\": 1, \"embedding\": [0.5, -1, 2e-3]}\n"
      "\n"
      "{\"collection_id\": \"shoes\", \"label\": false, \"image\": \"a/b.jpg\", \"note\": \"ignored\"}\r\n"
      "{\"collection_id\": \"42\", \"label\": true, \"embedding\": [1, 2, 3]}\n";
  auto rows = ParseTrainingJsonl(text, "d.jsonl");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].collection_id, "42");
  EXPECT_EQ((*rows)[0].label, 1);
  EXPECT_EQ((*rows)[0].embedding, (std::vector<float>{0.5f, -1.0f, 2e-3f}));
  EXPECT_EQ((*rows)[0].line, 1);
  EXPECT_EQ((*rows)[1].collection_id, "shoes");
  EXPECT_EQ((*rows)[1].label, 0);
  EXPECT_EQ((*rows)[1].image, "a/b.jpg");
  EXPECT_EQ((*rows)[1].line, 3);
  EXPECT_EQ((*rows)[2].collection_id, "42");  // 42 and "42" are one collection
  EXPECT_EQ((*rows)[2].line, 4);
}

TEST(TrainingDataTest, JsonLinesErrorsNameFileAndLine) {
  struct Case {
    std::string second_line;
    std::string expected;
  };
  const std::string first = "{\"collection_id\": 1, \"label\": 1, \"embedding\": [1, 2]}\n";
  for (const auto& c : std::vector<Case>{
           {"{\"collection_id\": 1, \"label\": 2, \"embedding\": [1, 2]}", "d.jsonl:2: label 2 must be 0, 1"},
           {"{\"collection_id\": 1, \"label\": \"yes\", \"embedding\": [1, 2]}", "d.jsonl:2: label \"yes\""},
           {"{\"collection_id\": 1, \"label\": 0, \"embedding\": [1, 2, 3]}",
            "d.jsonl:2: embedding has 3 values, but the one on line 1 has 2"},
           {"{\"collection_id\": \"../up\", \"label\": 0, \"image\": \"x.jpg\"}", "d.jsonl:2: collection id '../up'"},
           {"{\"collection_id\": 1.5, \"label\": 0, \"image\": \"x.jpg\"}", "d.jsonl:2: \"collection_id\" must be"},
           {"{\"label\": 0, \"image\": \"x.jpg\"}", "d.jsonl:2: \"collection_id\" is missing"},
           {"{\"collection_id\": 1, \"label\": 0}", "d.jsonl:2: give exactly one of"},
           {"{\"collection_id\": 1, \"label\": 0, \"image\": \"x.jpg\", \"embedding\": [1, 2]}",
            "d.jsonl:2: give exactly one of"},
           {"{\"collection_id\": 1, \"label\": 0, \"embedding\": [1, null]}", "d.jsonl:2: embedding value 1"},
           {"{\"collection_id\": 1, \"label\": 0, \"embedding\": []}", "d.jsonl:2: \"embedding\" must be a non-empty"},
           {"{\"collection_id\": 1, \"label\": 0, \"embedding\": [1, 2]", "d.jsonl:2: not valid JSON"},
           {"[1, 2]", "d.jsonl:2: each line must be a JSON object"},
       }) {
    auto rows = ParseTrainingJsonl(first + c.second_line + "\n", "d.jsonl");
    ASSERT_FALSE(rows.ok()) << c.second_line;
    EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(MessageOf(rows.status()).find(c.expected), std::string::npos)
        << "got: " << rows.status().message() << "\nexpected: " << c.expected;
  }
  EXPECT_FALSE(ParseTrainingJsonl("\n\n", "empty.jsonl").ok());
}

TEST(TrainingDataTest, ReadsCsvWithImagesOrEmbeddingsAndQuotes) {
  const std::string images =
      "label,collection_id,image,width\n"
      "1,shoes,images/a.jpg,400\n"
      "0,shoes,\"images/with, comma.jpg\",400\n"
      "\n"
      "TRUE,hats,\"say \"\"hi\"\".png\",1\n";
  auto rows = ParseTrainingCsv(images, "d.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].label, 1);
  EXPECT_EQ((*rows)[0].image, "images/a.jpg");
  EXPECT_EQ((*rows)[1].image, "images/with, comma.jpg");
  EXPECT_EQ((*rows)[2].image, "say \"hi\".png");
  EXPECT_EQ((*rows)[2].collection_id, "hats");
  EXPECT_EQ((*rows)[2].line, 5);

  const std::string embeddings =
      "\xEF\xBB\xBF"
      "collection_id,label,embedding\r\n"
      "7,0,0.1 0.2 -0.3\r\n"
      "7,1,1;2;3\r\n";
  auto e = ParseTrainingCsv(embeddings, "e.csv");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)[0].embedding, (std::vector<float>{0.1f, 0.2f, -0.3f}));
  EXPECT_EQ((*e)[1].embedding, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ((*e)[1].line, 3);
}

TEST(TrainingDataTest, CsvErrorsNameFileAndLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {"collection_id,label\n1,1\n", "d.csv:1: the header must name"},
           {"collection_id,label,embedding\n1,1,1 2\n1,maybe,1 2\n",
            "d.csv:3: label 'maybe' must be 0, 1, true or false"},
           {"collection_id,label,embedding\n1,1,1 2\n1,0,1 2 3\n",
            "d.csv:3: embedding has 3 values, but the one on line 2 has 2"},
           {"collection_id,label,embedding\n1,1,1 x\n", "d.csv:2: embedding value 1 ('x')"},
           {"collection_id,label,image\n1,1\n", "d.csv:2: has 2 fields, the header has 3"},
           {"collection_id,label,image\na/b,1,x.jpg\n", "d.csv:2: collection id 'a/b'"},
           {"collection_id,label,image\n1,1,\n", "d.csv:2: give exactly one of image and embedding"},
           {"collection_id,label,image\n1,1,\"x.jpg\n", "d.csv:2: a quoted field is not closed"},
       }) {
    auto rows = ParseTrainingCsv(c.text, "d.csv");
    ASSERT_FALSE(rows.ok()) << c.text;
    EXPECT_NE(rows.status().message().find(c.expected), std::string::npos)
        << "got: " << rows.status().message() << "\nexpected: " << c.expected;
  }
}

TEST(TrainingDataTest, ReadFileResolvesImagesAgainstItsFolder) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "set");
  std::ofstream(dir.path() / "set/train.csv") << "collection_id,label,image\nshoes,1,img/a.jpg\nshoes,0,/abs/b.jpg\n";
  auto rows = ReadTrainingFile(dir.path() / "set/train.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*rows)[0].image, (dir.path() / "set/img/a.jpg").string());
  EXPECT_EQ((*rows)[1].image, "/abs/b.jpg");
  EXPECT_EQ(ReadTrainingFile(dir.path() / "nope.csv").status().code(), StatusCode::kNotFound);
  std::ofstream(dir.path() / "x.txt") << "hello";
  EXPECT_EQ(ReadTrainingFile(dir.path() / "x.txt").status().code(), StatusCode::kInvalidArgument);
}

TEST(TrainingDataTest, ReadsTheRealClothingLabels) {
  // labels.csv of the real data set has file,label columns; a training CSV built from it (collection
  // "shoes": label 1 for shoes, 0 otherwise) parses with every row and the right counts.
  const auto labels = testing::RequireShared("data/clothing-cc0/labels.csv");
  std::ifstream in(labels);
  std::string line, text = "collection_id,label,image\n";
  std::getline(in, line);  // header
  int shoes = 0, total = 0;
  while (std::getline(in, line)) {
    const auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    const bool is_shoe = line.substr(c1 + 1, c2 - c1 - 1) == "shoes";
    text += std::string("shoes,") + (is_shoe ? "1," : "0,") + line.substr(0, c1) + "\n";
    shoes += is_shoe;
    ++total;
  }
  auto rows = ParseTrainingCsv(text, "clothing.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(static_cast<int>(rows->size()), total);
  EXPECT_EQ(total, 372);
  EXPECT_EQ(shoes, 73);
  auto groups = GroupByCollection(*rows);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups["shoes"].size(), 372u);
}

TEST(TrainingDataTest, StratifiedSplitKeepsClassSharesAndIsSeeded) {
  std::vector<int> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(i % 10 == 0 ? 1 : 0);  // 10 positives, 90 negatives
  const auto a = StratifiedSplit(labels, 0.2, 42);
  EXPECT_EQ(a.test.size(), 20u);
  EXPECT_EQ(a.train.size(), 80u);
  int test_positives = 0;
  for (auto i : a.test) test_positives += labels[i];
  EXPECT_EQ(test_positives, 2);  // round(10 * 0.2)
  std::vector<std::size_t> all = a.train;
  all.insert(all.end(), a.test.begin(), a.test.end());
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i);  // a partition
  const auto b = StratifiedSplit(labels, 0.2, 42);
  EXPECT_EQ(a.test, b.test);
  const auto c = StratifiedSplit(labels, 0.2, 43);
  EXPECT_NE(a.test, c.test);
  // Tiny classes: 2 positives -> 1 in test, 1 in train, even with a small fraction.
  const std::vector<int> tiny = {1, 1, 0, 0, 0, 0, 0};
  const auto t = StratifiedSplit(tiny, 0.05, 1);
  int tiny_test_positives = 0;
  for (auto i : t.test) tiny_test_positives += tiny[i];
  EXPECT_EQ(tiny_test_positives, 1);
  EXPECT_EQ(t.test.size(), 2u);
}

}  // namespace
}  // namespace iris
