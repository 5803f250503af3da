#include "dedup/feature_index.h"

#include <algorithm>

namespace iris {

const std::vector<std::uint32_t>* FeatureIndex::Bucket(std::uint32_t key) const {
  if (!flat_.empty()) return &flat_[key];
  auto it = sparse_.find(key);
  return it == sparse_.end() ? nullptr : &it->second;
}

std::vector<std::uint32_t>& FeatureIndex::MutableBucket(std::uint32_t key) {
  if (flat_.empty() && live_entries_ + dead_entries_ >= kFlatThreshold) {
    flat_.resize(kKeys);
    for (auto& [k, ids] : sparse_) flat_[k] = std::move(ids);
    sparse_.clear();
    sparse_.rehash(0);
  }
  return flat_.empty() ? sparse_[key] : flat_[key];
}

void FeatureIndex::Add(std::uint32_t slot, const std::vector<std::uint32_t>& keys) {
  if (slot < live_.size() && (live_[slot] || key_count_[slot] != 0)) {  // re-used: drop its old entries now
    Remove(slot);
    Purge();
  }
  if (live_.size() <= slot) {
    live_.resize(static_cast<std::size_t>(slot) + 1, 0);
    key_count_.resize(static_cast<std::size_t>(slot) + 1, 0);
  }
  // A repeated key only costs an entry: a query descriptor votes once per photo whatever it hits.
  std::size_t n = 0;
  for (std::uint32_t k : keys) {
    if (k >= kKeys || n == 0xFFFF) continue;
    MutableBucket(k).push_back(slot);
    ++n;
  }
  live_[slot] = 1;
  key_count_[slot] = static_cast<std::uint16_t>(n);
  ++live_photos_;
  live_entries_ += n;
}

bool FeatureIndex::Remove(std::uint32_t slot) {
  if (slot >= live_.size() || !live_[slot]) return false;
  live_[slot] = 0;
  --live_photos_;
  live_entries_ -= key_count_[slot];
  dead_entries_ += key_count_[slot];
  if (dead_entries_ > 1024 && dead_entries_ > live_entries_ / 2) Purge();
  return true;
}

void FeatureIndex::Purge() {
  auto purge = [&](std::vector<std::uint32_t>& ids) {
    ids.erase(std::remove_if(ids.begin(), ids.end(), [&](std::uint32_t id) { return !live_[id]; }), ids.end());
  };
  if (!flat_.empty()) {
    for (auto& ids : flat_) purge(ids);
  } else {
    for (auto it = sparse_.begin(); it != sparse_.end();) {
      purge(it->second);
      it = it->second.empty() ? sparse_.erase(it) : std::next(it);
    }
  }
  dead_entries_ = 0;
}

std::vector<FeatureVote> FeatureIndex::Query(const std::vector<BinaryDescriptor>& descriptors, std::size_t top_k,
                                             int min_votes) const {
  std::vector<FeatureVote> out;
  if (live_photos_ == 0 || descriptors.empty()) return out;
  const std::size_t cap =
      std::max<std::size_t>(8, static_cast<std::size_t>(max_bucket_fraction * static_cast<double>(live_photos_)));
  // votes[slot] and the last descriptor that voted for it (one vote per descriptor and photo).
  std::vector<std::uint16_t> votes(live_.size(), 0);
  std::vector<std::uint32_t> last(live_.size(), 0);
  std::vector<std::uint32_t> touched;
  for (std::size_t i = 0; i < descriptors.size(); ++i) {
    const std::uint32_t stamp = static_cast<std::uint32_t>(i + 1);
    for (int c = 0; c < kChunks; ++c) {
      const std::vector<std::uint32_t>* bucket = Bucket(Key(descriptors[i], c));
      if (bucket == nullptr || bucket->size() > cap) continue;
      for (std::uint32_t slot : *bucket) {
        if (last[slot] == stamp || !live_[slot]) continue;
        last[slot] = stamp;
        if (votes[slot]++ == 0) touched.push_back(slot);
      }
    }
  }
  for (std::uint32_t slot : touched) {
    if (votes[slot] >= min_votes) out.push_back({slot, votes[slot]});
  }
  const auto better = [](const FeatureVote& a, const FeatureVote& b) {
    return a.votes != b.votes ? a.votes > b.votes : a.id < b.id;
  };
  if (out.size() > top_k) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(top_k), out.end(), better);
    out.resize(top_k);
  } else {
    std::sort(out.begin(), out.end(), better);
  }
  return out;
}

void FeatureIndex::ShrinkToFit() {
  for (auto& ids : flat_) ids.shrink_to_fit();
  for (auto& [k, ids] : sparse_) ids.shrink_to_fit();
  live_.shrink_to_fit();
  key_count_.shrink_to_fit();
}

std::size_t FeatureIndex::MemoryBytes() const {
  std::size_t bytes = live_.capacity() + 2 * key_count_.capacity() + flat_.capacity() * sizeof(flat_[0]);
  for (const auto& ids : flat_) bytes += 4 * ids.capacity();
  for (const auto& [k, ids] : sparse_) bytes += 4 * ids.capacity() + 64;
  return bytes;
}

}  // namespace iris
