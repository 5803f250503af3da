#include "classify/logistic_regression.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <string>

namespace iris {
namespace {

// log(1 + exp(u)) without overflow.
double Softplus(double u) { return u > 0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u)); }

// 1 / (1 + exp(-u)) without overflow.
double Sigmoid(double u) {
  if (u >= 0) return 1.0 / (1.0 + std::exp(-u));
  const double e = std::exp(u);
  return e / (1.0 + e);
}

double DotD(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

double MaxAbs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// The training problem with the data copied into one contiguous row-major block.
class Problem {
 public:
  Problem(std::span<const std::vector<float>> rows, std::span<const int> labels, const LogisticRegressionOptions& o)
      : n_(rows.size()), d_(rows.empty() ? 0 : rows[0].size()), inv_c_(1.0 / o.C) {
    x_.reserve(n_ * d_);
    for (const auto& r : rows) x_.insert(x_.end(), r.begin(), r.end());
    sign_.reserve(n_);
    for (int y : labels) sign_.push_back(y == 1 ? 1.0 : -1.0);
    weight_ = SampleWeights(labels, o.balanced);
    residual_.resize(n_);
  }

  std::size_t dim() const { return d_; }

  // f at p = (w, b) and its gradient (same layout as p).
  double Evaluate(const std::vector<double>& p, std::vector<double>& grad) {
    const double b = p[d_];
    double f = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const double* xi = &x_[i * d_];
      double z = b;
      for (std::size_t j = 0; j < d_; ++j) z += xi[j] * p[j];
      const double u = -sign_[i] * z;
      f += weight_[i] * Softplus(u);
      residual_[i] = -sign_[i] * weight_[i] * Sigmoid(u);  // d loss_i / d z_i
    }
    grad.assign(d_ + 1, 0.0);
    double gb = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const double r = residual_[i];
      if (r == 0) continue;
      const double* xi = &x_[i * d_];
      for (std::size_t j = 0; j < d_; ++j) grad[j] += r * xi[j];
      gb += r;
    }
    double reg = 0;
    for (std::size_t j = 0; j < d_; ++j) {
      reg += p[j] * p[j];
      grad[j] += inv_c_ * p[j];
    }
    grad[d_] = gb;
    return f + 0.5 * inv_c_ * reg;
  }

 private:
  std::size_t n_, d_;
  double inv_c_;
  std::vector<double> x_;
  std::vector<double> sign_, weight_, residual_;
};

Status Validate(std::span<const std::vector<float>> rows, std::span<const int> labels,
                const LogisticRegressionOptions& options) {
  if (rows.empty()) return InvalidArgument("logistic regression: no training samples");
  if (rows.size() != labels.size()) {
    return InvalidArgument("logistic regression: " + std::to_string(rows.size()) + " rows but " +
                           std::to_string(labels.size()) + " labels");
  }
  if (!(options.C > 0) || !std::isfinite(options.C)) return InvalidArgument("logistic regression: C must be > 0");
  const std::size_t d = rows[0].size();
  if (d == 0) return InvalidArgument("logistic regression: rows have no features");
  std::size_t positives = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != d) {
      return InvalidArgument("logistic regression: row " + std::to_string(i) + " has " +
                             std::to_string(rows[i].size()) + " features, row 0 has " + std::to_string(d));
    }
    for (float v : rows[i]) {
      if (!std::isfinite(v)) return InvalidArgument("logistic regression: row " + std::to_string(i) + " is not finite");
    }
    if (labels[i] != 0 && labels[i] != 1) {
      return InvalidArgument("logistic regression: label " + std::to_string(labels[i]) + " of row " +
                             std::to_string(i) + " is not 0 or 1");
    }
    positives += labels[i];
  }
  if (positives == 0 || positives == rows.size()) {
    return InvalidArgument("logistic regression needs samples of both classes (got only label " +
                           std::to_string(positives == 0 ? 0 : 1) + ")");
  }
  return {};
}

}  // namespace

double LogisticModel::Logit(std::span<const float> x) const {
  double z = bias;
  for (std::size_t j = 0; j < weights.size(); ++j) z += weights[j] * x[j];
  return z;
}

double LogisticModel::PredictProbability(std::span<const float> x) const { return Sigmoid(Logit(x)); }

std::vector<double> SampleWeights(std::span<const int> labels, bool balanced) {
  std::vector<double> w(labels.size(), 1.0);
  if (!balanced) return w;
  std::size_t count[2] = {0, 0};
  for (int y : labels) ++count[y == 1 ? 1 : 0];
  const double n = static_cast<double>(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::size_t c = count[labels[i] == 1 ? 1 : 0];
    w[i] = n / (2.0 * static_cast<double>(c));
  }
  return w;
}

double LogisticObjective(std::span<const std::vector<float>> rows, std::span<const int> labels,
                         const LogisticModel& model, const LogisticRegressionOptions& options,
                         std::vector<double>* gradient) {
  Problem problem(rows, labels, options);
  std::vector<double> p = model.weights;
  p.push_back(model.bias);
  std::vector<double> g;
  const double f = problem.Evaluate(p, g);
  if (gradient) *gradient = std::move(g);
  return f;
}

Result<LogisticFit> FitLogisticRegression(std::span<const std::vector<float>> rows, std::span<const int> labels,
                                          const LogisticRegressionOptions& options) {
  IRIS_RETURN_IF_ERROR(Validate(rows, labels, options));
  Problem problem(rows, labels, options);
  const std::size_t dim = problem.dim() + 1;  // weights, then the bias

  constexpr std::size_t kMemory = 10;
  constexpr double kArmijo = 1e-4;
  constexpr int kMaxBacktracks = 40;
  constexpr int kMaxFlatSteps = 10;
  constexpr double kFlatTolerance = 1e-14;  // relative change of f that is rounding, not progress
  int flat_steps = 0;
  struct Pair {
    std::vector<double> s, y;
    double rho;
  };
  std::deque<Pair> memory;

  std::vector<double> x(dim, 0.0), g, x_new(dim), g_new, direction(dim);
  double f = problem.Evaluate(x, g);
  const double tolerance = options.gradient_tolerance * std::max(1.0, MaxAbs(g));
  std::vector<double> alpha(kMemory);

  LogisticFit fit;
  int it = 0;
  for (; it < options.max_iterations; ++it) {
    if (MaxAbs(g) <= tolerance) break;
    // Two-loop recursion: direction = -H g.
    for (std::size_t j = 0; j < dim; ++j) direction[j] = -g[j];
    for (std::size_t k = memory.size(); k-- > 0;) {
      alpha[k] = memory[k].rho * DotD(memory[k].s, direction);
      for (std::size_t j = 0; j < dim; ++j) direction[j] -= alpha[k] * memory[k].y[j];
    }
    if (!memory.empty()) {
      const auto& last = memory.back();
      const double gamma = DotD(last.s, last.y) / DotD(last.y, last.y);
      for (double& v : direction) v *= gamma;
    }
    for (std::size_t k = 0; k < memory.size(); ++k) {
      const double beta = memory[k].rho * DotD(memory[k].y, direction);
      for (std::size_t j = 0; j < dim; ++j) direction[j] += (alpha[k] - beta) * memory[k].s[j];
    }
    double slope = DotD(g, direction);
    if (!(slope < 0)) {  // not a descent direction (rounding): restart from steepest descent
      memory.clear();
      for (std::size_t j = 0; j < dim; ++j) direction[j] = -g[j];
      slope = DotD(g, direction);
    }
    // First step, or right after a restart: a step of length at most 1 along -g.
    double step = memory.empty() ? std::min(1.0, 1.0 / std::sqrt(DotD(g, g))) : 1.0;
    double f_new = 0;
    bool accepted = false;
    for (int b = 0; b < kMaxBacktracks; ++b, step *= 0.5) {
      for (std::size_t j = 0; j < dim; ++j) x_new[j] = x[j] + step * direction[j];
      f_new = problem.Evaluate(x_new, g_new);
      // A strict decrease is required: near the optimum, rounding can make f_new == f pass the
      // Armijo test with ever smaller steps, which would spin without progress.
      if (f_new < f && f_new <= f + kArmijo * step * slope) {
        accepted = true;
        flat_steps = 0;
        break;
      }
      // At the rounding floor f cannot show progress any more; the full quasi-Newton step is still
      // taken while it lowers the gradient (a bounded number of times in a row).
      if (b == 0 && flat_steps < kMaxFlatSteps && f_new <= f + kFlatTolerance * std::abs(f) &&
          MaxAbs(g_new) < MaxAbs(g)) {
        accepted = true;
        ++flat_steps;
        break;
      }
    }
    if (!accepted) break;  // no decrease representable in double: at the numerical floor
    Pair pair{std::vector<double>(dim), std::vector<double>(dim), 0};
    for (std::size_t j = 0; j < dim; ++j) {
      pair.s[j] = x_new[j] - x[j];
      pair.y[j] = g_new[j] - g[j];
    }
    const double sy = DotD(pair.s, pair.y);
    if (sy > 1e-12 * DotD(pair.y, pair.y)) {  // keep the curvature pair only when it is positive
      pair.rho = 1.0 / sy;
      memory.push_back(std::move(pair));
      if (memory.size() > kMemory) memory.pop_front();
    }
    x.swap(x_new);
    g.swap(g_new);
    f = f_new;
  }

  fit.model.weights.assign(x.begin(), x.end() - 1);
  fit.model.bias = x.back();
  fit.report.iterations = it;
  fit.report.objective = f;
  fit.report.gradient_max = MaxAbs(g);
  fit.report.converged = fit.report.gradient_max <= tolerance;
  return fit;
}

}  // namespace iris
