#include "support/fake_milvus_server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <optional>
#include <regex>
#include <stdexcept>

namespace iris::testing {
namespace {

using nlohmann::json;

// A Milvus error to answer: code and message.
struct MilvusError : std::runtime_error {
  MilvusError(int c, const std::string& m) : std::runtime_error(m), code(c) {}
  int code;
};

void Reply(httplib::Response& res, const json& data) {
  res.status = 200;
  res.set_content(json{{"code", 0}, {"data", data}}.dump(), "application/json");
}

void Error(httplib::Response& res, int code, const std::string& message, int http_status = 200) {
  res.status = http_status;
  res.set_content(json{{"code", code}, {"message", message}}.dump(), "application/json");
}

// ---- Milvus boolean expressions (the subset in the header) -------------------------------------------

struct Token {
  enum Kind { kIdent, kString, kNumber, kPunct, kEnd } kind = kEnd;
  std::string text;  // identifier, decoded string, number text or punctuation
};

void AppendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<Token> Tokenize(const std::string& s) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto fail = [&](const std::string& why) {
    throw MilvusError(1100, "cannot parse expression: " + s + ", error: " + why);
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      out.push_back({Token::kIdent, s.substr(i, j - i)});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        ++j;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      }
      out.push_back({Token::kNumber, s.substr(i, j - i)});
      i = j;
    } else if (c == '"' || c == '\'') {
      std::string text;
      std::size_t j = i + 1;
      while (true) {
        if (j >= s.size()) fail("unterminated string");
        const char d = s[j];
        if (d == c) break;
        if (d == '\n' || d == '\r') fail("newline in string");
        if (d != '\\') {
          text += d;
          ++j;
          continue;
        }
        if (j + 1 >= s.size()) fail("unterminated escape");
        const char e = s[j + 1];
        j += 2;
        switch (e) {
          case '"':
          case '\'':
          case '\\':
            text += e;
            break;
          case 'n':
            text += '\n';
            break;
          case 'r':
            text += '\r';
            break;
          case 't':
            text += '\t';
            break;
          case 'b':
            text += '\b';
            break;
          case 'f':
            text += '\f';
            break;
          case 'v':
            text += '\v';
            break;
          case 'a':
            text += '\a';
            break;
          case 'x':
          case 'u':
          case 'U': {
            const std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (j + n > s.size()) fail("short escape");
            const std::string hex = s.substr(j, n);
            if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) fail("bad escape");
            const unsigned long value = std::stoul(hex, nullptr, 16);
            if (e == 'x') {
              text += static_cast<char>(value);
            } else {
              AppendUtf8(text, value);
            }
            j += n;
            break;
          }
          default:
            fail(std::string("unknown escape \\") + e);
        }
      }
      out.push_back({Token::kString, text});
      i = j + 1;
    } else {
      static const char* const kPuncts[] = {"==", "!=", ">=", "<=", "&&", "||", ">", "<",
                                            "(",  ")",  "[",  "]",  ",",  "-",  "!"};
      bool matched = false;
      for (const char* p : kPuncts) {
        const std::string punct = p;
        if (s.compare(i, punct.size(), punct) == 0) {
          out.push_back({Token::kPunct, punct});
          i += punct.size();
          matched = true;
          break;
        }
      }
      if (!matched) fail(std::string("unexpected character '") + c + "'");
    }
  }
  out.push_back({Token::kEnd, ""});
  return out;
}

// A parsed expression, evaluated against one row.
struct Node {
  enum Kind { kAnd, kOr, kNot, kCompare, kIn, kField, kLiteral } kind = kLiteral;
  std::string op;                 // comparison operator
  std::string field;              // kField: the field
  std::vector<std::string> path;  // kField: JSON keys
  json literal;                   // kLiteral
  std::vector<std::shared_ptr<Node>> children;
};
using NodePtr = std::shared_ptr<Node>;

class Parser {
 public:
  Parser(const std::string& text, const std::vector<std::string>& fields) : text_(text), fields_(fields) {
    tokens_ = Tokenize(text);
  }
  NodePtr Parse() {
    NodePtr node = Or();
    if (Peek().kind != Token::kEnd) Fail("unexpected '" + Peek().text + "'");
    return node;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  Token Next() { return tokens_[pos_++]; }
  bool IsWord(const std::string& w) const { return Peek().kind == Token::kIdent && Peek().text == w; }
  bool IsPunct(const std::string& p) const { return Peek().kind == Token::kPunct && Peek().text == p; }
  [[noreturn]] void Fail(const std::string& why) const {
    throw MilvusError(1100, "failed to create query plan: cannot parse expression: " + text_ + ", error: " + why);
  }
  void Expect(const std::string& p) {
    if (!IsPunct(p)) Fail("expected '" + p + "'");
    ++pos_;
  }

  NodePtr Or() {
    NodePtr left = And();
    while (IsWord("or") || IsPunct("||")) {
      ++pos_;
      auto node = std::make_shared<Node>();
      node->kind = Node::kOr;
      node->children = {left, And()};
      left = node;
    }
    return left;
  }
  NodePtr And() {
    NodePtr left = Unary();
    while (IsWord("and") || IsPunct("&&")) {
      ++pos_;
      auto node = std::make_shared<Node>();
      node->kind = Node::kAnd;
      node->children = {left, Unary()};
      left = node;
    }
    return left;
  }
  NodePtr Unary() {
    if ((IsWord("not") && !(tokens_[pos_ + 1].kind == Token::kIdent && tokens_[pos_ + 1].text == "in")) ||
        IsPunct("!")) {
      ++pos_;
      auto node = std::make_shared<Node>();
      node->kind = Node::kNot;
      node->children = {Unary()};
      return node;
    }
    return Comparison();
  }
  NodePtr Comparison() {
    if (IsPunct("(")) {
      ++pos_;
      NodePtr inner = Or();
      Expect(")");
      return inner;
    }
    NodePtr left = Operand();
    for (const char* op : {"==", "!=", ">=", "<=", ">", "<"}) {
      if (IsPunct(op)) {
        ++pos_;
        auto node = std::make_shared<Node>();
        node->kind = Node::kCompare;
        node->op = op;
        node->children = {left, Operand()};
        return node;
      }
    }
    bool negate = false;
    if (IsWord("not")) {
      ++pos_;
      negate = true;
      if (!IsWord("in")) Fail("expected 'in'");
    }
    if (IsWord("in")) {
      ++pos_;
      Expect("[");
      auto node = std::make_shared<Node>();
      node->kind = Node::kIn;
      node->children = {left};
      while (!IsPunct("]")) {
        node->children.push_back(Operand());
        if (!IsPunct(",")) break;
        ++pos_;
      }
      Expect("]");
      if (!negate) return node;
      auto outer = std::make_shared<Node>();
      outer->kind = Node::kNot;
      outer->children = {node};
      return outer;
    }
    if (left->kind == Node::kField) Fail("a bare field is not a boolean expression");
    return left;
  }
  NodePtr Operand() {
    auto node = std::make_shared<Node>();
    if (IsPunct("-")) {
      ++pos_;
      NodePtr inner = Operand();
      if (inner->kind != Node::kLiteral || !inner->literal.is_number()) Fail("'-' before a non-number");
      inner->literal = inner->literal.is_number_float() ? json(-inner->literal.get<double>())
                                                        : json(-inner->literal.get<long long>());
      return inner;
    }
    const Token token = Next();
    if (token.kind == Token::kString) {
      node->literal = token.text;
      return node;
    }
    if (token.kind == Token::kNumber) {
      if (token.text.find_first_of(".eE") == std::string::npos) {
        node->literal = std::stoll(token.text);
      } else {
        node->literal = std::stod(token.text);
      }
      return node;
    }
    if (token.kind != Token::kIdent) Fail("unexpected '" + token.text + "'");
    if (token.text == "true" || token.text == "True" || token.text == "TRUE") {
      node->literal = true;
      return node;
    }
    if (token.text == "false" || token.text == "False" || token.text == "FALSE") {
      node->literal = false;
      return node;
    }
    if (std::find(fields_.begin(), fields_.end(), token.text) == fields_.end()) {
      throw MilvusError(1100, "failed to create query plan: cannot parse expression: " + text_ + ", error: field " +
                                  token.text + " not exist");
    }
    node->kind = Node::kField;
    node->field = token.text;
    while (IsPunct("[")) {
      ++pos_;
      const Token key = Next();
      if (key.kind != Token::kString) Fail("json key must be enclosed in double quotes or single quotes");
      node->path.push_back(key.text);
      Expect("]");
    }
    return node;
  }

  const std::string text_;
  const std::vector<std::string>& fields_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

std::optional<json> ValueOf(const Node& node, const json& row) {
  if (node.kind == Node::kLiteral) return node.literal;
  if (!row.contains(node.field)) return std::nullopt;
  const json* value = &row[node.field];
  for (const std::string& key : node.path) {
    if (!value->is_object() || !value->contains(key)) return std::nullopt;
    value = &(*value)[key];
  }
  return *value;
}

bool Compare(const json& a, const json& b, const std::string& op) {
  int order = 0;
  if (a.is_string() && b.is_string()) {
    const int c = a.get<std::string>().compare(b.get<std::string>());
    order = c < 0 ? -1 : c > 0 ? 1 : 0;
  } else if (a.is_number() && b.is_number()) {
    const double x = a.get<double>();
    const double y = b.get<double>();
    order = x < y ? -1 : x > y ? 1 : 0;
  } else if (a.is_boolean() && b.is_boolean()) {
    if (op != "==" && op != "!=") return false;
    order = a.get<bool>() == b.get<bool>() ? 0 : 1;
  } else {
    return false;  // different types (or a null, array or object) never compare
  }
  if (op == "==") return order == 0;
  if (op == "!=") return order != 0;
  if (op == "<") return order < 0;
  if (op == "<=") return order <= 0;
  if (op == ">") return order > 0;
  return order >= 0;
}

bool Holds(const Node& node, const json& row) {
  switch (node.kind) {
    case Node::kAnd:
      return Holds(*node.children[0], row) && Holds(*node.children[1], row);
    case Node::kOr:
      return Holds(*node.children[0], row) || Holds(*node.children[1], row);
    case Node::kNot:
      return !Holds(*node.children[0], row);
    case Node::kCompare: {
      auto a = ValueOf(*node.children[0], row);
      auto b = ValueOf(*node.children[1], row);
      return a && b && Compare(*a, *b, node.op);
    }
    case Node::kIn: {
      auto a = ValueOf(*node.children[0], row);
      if (!a) return false;
      for (std::size_t i = 1; i < node.children.size(); ++i) {
        auto b = ValueOf(*node.children[i], row);
        if (b && Compare(*a, *b, "==")) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

// ---- collections -----------------------------------------------------------------------------------

double Score(const std::string& metric, const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
    l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  if (metric == "L2") return l2;
  if (metric == "IP") return dot;
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0;
}

std::vector<float> FloatsOf(const json& value, int dim, const std::string& what) {
  if (!value.is_array() || static_cast<int>(value.size()) != dim) {
    throw MilvusError(
        1804, "fail to deal the insert data, error: " + what + " dimension mismatch, expected " + std::to_string(dim));
  }
  std::vector<float> out;
  for (const auto& v : value) {
    if (!v.is_number()) throw MilvusError(1804, "fail to deal the insert data, error: " + what + " is not numbers");
    out.push_back(v.get<float>());
  }
  return out;
}

std::string Str(const json& body, const char* key) {
  if (!body.contains(key) || !body[key].is_string()) return "";
  return body[key].get<std::string>();
}

}  // namespace

FakeMilvusServer::FakeMilvusServer(std::string token) : token_(std::move(token)) {
  Install();
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeMilvusServer::~FakeMilvusServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeMilvusServer::FailNext(int n, int code, int http_status) {
  std::lock_guard lock(mutex_);
  fail_next_ = n;
  fail_code_ = code;
  fail_status_ = http_status;
}

long long FakeMilvusServer::RowCount(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = collections_.find(name);
  return it == collections_.end() ? -1 : static_cast<long long>(it->second.rows.size());
}

void FakeMilvusServer::Release(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto it = collections_.find(name); it != collections_.end()) it->second.loaded = false;
}

std::string FakeMilvusServer::last_filter() const {
  std::lock_guard lock(mutex_);
  return last_filter_;
}

void FakeMilvusServer::Install() {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    if (!token_.empty() && req.get_header_value("Authorization") != "Bearer " + token_) {
      Error(res, 1800, "user hasn't authenticated", 401);
      return httplib::Server::HandlerResponse::Handled;
    }
    std::lock_guard lock(mutex_);
    if (fail_next_ > 0) {
      --fail_next_;
      Error(res, fail_code_, "service unavailable (injected)", fail_status_);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Every handler below runs under mutex_; a body that is not JSON is code 1801, as Milvus answers it.
  auto route = [this](const std::string& endpoint, auto body) {
    server_.Post("/v2/vectordb/" + endpoint, [this, body](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      json request;
      try {
        request = json::parse(req.body);
      } catch (const std::exception& e) {
        Error(res, 1801, std::string("can only accept json format request, error: ") + e.what());
        return;
      }
      if (!request.is_object()) {
        Error(res, 1801, "can only accept json format request");
        return;
      }
      const std::string level = Str(request, "consistencyLevel");
      if (!level.empty() && level != "Strong" && level != "Session" && level != "Bounded" && level != "Eventually" &&
          level != "Customized") {
        Error(res, 1100, "consistencyLevel can only be [Strong, Session, Bounded, Eventually, Customized]");
        return;
      }
      try {
        Reply(res, body(request));
      } catch (const MilvusError& e) {
        Error(res, e.code, e.what());
      } catch (const json::exception& e) {
        Error(res, 1801, std::string("can only accept json format request, error: ") + e.what());
      }
    });
  };
  // The named collection, or code 100; `loaded` also requires it to be loaded (code 101).
  auto find = [this](const json& request, bool loaded) -> Collection& {
    const std::string name = Str(request, "collectionName");
    if (name.empty()) throw MilvusError(1802, "missing required parameters, error: collectionName");
    auto it = collections_.find(name);
    if (it == collections_.end()) throw MilvusError(100, "collection not found[collection=" + name + "]");
    if (loaded && !it->second.loaded) throw MilvusError(101, "collection not loaded[collection=" + name + "]");
    return it->second;
  };
  auto field_names = [](const Collection& c) {
    std::vector<std::string> names;
    for (const Field& f : c.fields) names.push_back(f.name);
    return names;
  };
  auto matches = [field_names](const Collection& c, const std::string& filter) {
    if (filter.empty()) return std::function<bool(const json&)>([](const json&) { return true; });
    const std::vector<std::string> names = field_names(c);
    NodePtr node = Parser(filter, names).Parse();
    return std::function<bool(const json&)>([node](const json& row) { return Holds(*node, row); });
  };
  // The row as Milvus returns it: the requested fields (the primary key always), JSON fields as text.
  auto output = [](const Collection& c, const json& row, const json& fields) {
    json out = json::object();
    out[c.primary] = row[c.primary];
    for (const auto& f : fields) {
      const std::string name = f.get<std::string>();
      if (name == "*") {
        for (const Field& field : c.fields) out[field.name] = row[field.name];
      } else if (row.contains(name)) {
        out[name] = row[name];
      } else {
        throw MilvusError(1700, "field not found[field=" + name + "]");
      }
    }
    for (const Field& field : c.fields) {
      if (field.type == "JSON" && out.contains(field.name)) out[field.name] = out[field.name].dump();
    }
    return out;
  };

  route("collections/list", [this](const json&) {
    json names = json::array();
    for (const auto& [name, c] : collections_) names.push_back(name);
    return names;
  });
  route("collections/has", [this](const json& request) {
    return json{{"has", collections_.contains(Str(request, "collectionName"))}};
  });
  route("collections/create", [this](const json& request) {
    static const std::regex kName("^[A-Za-z_][A-Za-z0-9_]{0,254}$");
    const std::string name = Str(request, "collectionName");
    if (!std::regex_match(name, kName)) {
      throw MilvusError(1100, "invalid parameter[expected=valid collection name][actual=" + name + "]");
    }
    const json identity = {{"schema", request.value("schema", json())},
                           {"indexParams", request.value("indexParams", json())}};
    if (auto it = collections_.find(name); it != collections_.end()) {
      if (it->second.request == identity) return json::object();
      throw MilvusError(1100, "create duplicate collection with different parameters, collection: " + name);
    }
    Collection c;
    c.request = identity;
    for (const auto& f : request.at("schema").at("fields")) {
      Field field;
      field.name = f.at("fieldName").get<std::string>();
      field.type = f.at("dataType").get<std::string>();
      field.primary = f.value("isPrimary", false);
      const json params = f.value("elementTypeParams", json::object());
      auto number = [&](const char* key) -> long long {
        if (!params.contains(key)) throw MilvusError(1100, std::string("type param ") + key + " is required");
        const json& v = params[key];
        return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<long long>();
      };
      if (field.type == "VarChar") {
        field.max_length = static_cast<std::size_t>(number("max_length"));
      } else if (field.type == "FloatVector") {
        field.dim = static_cast<int>(number("dim"));
        if (field.dim < 2 || field.dim > 32768) {
          throw MilvusError(1100, "invalid dimension: " + std::to_string(field.dim) + ". should be in range 2 ~ 32768");
        }
        c.vector_field = field.name;
        c.dim = field.dim;
      } else if (field.type != "JSON") {
        throw MilvusError(1100, "the fake Milvus has no data type " + field.type);
      }
      if (field.primary) {
        if (field.type != "VarChar") throw MilvusError(1100, "the fake Milvus keys are VarChar");
        c.primary = field.name;
      }
      c.fields.push_back(field);
    }
    if (c.primary.empty() || c.vector_field.empty()) {
      throw MilvusError(1100, "schema needs a primary key and a vector field");
    }
    for (const auto& index : request.value("indexParams", json::array())) {
      if (index.at("fieldName").get<std::string>() != c.vector_field) {
        throw MilvusError(1100, "index on a field that is not the vector field");
      }
      c.metric = index.at("metricType").get<std::string>();
      if (c.metric != "COSINE" && c.metric != "IP" && c.metric != "L2") {
        throw MilvusError(1100, "metric type " + c.metric + " not found or not supported");
      }
      const std::string type = index.value("indexType", "AUTOINDEX");
      if (type == "HNSW") {
        const json params = index.value("params", json::object());
        if (!params.contains("M") || !params.contains("efConstruction")) {
          throw MilvusError(1100, "HNSW needs params M and efConstruction");
        }
      }
      c.loaded = true;  // a create with index parameters loads the collection
    }
    collections_.emplace(name, std::move(c));
    return json::object();
  });
  route("collections/drop", [this](const json& request) {
    collections_.erase(Str(request, "collectionName"));
    return json::object();
  });
  route("collections/load", [this, find](const json& request) {
    Collection& c = find(request, false);
    if (c.metric.empty()) throw MilvusError(700, "index not found");
    c.loaded = true;
    ++loads_;
    return json::object();
  });
  route("collections/get_load_state", [find](const json& request) {
    const Collection& c = find(request, false);
    return json{{"loadState", c.loaded ? "LoadStateLoaded" : "LoadStateNotLoad"}};
  });
  route("entities/upsert", [find](const json& request) {
    Collection& c = find(request, false);
    std::vector<std::pair<std::string, json>> incoming;
    for (const auto& row : request.at("data")) {
      if (!row.is_object()) throw MilvusError(1804, "fail to deal the insert data, error: a row is not an object");
      json stored = json::object();
      for (const Field& f : c.fields) {
        if (!row.contains(f.name)) {
          throw MilvusError(1804, "fail to deal the insert data, error: field " + f.name + " is required");
        }
        const json& v = row[f.name];
        if (f.type == "VarChar") {
          if (!v.is_string())
            throw MilvusError(1804, "fail to deal the insert data, error: " + f.name + " is not a string");
          if (v.get<std::string>().size() > f.max_length) {
            throw MilvusError(1100, "the length (" + std::to_string(v.get<std::string>().size()) +
                                        ") of varchar field (" + f.name + ") exceeds max length (" +
                                        std::to_string(f.max_length) + ")");
          }
          stored[f.name] = v;
        } else if (f.type == "FloatVector") {
          stored[f.name] = FloatsOf(v, f.dim, f.name);
        } else {
          json parsed = v.is_string() ? json::parse(v.get<std::string>(), nullptr, false) : v;
          if (parsed.is_discarded()) throw MilvusError(1804, "fail to deal the insert data, error: invalid JSON");
          stored[f.name] = std::move(parsed);
        }
      }
      for (const auto& [key, value] : row.items()) {
        if (std::none_of(c.fields.begin(), c.fields.end(), [&](const Field& f) { return f.name == key; })) {
          throw MilvusError(1804, "fail to deal the insert data, error: field " + key + " is not in the schema");
        }
      }
      incoming.emplace_back(stored[c.primary].get<std::string>(), std::move(stored));
    }
    json ids = json::array();
    for (auto& [key, row] : incoming) {
      ids.push_back(key);
      c.rows[key] = std::move(row);
    }
    return json{{"upsertCount", ids.size()}, {"upsertIds", ids}};
  });
  route("entities/delete", [this, find, matches](const json& request) {
    Collection& c = find(request, false);
    const std::string filter = Str(request, "filter");
    if (filter.empty()) throw MilvusError(1802, "missing required parameters, error: filter");
    last_filter_ = filter;
    auto holds = matches(c, filter);
    std::erase_if(c.rows, [&](const auto& entry) { return holds(entry.second); });
    return json::object();
  });
  route("entities/query", [this, find, matches, output](const json& request) {
    const Collection& c = find(request, true);
    const std::string filter = Str(request, "filter");
    last_filter_ = filter;
    const json fields = request.value("outputFields", json::array());
    auto holds = matches(c, filter);
    const bool count = fields.size() == 1 && fields[0] == "count(*)";
    if (count) {
      const auto n =
          std::count_if(c.rows.begin(), c.rows.end(), [&](const auto& entry) { return holds(entry.second); });
      return json::array({{{"count(*)", n}}});
    }
    const long long limit = request.value("limit", 0LL);
    const long long offset = request.value("offset", 0LL);
    if (limit < 0 || offset < 0 || limit + offset > 16384) {
      throw MilvusError(1100, "invalid max query result window, (offset+limit) should be in range [1, 16384]");
    }
    if (filter.empty() && limit == 0) throw MilvusError(1100, "empty expression should be used with limit");
    json rows = json::array();
    long long skipped = 0;
    for (const auto& [key, row] : c.rows) {  // primary-key order
      if (!holds(row)) continue;
      if (skipped++ < offset) continue;
      if (limit > 0 && static_cast<long long>(rows.size()) >= limit) break;
      rows.push_back(output(c, row, fields));
    }
    return rows;
  });
  route("entities/search", [this, find, matches, output](const json& request) {
    const Collection& c = find(request, true);
    const json& data = request.at("data");
    if (!data.is_array() || data.size() != 1) throw MilvusError(1100, "the fake Milvus searches one vector at a time");
    const std::vector<float> query = FloatsOf(data[0], c.dim, "search vector");
    const std::string anns = request.value("annsField", c.vector_field);
    if (anns != c.vector_field) throw MilvusError(1100, "cannot find a vector field named: " + anns);
    const long long limit = request.value("limit", 100LL);
    if (limit < 1 || limit > 16384) throw MilvusError(1100, "topk should be in range [1, 16384]");
    const json params = request.value("searchParams", json::object()).value("params", json::object());
    if (params.contains("ef") && params["ef"].get<long long>() < limit) {
      throw MilvusError(65535,
                        "ef(" + params["ef"].dump() + ") should be larger than k(" + std::to_string(limit) + ")");
    }
    const std::string filter = Str(request, "filter");
    last_filter_ = filter;
    auto holds = matches(c, filter);
    const bool ascending = c.metric == "L2";
    std::vector<std::pair<double, const json*>> scored;
    for (const auto& [key, row] : c.rows) {
      if (!holds(row)) continue;
      scored.emplace_back(Score(c.metric, query, row[c.vector_field].get<std::vector<float>>()), &row);
    }
    std::stable_sort(scored.begin(), scored.end(), [ascending](const auto& a, const auto& b) {
      return ascending ? a.first < b.first : a.first > b.first;
    });
    if (scored.size() > static_cast<std::size_t>(limit)) scored.resize(static_cast<std::size_t>(limit));
    json hits = json::array();
    for (const auto& [score, row] : scored) {
      json hit = output(c, *row, request.value("outputFields", json::array()));
      hit["distance"] = static_cast<float>(score);
      hits.push_back(std::move(hit));
    }
    return hits;
  });
}

}  // namespace iris::testing
