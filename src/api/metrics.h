// MetricsRegistry: a small Prometheus registry (text exposition format 0.0.4) owned by the
// server, not global. Families (counter, gauge, histogram) have fixed label names; each distinct
// tuple of label values is one series. Keep label values bounded (route templates, not raw
// paths). Modules whose counters live elsewhere (e.g. the result cache's hits/misses) register a
// Collector that is called at scrape time. Families are created at start-up and live as long as
// the registry (references stay valid); every method is thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace iris::api {

using LabelValues = std::vector<std::string>;

enum class MetricType { kCounter, kGauge, kHistogram };

class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  virtual void Render(std::string& out) const = 0;

 protected:
  // `{a="x",b="y"}` (empty string without labels); `extra` appends one more pair (le="0.5").
  std::string LabelText(const LabelValues& values, const std::string& extra = "") const;
  void RenderHeader(std::string& out, const char* type) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mu_;
};

class CounterFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  void Increment(const LabelValues& labels, double by = 1);
  double Value(const LabelValues& labels) const;
  void Render(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

class GaugeFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  void Set(const LabelValues& labels, double value);
  void Add(const LabelValues& labels, double delta);
  double Value(const LabelValues& labels) const;
  void Render(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

class HistogramFamily : public MetricFamily {
 public:
  // `upper_bounds` ascending; +Inf is implicit.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> upper_bounds);
  void Observe(const LabelValues& labels, double value);
  void Render(std::string& out) const override;

 private:
  struct Series {
    std::vector<std::uint64_t> bucket_counts;  // not cumulative; one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::vector<double> upper_bounds_;
  std::map<LabelValues, Series> series_;
};

// Latency buckets in seconds, 5 ms .. 60 s.
std::vector<double> DefaultLatencyBuckets();

// One metric reported by a Collector at scrape time.
struct CollectedMetric {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;                                      // kCounter or kGauge
  std::vector<std::pair<std::map<std::string, std::string>, double>> samples;  // labels -> value
};
using Collector = std::function<std::vector<CollectedMetric>()>;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registering a name twice returns the existing family (the first registration's labels win);
  // the same name with another type is a programming error and aborts.
  CounterFamily& Counter(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  GaugeFamily& Gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
  HistogramFamily& Histogram(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                             std::vector<double> upper_bounds = DefaultLatencyBuckets());

  // Called on every scrape, outside the registry's lock; must be thread-safe and quick.
  void AddCollector(Collector collector);

  // The whole registry in Prometheus text format 0.0.4.
  std::string Render() const;

 private:
  template <typename Family, typename... Args>
  Family& GetOrAdd(const std::string& name, std::vector<std::string> label_names, Args&&... args);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;  // registration order = output order
  std::vector<Collector> collectors_;
};

// Content-Type of GET /metrics.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace iris::api
