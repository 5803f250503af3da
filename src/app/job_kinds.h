// RegisterJobKinds: the one place where every background job kind gets its handler, before the
// job runner starts (jobs left queued by an earlier process then resume):
//
//   products.generate_batch, products.generate_all   app/product_jobs.h
//   collection.reindex, collection.dedup_scan        app/collection_jobs.h
//   catalog.generate_images                          app/product_shot_service.h
//
// (products.delete and synchronous products.generate_batch tasks are only recorded as finished;
// they never run.) The handlers hold references to the services given, which must outlive the
// runner's workers (Services::Close shuts the runner down first).
#pragma once

#include "app/collection_service.h"
#include "app/product_service.h"
#include "app/product_shot_service.h"
#include "ingest/image_ingestor.h"
#include "jobs/job_runner.h"

namespace iris::app {

struct JobKindServices {
  CollectionService& collections;
  ProductService& products;
  const ImageIngestor& ingestor;  // reindex fetches of items outside the product collection
  const ProductShotService& product_shots;
};

Status RegisterJobKinds(JobRunner& runner, JobKindServices services);

}  // namespace iris::app
