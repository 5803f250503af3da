#include "app/catalog_caption_reply.h"

#include <cctype>
#include <map>
#include <vector>

#include "core/ascii_text.h"
#include "providers/json_reply.h"

namespace iris::app {
namespace {

struct FieldSpec {
  const char* name;
  std::size_t max_chars;
  const char* description;
};

constexpr FieldSpec kFields[] = {
    {"generated_name", kCaptionNameMaxChars, "a short product name for the catalog, 2 to 6 words, no brand"},
    {"quality", 1, "the photo's fitness for a catalog: A, B or C"},
    {"description", kCaptionTextMaxChars, "one sentence describing the item"},
    {"attributes", kCaptionTextMaxChars, "the item's visible features, comma separated"},
    {"prompt", kCaptionPromptMaxChars, "a prompt for generating product shots of exactly this item"},
    {"color", kCaptionColorMaxChars, "the item's main colour or colours"},
};

}  // namespace

const nlohmann::json& CatalogCaptionSchema() {
  static const nlohmann::json schema = [] {
    nlohmann::json properties = nlohmann::json::object();
    nlohmann::json required = nlohmann::json::array();
    for (const auto& field : kFields) {
      properties[field.name] = {{"type", "string"}, {"description", field.description}};
      required.push_back(field.name);
    }
    properties["quality"]["enum"] = {"A", "B", "C"};
    return nlohmann::json{
        {"type", "object"}, {"properties", properties}, {"required", required}, {"additionalProperties", false}};
  }();
  return schema;
}

Result<CatalogCaption> ParseCatalogCaption(std::string_view text) {
  IRIS_ASSIGN_OR_RETURN(const nlohmann::json j, ParseJsonReply(text, "the caption reply"));
  if (!j.is_object()) return InvalidArgument("the caption reply is not a JSON object");
  std::map<std::string, std::string> values;
  for (const auto& field : kFields) {
    if (!j.contains(field.name)) return InvalidArgument(std::string("the caption reply has no '") + field.name + "'");
    if (!j[field.name].is_string()) {
      return InvalidArgument(std::string("the caption reply's '") + field.name + "' is not a string");
    }
    std::string value = std::string(TrimAsciiWhitespace(j[field.name].get<std::string>()));
    if (value.empty()) return InvalidArgument(std::string("the caption reply's '") + field.name + "' is empty");
    if (value.size() > field.max_chars) {
      return InvalidArgument(std::string("the caption reply's '") + field.name + "' is longer than " +
                             std::to_string(field.max_chars) + " characters");
    }
    values[field.name] = std::move(value);
  }
  const char grade = static_cast<char>(std::toupper(static_cast<unsigned char>(values["quality"][0])));
  if (grade != 'A' && grade != 'B' && grade != 'C') {
    return InvalidArgument("the caption reply's 'quality' is '" + values["quality"] + "', not A, B or C");
  }
  return CatalogCaption{values["generated_name"], grade,          values["description"], values["attributes"],
                        values["prompt"],         values["color"]};
}

}  // namespace iris::app
