// SPDX-License-Identifier: MIT
#include <cmath>

#include "axes.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "reduce.hpp"

namespace slope {

Variable logsumexp(const Variable& x, long axis, bool keepdims) {
  const std::size_t ax = normalize_axis("logsumexp", axis, x.shape());
  const detail::AxisSplit sp = detail::split_at(x.shape(), ax);
  if (sp.n == 0)
    throw ValueError(
        fmt::format("logsumexp: axis {} is empty (x shape {})", axis, shape_str(x.shape())));
  // [outer, n, inner] -> [outer, inner] (or [outer, 1, inner] with keepdims)
  const Shape out_shape = detail::reduced_shape(x.shape(), {ax}, keepdims);
  // Residuals kept apart, the max m and log(sum exp(x - m)): exp(x - m - rest) in the backward
  // stays exact in float32 where exp(x - y) with y = m + rest near 1e4 would lose digits.
  Tensor shift = Tensor::zeros(out_shape, x.dtype()), rest = Tensor::zeros(out_shape, x.dtype());
  Tensor y = Tensor::zeros(out_shape, x.dtype());
  y.visit([&](auto& out) {
    using T = detail::value_t<decltype(out)>;
    const T* xp = x.value().data<T>();
    T* mp = shift.data<T>();
    T* rp = rest.data<T>();
    for (std::size_t a = 0; a < sp.outer; ++a)
      for (std::size_t b = 0; b < sp.inner; ++b) {
        const T* line = xp + a * sp.n * sp.inner + b;
        const std::size_t o = a * sp.inner + b;
        T m = line[0];
        for (std::size_t k = 1; k < sp.n; ++k) m = std::max(m, line[k * sp.inner]);
        // NOTE: shifting by the max keeps exp() in range; an infinite max is the answer itself.
        T r = 0;
        if (std::isfinite(m)) {
          double s = 0;  // in double: a line may be long
          for (std::size_t k = 0; k < sp.n; ++k) s += std::exp(line[k * sp.inner] - m);
          r = static_cast<T>(std::log(s));
        }
        mp[o] = m;
        rp[o] = r;
        out.data()[o] = m + r;
      }
  });
  return make_node(
      "logsumexp", std::move(y), {x},
      // why hand-written: log(sum(exp(x))) composed overflows at 89 in float32; this is
      // max-shifted.
      [sp, shift = std::move(shift), rest = std::move(rest)](const Tensor& g, Inputs& in) {
        Tensor dx = Tensor::zeros(in[0].shape(), g.dtype());
        dx.visit([&](auto& d) {
          using T = detail::value_t<decltype(d)>;
          const T* xp = in[0].value().data<T>();
          const T* mp = shift.data<T>();
          const T* rp = rest.data<T>();
          const T* gp = g.data<T>();
          for (std::size_t a = 0; a < sp.outer; ++a)
            for (std::size_t k = 0; k < sp.n; ++k)
              for (std::size_t b = 0; b < sp.inner; ++b) {
                const std::size_t o = a * sp.inner + b, i = (a * sp.n + k) * sp.inner + b;
                d.data()[i] = gp[o] * std::exp(xp[i] - mp[o] - rp[o]);
              }
        });
        in[0].add_grad(std::move(dx));
      },
      [axis, keepdims](const Inputs& in) { return logsumexp(in[0], axis, keepdims); });
}

namespace {
std::vector<OpCase> logsumexp_cases(std::uint64_t seed) {
  auto last = [](const Inputs& in) { return logsumexp(in[0]); };
  std::vector<OpCase> cases;
  cases.push_back({"matrix", {randn({3, 4}, seed)}, last});
  cases.push_back({"vector", {randn({5}, seed + 1)}, last});
  cases.push_back({"tensor3", {randn({2, 3, 2}, seed + 2)}, last});
  cases.push_back(
      {"axis0", {randn({3, 4}, seed + 10)}, [](const Inputs& in) { return logsumexp(in[0], 0); }});
  cases.push_back({"axis1_of_3d_keepdims", {randn({2, 3, 4}, seed + 11)}, [](const Inputs& in) {
                     return logsumexp(in[0], 1, true);
                   }});
  cases.push_back({"keepdims_broadcast", {randn({3, 4}, seed + 12)}, [](const Inputs& in) {
                     return mul(in[0], logsumexp(in[0], -1, true));
                   }});
  return cases;
}
const OpRegistration kLogsumexp("logsumexp", logsumexp_cases);
}  // namespace

}  // namespace slope
