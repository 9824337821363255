// SPDX-License-Identifier: MIT
// The lecture's worked loss examples, computed by slope: the multiclass SVM on the cat / car /
// frog scores, softmax cross-entropy on the cat image, and the sanity checks (scores near 0,
// doubling a W with zero loss). Prints each number beside the lecture's and exits non-zero when
// one is off. docs/losses.md shows this program's output.
// Run with --help for the options.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli.hpp"
#include <slope/slope.hpp>

namespace {

using namespace slope;

int failures = 0;

// Prints "  <what> = <got>   (lecture <want>)" and counts it as a failure when |got - want| > tol.
void report(const std::string& what, double got, double want, double tol) {
  const bool ok = std::abs(got - want) <= tol;
  if (!ok) ++failures;
  fmt::print("  {:<44} {:>9.4f}   (lecture {:g}){}\n", what, got, want, ok ? "" : "   <-- OFF");
}

std::vector<double> row(const Tensor& t, std::size_t i) {
  const std::size_t c = t.shape()[1];
  std::vector<double> r;
  for (std::size_t j = 0; j < c; ++j) r.push_back(t.flat(i * c + j));
  return r;
}

void svm_example() {
  const char* names[] = {"cat", "car", "frog"};
  // One row per image (cat, car, frog pictures); columns are the class scores cat, car, frog.
  Variable scores(Tensor::from_vector({3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1}, {3, 3}),
                  true);
  const Labels y{0, 1, 2};
  fmt::print("Multiclass SVM, delta = 1: L_i = sum_(j != y_i) max(0, s_j - s_(y_i) + 1)\n");
  const Tensor per = multiclass_svm(scores, y, 1.0, Reduction::none).value();
  const double lecture[] = {2.9, 0.0, 12.9};
  for (std::size_t i = 0; i < 3; ++i)
    report(fmt::format("{:<4} image, scores [{:5.1f}]", names[i],
                       fmt::join(row(scores.value(), i), ", ")),
           per.flat(i), lecture[i], 1e-9);
  Variable loss = multiclass_svm(scores, y);  // Reduction::mean
  report("mean over the 3 images", loss.item(), 5.27, 0.005);
  loss.backward();
  fmt::print("  gradient of the mean loss w.r.t. the scores (1/3 per positive margin):\n");
  const double by_hand[] = {-1, 1, 0, 0, 0, 0, 1, 1, -2};
  for (std::size_t i = 0; i < 3; ++i) {
    fmt::print("    {:<4} [{:7.4f}]\n", names[i], fmt::join(row(scores.grad(), i), ", "));
    for (std::size_t j = 0; j < 3; ++j)
      if (std::abs(scores.grad().flat(i * 3 + j) - by_hand[i * 3 + j] / 3) > 1e-12) ++failures;
  }
}

void softmax_example() {
  fmt::print("\nSoftmax cross-entropy, cat image: L = -log(e^(s_cat) / sum_j e^(s_j))\n");
  const Tensor cat = Tensor::from_vector({3.2, 5.1, -1.7}, {1, 3});
  const Tensor p = class_probabilities(cat);
  fmt::print("  probabilities cat, car, frog: [{:.4f}]\n", fmt::join(row(p, 0), ", "));
  report("probability of cat", p.flat(0), 0.13, 0.005);
  const double loss = softmax_cross_entropy(Variable(cat), {0}).item();
  report("loss, natural log", loss, 2.04, 0.005);
  report("the same in log base 10 (the slide's 0.89)", loss / std::log(10.0), 0.89, 0.005);
}

void sanity_checks() {
  const std::size_t n = 50, c = 10;
  fmt::print("\nSanity checks at the first step (N = {}, C = {}, scores ~ 0):\n", n, c);
  Labels y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<std::int64_t>(i % c);
  Variable small(randn({n, c}, /*seed=*/1, Dtype::float64, /*stddev=*/1e-3));
  report("SVM loss (lecture: C - 1)", multiclass_svm(small, y).item(), double(c - 1), 0.01);
  report("softmax loss (lecture: log C)", softmax_cross_entropy(small, y).item(),
         std::log(double(c)), 0.01);

  fmt::print("\nW is not unique: a W with SVM loss 0, and 2W:\n");
  Variable x(Tensor::from_vector({1.0, 0.2, 0.1, 0.1, 1.0, 0.3, 0.2, 0.1, 1.0}, {3, 3}));
  Variable w(Tensor::from_vector({3, 0, 0, 0, 3, 0, 0, 0, 3}, {3, 3}));
  const Labels labels{0, 1, 2};
  report("SVM loss of x W", multiclass_svm(matmul(x, w), labels).item(), 0.0, 0.0);
  report("SVM loss of x (2W)", multiclass_svm(matmul(x, 2.0 * w), labels).item(), 0.0, 0.0);
  fmt::print("  ... the regularizer tells them apart: l2(W) = {}, l2(2W) = {}\n", l2(w).item(),
             l2(2.0 * w).item());
  if (!(l2(2.0 * w).item() > l2(w).item())) ++failures;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The lecture's worked loss examples, computed by slope.", "lecture_losses"};
  app.add_flag("--quick", "accepted, and changes nothing: the program is instant");
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  svm_example();
  softmax_example();
  sanity_checks();
  if (failures > 0) {
    fmt::print("\n{} number(s) differ from the lecture\n", failures);
    return 1;
  }
  fmt::print("\nall numbers match the lecture\n");
  return 0;
}
