#include "cli/http_load_generator.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <thread>

namespace iris::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<std::size_t>(rank);
  auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - static_cast<double>(lo));
}

}  // namespace

Result<LoadReport> RunHttpLoad(const LoadTarget& target, const std::vector<std::pair<std::string, std::string>>& images,
                               const LoadOptions& options) {
  if (images.empty()) return InvalidArgument("no images to send");
  if (options.concurrency < 1) return InvalidArgument("concurrency must be >= 1");

  const auto start = Clock::now();
  const auto counted_from = start + std::chrono::duration_cast<Clock::duration>(options.warmup);
  const auto stop_at = counted_from + std::chrono::duration_cast<Clock::duration>(options.duration);
  std::atomic<int> counted{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> latencies_ms;
  int failures = 0;
  std::string first_error;

  auto client_loop = [&](int client_index) {
    httplib::Client client(target.host, target.port);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    client.set_read_timeout(std::chrono::seconds(120));
    std::size_t next = static_cast<std::size_t>(client_index);
    std::vector<double> mine;
    int my_failures = 0;
    std::string my_error;
    while (!stop.load() && Clock::now() < stop_at) {
      const auto& [name, bytes] = images[next++ % images.size()];
      httplib::MultipartFormDataItems items = {{target.file_field, bytes, name, "application/octet-stream"}};
      for (const auto& [k, v] : target.extra_fields) items.push_back({k, v, "", ""});
      auto t0 = Clock::now();
      auto res = client.Post(target.path.c_str(), items);
      auto t1 = Clock::now();
      if (t0 < counted_from) continue;  // warm-up
      if (t1 > stop_at) break;          // finished after the window: not counted
      if (!res || res->status != 200) {
        ++my_failures;
        if (my_error.empty()) {
          my_error = res ? "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300)
                         : "transport error " + httplib::to_string(res.error());
        }
        continue;
      }
      mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (options.max_requests > 0 && counted.fetch_add(1) + 1 >= options.max_requests) stop = true;
    }
    std::lock_guard lock(mu);
    latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    failures += my_failures;
    if (first_error.empty()) first_error = my_error;
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < options.concurrency; ++i) threads.emplace_back(client_loop, i);
  for (auto& t : threads) t.join();
  const auto end = std::min(Clock::now(), stop_at);

  LoadReport report;
  report.requests = static_cast<int>(latencies_ms.size());
  report.failures = failures;
  report.first_error = first_error;
  report.seconds = std::chrono::duration<double>(end - counted_from).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (!latencies_ms.empty()) {
    report.p50_ms = Percentile(latencies_ms, 50);
    report.p95_ms = Percentile(latencies_ms, 95);
    report.p99_ms = Percentile(latencies_ms, 99);
    report.min_ms = latencies_ms.front();
    report.mean_ms = std::accumulate(latencies_ms.begin(), latencies_ms.end(), 0.0) / latencies_ms.size();
  }
  return report;
}

}  // namespace iris::cli
