#include "classify/binary_metrics.h"

#include <algorithm>

namespace iris {
namespace {

double Ratio(int num, int den) { return den == 0 ? 0.0 : static_cast<double>(num) / den; }

}  // namespace

BinaryMetrics ComputeBinaryMetrics(std::span<const int> predicted, std::span<const int> actual) {
  BinaryMetrics m;
  const std::size_t n = std::min(predicted.size(), actual.size());
  for (std::size_t i = 0; i < n; ++i) {
    const bool p = predicted[i] == 1;
    const bool a = actual[i] == 1;
    if (p && a) ++m.true_positives;
    if (p && !a) ++m.false_positives;
    if (!p && !a) ++m.true_negatives;
    if (!p && a) ++m.false_negatives;
  }
  m.test_samples = static_cast<int>(n);
  const double precision1 = Ratio(m.true_positives, m.true_positives + m.false_positives);
  const double precision0 = Ratio(m.true_negatives, m.true_negatives + m.false_negatives);
  const double recall1 = Ratio(m.true_positives, m.true_positives + m.false_negatives);
  const double recall0 = Ratio(m.true_negatives, m.true_negatives + m.false_positives);
  m.macro_precision = (precision0 + precision1) / 2;
  m.macro_recall = (recall0 + recall1) / 2;
  m.accuracy = Ratio(m.true_positives + m.true_negatives, m.test_samples);
  return m;
}

}  // namespace iris
