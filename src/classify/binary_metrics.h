// Metrics of a binary classifier on a labelled test set, as scikit-learn computes them:
// precision and recall per class (labels 0 and 1), their unweighted means over both labels
// ("macro"), and accuracy. A class that is never predicted has precision 0 (scikit-learn's
// zero_division=0); a class absent from the labels has recall 0. (scikit-learn averages over the
// labels present in either list; the two agree whenever the test set has both classes, which the
// stratified split guarantees.) Pure functions, thread-safe.
#pragma once

#include <span>

namespace iris {

struct BinaryMetrics {
  double macro_precision = 0;
  double macro_recall = 0;
  double accuracy = 0;
  int test_samples = 0;
  int true_positives = 0;
  int false_positives = 0;
  int true_negatives = 0;
  int false_negatives = 0;
};

// `predicted` and `actual` hold 0/1 labels of equal length (extra entries of the longer are ignored).
BinaryMetrics ComputeBinaryMetrics(std::span<const int> predicted, std::span<const int> actual);

}  // namespace iris
