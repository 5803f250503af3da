// ImageEditClient: asks an OpenAI-compatible image-edit API to make a new picture from an image and a
// prompt (the AI-made product shots of POST /generate-images). Works with OpenAI's gpt-image-1 and
// dall-e-2 and the servers that copy its images API.
//
// The request: POST {generation.url}/images/edits (a url that already ends in /images/edits is used as
// is), multipart/form-data with the fields
//   image    the source image as a file part ("image.png", its own Content-Type)
//   prompt   the instruction
//   model    generation.model
//   n        "1"
//   size     generation.size ("1024x1024", "auto", ...)
//   quality  generation.quality, only when set
// and "Authorization: Bearer KEY" only when a key is set.
//
// The reply is validated: {"created": N, "data": [{"b64_json": "..."}]}; data[0].b64_json must decode to
// a PNG, JPEG or WebP image (magic bytes). A reply with only a "url" (dall-e-2's response_format=url) is
// refused rather than fetched: Iris never follows a URL a provider hands back.
//
// Retries, timeouts, the concurrency limit (generation.max_concurrency calls in flight per client), the
// circuit breaker (as chat_completions_client.h's, with generation.backoff_max_ms) and the error codes
// are provider_http.h's, with the settings named "generation.*". Besides those:
//   kFailedPrecondition  no url configured (the message says how to configure one);
//   kInternal            a 2xx reply that is not JSON, lacks data[0].b64_json, or does not decode to an image;
//   kInvalidArgument     empty image bytes, an image MIME type other than PNG, JPEG or WebP, an empty prompt.
// Messages never contain the API key, the prompt or the image.
//
// Thread-safety: Edit may be called from many threads at once. One client per process (the limit is per
// client object).
#pragma once

#include <mutex>
#include <random>
#include <string>

#include "core/config.h"
#include "core/result.h"
#include "providers/circuit_breaker.h"
#include "providers/concurrency_limiter.h"

namespace iris {

struct ImageEditRequest {
  std::string image;       // encoded source image
  std::string image_mime;  // image/png, image/jpeg or image/webp
  std::string prompt;
};

struct ImageEditResult {
  std::string image;  // encoded, as the provider sent it
  std::string mime;   // image/png, image/jpeg or image/webp (by magic bytes)
  int attempts = 0;   // HTTP requests made, 1 when the first one succeeded
};

class ImageEditClient {
 public:
  explicit ImageEditClient(GenerationConfig config);
  ImageEditClient(const ImageEditClient&) = delete;
  ImageEditClient& operator=(const ImageEditClient&) = delete;

  // False when generation.url is empty.
  bool configured() const { return !config_.url.empty(); }

  Result<ImageEditResult> Edit(const ImageEditRequest& request) const;

  const GenerationConfig& config() const { return config_; }

 private:
  GenerationConfig config_;
  std::string endpoint_;  // {url}/images/edits
  mutable ConcurrencyLimiter limiter_;
  mutable CircuitBreaker breaker_;
  mutable std::mutex rng_mu_;
  mutable std::mt19937_64 rng_;
};

// "image/png", "image/jpeg", "image/webp" by magic bytes; "" for anything else.
std::string_view SniffImageMime(std::string_view bytes);

}  // namespace iris
