// CatalogCaptionService: POST /generate_caption of seeds 003/004 — a catalog upload that is checked for
// duplicates, captioned by the chat-completions provider (the one describe_image uses, captions.*) and
// stored. Contract and differences from the seed: docs/http-api.md "Jewelry catalog", docs/compat.md.
//
//   1. Checks the inputs (website, product type, a configured provider) before anything else.
//   2. check_duplicate: CatalogService::FindDuplicates; a duplicate answers with the stored image's URL
//      and stores nothing.
//   3. Measures the image (vision/image_quality.h grade, vision/dominant_colors.h with the backdrop left
//      out) and asks the provider for the structured caption (app/catalog_caption_reply.h: JSON schema
//      as response_format, the measurements given in the prompt). A reply that is not valid against the
//      schema is asked for once more; a second invalid one fails the request.
//   4. Only then stores and indexes the image (CatalogService::StoreImage): a failed caption leaves
//      nothing behind, so the client's retry is not turned into "duplicate found" (the seed stored first).
//   quality in the result is the worse of the provider's grade and the measured one; color is the
//   provider's answer, which the prompt grounds in the measured dominant colours.
//
// Errors: kUnprocessable for an unknown website or an invalid product type (empty, over 64 characters,
// or other than letters, digits, space, '-' and '_'); kFailedPrecondition when no provider is configured;
// the provider's errors as ChatCompletionsClient gives them (kUnavailable after its retries); kUnavailable
// for two invalid replies; storage and indexing errors as CatalogService gives them.
// Ownership: borrows the catalog and the client, which must outlive it. Thread-safety: thread-safe.
#pragma once

#include <string>

#include "app/catalog_caption_reply.h"
#include "app/catalog_service.h"
#include "core/trace.h"
#include "ingest/image_ingestor.h"
#include "providers/chat_completions_client.h"

namespace iris::app {

struct CatalogCaptionOutcome {
  bool duplicate = false;
  std::string display_name;  // the client's file name (or the URL's last segment)
  std::string image_name;    // the stored image's id (SHA-256), or the duplicate's
  std::string url;           // the stored image's URL, or the duplicate's
  CatalogCaption caption;    // when !duplicate
  char measured_quality = 'C';
  int provider_requests = 0;  // chat-completions calls made (each may have retried inside the client)
};

inline constexpr int kCaptionMaxTokens = 800;

class CatalogCaptionService {
 public:
  CatalogCaptionService(CatalogService& catalog, const ChatCompletionsClient& client)
      : catalog_(catalog), client_(client) {}

  // `image` must decode (the caller checks).
  Result<CatalogCaptionOutcome> Caption(const std::string& website, const std::string& product_type,
                                        const IngestedImage& image, bool check_duplicate, Trace& trace);

 private:
  CatalogService& catalog_;
  const ChatCompletionsClient& client_;
};

// The client's name for an ingested image: the uploaded file's name, or the last path segment of its URL.
std::string DisplayName(const IngestedImage& image);

}  // namespace iris::app
