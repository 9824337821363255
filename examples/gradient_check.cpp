// SPDX-License-Identifier: MIT
// The lecture's "always use the analytic gradient, but check it with the numeric one", made
// concrete on the linear classifier s = x W + b (W 784 x 10, b 10, batch 64, float64):
//   1. the analytic gradient (one backward) against the numeric one (central differences) for
//      every one of the 7,850 parameters, with the relative errors, for the softmax loss;
//   2. the cost: the full numeric gradient takes 2 x 7,850 forward passes, timed against one
//      backward, and the ratio;
//   3. the same check for the multiclass SVM loss, whose hinge has kinks the checker watches.
// Fashion-MNIST from --data (default: Debian's dataset-fashion-mnist); with --quick, synthetic data
// when it is not installed. --quick pools the images to 7 x 7 (W 49 x 10, batch 16) for the test
// suite. Exits non-zero when a check fails.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include <slope/slope.hpp>

namespace {

using namespace slope;
using Clock = std::chrono::steady_clock;

struct Args {
  bool quick = false;
  std::string data = kFashionMnistDir;
  std::uint64_t seed = 7;
};

void add_flags(CLI::App& app, Args& a) {
  app.add_flag("--quick", a.quick,
               "a small model (7 x 7 pooled images, batch 16): the test suite's run; synthetic "
               "data when Fashion-MNIST is not installed");
  app.add_option("--data", a.data, "the directory of Fashion-MNIST's IDX files")
      ->capture_default_str();
  app.add_option("--seed", a.seed, "seed of the batch choice, the initial W and the checker")
      ->check(slope::cli::at_least(0))
      ->capture_default_str();
}

struct CheckBatch {
  Tensor x;  // float64 [N, D], pixels in [0, 1]
  Labels y;
  std::string source;
};

// 4 x 4 average pooling of 28 x 28 images: [N, 784] -> [N, 49].
Tensor pool(const Tensor& x) {
  const std::size_t n = x.shape()[0];
  Tensor out = Tensor::zeros({n, 49}, Dtype::float64);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < 784; ++p)
      out.set_flat(i * 49 + (p / 28 / 4) * 7 + (p % 28) / 4,
                   out.flat(i * 49 + (p / 28 / 4) * 7 + (p % 28) / 4) + x.flat(i * 784 + p) / 16);
  return out;
}

// n training images drawn at random: Fashion-MNIST's, or with --quick and no data set installed,
// synthetic ones (data/source.hpp: a corrupt file is an error, never replaced).
CheckBatch load_batch(const Args& a, std::size_t n) {
  const DataSource source = choose_data_source(a.data, a.quick);
  if (source.synthetic) fmt::print("{}\n", source.note);
  const TrainTest data = source.synthetic ? synthetic_fashion_mnist(1000, 0, a.seed)
                                          : load_fashion_mnist(a.data, 1000, 1);
  std::vector<std::size_t> rows(data.train.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  std::mt19937_64 rng(a.seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  rows.resize(n);
  const Dataset d = subset(data.train, rows);
  CheckBatch b;
  b.x = d.x.to(Dtype::float64);
  b.y = d.y;
  b.source = source.synthetic ? fmt::format("{} synthetic images (10 Gaussian blobs)", n)
                              : fmt::format("{} Fashion-MNIST training images from {}", n, a.data);
  if (a.quick) b.x = pool(b.x);
  return b;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Median time of one forward pass as the numeric gradient runs it: under NoGradGuard.
double forward_seconds(const std::function<Variable()>& loss, int repeats) {
  std::vector<double> t;
  NoGradGuard no_grad;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    const Variable l = loss();
    t.push_back(seconds_since(t0));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Median time of one backward through a fresh forward graph (the forward is not timed).
double backward_seconds(const std::function<Variable()>& loss, const std::vector<Variable>& params,
                        int repeats) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    for (auto p : params) p.zero_grad();
    Variable l = loss();
    const auto t0 = Clock::now();
    l.backward();
    t.push_back(seconds_since(t0));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The CS231n-style lines: a few coordinates with analytic, numeric and relative error.
void print_sample_coordinates(const InputReport& row, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::size_t k = 0; k < count && !row.coordinates.empty(); ++k) {
    const CoordinateCheck& c = row.coordinates[rng() % row.coordinates.size()];
    fmt::print("  {}{:<10} analytic {:>+.9e}  numeric {:>+.9e}  rel error {:.2e}\n", row.name,
               index_str(c.index, row.shape), c.analytic, c.numeric, c.rel_error);
  }
}

// Relative errors in the bands of the CS231n notes.
void print_error_bands(const GradcheckResult& r) {
  std::size_t bands[4] = {0, 0, 0, 0};
  for (const auto& row : r.inputs)
    for (const auto& c : row.coordinates)
      ++bands[c.rel_error > 1e-2 ? 3 : c.rel_error > 1e-4 ? 2 : c.rel_error > 1e-7 ? 1 : 0];
  fmt::print(
      "  relative errors: {} below 1e-7 (right), {} in 1e-7..1e-4, {} in 1e-4..1e-2, {} above "
      "1e-2 (wrong)\n",
      bands[0], bands[1], bands[2], bands[3]);
}

}  // namespace

int main(int argc, char** argv) try {
  Args a;
  CLI::App app{"The analytic gradient of a linear classifier against the numeric one.",
               "gradient_check"};
  add_flags(app, a);
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  const std::size_t n = a.quick ? 16 : 64;
  const CheckBatch batch = load_batch(a, n);
  const std::size_t d = batch.x.shape()[1], c = 10;
  const std::size_t params_count = d * c + c;
  fmt::print("data: {}\nmodel: s = x W + b, W ({}, {}), b ({}), {} parameters, float64\n\n",
             batch.source, d, c, c, params_count);

  Variable w(randn({d, c}, a.seed + 2, Dtype::float64, 0.001), true);  // small random W
  Variable b(Tensor::zeros({c}, Dtype::float64), true);
  const Variable x(batch.x);
  const Labels& y = batch.y;
  auto softmax_loss = [&] { return softmax_cross_entropy(linear(x, w, b), y); };
  auto svm_loss = [&] { return multiclass_svm(linear(x, w, b), y); };

  // 1. Softmax: every parameter, central differences.
  GradcheckOptions full;
  full.samples = 0;  // every coordinate: the full numeric gradient
  full.seed = a.seed;
  const auto t0 = Clock::now();
  const std::clock_t c0 = std::clock();
  const GradcheckResult soft = gradcheck_model(softmax_loss, {w, b}, full, "softmax", {"W", "b"});
  const double numeric_s = seconds_since(t0);
  // CPU time too: on a busy machine the wall time counts other programs' turns.
  const double numeric_cpu_s = double(std::clock() - c0) / CLOCKS_PER_SEC;
  fmt::print("== softmax loss {:.6f}: analytic vs numeric gradient of all {} parameters\n",
             softmax_loss().item(), params_count);
  print_sample_coordinates(soft.inputs[0], 5, a.seed);
  print_sample_coordinates(soft.inputs[1], 2, a.seed);
  print_error_bands(soft);
  fmt::print("{}\n", soft);

  // 2. The cost: 2 forward passes per parameter against one backward.
  const double backward_s = backward_seconds(softmax_loss, {w, b}, 51);
  const double forward_s = forward_seconds(softmax_loss, 51);
  fmt::print("== the cost of the numeric gradient\n");
  fmt::print("  numeric gradient, {} parameters ({} forward passes): {:.3f} s CPU, {:.3f} s wall\n",
             params_count, 2 * params_count, numeric_cpu_s, numeric_s);
  fmt::print("  per forward pass inside the check:  {:8.1f} us CPU\n",
             1e6 * numeric_cpu_s / (2 * params_count));
  fmt::print("  one forward pass (NoGradGuard):     {:8.1f} us (median)\n", 1e6 * forward_s);
  fmt::print("  one backward (analytic gradient):   {:8.1f} us (median)\n", 1e6 * backward_s);
  fmt::print(
      "  ratio: the numeric gradient costs {:.0f} backwards (CPU time / backward median)\n\n",
      numeric_cpu_s / backward_s);

  // 3. SVM: the hinge records which margins are positive, so kinks are classified, not guessed.
  GradcheckOptions sampled;
  sampled.seed = a.seed;
  const GradcheckResult svm = gradcheck_model(svm_loss, {w, b}, sampled, "svm", {"W", "b"});
  fmt::print("== multiclass SVM loss {:.6f}: sampled check\n", svm_loss().item());
  print_error_bands(svm);
  fmt::print("{}\n", svm);

  const bool ok = soft.ok && svm.ok;
  fmt::print("gradient check: {}\n", ok ? "passed" : "FAILED");
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  fmt::print(stderr, "gradient_check: {}\n", e.what());
  return 2;
}
