#include "api/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace iris::api {
namespace {

TEST(Metrics, RendersCountersAndGaugesInTextFormat) {
  MetricsRegistry registry;
  auto& requests = registry.Counter("t_requests_total", "Requests", {"route", "status"});
  requests.Increment({"/a", "200"});
  requests.Increment({"/a", "200"}, 2);
  requests.Increment({"/b\"x", "500"});
  registry.Gauge("t_in_flight", "In flight").Set({}, 3);
  std::string text = registry.Render();
  EXPECT_NE(text.find("# TYPE t_requests_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_requests_total{route=\"/a\",status=\"200\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_requests_total{route=\"/b\\\"x\",status=\"500\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE t_in_flight gauge\nt_in_flight 3\n"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  auto& h = registry.Histogram("t_seconds", "Latency", {"route"}, {0.1, 1});
  h.Observe({"/x"}, 0.05);
  h.Observe({"/x"}, 0.5);
  h.Observe({"/x"}, 5);
  std::string text = registry.Render();
  EXPECT_NE(text.find("t_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_count{route=\"/x\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("t_seconds_sum{route=\"/x\"} 5.55\n"), std::string::npos) << text;
}

TEST(Metrics, CollectorsAppearAtScrapeTime) {
  MetricsRegistry registry;
  int hits = 0;
  registry.AddCollector([&hits] {
    return std::vector<CollectedMetric>{
        {"iris_cache_hits_total", "Cache hits", MetricType::kCounter, {{{}, static_cast<double>(hits)}}}};
  });
  hits = 7;
  EXPECT_NE(registry.Render().find("# TYPE iris_cache_hits_total counter\niris_cache_hits_total 7\n"),
            std::string::npos);
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry registry;
  auto& c = registry.Counter("t_total", "t", {"k"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.Increment({"v"});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value({"v"}), 40000);
  EXPECT_EQ(&registry.Counter("t_total", "t", {"k"}), &c);  // same name, same family
}

}  // namespace
}  // namespace iris::api
