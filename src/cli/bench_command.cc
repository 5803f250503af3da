// `iris bench`: speed measurements that a person can rerun.
//   iris bench model --model DIR|NAME [--batch 1,8] [--iterations N]
//       the bare ONNX session on preprocessed tensors (the physical ceiling of the pipeline)
//   iris bench embed --model DIR|NAME --images DIR [--concurrency 4] [--duration 30]
//       starts a real `iris serve` with that model, drives /v1/embeddings/image over HTTP with N
//       keep-alive clients, reports throughput, p50/p95/p99 latency and the server's peak RSS,
//       then runs the bare model in the same run so the pipeline's overhead is a ratio.
//   iris bench embed --url http://127.0.0.1:8011/embed --field file --form model=vit --pid PID ...
//       the same load against any other server with an upload endpoint (e.g. the seed-style peer).
// DIR is a folder in the Hugging Face/Xenova CLIP layout (vision_model.onnx + preprocessor_config.json).

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/bench_support.h"
#include "cli/commands.h"
#include "cli/http_load_generator.h"

namespace iris::cli {
namespace {

struct BenchArgs {
  std::string model;
  std::string images;
  int concurrency = 4;
  double duration_s = 30;
  double warmup_s = 3;
  int latency_requests = 20;
  std::string url;
  std::string field = "file";
  std::vector<std::string> form;
  int pid = 0;
  std::vector<int> batches = {1, 8};
  int iterations = 10;
  int threads = 0;
  std::string json_out;
};

void PrintLoad(const std::string& label, const LoadReport& r) {
  std::printf("%-34s %7.2f req/s  p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  (n=%d, failures=%d)\n", label.c_str(),
              r.throughput(), r.p50_ms, r.p95_ms, r.p99_ms, r.requests, r.failures);
  if (r.failures > 0) std::printf("  first failure: %s\n", r.first_error.c_str());
}

nlohmann::json LoadJson(const LoadReport& r) {
  return {{"throughput_rps", r.throughput()},
          {"p50_ms", r.p50_ms},
          {"p95_ms", r.p95_ms},
          {"p99_ms", r.p99_ms},
          {"mean_ms", r.mean_ms},
          {"requests", r.requests},
          {"failures", r.failures},
          {"seconds", r.seconds}};
}

int RunModelBench(const BenchArgs& args, nlohmann::json& out) {
  RuntimeConfig runtime;
  runtime.intra_op_threads = args.threads;
  for (int batch : args.batches) {
    auto timing = TimeBareModel(args.model, runtime, batch, args.iterations);
    if (!timing.ok()) {
      std::cerr << "iris bench: " << timing.status().message() << "\n";
      return kExitFailure;
    }
    std::printf("bare model, batch %-2d                %8.1f ms per batch  %7.1f ms per image  %6.2f images/s\n", batch,
                timing->median_batch_ms, timing->median_batch_ms / batch, 1000.0 * batch / timing->median_batch_ms);
    out["bare_model"]["batch_" + std::to_string(batch)] = {{"median_batch_ms", timing->median_batch_ms},
                                                           {"ms_per_image", timing->median_batch_ms / batch},
                                                           {"images_per_s", 1000.0 * batch / timing->median_batch_ms}};
  }
  return kExitOk;
}

int RunEmbedBench(const BenchArgs& args, nlohmann::json& out) {
  auto images = LoadBenchImages(args.images);
  if (!images.ok()) {
    std::cerr << "iris bench: " << images.status().message() << "\n";
    return kExitUsage;
  }
  LoadTarget target;
  std::unique_ptr<ChildServer> server;
  int rss_pid = args.pid;
  if (args.url.empty()) {
    if (args.model.empty()) {
      std::cerr << "iris bench embed: --model is required unless --url is given\n";
      return kExitUsage;
    }
    auto started = ChildServer::Start(args.model);
    if (!started.ok()) {
      std::cerr << "iris bench: " << started.status().message() << "\n";
      return kExitFailure;
    }
    server = std::move(started).value();
    target.port = server->port();
    target.path = "/v1/embeddings/image";
    rss_pid = server->pid();
    std::printf("server: iris serve (pid %d) on 127.0.0.1:%d, model %s\n", server->pid(), server->port(),
                args.model.c_str());
  } else {
    auto parsed = ParseHttpUrl(args.url);
    if (!parsed.ok()) {
      std::cerr << "iris bench: " << parsed.status().message() << "\n";
      return kExitUsage;
    }
    target = *parsed;
    target.file_field = args.field;
    for (const auto& f : args.form) {
      auto eq = f.find('=');
      if (eq == std::string::npos) {
        std::cerr << "iris bench: --form takes name=value\n";
        return kExitUsage;
      }
      target.extra_fields.push_back({f.substr(0, eq), f.substr(eq + 1)});
    }
    std::printf("server: %s\n", args.url.c_str());
  }
  std::printf("images: %zu from %s\n", images->size(), args.images.c_str());

  LoadOptions latency;
  latency.concurrency = 1;
  latency.warmup = std::chrono::duration<double>(args.warmup_s);
  latency.duration = std::chrono::duration<double>(600);
  latency.max_requests = args.latency_requests;
  auto single = RunHttpLoad(target, *images, latency);
  if (!single.ok()) {
    std::cerr << "iris bench: " << single.status().message() << "\n";
    return kExitFailure;
  }
  PrintLoad("1 client (latency)", *single);

  LoadOptions throughput;
  throughput.concurrency = args.concurrency;
  throughput.warmup = std::chrono::duration<double>(args.warmup_s);
  throughput.duration = std::chrono::duration<double>(args.duration_s);
  auto loaded = RunHttpLoad(target, *images, throughput);
  if (!loaded.ok()) {
    std::cerr << "iris bench: " << loaded.status().message() << "\n";
    return kExitFailure;
  }
  PrintLoad(std::to_string(args.concurrency) + " clients (throughput)", *loaded);
  out["latency"] = LoadJson(*single);
  out["throughput"] = LoadJson(*loaded);
  out["concurrency"] = args.concurrency;

  if (rss_pid > 0) {
    auto mem = ReadProcessMemory(rss_pid);
    if (mem.ok()) {
      std::printf("server memory: peak RSS %.1f MB, current RSS %.1f MB\n", mem->peak_rss_mb, mem->rss_mb);
      out["server_peak_rss_mb"] = mem->peak_rss_mb;
      out["server_rss_mb"] = mem->rss_mb;
    }
  }
  if (server) server.reset();  // stop the server before timing the bare model: no CPU contention

  if (!args.model.empty()) {
    if (int rc = RunModelBench(args, out); rc != kExitOk) return rc;
    if (out.contains("bare_model") && out["bare_model"].contains("batch_8")) {
      const double ceiling = out["bare_model"]["batch_8"]["images_per_s"].get<double>();
      std::printf("end-to-end throughput / bare batch-8 throughput: %.2f\n", loaded->throughput() / ceiling);
      out["throughput_vs_bare_batch8"] = loaded->throughput() / ceiling;
    }
  }
  return kExitOk;
}

}  // namespace

CommandRunner AddBenchCommand(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "speed benchmarks (see docs/performance.md)");
  bench->require_subcommand(1);
  auto args = std::make_shared<BenchArgs>();
  auto* model = bench->add_subcommand("model", "time the bare ONNX session on preprocessed tensors");
  model->add_option("--model", args->model, "model folder (HF/Xenova CLIP layout) or catalog name")->required();
  model->add_option("--batch", args->batches, "batch sizes")->delimiter(',');
  model->add_option("--iterations", args->iterations, "timed runs per batch size");
  model->add_option("--threads", args->threads, "intra-op threads (0: ONNX Runtime default)");
  model->add_option("--json", args->json_out, "also write the results as JSON to this file");

  auto* embed = bench->add_subcommand("embed", "drive a server's image-embedding endpoint over HTTP");
  embed->add_option("--model", args->model, "model folder or catalog name (starts iris serve with it)");
  embed->add_option("--images", args->images, "folder of images to send (round-robin)")->required();
  embed->add_option("--concurrency", args->concurrency, "concurrent keep-alive clients");
  embed->add_option("--duration", args->duration_s, "seconds of the throughput run");
  embed->add_option("--warmup", args->warmup_s, "seconds of uncounted warm-up before each run");
  embed->add_option("--latency-requests", args->latency_requests, "requests in the single-client latency run");
  embed->add_option("--url", args->url, "drive this endpoint instead of starting iris serve");
  embed->add_option("--field", args->field, "multipart field for the image (with --url)");
  embed->add_option("--form", args->form, "extra multipart field name=value (with --url)");
  embed->add_option("--pid", args->pid, "process to report peak RSS of (with --url)");
  embed->add_option("--batch", args->batches, "bare-model batch sizes timed after the HTTP runs")->delimiter(',');
  embed->add_option("--iterations", args->iterations, "timed bare-model runs per batch size");
  embed->add_option("--threads", args->threads, "bare-model intra-op threads (0: ONNX Runtime default)");
  embed->add_option("--json", args->json_out, "also write the results as JSON to this file");

  return [args, model, embed] {
    nlohmann::json out = nlohmann::json::object();
    int rc = kExitUsage;
    if (model->parsed()) rc = RunModelBench(*args, out);
    if (embed->parsed()) rc = RunEmbedBench(*args, out);
    if (rc == kExitOk && !args->json_out.empty()) std::ofstream(args->json_out) << out.dump(2) << "\n";
    return rc;
  };
}

}  // namespace iris::cli
