#include "dedup/feature_index.h"

#include <algorithm>
#include <unordered_set>

namespace iris {

void FeatureIndex::Add(std::uint64_t id, const std::vector<BinaryDescriptor>& descriptors) {
  Remove(id);
  std::vector<std::uint32_t>& keys = keys_[id];
  for (const BinaryDescriptor& d : descriptors) {
    for (int c = 0; c < kChunks; ++c) keys.push_back(Key(d, c));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());  // one entry per (photo, key)
  for (std::uint32_t k : keys) buckets_[k].push_back(id);
}

bool FeatureIndex::Remove(std::uint64_t id) {
  auto it = keys_.find(id);
  if (it == keys_.end()) return false;
  for (std::uint32_t k : it->second) {
    auto bucket = buckets_.find(k);
    std::vector<std::uint64_t>& ids = bucket->second;
    ids.erase(std::find(ids.begin(), ids.end(), id));
    if (ids.empty()) buckets_.erase(bucket);
  }
  keys_.erase(it);
  return true;
}

std::vector<FeatureVote> FeatureIndex::Query(const std::vector<BinaryDescriptor>& descriptors, std::size_t top_k,
                                             int min_votes) const {
  const std::size_t cap =
      std::max<std::size_t>(8, static_cast<std::size_t>(max_bucket_fraction * static_cast<double>(keys_.size())));
  std::unordered_map<std::uint64_t, int> votes;
  std::unordered_set<std::uint64_t> hit;
  for (const BinaryDescriptor& d : descriptors) {
    hit.clear();
    for (int c = 0; c < kChunks; ++c) {
      auto bucket = buckets_.find(Key(d, c));
      if (bucket == buckets_.end() || bucket->second.size() > cap) continue;
      hit.insert(bucket->second.begin(), bucket->second.end());
    }
    for (std::uint64_t id : hit) ++votes[id];
  }
  std::vector<FeatureVote> out;
  for (const auto& [id, n] : votes) {
    if (n >= min_votes) out.push_back({id, n});
  }
  std::sort(out.begin(), out.end(), [](const FeatureVote& a, const FeatureVote& b) {
    return a.votes != b.votes ? a.votes > b.votes : a.id < b.id;
  });
  if (out.size() > top_k) out.resize(top_k);
  return out;
}

}  // namespace iris
