// Binary logistic regression with L2 regularisation and (optionally) balanced class weights: the
// model behind a collection classifier, a C++ equivalent of scikit-learn's
// LogisticRegression(penalty="l2", C=C, class_weight="balanced", fit_intercept=True).
//
// Objective, minimised over the weights w (one per feature) and the bias b:
//
//   f(w, b) = sum_i s_i * log(1 + exp(-t_i * (w . x_i + b)))  +  0.5 / C * ||w||^2
//
// with t_i = +1 for label 1 and -1 for label 0, and the sample weight s_i = n / (2 * n_c) for a
// sample of class c ("balanced": n samples, n_c of them in class c), or 1 when balanced is off.
// The bias is not regularised. scikit-learn writes the same problem as
// C * sum_i s_i * loss_i + 0.5 * ||w||^2, which has the same minimiser (it is C times f).
// f is strictly convex in w and convex in b; with both classes present the minimiser is unique.
//
// Solver: L-BFGS (10 correction pairs) with a backtracking Armijo line search, in double precision,
// started from w = 0, b = 0. It is deterministic: the same data in the same order gives
// bit-identical weights. It stops when the largest gradient component is at most
// gradient_tolerance * max(1, largest gradient component at the start) ("converged"), when no step
// lowers f any more in double precision (the numerical floor: there, up to 10 full steps in a row
// are still taken while they lower the gradient), or after max_iterations. (scikit-learn's lbfgs
// stops at tol=1e-4 on the gradient of its own scaling.)
// Cost per iteration: about two passes over the n x d data (about 2 * n * d multiply-adds).
//
// Errors (InvalidArgument): no samples, rows of different lengths or length 0, a label other than
// 0/1, a single class, a non-finite feature, C <= 0.
// Thread-safety: pure functions; LogisticModel is a plain value.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"

namespace iris {

struct LogisticRegressionOptions {
  double C = 1.0;        // inverse regularisation strength (scikit-learn's C)
  bool balanced = true;  // class_weight="balanced"; false: every sample weighs 1
  int max_iterations = 1000;
  double gradient_tolerance = 1e-6;  // relative to the starting gradient (see above)
};

struct LogisticModel {
  std::vector<double> weights;
  double bias = 0;

  // sigma(w . x + b); x must have weights.size() values (not checked).
  double PredictProbability(std::span<const float> x) const;
  double Logit(std::span<const float> x) const;
};

struct LogisticFitReport {
  int iterations = 0;
  bool converged = false;
  double objective = 0;     // f(w, b) at the solution
  double gradient_max = 0;  // largest |gradient component| at the solution
};

struct LogisticFit {
  LogisticModel model;
  LogisticFitReport report;
};

// Fits the model to rows x_i (all of one length d >= 1) with labels y_i in {0, 1}.
Result<LogisticFit> FitLogisticRegression(std::span<const std::vector<float>> rows, std::span<const int> labels,
                                          const LogisticRegressionOptions& options = {});

// The per-sample weights FitLogisticRegression uses (n / (2 * n_c), or all 1 when not balanced).
std::vector<double> SampleWeights(std::span<const int> labels, bool balanced);

// f(w, b) and its gradient (d weight components, then the bias component), for checks and tests.
double LogisticObjective(std::span<const std::vector<float>> rows, std::span<const int> labels,
                         const LogisticModel& model, const LogisticRegressionOptions& options,
                         std::vector<double>* gradient = nullptr);

}  // namespace iris
