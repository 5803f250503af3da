#include "dedup/duplicate_groups.h"

#include <algorithm>
#include <map>
#include <utility>

namespace iris {
namespace {

// Union-find over strings.
class Components {
 public:
  std::string Root(const std::string& id) {
    auto it = parent_.try_emplace(id, id).first;
    if (it->second == id) return id;
    std::string root = Root(it->second);
    parent_[id] = root;  // path compression
    return root;
  }
  void Join(const std::string& a, const std::string& b) {
    const std::string ra = Root(a), rb = Root(b);
    if (ra != rb) parent_[std::max(ra, rb)] = std::min(ra, rb);  // the smallest id is the root
  }
  const std::map<std::string, std::string>& members() const { return parent_; }

 private:
  std::map<std::string, std::string> parent_;
};

}  // namespace

std::vector<DuplicatePair> PairsFromReport(const std::string& id, const DuplicateReport& report) {
  std::vector<DuplicatePair> pairs;
  for (const DuplicateCandidate& c : report.candidates) {
    if (c.duplicate && c.id != id) pairs.push_back({id, c});
  }
  return pairs;
}

std::vector<DuplicateGroup> GroupDuplicates(std::vector<DuplicatePair> pairs) {
  // One pair per unordered {a, b}: the check of the smaller id wins, so the result does not depend on
  // the order the checks ran in.
  std::map<std::pair<std::string, std::string>, DuplicatePair> unique;
  for (DuplicatePair& p : pairs) {
    if (p.id == p.match.id) continue;
    std::pair<std::string, std::string> key = std::minmax(p.id, p.match.id);
    auto it = unique.find(key);
    if (it == unique.end()) {
      unique.emplace(std::move(key), std::move(p));
    } else if (p.id < it->second.id) {
      it->second = std::move(p);
    }
  }
  Components components;
  for (const auto& [key, p] : unique) components.Join(key.first, key.second);

  std::map<std::string, DuplicateGroup> by_root;  // root = smallest id of the group
  for (const auto& [id, parent] : components.members()) by_root[components.Root(id)].ids.push_back(id);
  for (auto& [key, p] : unique) by_root[components.Root(key.first)].pairs.push_back(std::move(p));

  std::vector<DuplicateGroup> groups;
  groups.reserve(by_root.size());
  for (auto& [root, group] : by_root) groups.push_back(std::move(group));  // ids already sorted (map order)
  return groups;
}

Result<DuplicateGroups> FindDuplicateGroups(const DuplicateDetector& detector,
                                            const std::optional<std::vector<std::string>>& ids) {
  DuplicateGroups out;
  std::vector<DuplicatePair> pairs;
  for (const std::string& id : ids ? *ids : detector.ids()) {
    Result<DuplicateReport> report = detector.CheckStored(id);
    if (!report.ok()) {
      if (report.status().code() != StatusCode::kNotFound) return report.status();
      out.not_found.push_back(id);
      continue;
    }
    ++out.checked;
    for (DuplicatePair& p : PairsFromReport(id, *report)) pairs.push_back(std::move(p));
  }
  out.groups = GroupDuplicates(std::move(pairs));
  return out;
}

}  // namespace iris
