#include "dedup/feature_index.h"

#include <algorithm>

namespace iris {
namespace {

void PutVarint(std::uint32_t v, std::vector<std::uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

std::uint32_t GetVarint(const std::uint8_t*& p) {
  std::uint32_t v = 0;
  for (int shift = 0;; shift += 7) {
    const std::uint8_t byte = *p++;
    v |= static_cast<std::uint32_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
}

// Calls visit(slot) for every slot of a packed list (count, then ascending deltas).
template <typename Visit>
void ForEachPacked(const std::uint8_t* p, std::uint32_t count, Visit&& visit) {
  std::uint32_t slot = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    slot += GetVarint(p);
    visit(slot);
  }
}

}  // namespace

void FeatureIndex::Add(std::uint32_t slot, const std::vector<std::uint32_t>& keys) {
  if (slot < live_.size() && (live_[slot] || key_count_[slot] != 0)) RemoveEntries(slot);  // re-used slot
  if (live_.size() <= slot) {
    live_.resize(static_cast<std::size_t>(slot) + 1, 0);
    key_count_.resize(static_cast<std::size_t>(slot) + 1, 0);
  }
  // A repeated key only costs an entry: a query descriptor votes once per photo whatever it hits.
  std::size_t n = 0;
  for (std::uint32_t k : keys) {
    if (k >= kKeys || n == 0xFFFF) continue;
    if (bulk_mode_) {
      bulk_.push_back(std::uint64_t{k} << 32 | slot);
    } else {
      recent_[k].push_back(slot);
      ++recent_entries_;
    }
    ++n;
  }
  live_[slot] = 1;
  key_count_[slot] = static_cast<std::uint16_t>(n);
  ++live_photos_;
  live_entries_ += n;
  MaybePack();
}

bool FeatureIndex::Remove(std::uint32_t slot) {
  if (slot >= live_.size() || !live_[slot]) return false;
  live_[slot] = 0;
  --live_photos_;
  live_entries_ -= key_count_[slot];
  dead_entries_ += key_count_[slot];
  MaybePack();
  return true;
}

void FeatureIndex::RemoveEntries(std::uint32_t slot) {
  Remove(slot);
  Pack();  // drops the dead entries, the old ones of `slot` among them
  key_count_[slot] = 0;
}

void FeatureIndex::MaybePack() {
  if (bulk_mode_) return;
  const bool many_recent = recent_entries_ > std::max(kPackMinEntries, packed_entries_ / 2);
  const bool many_dead = dead_entries_ > 1024 && dead_entries_ > live_entries_ / 2;
  if (many_recent || many_dead) Pack();
}

void FeatureIndex::Pack() {
  // Every key's live slots, in order, packed or (for a small index, where the packed form's fixed 9 MB
  // would cost more) as recent lists.
  const bool pack = live_entries_ >= kPackMinEntries;
  std::vector<std::size_t> offsets;
  std::vector<std::uint8_t> packed;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> recent;
  if (pack) {
    offsets.resize(kKeys + 1);
    packed.reserve(live_entries_ * 2 + kKeys);
  }
  // The bulk pairs grouped by key (a counting sort; slots stay in the order they were added).
  std::vector<std::uint32_t> bulk_start;
  std::vector<std::uint32_t> bulk_slots;
  if (!bulk_.empty()) {
    bulk_start.assign(kKeys + 1, 0);
    for (std::uint64_t pair : bulk_) ++bulk_start[(pair >> 32) + 1];
    for (std::size_t k = 0; k < kKeys; ++k) bulk_start[k + 1] += bulk_start[k];
    std::vector<std::uint32_t> next(bulk_start.begin(), bulk_start.end() - 1);
    bulk_slots.resize(bulk_.size());
    for (std::uint64_t pair : bulk_) bulk_slots[next[pair >> 32]++] = static_cast<std::uint32_t>(pair);
    std::vector<std::uint64_t>().swap(bulk_);
  }
  std::size_t entries = 0;
  std::vector<std::uint32_t> slots;
  for (std::uint32_t key = 0; key < kKeys; ++key) {
    slots.clear();
    if (!bulk_start.empty()) {
      for (std::size_t i = bulk_start[key]; i < bulk_start[key + 1]; ++i) {
        if (live_[bulk_slots[i]]) slots.push_back(bulk_slots[i]);
      }
    }
    if (!packed_offsets_.empty()) {
      const std::uint8_t* p = packed_.data() + packed_offsets_[key];
      const std::uint32_t count = GetVarint(p);
      ForEachPacked(p, count, [&](std::uint32_t s) {
        if (live_[s]) slots.push_back(s);
      });
    }
    if (recent_entries_ > 0) {
      if (auto it = recent_.find(key); it != recent_.end()) {
        for (std::uint32_t s : it->second) {
          if (live_[s]) slots.push_back(s);
        }
      }
    }
    std::sort(slots.begin(), slots.end());  // recent slots are the newest, unless a slot was re-used
    entries += slots.size();
    if (!pack) {
      if (!slots.empty()) recent.emplace(key, slots);
      continue;
    }
    offsets[key] = packed.size();
    PutVarint(static_cast<std::uint32_t>(slots.size()), packed);
    std::uint32_t previous = 0;
    for (std::uint32_t s : slots) {
      PutVarint(s - previous, packed);
      previous = s;
    }
  }
  if (pack) offsets[kKeys] = packed.size();
  packed.shrink_to_fit();
  packed_offsets_ = std::move(offsets);
  packed_ = std::move(packed);
  packed_entries_ = pack ? entries : 0;
  recent_ = std::move(recent);
  recent_entries_ = pack ? 0 : entries;
  dead_entries_ = 0;
  bulk_mode_ = false;
  live_.shrink_to_fit();
  key_count_.shrink_to_fit();
}

std::vector<FeatureVote> FeatureIndex::Query(const std::vector<BinaryDescriptor>& descriptors, std::size_t top_k,
                                             int min_votes, const std::vector<std::uint32_t>* stable_chunks,
                                             int chunks_per_descriptor) const {
  std::vector<FeatureVote> out;
  if (live_photos_ == 0 || descriptors.empty()) return out;
  const std::size_t cap =
      std::max<std::size_t>(8, static_cast<std::size_t>(max_bucket_fraction * static_cast<double>(live_photos_)));
  // Per slot: its votes and the last descriptor that voted for it (one vote per descriptor and photo).
  // 4 bytes a slot, so that 100 000 photos' tallies fit a core's L2 cache (the random tally updates are
  // most of a query's time), kept per thread and cleared through `touched` (no page faults per query).
  struct Tally {
    std::uint16_t stamp = 0;
    std::uint16_t votes = 0;
  };
  thread_local std::vector<Tally> tally;
  if (tally.size() < live_.size()) tally.resize(live_.size());
  std::vector<std::uint32_t> touched;
  // Every touched slot is cleared on the way out, whatever happens, so the next query starts from zero.
  struct ClearTouched {
    std::vector<Tally>& tally;
    const std::vector<std::uint32_t>& touched;
    ~ClearTouched() {
      for (std::uint32_t slot : touched) tally[slot] = Tally{};
    }
  } clear{tally, touched};
  // After a pack every listed slot is live until one is removed: the liveness check is needed only then.
  const bool check_live = dead_entries_ > 0;
  // Stamps are 16 bits: a query of more descriptors (never with the defaults, 500 at most) counts the
  // rest as if from the last stamp, which can only miss votes, never add them.
  const std::size_t n = std::min<std::size_t>(descriptors.size(), 0xFFFF);
  const bool by_stability = stable_chunks != nullptr && stable_chunks->size() == descriptors.size() &&
                            chunks_per_descriptor > 0 && chunks_per_descriptor < kChunks;
  const int chunks = by_stability ? std::min(chunks_per_descriptor, 8) : kChunks;
  for (std::size_t i = 0; i < n; ++i) {
    const auto stamp = static_cast<std::uint16_t>(i + 1);
    const auto vote = [&](std::uint32_t slot) {
      Tally& t = tally[slot];
      if (t.stamp == stamp || (check_live && !live_[slot])) return;
      if (t.votes == 0) touched.push_back(slot);  // first: if it throws, the tally is unchanged
      t.stamp = stamp;
      if (t.votes != 0xFFFF) ++t.votes;
    };
    for (int j = 0; j < chunks; ++j) {
      const int c = by_stability ? static_cast<int>(((*stable_chunks)[i] >> (4 * j)) & 0xF) : j;
      const std::uint32_t key = Key(descriptors[i], c);
      const std::uint8_t* p = nullptr;
      std::uint32_t packed_count = 0;
      if (!packed_offsets_.empty()) {
        p = packed_.data() + packed_offsets_[key];
        packed_count = GetVarint(p);
      }
      const std::vector<std::uint32_t>* recent = nullptr;
      if (recent_entries_ > 0) {
        if (auto it = recent_.find(key); it != recent_.end()) recent = &it->second;
      }
      if (packed_count + (recent ? recent->size() : 0) > cap) continue;  // a "stop word"
      ForEachPacked(p, packed_count, vote);
      if (recent) {
        for (std::uint32_t slot : *recent) vote(slot);
      }
    }
  }
  for (std::uint32_t slot : touched) {
    if (tally[slot].votes >= static_cast<std::uint32_t>(std::max(min_votes, 0))) {
      out.push_back({slot, static_cast<int>(tally[slot].votes)});
    }
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

std::size_t FeatureIndex::MemoryBytes() const {
  std::size_t bytes = live_.capacity() + 2 * key_count_.capacity() + sizeof(std::size_t) * packed_offsets_.capacity() +
                      packed_.capacity() + recent_.bucket_count() * sizeof(void*);
  for (const auto& [k, ids] : recent_) bytes += 4 * ids.capacity() + 64;
  return bytes;
}

}  // namespace iris
