// ProgressBar: one self-redrawing line on stderr ("label [=====>    ] 12/40  name"), drawn only when
// stderr is a terminal (so logs and pipes stay clean) and at most every 100 ms. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace iris::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::size_t total);
  ~ProgressBar();

  // `done` items of `total` are finished; `item` names the one being worked on.
  void Update(std::size_t done, std::string_view item);
  // Erases the line (call before printing anything else to stderr).
  void Clear();
  bool enabled() const { return enabled_; }

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace iris::cli
