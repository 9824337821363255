// SPDX-License-Identifier: MIT
#include <algorithm>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "axes.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "reduce.hpp"

namespace slope {

namespace {
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// The max over `axes` (sorted, distinct); `replay` re-runs the public overload that was called.
Variable max_over(const Variable& x, const std::vector<std::size_t>& axes, bool keepdims,
                  OpFn replay) {
  if (detail::reduced_count(x.shape(), axes) == 0)
    throw ValueError(fmt::format("max: the max of no elements is undefined (axes ({}), x shape {})",
                                 fmt::join(axes, ", "), shape_str(x.shape())));
  Tensor y = Tensor::zeros(detail::reduced_shape(x.shape(), axes, keepdims), x.dtype());
  // arg[o]: flat index in x of the element output o took (the first maximal one).
  std::vector<std::size_t> arg(y.size(), kNone);
  std::vector<char> tied;
  y.visit([&](auto& out) {
    using T = detail::value_t<decltype(out)>;
    const T* xp = x.value().data<T>();
    detail::for_each_reduced(x.shape(), axes, [&](std::size_t i, std::size_t o) {
      const std::size_t a = arg[o];
      // NOTE: strict > keeps the first of equal maxima; a NaN wins, so it propagates.
      if (a == kNone || xp[i] > xp[a] || (xp[i] != xp[i] && xp[a] == xp[a])) arg[o] = i;
    });
    for (std::size_t o = 0; o < out.size(); ++o) out.data()[o] = xp[arg[o]];
    if (branch_recording()) {
      tied.assign(out.size(), 0);
      detail::for_each_reduced(x.shape(), axes, [&](std::size_t i, std::size_t o) {
        if (i != arg[o] && xp[i] == xp[arg[o]]) tied[o] = 1;
      });
    }
  });
  // The branch taken by each output is which element won; a tie sits on the kink.
  BranchRecord branches;
  if (branch_recording())
    branches = record_branches(
        arg.size(), [&](std::size_t o) { return arg[o]; },
        [&](std::size_t o) { return tied[o] != 0; });
  Variable result = make_node(
      "max", std::move(y), {x},
      // why hand-written: a reduction that picks; only the winners' indices are kept.
      [arg = std::move(arg)](const Tensor& g, Inputs& in) {
        Tensor dx = Tensor::zeros(in[0].shape(), g.dtype());
        dx.visit([&](auto& d) {
          using T = detail::value_t<decltype(d)>;
          const T* gp = g.data<T>();
          for (std::size_t o = 0; o < arg.size(); ++o) d.data()[arg[o]] += gp[o];
        });
        detail::nan_where_nan(dx, in[0].value());  // NOTE: the NaN rule (op_helpers.hpp)
        in[0].add_grad(std::move(dx));
      },
      std::move(replay));
  if (branch_recording() && result.requires_grad()) result.node()->branches = branches;
  return result;
}
}  // namespace

Variable max(const Variable& x) {
  return max_over(x, detail::all_axes(x.shape()), false,
                  [](const Inputs& in) { return max(in[0]); });
}

Variable max(const Variable& x, const std::vector<long>& axes, bool keepdims) {
  return max_over(x, detail::reduce_axes("max", axes, x.shape()), keepdims,
                  [axes, keepdims](const Inputs& in) { return max(in[0], axes, keepdims); });
}

namespace {
// Distinct values at least 0.25 apart in a random order: no two elements come near a tie, so a
// finite-difference step never crosses the kink.
Tensor spread_inputs(const Shape& shape, std::uint64_t seed) {
  Tensor t = Tensor::zeros(shape, Dtype::float64);
  std::vector<std::size_t> order(t.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::uniform_real_distribution<double> jitter(0.0, 0.05);
  const double mid = 0.15 * static_cast<double>(t.size());
  for (std::size_t i = 0; i < t.size(); ++i)
    t.set_flat(i, 0.3 * static_cast<double>(order[i]) - mid + jitter(rng));
  return t;
}

std::vector<OpCase> max_cases(std::uint64_t seed) {
  auto cases = detail::unary_cases(
      seed, [](const Inputs& in) { return max(in[0]); }, spread_inputs);
  cases.push_back({"axis1", {spread_inputs({3, 4}, seed + 10)}, [](const Inputs& in) {
                     return max(in[0], {1});
                   }});
  cases.push_back({"axis0_keepdims_broadcast",
                   {spread_inputs({3, 4}, seed + 11)},
                   [](const Inputs& in) { return mul(in[0], max(in[0], {0}, true)); }});
  cases.push_back({"axes02_keepdims", {spread_inputs({2, 3, 4}, seed + 12)}, [](const Inputs& in) {
                     return max(in[0], {0, -1}, true);
                   }});
  return cases;
}
const OpRegistration kMax("max", max_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
