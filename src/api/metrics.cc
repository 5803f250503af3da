#include "api/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/logging.h"

namespace iris::api {
namespace {

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that round-trips
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void CheckArity(const std::string& name, const LabelValues& labels, std::size_t expected) {
  if (labels.size() != expected) {
    // A wrong arity is a bug at the call site; fail loudly rather than emit a broken exposition.
    LogError("metrics.label_arity", {{"metric", name}, {"expected", expected}, {"got", labels.size()}});
    std::abort();
  }
}

}  // namespace

std::string MetricFamily::LabelText(const LabelValues& values, const std::string& extra) const {
  if (values.empty() && extra.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    out += label_names_[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) out += (values.empty() ? "" : ",") + extra;
  return out + "}";
}

void MetricFamily::RenderHeader(std::string& out, const char* type) const {
  out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  out += "# TYPE " + name_ + " " + type + "\n";
}

void CounterFamily::Increment(const LabelValues& labels, double by) {
  CheckArity(name_, labels, label_names_.size());
  std::lock_guard lock(mu_);
  values_[labels] += by;
}

double CounterFamily::Value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::Render(std::string& out) const {
  RenderHeader(out, "counter");
  std::lock_guard lock(mu_);
  // A family without labels always shows its one series, even at zero.
  if (values_.empty() && label_names_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, v] : values_) out += name_ + LabelText(labels) + " " + FormatNumber(v) + "\n";
}

void GaugeFamily::Set(const LabelValues& labels, double value) {
  CheckArity(name_, labels, label_names_.size());
  std::lock_guard lock(mu_);
  values_[labels] = value;
}

void GaugeFamily::Add(const LabelValues& labels, double delta) {
  CheckArity(name_, labels, label_names_.size());
  std::lock_guard lock(mu_);
  values_[labels] += delta;
}

double GaugeFamily::Value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void GaugeFamily::Render(std::string& out) const {
  RenderHeader(out, "gauge");
  std::lock_guard lock(mu_);
  if (values_.empty() && label_names_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, v] : values_) out += name_ + LabelText(labels) + " " + FormatNumber(v) + "\n";
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                 std::vector<double> upper_bounds)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)), upper_bounds_(std::move(upper_bounds)) {}

void HistogramFamily::Observe(const LabelValues& labels, double value) {
  CheckArity(name_, labels, label_names_.size());
  std::size_t bucket = 0;
  while (bucket < upper_bounds_.size() && value > upper_bounds_[bucket]) ++bucket;
  std::lock_guard lock(mu_);
  auto& s = series_[labels];
  if (s.bucket_counts.empty()) s.bucket_counts.assign(upper_bounds_.size() + 1, 0);
  s.bucket_counts[bucket]++;
  s.sum += value;
  s.count++;
}

void HistogramFamily::Render(std::string& out) const {
  RenderHeader(out, "histogram");
  std::lock_guard lock(mu_);
  for (const auto& [labels, s] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
      cumulative += s.bucket_counts[i];
      std::string le = i < upper_bounds_.size() ? FormatNumber(upper_bounds_[i]) : "+Inf";
      out += name_ + "_bucket" + LabelText(labels, "le=\"" + le + "\"") + " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_sum" + LabelText(labels) + " " + FormatNumber(s.sum) + "\n";
    out += name_ + "_count" + LabelText(labels) + " " + std::to_string(s.count) + "\n";
  }
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

template <typename Family, typename... Args>
Family& MetricsRegistry::GetOrAdd(const std::string& name, std::vector<std::string> label_names, Args&&... args) {
  std::lock_guard lock(mu_);
  for (auto& f : families_) {
    if (f->name() == name) {
      auto* typed = dynamic_cast<Family*>(f.get());
      if (!typed) {
        LogError("metrics.type_conflict", {{"metric", name}});
        std::abort();
      }
      return *typed;
    }
  }
  auto family = std::make_unique<Family>(name, std::forward<Args>(args)..., std::move(label_names));
  Family& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

CounterFamily& MetricsRegistry::Counter(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names) {
  return GetOrAdd<CounterFamily>(name, std::move(label_names), help);
}

GaugeFamily& MetricsRegistry::Gauge(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names) {
  return GetOrAdd<GaugeFamily>(name, std::move(label_names), help);
}

HistogramFamily& MetricsRegistry::Histogram(const std::string& name, const std::string& help,
                                            std::vector<std::string> label_names, std::vector<double> upper_bounds) {
  std::lock_guard lock(mu_);
  for (auto& f : families_) {
    if (f->name() == name) {
      auto* typed = dynamic_cast<HistogramFamily*>(f.get());
      if (!typed) {
        LogError("metrics.type_conflict", {{"metric", name}});
        std::abort();
      }
      return *typed;
    }
  }
  auto family = std::make_unique<HistogramFamily>(name, help, std::move(label_names), std::move(upper_bounds));
  HistogramFamily& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

void MetricsRegistry::AddCollector(Collector collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::Render() const {
  std::vector<const MetricFamily*> families;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) families.push_back(f.get());
    collectors = collectors_;
  }
  std::string out;
  for (const auto* f : families) f->Render(out);
  for (const auto& collect : collectors) {
    for (const auto& metric : collect()) {
      out += "# HELP " + metric.name + " " + EscapeHelp(metric.help) + "\n";
      out += "# TYPE " + metric.name + " " + TypeName(metric.type) + "\n";
      for (const auto& [labels, value] : metric.samples) {
        std::string text;
        for (const auto& [k, v] : labels) text += (text.empty() ? "" : ",") + k + "=\"" + EscapeLabelValue(v) + "\"";
        out += metric.name + (text.empty() ? "" : "{" + text + "}") + " " + FormatNumber(value) + "\n";
      }
    }
  }
  return out;
}

}  // namespace iris::api
