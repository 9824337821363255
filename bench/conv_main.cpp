// SPDX-License-Identifier: MIT
// slope_bench_conv: the convolution rows, slope against libtorch and the bare kernels slope issues,
// interleaved in one process (harness.hpp):
//   slope_bench_conv [--threads N] [--rounds N] [--chunk-ms MS] [--clock wall|cpu] [--quick]
//   slope_bench_conv --profile conv1|conv2|cnn|cnn3 [--side slope|libtorch|floor] [--steps N]
// (the second form runs one contender alone, untimed, under a profiler: perf record -g ...).
// conv1 and conv2 are the example's (examples/cnn.cpp) first and second layers at batch 64,
// forward + backward; cnn is its whole SGD step (cnn3: with conv -> relu -> pool as three ops).
// Exits non-zero when slope and libtorch disagree.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "cli.hpp"
#include "conv_rows.hpp"
#include "harness.hpp"

namespace bench {
namespace {

struct Options {
  int threads = 1;
  int rounds = 11;
  double chunk_ms = 50;
  bool cpu_clock = false;
  bool quick = false;
  std::string profile, side = "slope";
  int steps = 100;
};

std::vector<float> uniform(std::size_t n, float bound, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-bound, bound);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  return worst;
}

struct Row {
  std::string work;
  std::vector<Contender> cs;  // slope, libtorch, floor
  std::string check;
  bool ok = true;
};

void time_row(Row& r, const Options& o) {
  std::vector<Contender*> cs;
  for (auto& c : r.cs)
    if (c.present()) cs.push_back(&c);
  calibrate(cs, (o.quick ? 5 : o.chunk_ms) * 1e-3);
  time_interleaved(cs, o.quick ? 3 : o.rounds);
  auto ratio = [](const Contender& a, const Contender& b) {
    if (a.seconds.empty() || b.seconds.empty()) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fx", paired_ratio(a, b));
    return std::string(buf);
  };
  std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", r.work.c_str(),
              format_cell(r.cs[0]).c_str(), format_cell(r.cs[1]).c_str(),
              format_cell(r.cs[2]).c_str(), ratio(r.cs[0], r.cs[1]).c_str(),
              ratio(r.cs[0], r.cs[2]).c_str(), r.check.c_str());
  std::fflush(stdout);
}

struct Layer {
  const char* key;
  const char* work;
  std::size_t in, out, size;
  bool input_grad;
};
const Layer kLayers[] = {
    {"conv1", "conv1 1->32 3x3 pad 1, 28x28, batch 64, fwd+bwd (no dx)", 1, 32, 28, false},
    {"conv2", "conv2 32->64 3x3 pad 1, 14x14, batch 64, fwd+bwd", 32, 64, 14, true}};

Row layer_row(const Layer& l, const ConvLayerWork& w) {
  return {l.work,
          {{"slope", slope_conv_layer(w)},
           {"libtorch", torch_conv_layer(w)},
           {"floor", floor_conv_layer(w)}},
          "-"};
}

Row cnn_row(const CnnWork& w, bool fused = true) {
  return {fused ? "whole CNN SGD step, batch 64 (examples/cnn.cpp without dropout)"
                : "the same step, conv -> relu -> pool as three ops (no conv2d_relu_max_pool2d)",
          {{"slope", slope_cnn_step(w, fused)},
           {"libtorch", torch_cnn_step(w)},
           {"floor", floor_cnn_step(w)}},
          "-"};
}

// Runs one contender of one row `o.steps` times, untimed.
int profile(const Options& o) {
  Row r;
  for (const Layer& l : kLayers)
    if (o.profile == l.key) r = layer_row(l, conv_layer_work(l.in, l.out, l.size, l.input_grad));
  if (o.profile == "cnn" || o.profile == "cnn3") r = cnn_row(cnn_work(64), o.profile == "cnn");
  const Runner* runner = nullptr;
  for (const Contender& c : r.cs)
    if (c.name == o.side && c.present()) runner = &c.runner;
  if (!runner) {
    std::fprintf(stderr, "slope_bench_conv: nothing to profile for %s on %s\n", o.profile.c_str(),
                 o.side.c_str());
    return 2;
  }
  for (int i = 0; i < o.steps; ++i) runner->step();
  std::printf("%s %s: %d steps\n", o.side.c_str(), o.profile.c_str(), o.steps);
  return 0;
}

int run(const Options& o) {
  floor_conv_set_threads(o.threads);
  torch_set_threads(o.threads);
  if (!o.profile.empty()) return profile(o);
  set_clock(o.cpu_clock ? Clock::cpu : Clock::wall);
  print_header("slope_bench_conv", o.threads, o.cpu_clock, floor_blas_config(), torch_version());
  std::printf("\n");
  std::printf(
      "| work | slope | libtorch | floor (%s) | slope / libtorch | slope / floor | check "
      "|\n|---|---|---|---|---|---|---|\n",
      floor_conv_kernels().c_str());
  bool ok = true;
  for (const Layer& l : kLayers) {
    const ConvLayerWork w = conv_layer_work(l.in, l.out, l.size, l.input_grad);
    Row r = layer_row(l, w);
    if (r.cs[1].present()) {
      const double d = max_rel_diff(r.cs[0].runner.state(), r.cs[1].runner.state());
      r.ok = d <= 1e-3;
      char buf[64];
      std::snprintf(buf, sizeof buf, "gradients rel diff %.2g%s", d, r.ok ? "" : " (FAILED)");
      r.check = buf;
    }
    ok = ok && r.ok;
    time_row(r, o);
  }
  const CnnWork w = cnn_work(64);
  for (const bool fused : {true, false}) {
    Row r = cnn_row(w, fused);
    if (r.cs[1].present()) {
      std::vector<double> ls, lt;
      for (int i = 0; i < 5; ++i) {
        ls.push_back(r.cs[0].runner.step());
        lt.push_back(r.cs[1].runner.step());
      }
      const double d = max_rel_diff(ls, lt);
      r.ok = d <= 1e-3;
      char buf[64];
      std::snprintf(buf, sizeof buf, "loss rel diff %.2g over 5 steps%s", d,
                    r.ok ? "" : " (FAILED)");
      r.check = buf;
    }
    ok = ok && r.ok;
    time_row(r, o);
  }
  return ok ? 0 : 1;
}

}  // namespace

ConvLayerWork conv_layer_work(std::size_t in, std::size_t out, std::size_t size, bool input_grad) {
  ConvLayerWork w;
  w.in = in;
  w.out = out;
  w.size = size;
  w.input_grad = input_grad;
  const float bound = 1.0f / std::sqrt(float(in * w.kernel * w.kernel));
  const std::size_t o = w.out_size();
  w.x = uniform(w.batch * in * size * size, 1.0f, 1);
  w.w = uniform(out * in * w.kernel * w.kernel, bound, 2);
  w.b = uniform(out, bound, 3);
  w.g = uniform(w.batch * out * o * o, 1.0f, 4);
  return w;
}

CnnWork cnn_work(std::size_t batch) {
  CnnWork w;
  w.batch = batch;
  w.x = uniform(w.batches * batch * 784, 1.0f, 5);
  std::mt19937 rng(6);
  for (std::size_t i = 0; i < w.batches * batch; ++i) w.y.push_back(std::int64_t(rng() % 10));
  auto layer = [](std::size_t fan_in, std::size_t n, std::uint32_t seed) {
    return uniform(n, 1.0f / std::sqrt(float(fan_in)), seed);
  };
  w.c1w = layer(9, 32 * 9, 7);
  w.c1b = layer(9, 32, 8);
  w.c2w = layer(288, 64 * 288, 9);
  w.c2b = layer(288, 64, 10);
  w.f1w = layer(3136, 3136 * 128, 11);
  w.f1b = layer(3136, 128, 12);
  w.f2w = layer(128, 128 * 10, 13);
  w.f2b = layer(128, 10, 14);
  return w;
}

}  // namespace bench

int main(int argc, char** argv) try {
  bench::Options o;
  if (const char* env = std::getenv("OPENBLAS_NUM_THREADS"))
    o.threads = std::max(1, std::atoi(env));
  std::string clock = "wall";
  CLI::App app{"The convolution rows: slope, libtorch and the bare kernels side by side.",
               "slope_bench_conv"};
  using namespace slope::cli;
  app.add_option("--threads", o.threads, "BLAS and libtorch threads (default OPENBLAS_NUM_THREADS)")
      ->check(at_least(1));
  app.add_option("--rounds", o.rounds, "timed rounds per row")->check(at_least(1));
  app.add_option("--chunk-ms", o.chunk_ms, "milliseconds per contender per round")
      ->check(positive());
  app.add_option("--clock", clock, "what times the steps: wall time or this process's CPU time")
      ->check(CLI::IsMember({"wall", "cpu"}));
  app.add_flag("--quick", o.quick, "3 short rounds (the test suite's run)");
  app.add_option("--profile", o.profile, "run one row's contender alone, untimed")
      ->check(CLI::IsMember({"conv1", "conv2", "cnn", "cnn3"}));
  app.add_option("--side", o.side, "the contender --profile runs")
      ->check(CLI::IsMember({"slope", "libtorch", "floor"}));
  app.add_option("--steps", o.steps, "steps --profile runs")->check(at_least(1));
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;
  o.cpu_clock = clock == "cpu";
  return bench::run(o);
} catch (const std::exception& e) {
  std::fprintf(stderr, "slope_bench_conv: %s\n", e.what());
  return 2;
}
