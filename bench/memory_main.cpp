// SPDX-License-Identifier: MIT
// slope_bench_memory: slope's side of the peak-memory row, in a program of its own so that no
// libtorch library inflates its resident set. Loads Fashion-MNIST's training set into one float32
// tensor [60000, 784] (188 MB) and trains a softmax classifier with SGD, batch 128, the rows
// shuffled each epoch, printing the resident set size after each epoch.
//   slope_bench_memory [--epochs N]
// It also measures other programs (the examples) from a small process, since a child's ru_maxrss
// starts from its spawner's peak on Linux:
//   slope_bench_memory --measure -- PROGRAM ARGS...   prints "peak X MB" (wait4's ru_maxrss)
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "problem.hpp"
#include <slope/slope.hpp>

extern char** environ;

namespace {
int measure(char** argv) {
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv, environ) != 0) {
    std::printf("cannot run %s\n", argv[0]);
    return 2;
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  std::printf("peak %.1f MB\n", static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e6);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

using slope::Array;
using slope::Shape;
using slope::Tensor;
using slope::Variable;

void sgd_update(Variable& p, float lr) {
  float* v = p.value().data<float>();
  const float* g = p.grad().data<float>();
  for (std::size_t i = 0; i < p.size(); ++i) v[i] -= lr * g[i];
  p.zero_grad();
}

int run(int epochs) {
  const std::size_t n = 60000, d = 784, c = 10, batch = 128;
  // Filled row by row while decoding: the compressed file never sits in memory whole.
  Array<float> x;
  const slope::Labels labels =
      bench::read_train_set(bench::data_dir(), [&x, n, d](std::size_t rows, std::size_t dim) {
        if (rows != n || dim != d)
          throw slope::ValueError(
              fmt::format("slope_bench_memory: {} images of {} pixels, not "
                          "Fashion-MNIST's {} of {}",
                          rows, dim, n, d));
        x = Array<float>(Shape{n, d});
        return x.data();
      });
  std::printf("loaded %.1f MB\n", bench::current_rss_mb());
  const auto w0 = bench::init_weights(d, c, 11, 0.01f);
  Array<float> w_init(Shape{d, c});
  std::copy(w0.begin(), w0.end(), w_init.data());
  Variable w(Tensor(std::move(w_init)), true);
  Variable b(Tensor::zeros({c}, slope::Dtype::float32), true);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(3);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double total = 0;
    for (std::size_t s = 0; s + batch <= n; s += batch) {
      Array<float> xb(Shape{batch, d});  // [B, D] gathered from the shuffled rows
      slope::Labels yb(batch);
      for (std::size_t i = 0; i < batch; ++i) {
        const float* src = x.data() + order[s + i] * d;
        std::copy(src, src + d, xb.data() + i * d);
        yb[i] = labels[order[s + i]];
      }
      Variable loss =
          slope::softmax_cross_entropy(slope::linear(Variable(Tensor(std::move(xb))), w, b), yb);
      loss.backward();
      sgd_update(w, 0.2f);
      sgd_update(b, 0.2f);
      total += loss.item();
    }
    std::printf("epoch %d loss %.4f rss %.1f MB\n", epoch + 1, total / double(n / batch),
                bench::current_rss_mb());
  }
  std::printf("peak %.1f MB\n", bench::peak_rss_mb());
  return 0;
}
}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"slope's side of slope_bench's peak-memory row, or the peak memory of a program.",
               "slope_bench_memory"};
  int epochs = 2;
  bool measure_it = false;
  std::vector<std::string> command;
  app.add_option("--epochs", epochs, "training epochs")
      ->check(slope::cli::at_least(1))
      ->capture_default_str();
  app.add_flag("--measure", measure_it,
               "run the command after `--` and print its peak memory (wait4's ru_maxrss)");
  app.add_option("command", command, "with --measure: PROGRAM ARGS...");
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  if (measure_it != !command.empty()) {
    std::fprintf(stderr,
                 "slope_bench_memory: --measure needs a command after `--`, and a command "
                 "needs --measure (see --help)\n");
    return slope::cli::kUsageError;
  }
  if (measure_it) {
    std::vector<char*> args;
    for (auto& word : command) args.push_back(word.data());
    args.push_back(nullptr);
    return measure(args.data());
  }
  return run(epochs);
} catch (const std::exception& e) {
  std::fprintf(stderr, "slope_bench_memory: %s\n", e.what());
  return 2;
}
