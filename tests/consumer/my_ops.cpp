// SPDX-License-Identifier: MIT
// A user's op library, built outside slope's tree against the installed package: softplus, and
// bad_softplus whose backward is wrong at flat index 2 (it must fail the checker by name and
// index). Its static OpRegistration objects add both ops when the library loads, be it linked
// into a program or loaded by `slope-gradcheck --load`.
#include <slope/slope.hpp>

using slope::Inputs;
using slope::Tensor;
using slope::Variable;

namespace {

// softplus(x) = max(x, 0) + log1p(exp(-|x|)), finite for every x; d/dx = 1 / (1 + exp(-x)).
Variable softplus(const Variable& x, bool broken) {
  Tensor y = slope::map(x.value(), [](const auto& a) {
    using T = typename std::decay_t<decltype(a)>::value_type;
    return xt::maximum(a, T(0)) + xt::log1p(xt::exp(-xt::abs(a)));
  });
  return slope::make_node(
      broken ? "bad_softplus" : "softplus", std::move(y), {x},
      [broken](const Tensor& g, Inputs& in) {
        Tensor dx = slope::map2("softplus", g, in[0].value(), [](const auto& d, const auto& a) {
          using T = typename std::decay_t<decltype(a)>::value_type;
          return d / (T(1) + xt::exp(-a));
        });
        if (broken) dx.set_flat(2, 0.0);  // the deliberate bug
        in[0].add_grad(std::move(dx));
      },
      [broken](const Inputs& in) { return softplus(in[0], broken); });
}

std::vector<slope::OpCase> cases(std::uint64_t seed, bool broken) {
  return {{"matrix",
           {slope::randn({3, 4}, seed, slope::Dtype::float64, 3.0)},
           [broken](const Inputs& in) { return softplus(in[0], broken); }}};
}

const slope::OpRegistration kSoftplus("softplus", [](std::uint64_t s) { return cases(s, false); });
const slope::OpRegistration kBadSoftplus("bad_softplus",
                                         [](std::uint64_t s) { return cases(s, true); });

}  // namespace
