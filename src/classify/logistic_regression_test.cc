#include "classify/logistic_regression.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>

namespace iris {
namespace {

using Rows = std::vector<std::vector<float>>;

double MaxAbs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// n points per class from two Gaussian clouds in d dimensions whose means are `gap` apart.
void TwoClouds(int n_neg, int n_pos, int d, double gap, double noise, std::uint64_t seed, Rows& rows,
               std::vector<int>& labels) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, noise);
  std::vector<double> direction(d);
  for (auto& v : direction) v = normal(rng);
  double norm = 0;
  for (double v : direction) norm += v * v;
  norm = std::sqrt(norm);
  for (int i = 0; i < n_neg + n_pos; ++i) {
    const int label = i < n_neg ? 0 : 1;
    std::vector<float> x(d);
    for (int j = 0; j < d; ++j) {
      x[j] = static_cast<float>((label ? 0.5 : -0.5) * gap * direction[j] / norm + normal(rng));
    }
    rows.push_back(std::move(x));
    labels.push_back(label);
  }
}

TEST(LogisticRegressionTest, SymmetricOneDimensionalCaseMatchesTheHandSolution) {
  // x = +1 (label 1) and x = -1 (label 0): by symmetry b = 0, and the objective
  // f(w) = 2 log(1 + e^-w) + w^2 / (2C) is minimal where w / C = 2 sigma(-w). Solved by bisection:
  // C = 1: w = 0.6748316143423994; C = 0.5: w = 0.401058137541547.
  const Rows rows = {{1.0f}, {-1.0f}};
  const std::vector<int> labels = {1, 0};
  auto fit = FitLogisticRegression(rows, labels, {.C = 1.0, .gradient_tolerance = 1e-12});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_NEAR(fit->model.weights[0], 0.6748316143423994, 1e-7);
  EXPECT_NEAR(fit->model.bias, 0.0, 1e-7);
  EXPECT_TRUE(fit->report.converged);
  auto half = FitLogisticRegression(rows, labels, {.C = 0.5, .gradient_tolerance = 1e-12});
  ASSERT_TRUE(half.ok());
  EXPECT_NEAR(half->model.weights[0], 0.401058137541547, 1e-7);
  // Probability at x = 1 is sigma(w).
  EXPECT_NEAR(fit->model.PredictProbability(rows[0]), 1.0 / (1.0 + std::exp(-0.6748316143423994)), 1e-7);
}

TEST(LogisticRegressionTest, InterceptOnlyProblemGivesTheWeightedLogOdds) {
  // All features zero: w stays 0 (only the penalty acts on it) and sigma(b) equals the weighted
  // share of positives: 3 of 4 unweighted -> b = log(3); balanced weights make the shares equal -> b = 0.
  const Rows rows = {{0.0f}, {0.0f}, {0.0f}, {0.0f}};
  const std::vector<int> labels = {1, 1, 1, 0};
  auto plain = FitLogisticRegression(rows, labels, {.balanced = false, .gradient_tolerance = 1e-12});
  ASSERT_TRUE(plain.ok());
  EXPECT_NEAR(plain->model.bias, std::log(3.0), 1e-7);
  EXPECT_EQ(plain->model.weights[0], 0.0);
  auto balanced = FitLogisticRegression(rows, labels, {.balanced = true, .gradient_tolerance = 1e-12});
  ASSERT_TRUE(balanced.ok());
  EXPECT_NEAR(balanced->model.bias, 0.0, 1e-7);
}

TEST(LogisticRegressionTest, TwoDimensionalCaseMatchesAnIndependentNewtonSolve) {
  // Reference values from a separate implementation: plain Newton's method on the same objective
  // (3x3 Hessian, Gaussian elimination), written in Python without libraries, run to a gradient of 1e-15.
  const Rows rows = {{0.5f, 1.0f},  {1.5f, -0.5f},  {2.0f, 1.5f}, {-1.0f, 0.5f},
                     {0.0f, -1.0f}, {-0.5f, -0.5f}, {1.0f, 0.0f}, {-2.0f, 1.0f}};
  const std::vector<int> labels = {1, 1, 1, 0, 0, 0, 0, 0};
  struct Case {
    double C;
    bool balanced;
    double w0, w1, b;
  };
  for (const auto& c : {Case{1.0, true, 1.0628773196399215, 0.5651912821844586, -0.6174856662921714},
                        Case{0.1, true, 0.28037972790279087, 0.11224990164195157, -0.15424652416103962},
                        Case{1.0, false, 1.0244886697622777, 0.557054889586773, -0.998338089049503}}) {
    auto fit = FitLogisticRegression(rows, labels, {.C = c.C, .balanced = c.balanced, .gradient_tolerance = 1e-12});
    ASSERT_TRUE(fit.ok());
    EXPECT_NEAR(fit->model.weights[0], c.w0, 1e-10) << c.C << " " << c.balanced;
    EXPECT_NEAR(fit->model.weights[1], c.w1, 1e-10) << c.C << " " << c.balanced;
    EXPECT_NEAR(fit->model.bias, c.b, 1e-10) << c.C << " " << c.balanced;
  }
}

TEST(LogisticRegressionTest, SampleWeightsAreBalanced) {
  const std::vector<int> labels = {1, 1, 1, 0};
  auto w = SampleWeights(labels, true);
  EXPECT_DOUBLE_EQ(w[0], 4.0 / 6.0);  // n / (2 * n_1)
  EXPECT_DOUBLE_EQ(w[3], 2.0);        // n / (2 * n_0)
  // Each class then carries half of the total weight n = 4.
  EXPECT_DOUBLE_EQ(w[0] + w[1] + w[2], 2.0);
  EXPECT_EQ(SampleWeights(labels, false), std::vector<double>(4, 1.0));
}

TEST(LogisticRegressionTest, GradientVanishesAtTheSolutionOfANoisyProblem) {
  Rows rows;
  std::vector<int> labels;
  TwoClouds(200, 60, 32, 1.0, 1.0, 7, rows, labels);  // overlapping classes: a finite, interesting optimum
  LogisticRegressionOptions options;
  auto fit = FitLogisticRegression(rows, labels, options);
  ASSERT_TRUE(fit.ok());
  EXPECT_TRUE(fit->report.converged) << fit->report.iterations << " iterations";
  std::vector<double> gradient;
  const double f = LogisticObjective(rows, labels, fit->model, options, &gradient);
  ASSERT_EQ(gradient.size(), 33u);
  std::vector<double> start_gradient;
  LogisticModel zero{std::vector<double>(32, 0.0), 0.0};
  LogisticObjective(rows, labels, zero, options, &start_gradient);
  EXPECT_LE(MaxAbs(gradient), options.gradient_tolerance * std::max(1.0, MaxAbs(start_gradient)));
  EXPECT_LT(MaxAbs(gradient), 1e-4);
  EXPECT_NEAR(f, fit->report.objective, 1e-9 * f);
  // A strictly convex objective: every nudge of a weight or the bias increases it.
  for (int j : {0, 5, 31, 32}) {
    for (double delta : {-1e-3, 1e-3}) {
      LogisticModel moved = fit->model;
      if (j == 32)
        moved.bias += delta;
      else
        moved.weights[j] += delta;
      EXPECT_GT(LogisticObjective(rows, labels, moved, options), f);
    }
  }
}

TEST(LogisticRegressionTest, StopsAtTheNumericalFloorInsteadOfSpinning) {
  // A tolerance of 0 cannot be met in double precision: the solver must notice that no step lowers
  // f any more and stop well before max_iterations, at a solution as good as the default's.
  Rows rows;
  std::vector<int> labels;
  TwoClouds(200, 40, 256, 1.0, 0.06, 9, rows, labels);
  auto exact = FitLogisticRegression(rows, labels, {.max_iterations = 5000, .gradient_tolerance = 0});
  auto normal = FitLogisticRegression(rows, labels);
  ASSERT_TRUE(exact.ok() && normal.ok());
  EXPECT_FALSE(exact->report.converged);
  EXPECT_LT(exact->report.iterations, 1000);
  EXPECT_LE(exact->report.gradient_max, normal->report.gradient_max);
  EXPECT_LE(exact->report.objective, normal->report.objective);
}

TEST(LogisticRegressionTest, SeparableDataIsClassifiedCorrectly) {
  Rows rows;
  std::vector<int> labels;
  TwoClouds(150, 150, 512, 6.0, 0.05, 11, rows, labels);
  Rows train, held_out;
  std::vector<int> train_labels, held_out_labels;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    (i % 3 == 0 ? held_out : train).push_back(rows[i]);
    (i % 3 == 0 ? held_out_labels : train_labels).push_back(labels[i]);
  }
  auto fit = FitLogisticRegression(train, train_labels);
  ASSERT_TRUE(fit.ok());
  for (std::size_t i = 0; i < train.size(); ++i) {
    EXPECT_EQ(fit->model.PredictProbability(train[i]) >= 0.5, train_labels[i] == 1) << i;
  }
  for (std::size_t i = 0; i < held_out.size(); ++i) {
    EXPECT_EQ(fit->model.PredictProbability(held_out[i]) >= 0.5, held_out_labels[i] == 1) << i;
  }
}

TEST(LogisticRegressionTest, BalancedWeightsMoveTheDecisionTowardsTheRareClass) {
  // 95 negatives spread over [-2, 2], 5 positives over [0.5, 2.5]. Unweighted, the rare class is
  // never the likelier one at x = 1.5; with balanced weights it is.
  Rows rows;
  std::vector<int> labels;
  for (int i = 0; i < 95; ++i) {
    rows.push_back({static_cast<float>(-2.0 + 4.0 * i / 94)});
    labels.push_back(0);
  }
  for (int i = 0; i < 5; ++i) {
    rows.push_back({static_cast<float>(0.5 + 2.0 * i / 4)});
    labels.push_back(1);
  }
  auto plain = FitLogisticRegression(rows, labels, {.balanced = false});
  auto balanced = FitLogisticRegression(rows, labels, {.balanced = true});
  ASSERT_TRUE(plain.ok() && balanced.ok());
  const std::vector<float> x = {1.5f};
  EXPECT_LT(plain->model.PredictProbability(x), 0.5);
  EXPECT_GT(balanced->model.PredictProbability(x), 0.5);
  int plain_found = 0, balanced_found = 0;
  for (int i = 95; i < 100; ++i) {
    plain_found += plain->model.PredictProbability(rows[i]) >= 0.5;
    balanced_found += balanced->model.PredictProbability(rows[i]) >= 0.5;
  }
  EXPECT_GT(balanced_found, plain_found);
}

TEST(LogisticRegressionTest, SameDataGivesBitIdenticalWeights) {
  Rows rows;
  std::vector<int> labels;
  TwoClouds(120, 40, 64, 1.5, 1.0, 3, rows, labels);
  auto a = FitLogisticRegression(rows, labels);
  auto b = FitLogisticRegression(rows, labels);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->model.weights, b->model.weights);
  EXPECT_EQ(a->model.bias, b->model.bias);
  EXPECT_EQ(a->report.iterations, b->report.iterations);
}

TEST(LogisticRegressionTest, ClipSizedProblemConverges) {
  // The size the CLI trains: 3000 L2-normalised 1024-d embeddings, 10% positives.
  Rows rows;
  std::vector<int> labels;
  TwoClouds(2700, 300, 1024, 0.5, 0.03, 5, rows, labels);
  for (auto& r : rows) {
    double n = 0;
    for (float v : r) n += double(v) * v;
    for (float& v : r) v = static_cast<float>(v / std::sqrt(n));
  }
  const auto start = std::chrono::steady_clock::now();
  auto fit = FitLogisticRegression(rows, labels);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(fit.ok());
  EXPECT_TRUE(fit->report.converged) << fit->report.iterations << " iterations, gradient " << fit->report.gradient_max;
  RecordProperty("fit_seconds", std::to_string(seconds));
  RecordProperty("iterations", fit->report.iterations);
  std::printf("3000 x 1024 fit: %.3f s, %d iterations\n", seconds, fit->report.iterations);
}

TEST(LogisticRegressionTest, RefusesBadInput) {
  const Rows rows = {{1.0f}, {2.0f}};
  EXPECT_EQ(FitLogisticRegression(Rows{}, std::vector<int>{}).status().code(), StatusCode::kInvalidArgument);
  auto one_class = FitLogisticRegression(rows, std::vector<int>{1, 1});
  EXPECT_EQ(one_class.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(one_class.status().message().find("both classes"), std::string::npos);
  EXPECT_FALSE(FitLogisticRegression(rows, std::vector<int>{0, 2}).ok());
  EXPECT_FALSE(FitLogisticRegression(rows, std::vector<int>{0}).ok());
  EXPECT_FALSE(FitLogisticRegression(Rows{{1.0f}, {1.0f, 2.0f}}, std::vector<int>{0, 1}).ok());
  EXPECT_FALSE(FitLogisticRegression(Rows{{NAN}, {1.0f}}, std::vector<int>{0, 1}).ok());
  EXPECT_FALSE(FitLogisticRegression(rows, std::vector<int>{0, 1}, {.C = 0}).ok());
}

}  // namespace
}  // namespace iris
