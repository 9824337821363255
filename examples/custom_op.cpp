// SPDX-License-Identifier: MIT
// A user's own ops, written outside slope's sources: softplus and a Huber loss, each a forward
// plus a hand-written backward, registered so the gradient checker finds them, then checked.
// Usage: custom_op [--quick] [--seed N]   (see --help; the check is fast, --quick changes nothing)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "cli.hpp"
#include <slope/slope.hpp>

using slope::Inputs;
using slope::Tensor;
using slope::Variable;

// softplus(x) = log(1 + e^x), written max(x, 0) + log1p(e^-|x|) so that e^x never overflows
// (log1p(exp(x)) is inf at x = 100 in float32).  d/dx = sigmoid(x) = 1 / (1 + e^-x), which
// tends to 0 and 1 without overflowing into a NaN.
Variable softplus(const Variable& x) {
  Tensor y = slope::map(x.value(), [](const auto& a) {
    using T = typename std::decay_t<decltype(a)>::value_type;  // float or double
    return xt::maximum(a, T(0)) + xt::log1p(xt::exp(-xt::abs(a)));
  });
  return slope::make_node(
      "softplus", std::move(y), {x},
      [](const Tensor& g, Inputs& in) {
        in[0].add_grad(slope::map2("softplus", g, in[0].value(), [](const auto& d, const auto& a) {
          using T = typename std::decay_t<decltype(a)>::value_type;
          return d / (T(1) + xt::exp(-a));
        }));
      },
      [](const Inputs& in) { return softplus(in[0]); });
}

// huber_loss(p, t) = mean of h(p - t), h(r) = r^2 / 2 where |r| <= delta, else delta (|r| -
// delta/2). d/dp = clip(p - t, -delta, delta) / n; d/dt = -d/dp.
Variable huber_loss(const Variable& p, const Variable& t, double delta = 1.0) {
  slope::check_same_shape("huber_loss", "pred", p.shape(), "target", t.shape());
  Tensor r = slope::map2("huber_loss", p.value(), t.value(),
                         [](const auto& a, const auto& b) { return a - b; });
  Tensor y = slope::map(r, [delta](const auto& a) {
    using T = typename std::decay_t<decltype(a)>::value_type;
    // NOTE: no named locals in the returned expression: xtensor holds lvalues by reference.
    return xt::mean(
        xt::where(xt::abs(a) <= T(delta), T(0.5) * a * a, T(delta) * (xt::abs(a) - T(delta / 2))));
  });
  return slope::make_node(
      "huber_loss", std::move(y), {p, t},
      [r, delta](const Tensor& g, Inputs& in) {  // r is the residual the backward needs
        const double scale = g.item() / static_cast<double>(r.size());
        Tensor dp = slope::map(r, [&](const auto& a) {
          using T = typename std::decay_t<decltype(a)>::value_type;
          return xt::clip(a, T(-delta), T(delta)) * T(scale);
        });
        if (in[1].requires_grad()) in[1].add_grad(slope::map(dp, [](const auto& a) { return -a; }));
        if (in[0].requires_grad()) in[0].add_grad(std::move(dp));
      },
      [delta](const Inputs& in) { return huber_loss(in[0], in[1], delta); });
}

// Registration: float64 cases the checker runs. The predictions' spread of 2 puts residuals on
// both sides of delta = 1.
namespace {
std::vector<slope::OpCase> softplus_cases(std::uint64_t seed) {
  return {{"matrix",
           {slope::randn({3, 4}, seed, slope::Dtype::float64, 3.0)},
           [](const Inputs& in) { return softplus(in[0]); }}};
}
std::vector<slope::OpCase> huber_cases(std::uint64_t seed) {
  return {{"both_branches",
           {slope::randn({4, 3}, seed, slope::Dtype::float64, 2.0), slope::randn({4, 3}, seed + 1)},
           [](const Inputs& in) { return huber_loss(in[0], in[1]); }}};
}
const slope::OpRegistration kSoftplus("softplus", softplus_cases);
const slope::OpRegistration kHuber("huber_loss", huber_cases);
}  // namespace

// softplus far out, in float32 and float64: the values stay finite and right (1e4 + e^-1e4 is
// 1e4, e^-1e4 rounds to 0) and so does the gradient (sigmoid(+-1e4) is 1 and 0).
bool softplus_far_out_ok() {
  bool ok = true;
  for (const slope::Dtype dtype : {slope::Dtype::float32, slope::Dtype::float64}) {
    Variable x(Tensor::from_vector({1e4, -1e4, 100, 0}, {4}, dtype), true);
    Variable y = softplus(x);
    slope::sum(y).backward();
    const std::vector<double> want_y = {1e4, 0, 100, std::log(2.0)};
    const std::vector<double> want_dy = {1, 0, 1, 0.5};
    const double tol = dtype == slope::Dtype::float32 ? 1e-6 : 1e-15;
    for (std::size_t i = 0; i < want_y.size(); ++i) {
      const double v = y.value().flat(i), d = x.grad().flat(i);
      const bool right = std::isfinite(v) && std::abs(v - want_y[i]) <= tol * (1 + want_y[i]) &&
                         std::abs(d - want_dy[i]) <= tol;
      if (!right)
        std::printf("softplus(%g) in %s = %g, gradient %g: WRONG (want %g, %g)\n",
                    x.value().flat(i), slope::dtype_name(dtype), v, d, want_y[i], want_dy[i]);
      ok = ok && right;
    }
  }
  std::printf("softplus at +-1e4 and 100, float32 and float64: %s\n", ok ? "ok" : "WRONG");
  return ok;
}

int main(int argc, char** argv) {
  CLI::App app("A user's own ops (softplus, a Huber loss) registered and gradient-checked.",
               "custom_op");
  bool quick = false;
  std::uint64_t seed = 7;
  app.add_flag("--quick", quick, "accepted for the test suite; the check is already quick");
  app.add_option("--seed", seed, "seed of the ops' checked inputs")
      ->check(slope::cli::at_least(0))
      ->capture_default_str();
  if (const auto status = slope::cli::parse(app, argc, argv)) return *status;

  bool ok = softplus_far_out_ok();
  for (const char* name : {"softplus", "huber_loss"}) {
    const slope::OpInfo* op = slope::op_registry().find(name);
    if (op == nullptr) {
      std::printf("%s: not registered\n", name);
      return 1;
    }
    for (const slope::OpCase& c : op->cases(seed)) {
      const slope::GradcheckResult r =
          slope::gradcheck(c.apply, c.inputs, {}, std::string(name) + "/" + c.label);
      std::printf("%s\n", r.summary().c_str());
      ok = ok && r.ok;
    }
  }
  // A value worked by hand, in float32 (the same code path): h(-0.5) = 0.125 and h(3) = 2.5 give
  // the mean 1.3125; d/dp = clip((-0.5, 3), -1, 1) / 2 = (-0.25, 0.5).
  using slope::Dtype;
  Variable p(Tensor::from_vector({0, 3}, {2}, Dtype::float32), true);
  Variable t(Tensor::from_vector({0.5, 0}, {2}, Dtype::float32));
  Variable loss = huber_loss(p, t);
  loss.backward();
  const bool hand_ok =
      loss.item() == 1.3125 && p.grad().to_vector() == std::vector<double>{-0.25, 0.5};
  std::printf("huber_loss((0, 3), (0.5, 0)) = %g, gradient (%g, %g): %s\n", loss.item(),
              p.grad().flat(0), p.grad().flat(1),
              hand_ok ? "ok" : "WRONG (want 1.3125, (-0.25, 0.5))");
  ok = ok && hand_ok;
  return ok ? 0 : 1;
}
