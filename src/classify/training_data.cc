#include "classify/training_data.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "classify/classifier_file.h"
#include "core/ascii_text.h"
#include "core/json_limits.h"

namespace iris {
namespace {

class ErrorAt {
 public:
  explicit ErrorAt(std::string_view source) : source_(source) {}
  Status operator()(int line, const std::string& message) const {
    return InvalidArgument(source_ + ":" + std::to_string(line) + ": " + message);
  }

 private:
  std::string source_;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int> ParseLabelText(const std::string& text) {
  const std::string t = Lower(std::string(TrimAsciiWhitespace(text)));
  if (t == "1" || t == "true") return 1;
  if (t == "0" || t == "false") return 0;
  return std::nullopt;
}

// Checks that every embedding has the length of the first one.
class DimensionCheck {
 public:
  explicit DimensionCheck(const ErrorAt& error) : error_(error) {}
  Status Check(const TrainingExample& e) {
    if (e.embedding.empty()) return {};
    if (dim_ == 0) {
      dim_ = e.embedding.size();
      first_line_ = e.line;
    } else if (e.embedding.size() != dim_) {
      return error_(e.line, "embedding has " + std::to_string(e.embedding.size()) + " values, but the one on line " +
                                std::to_string(first_line_) + " has " + std::to_string(dim_));
    }
    return {};
  }

 private:
  const ErrorAt& error_;
  std::size_t dim_ = 0;
  int first_line_ = 0;
};

Status CheckCollectionId(const ErrorAt& error, int line, const std::string& id) {
  if (auto s = ValidateCollectionId(id); !s.ok()) return error(line, s.message());
  return {};
}

Result<TrainingExample> ParseJsonLine(const std::string& text, int line, const ErrorAt& error) {
  auto parsed = ParseBoundedJson(text);
  if (!parsed.ok()) return error(line, parsed.status().message());
  const nlohmann::json& j = *parsed;
  if (j.is_discarded()) return error(line, "not valid JSON");
  if (!j.is_object()) return error(line, "each line must be a JSON object");
  TrainingExample e;
  e.line = line;
  auto id = j.find("collection_id");
  if (id == j.end()) return error(line, "\"collection_id\" is missing");
  if (id->is_number_integer()) {
    e.collection_id = id->dump();
  } else if (id->is_string()) {
    e.collection_id = id->get<std::string>();
  } else {
    return error(line, "\"collection_id\" must be an integer or a string");
  }
  IRIS_RETURN_IF_ERROR(CheckCollectionId(error, line, e.collection_id));
  auto label = j.find("label");
  if (label == j.end()) return error(line, "\"label\" is missing");
  if (label->is_boolean()) {
    e.label = label->get<bool>() ? 1 : 0;
  } else if (label->is_number_integer() && (label->get<std::int64_t>() == 0 || label->get<std::int64_t>() == 1)) {
    e.label = label->get<int>();
  } else {
    return error(line, "label " + label->dump() + " must be 0, 1, true or false");
  }
  const bool has_embedding = j.contains("embedding"), has_image = j.contains("image");
  if (has_embedding == has_image) return error(line, "give exactly one of \"embedding\" and \"image\"");
  if (has_image) {
    const auto& image = j["image"];
    if (!image.is_string() || image.get<std::string>().empty()) {
      return error(line, "\"image\" must be a non-empty path");
    }
    e.image = image.get<std::string>();
    return e;
  }
  const auto& embedding = j["embedding"];
  if (!embedding.is_array() || embedding.empty()) return error(line, "\"embedding\" must be a non-empty array");
  e.embedding.reserve(embedding.size());
  for (const auto& v : embedding) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      return error(
          line, "embedding value " + std::to_string(e.embedding.size()) + " (" + v.dump() + ") is not a finite number");
    }
    e.embedding.push_back(v.get<float>());
  }
  return e;
}

// One CSV record and the line it starts on.
struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;
};

// RFC 4180 records: fields separated by ',', optionally quoted ("" is a quote inside quotes);
// a quoted field may span lines. Blank lines are skipped.
Result<std::vector<CsvRecord>> SplitCsv(std::string_view text, const ErrorAt& error) {
  std::vector<CsvRecord> records;
  CsvRecord current;
  std::string field;
  bool in_quotes = false, field_started = false, quoted = false;
  int line = 1;
  current.line = 1;
  auto end_field = [&] {
    current.fields.push_back(quoted ? field : std::string(TrimAsciiWhitespace(field)));
    field.clear();
    field_started = quoted = false;
  };
  auto end_record = [&] {
    const bool blank = current.fields.empty() && !field_started && TrimAsciiWhitespace(field).empty();
    if (!blank) {
      end_field();
      records.push_back(std::move(current));
    }
    current = CsvRecord{};
    field.clear();
    field_started = quoted = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && TrimAsciiWhitespace(field).empty() && !quoted) {
      in_quotes = quoted = field_started = true;
      field.clear();
    } else if (c == ',') {
      field_started = true;
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      current.line = line;
    } else {
      if (quoted) {
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        return error(line, "text after a closing quote");
      }
      field += c;
      if (!std::isspace(static_cast<unsigned char>(c))) field_started = true;
    }
  }
  if (in_quotes) return error(current.line, "a quoted field is not closed");
  end_record();
  return records;
}

Result<std::vector<float>> ParseEmbeddingText(const std::string& text, int line, const ErrorAt& error) {
  std::vector<float> values;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == ';')) ++i;
    if (i >= text.size()) break;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && text[j] != ';') ++j;
    const std::string token = text.substr(i, j - i);
    char* end = nullptr;
    const float v = std::strtof(token.c_str(), &end);
    if (end != token.c_str() + token.size() || !std::isfinite(v)) {
      return error(line,
                   "embedding value " + std::to_string(values.size()) + " ('" + token + "') is not a finite number");
    }
    values.push_back(v);
    i = j;
  }
  if (values.empty()) return error(line, "embedding is empty");
  return values;
}

}  // namespace

Result<std::vector<TrainingExample>> ParseTrainingJsonl(std::string_view text, std::string_view source_name) {
  const ErrorAt error(source_name);
  DimensionCheck dims(error);
  std::vector<TrainingExample> out;
  int line = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    const std::string content = std::string(TrimAsciiWhitespace(text.substr(pos, end - pos)));
    pos = end + 1;
    if (content.empty()) continue;
    IRIS_ASSIGN_OR_RETURN(TrainingExample e, ParseJsonLine(content, line, error));
    IRIS_RETURN_IF_ERROR(dims.Check(e));
    out.push_back(std::move(e));
  }
  if (out.empty()) return InvalidArgument(std::string(source_name) + " has no examples");
  return out;
}

Result<std::vector<TrainingExample>> ParseTrainingCsv(std::string_view text, std::string_view source_name) {
  const ErrorAt error(source_name);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  IRIS_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, SplitCsv(text, error));
  if (records.empty()) return InvalidArgument(std::string(source_name) + " is empty (a header row is needed)");
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < records[0].fields.size(); ++i) column.emplace(Lower(records[0].fields[i]), i);
  auto find = [&](const char* name) -> std::optional<std::size_t> {
    auto it = column.find(name);
    return it == column.end() ? std::nullopt : std::optional<std::size_t>(it->second);
  };
  const auto id_col = find("collection_id"), label_col = find("label"), image_col = find("image"),
             embedding_col = find("embedding");
  if (!id_col || !label_col || (!image_col && !embedding_col)) {
    return error(
        records[0].line, "the header must name the columns collection_id, label and image or embedding (found: " + [&] {
          std::string names;
          for (const auto& f : records[0].fields) names += (names.empty() ? "" : ",") + f;
          return names;
        }() + ")");
  }
  DimensionCheck dims(error);
  std::vector<TrainingExample> out;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (rec.fields.size() != records[0].fields.size()) {
      return error(rec.line, "has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                                 std::to_string(records[0].fields.size()));
    }
    TrainingExample e;
    e.line = rec.line;
    e.collection_id = rec.fields[*id_col];
    IRIS_RETURN_IF_ERROR(CheckCollectionId(error, rec.line, e.collection_id));
    auto label = ParseLabelText(rec.fields[*label_col]);
    if (!label) return error(rec.line, "label '" + rec.fields[*label_col] + "' must be 0, 1, true or false");
    e.label = *label;
    const std::string image = image_col ? rec.fields[*image_col] : "";
    const std::string embedding = embedding_col ? std::string(TrimAsciiWhitespace(rec.fields[*embedding_col])) : "";
    if (image.empty() == embedding.empty()) return error(rec.line, "give exactly one of image and embedding");
    if (!image.empty()) {
      e.image = image;
    } else {
      IRIS_ASSIGN_OR_RETURN(e.embedding, ParseEmbeddingText(embedding, rec.line, error));
    }
    IRIS_RETURN_IF_ERROR(dims.Check(e));
    out.push_back(std::move(e));
  }
  if (out.empty()) return InvalidArgument(std::string(source_name) + " has no examples");
  return out;
}

Result<std::vector<TrainingExample>> ReadTrainingFile(const std::filesystem::path& path) {
  const std::string ext = Lower(path.extension().string());
  const bool csv = ext == ".csv";
  if (!csv && ext != ".jsonl" && ext != ".ndjson" && ext != ".json") {
    return InvalidArgument("training data " + path.string() + ": use a .csv or .jsonl file");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound("training data file " + path.string() + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("training data file " + path.string() + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  auto examples = csv ? ParseTrainingCsv(text.str(), path.string()) : ParseTrainingJsonl(text.str(), path.string());
  if (!examples.ok()) return examples.status();
  const std::filesystem::path base = std::filesystem::absolute(path, ec).parent_path();
  for (auto& e : *examples) {
    if (!e.image.empty() && std::filesystem::path(e.image).is_relative()) e.image = (base / e.image).string();
  }
  return examples;
}

std::map<std::string, std::vector<std::size_t>> GroupByCollection(std::span<const TrainingExample> examples) {
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < examples.size(); ++i) groups[examples[i].collection_id].push_back(i);
  return groups;
}

TrainTestSplit StratifiedSplit(std::span<const int> labels, double test_fraction, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  TrainTestSplit split;
  for (int cls : {0, 1}) {
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if ((labels[i] == 1 ? 1 : 0) == cls) members.push_back(i);
    }
    const std::size_t n = members.size();
    std::size_t n_test = static_cast<std::size_t>(std::llround(static_cast<double>(n) * test_fraction));
    if (n >= 2)
      n_test = std::clamp<std::size_t>(n_test, 1, n - 1);
    else
      n_test = 0;
    for (std::size_t i = n; i > 1; --i) std::swap(members[i - 1], members[rng() % i]);  // Fisher-Yates
    split.test.insert(split.test.end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(n_test));
    split.train.insert(split.train.end(), members.begin() + static_cast<std::ptrdiff_t>(n_test), members.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

}  // namespace iris
