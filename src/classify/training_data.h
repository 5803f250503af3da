// Labelled training data for collection classifiers: readers for JSONL and CSV files, grouping by
// collection and a stratified, seeded train/test split. Formats (docs/classifiers.md):
//
//   JSONL, one object per line (blank lines are skipped, unknown keys ignored):
//     {"collection_id": 42, "label": 1, "embedding": [0.01, -0.2, ...]}
//     {"collection_id": "shoes", "label": false, "image": "photos/a.jpg"}
//   collection_id: an integer or a string of [A-Za-z0-9_-] (1..64); label: 0, 1, true or false;
//   exactly one of "embedding" (finite numbers) and "image" (a path).
//
//   CSV with a header row naming the columns (any order; other columns are ignored):
//     collection_id,label,image                  or     collection_id,label,embedding
//   label: 0, 1, true or false; embedding: floats separated by spaces or ';'. Fields may be quoted
//   ("a,b.jpg", "" for a quote). A file may have both an image and an embedding column; each row
//   must then fill exactly one of them.
//
// Every error is InvalidArgument naming the file and the 1-based line ("data.csv:17: label 'yes'
// must be 0, 1, true or false"). All embeddings in one file must have the same length.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris {

struct TrainingExample {
  std::string collection_id;
  int label = 0;                 // 0 or 1
  std::vector<float> embedding;  // empty when `image` is set
  std::string image;             // path as written in the file (relative paths: see ReadTrainingFile)
  int line = 0;                  // 1-based line in the source file
};

Result<std::vector<TrainingExample>> ParseTrainingJsonl(std::string_view text, std::string_view source_name);
Result<std::vector<TrainingExample>> ParseTrainingCsv(std::string_view text, std::string_view source_name);

// Reads a .jsonl/.ndjson/.json (JSON lines) or .csv file (by extension). NotFound when the file
// does not exist; InvalidArgument for another extension or bad content. Relative image paths are
// made absolute against the file's folder.
Result<std::vector<TrainingExample>> ReadTrainingFile(const std::filesystem::path& path);

// Indices of the examples of each collection, in file order; collections sorted by id.
std::map<std::string, std::vector<std::size_t>> GroupByCollection(std::span<const TrainingExample> examples);

struct TrainTestSplit {
  std::vector<std::size_t> train;  // positions into the `labels` given to StratifiedSplit, ascending
  std::vector<std::size_t> test;
};

// Splits positions 0..labels.size()-1 so each class keeps its share: per class, round(n_c *
// test_fraction) samples go to the test side, but at least 1 and at most n_c - 1 when n_c >= 2
// (a class with 1 sample stays in training). Which samples is decided by a Fisher-Yates shuffle
// driven by std::mt19937_64(seed): the same input and seed give the same split on every platform.
TrainTestSplit StratifiedSplit(std::span<const int> labels, double test_fraction, std::uint64_t seed);

}  // namespace iris
