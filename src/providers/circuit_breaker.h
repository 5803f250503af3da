// CircuitBreaker: stops calling an external provider that is known to be down, so that requests fail
// at once with a clear error instead of each holding a worker for (1 + max_retries) x timeout_s.
//
// Contract:
//   * Closed (normal): every call goes ahead. A call whose every attempt failed for a reason that says
//     the provider is down (429, 5xx, timeout, network: RecordFailure) counts; any other outcome
//     (RecordSuccess: a 2xx, or an answer such as 400/401 that shows the provider is up) resets the count.
//   * After `failures_to_open` such calls in a row it opens for a cool-down: the longer of `cool_down`
//     and the provider's last Retry-After, clamped to [min_cool_down, max_cool_down]. Admit refuses
//     while open and says for how long.
//   * When the cool-down has passed, one trial call is admitted (half-open); other calls are refused
//     until it reports. Its success closes the breaker; its failure opens it again.
//   * An admitted call must report exactly once (Admission does it: RecordFailure, else success on
//     destruction). A call that could not even start (no concurrency slot) reports Neutral: no change.
// Thread-safe. Time is passed in (defaults to the steady clock) so tests control it.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace iris {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    int failures_to_open = 5;
    Clock::duration cool_down = std::chrono::seconds(8);
    Clock::duration min_cool_down = std::chrono::seconds(1);
    Clock::duration max_cool_down = std::chrono::minutes(5);
  };

  explicit CircuitBreaker(Settings settings);
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // One admitted call. Reports success when destroyed unless Failed() or Neutral() was called.
  class Admission {
   public:
    Admission(Admission&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Admission& operator=(Admission&&) = delete;
    Admission(const Admission&) = delete;
    ~Admission();
    // Every attempt failed with a provider-down reason; `retry_after` as the provider last asked.
    void Failed(std::optional<Clock::duration> retry_after, const std::string& why,
                Clock::time_point now = Clock::now());
    // The call did not reach the provider (e.g. no concurrency slot): changes nothing.
    void Neutral();

   private:
    friend class CircuitBreaker;
    explicit Admission(CircuitBreaker* owner) : owner_(owner) {}
    CircuitBreaker* owner_;
  };

  struct Refusal {
    Clock::duration open_for;  // until the next trial call (0 while a trial is in flight)
    int failed_calls;          // in a row, when it opened
    std::string last_error;    // the failure that opened it
  };

  // An Admission, or why not (the breaker is open, or a trial call is in flight).
  std::optional<Admission> Admit(Refusal* refusal, Clock::time_point now = Clock::now());

  bool open() const;

 private:
  void Succeeded();
  void FailedCall(std::optional<Clock::duration> retry_after, const std::string& why, Clock::time_point now);
  void TrialEnded();

  const Settings settings_;
  mutable std::mutex mu_;
  int consecutive_failures_ = 0;
  bool open_ = false;
  bool trial_in_flight_ = false;
  Clock::time_point open_until_{};
  std::string last_error_;
};

}  // namespace iris
