#include "app/product_shot_types.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "net/curl_handles.h"

namespace iris::app {
namespace {

using nlohmann::json;

Result<ShotType> ParseType(const json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_number_integer() || !j.contains("name") ||
      !j["name"].is_string()) {
    return InvalidArgument(where + ": each type needs an integer \"type\" and a string \"name\"");
  }
  ShotType t;
  t.type = j["type"].get<int>();
  t.name = j["name"].get<std::string>();
  t.description = j.value("description", "");
  t.prompt = j.value("prompt", "");
  t.needs_size = j.value("needs_size", false);
  const std::string local = j.value("local", "");
  if (local == "white_background") {
    t.white_background = true;
  } else if (!local.empty()) {
    return InvalidArgument(where + ": unknown local type \"" + local + "\" (only white_background)");
  }
  if (t.type < 1 || t.type > 99 || t.name.empty()) return InvalidArgument(where + ": type 1..99 with a name");
  if (t.white_background == !t.prompt.empty()) {
    return InvalidArgument(where + ": type " + std::to_string(t.type) + " needs either a prompt or \"local\"");
  }
  if (t.needs_size &&
      (t.prompt.find("{height}") == std::string::npos || t.prompt.find("{width}") == std::string::npos)) {
    return InvalidArgument(where + ": type " + std::to_string(t.type) +
                           " needs_size but its prompt lacks {height}/{width}");
  }
  return t;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

const ShotType* ProductShotList::Find(int type) const {
  for (const auto& t : types) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

std::string ProductShotList::TypeNumbers() const {
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : ", ") + std::to_string(t.type);
  return out;
}

Result<ProductShotTypes> ProductShotTypes::Parse(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("product shot types: not a JSON object");
  ProductShotTypes out;
  for (const auto& [name, value] : j.items()) {
    if (name.starts_with("_")) continue;  // comments
    const std::string where = "product shot types: " + name;
    if (!value.is_object() || !value.contains("types") || !value["types"].is_array() || !value.contains("default") ||
        !value["default"].is_array()) {
      return InvalidArgument(where + " needs \"types\" and \"default\" arrays");
    }
    ProductShotList list;
    list.product_type = name;
    std::set<int> seen;
    for (const auto& t : value["types"]) {
      IRIS_ASSIGN_OR_RETURN(ShotType type, ParseType(t, where));
      if (!seen.insert(type.type).second)
        return InvalidArgument(where + ": type " + std::to_string(type.type) + " twice");
      list.types.push_back(std::move(type));
    }
    for (const auto& d : value["default"]) {
      if (!d.is_number_integer() || !list.Find(d.get<int>())) {
        return InvalidArgument(where + ": a default that is not one of its types");
      }
      list.defaults.push_back(d.get<int>());
    }
    if (list.types.empty() || list.defaults.empty()) return InvalidArgument(where + ": no types or no defaults");
    out.lists_.push_back(std::move(list));
  }
  if (out.lists_.empty()) return InvalidArgument("product shot types: no product types");
  return out;
}

const ProductShotTypes& ProductShotTypes::Shipped() {
  static const ProductShotTypes types = [] {
    auto parsed = Parse(EmbeddedProductShotTypesJson());
    if (!parsed.ok()) throw std::runtime_error(parsed.status().ToString());
    return std::move(parsed).value();
  }();
  return types;
}

Result<const ProductShotList*> ProductShotTypes::Find(std::string_view product_type) const {
  std::string wanted = AsciiLower(product_type);
  std::string names;
  for (const auto& list : lists_) {
    if (wanted == list.product_type || wanted == list.product_type + "s") return &list;
    names += (names.empty() ? "" : ", ") + list.product_type;
  }
  return Unprocessable("unknown product_type '" + std::string(product_type.substr(0, 64)) + "'; known: " + names);
}

std::string ShotPrompt(const ShotType& type, const std::string& height, const std::string& width) {
  std::string prompt = type.prompt;
  ReplaceAll(prompt, "{height}", height);
  ReplaceAll(prompt, "{width}", width);
  return prompt;
}

}  // namespace iris::app
