// SPDX-License-Identifier: MIT
// slope_bench_anomaly: the cost of anomaly mode. Times a tiny-graph step (sum(relu(a * b + c)) on
// 2x2, forward and backward) and an MLP step (784 -> 128 -> 10 on a batch of 64, float32, softmax
// cross-entropy, forward, backward and an SGD update) with anomaly mode off and on, and prints
// microseconds per step (the fastest of 15 rounds) and the ratio. Built on a tree without anomaly
// mode (no <slope/graph/anomaly.hpp>) it times the "off" rows only: the baseline before it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

#include <slope/slope.hpp>

#if __has_include(<slope/graph/anomaly.hpp>)
#define BENCH_HAVE_ANOMALY 1
#else
#define BENCH_HAVE_ANOMALY 0
#endif

namespace {
using slope::Dtype;
using slope::Tensor;
using slope::Variable;

// The mean time of `reps` calls, in microseconds.
double round_us(const std::function<void()>& step, int reps) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) step();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / reps;
}

void sgd(Variable& p, float lr) {
  if (!p.has_grad()) return;
  float* v = p.value().data<float>();
  const float* g = std::as_const(p).grad().data<float>();
  for (std::size_t i = 0; i < p.size(); ++i) v[i] -= lr * g[i];
  p.zero_grad();
}

// Off and on rounds alternate, so that both see the same load; the fastest round of each is the
// figure (the least disturbed by other processes).
void row(const char* name, const std::function<void()>& step, int reps) {
  for (int i = 0; i < reps / 10 + 1; ++i) step();  // warm the caches and the allocator
  double off = 1e300;
#if BENCH_HAVE_ANOMALY
  double on = 1e300;
  for (int r = 0; r < 15; ++r) {
    off = std::min(off, round_us(step, reps));
    slope::AnomalyGuard guard;
    on = std::min(on, round_us(step, reps));
  }
  std::printf("%-28s off %9.2f us   on %9.2f us   on/off %.2fx\n", name, off, on, on / off);
#else
  for (int r = 0; r < 15; ++r) off = std::min(off, round_us(step, reps));
  std::printf("%-28s off %9.2f us   (no anomaly mode in this tree)\n", name, off);
#endif
}
}  // namespace

int main() {
  Variable a(Tensor::from_vector({1.0, -2.0, 3.0, 0.5}, {2, 2}, Dtype::float32), true);
  Variable b(Tensor::from_vector({0.5, 1.0, -1.0, 2.0}, {2, 2}, Dtype::float32), true);
  Variable c(Tensor::from_vector({0.1, 0.2, 0.3, -0.4}, {2, 2}, Dtype::float32), true);
  row(
      "tiny graph step (2x2)",
      [&] {
        Variable y = slope::sum(slope::relu(a * b + c));
        y.backward();
        a.zero_grad();
        b.zero_grad();
        c.zero_grad();
      },
      20000);

  const std::size_t batch = 64, d = 784, h = 128, k = 10;
  const Variable x(slope::randn({batch, d}, 1, Dtype::float32, 1.0));
  slope::Labels y;
  for (std::size_t i = 0; i < batch; ++i) y.push_back(static_cast<std::int64_t>(i % k));
  Variable w1(slope::randn({d, h}, 2, Dtype::float32, 0.05), true);
  Variable b1(Tensor::zeros({h}, Dtype::float32), true);
  Variable w2(slope::randn({h, k}, 3, Dtype::float32, 0.1), true);
  Variable b2(Tensor::zeros({k}, Dtype::float32), true);
  row(
      "MLP step (64x784-128-10)",
      [&] {
        Variable scores = slope::linear(slope::relu(slope::linear(x, w1, b1)), w2, b2);
        Variable loss = slope::softmax_cross_entropy(scores, y);
        loss.backward();
        for (Variable* p : {&w1, &b1, &w2, &b2}) sgd(*p, 0.01f);
      },
      300);
  return 0;
}
