#include "regions/section.h"

#include <algorithm>

namespace iris::regions {
namespace {

std::int64_t IntersectionArea(const SectionBox& a, const SectionBox& b) {
  const int x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const int x1 = std::min(a.x + a.width, b.x + b.width), y1 = std::min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? static_cast<std::int64_t>(x1 - x0) * (y1 - y0) : 0;
}

}  // namespace

double BoxIoU(const SectionBox& a, const SectionBox& b) {
  const std::int64_t inter = IntersectionArea(a, b);
  const std::int64_t uni = a.area() + b.area() - inter;
  return uni > 0 ? static_cast<double>(inter) / static_cast<double>(uni) : 0.0;
}

double BoxContainment(const SectionBox& inner, const SectionBox& outer) {
  return inner.area() > 0 ? static_cast<double>(IntersectionArea(inner, outer)) / static_cast<double>(inner.area())
                          : 0.0;
}

const Section* SectionMap::Find(const std::string& id) const {
  for (const auto& s : sections) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

nlohmann::json SectionToJson(const Section& s, bool with_mask) {
  nlohmann::json colors = nlohmann::json::array();
  for (const auto& c : s.colors) {
    colors.push_back({{"name", c.name}, {"hex", c.hex}, {"share", c.share}, {"lab", c.lab}});
  }
  nlohmann::json j = {{"id", s.id},
                      {"parent", s.parent.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.parent)},
                      {"children", s.children},
                      {"source", s.source},
                      {"label", s.label},
                      {"score", s.score},
                      {"bbox", {s.bbox.x, s.bbox.y, s.bbox.width, s.bbox.height}},
                      {"area", s.area},
                      {"type", s.type},
                      {"visual_elements", s.visual_elements},
                      {"colors", colors}};
  if (with_mask) j["mask"] = s.mask.ToJson();
  return j;
}

nlohmann::json SectionMapToJson(const SectionMap& map, bool with_masks) {
  nlohmann::json sections = nlohmann::json::array();
  for (const auto& s : map.sections) sections.push_back(SectionToJson(s, with_masks));
  return {{"width", map.width}, {"height", map.height}, {"sections", sections}};
}

Result<SectionMap> SectionMapFromJson(const nlohmann::json& json) {
  try {
    SectionMap map;
    map.width = json.at("width").get<int>();
    map.height = json.at("height").get<int>();
    for (const auto& j : json.at("sections")) {
      Section s;
      s.id = j.at("id").get<std::string>();
      s.parent = j.at("parent").is_null() ? "" : j.at("parent").get<std::string>();
      s.children = j.at("children").get<std::vector<std::string>>();
      s.source = j.at("source").get<std::string>();
      s.label = j.at("label").get<std::string>();
      s.score = j.at("score").get<float>();
      const auto& b = j.at("bbox");
      s.bbox = {b.at(0).get<int>(), b.at(1).get<int>(), b.at(2).get<int>(), b.at(3).get<int>()};
      s.area = j.at("area").get<std::int64_t>();
      s.type = j.at("type").get<std::string>();
      s.visual_elements = j.at("visual_elements").get<std::vector<std::string>>();
      for (const auto& c : j.at("colors")) {
        s.colors.push_back({c.at("name").get<std::string>(), c.at("hex").get<std::string>(),
                            c.at("share").get<double>(), c.at("lab").get<std::array<double, 3>>()});
      }
      if (j.contains("mask")) {
        IRIS_ASSIGN_OR_RETURN(s.mask, MaskRleFromJson(j.at("mask")));
      }
      map.sections.push_back(std::move(s));
    }
    if (map.sections.empty()) return InvalidArgument("a section map has at least the root section");
    return map;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("not a section map: ") + e.what());
  }
}

}  // namespace iris::regions
