#include "providers/circuit_breaker.h"

#include <algorithm>

namespace iris {

CircuitBreaker::CircuitBreaker(Settings settings) : settings_(settings) {}

CircuitBreaker::Admission::~Admission() {
  if (owner_ != nullptr) owner_->Succeeded();
}

void CircuitBreaker::Admission::Failed(std::optional<Clock::duration> retry_after, const std::string& why,
                                       Clock::time_point now) {
  if (owner_ == nullptr) return;
  owner_->FailedCall(retry_after, why, now);
  owner_ = nullptr;
}

void CircuitBreaker::Admission::Neutral() {
  if (owner_ == nullptr) return;
  owner_->TrialEnded();
  owner_ = nullptr;
}

std::optional<CircuitBreaker::Admission> CircuitBreaker::Admit(Refusal* refusal, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (open_) {
    if (trial_in_flight_ || now < open_until_) {
      if (refusal != nullptr) {
        *refusal =
            Refusal{trial_in_flight_ ? Clock::duration::zero() : open_until_ - now, consecutive_failures_, last_error_};
      }
      return std::nullopt;
    }
    trial_in_flight_ = true;  // half-open: this call decides
  }
  return Admission(this);
}

bool CircuitBreaker::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

void CircuitBreaker::Succeeded() {
  std::lock_guard lock(mu_);
  consecutive_failures_ = 0;
  open_ = false;
  trial_in_flight_ = false;
}

void CircuitBreaker::FailedCall(std::optional<Clock::duration> retry_after, const std::string& why,
                                Clock::time_point now) {
  std::lock_guard lock(mu_);
  ++consecutive_failures_;
  last_error_ = why;
  trial_in_flight_ = false;
  if (!open_ && consecutive_failures_ < settings_.failures_to_open) return;
  open_ = true;
  Clock::duration cool_down = std::max(settings_.cool_down, retry_after.value_or(Clock::duration::zero()));
  cool_down =
      std::clamp(cool_down, settings_.min_cool_down, std::max(settings_.min_cool_down, settings_.max_cool_down));
  open_until_ = now + cool_down;
}

void CircuitBreaker::TrialEnded() {
  std::lock_guard lock(mu_);
  trial_in_flight_ = false;
}

}  // namespace iris
