// SPDX-License-Identifier: MIT
#include "op_cases.hpp"
#include "op_helpers.hpp"

namespace slope {

Variable relu(const Variable& x) {
  // NOTE: x <= 0 ? 0 : x, so a NaN passes through (as PyTorch's relu; max(x, 0) would drop it).
  Tensor y = map(x.value(), [](const auto& a) {
    using T = detail::value_t<decltype(a)>;
    return xt::where(a <= T(0), T(0), a);
  });
  Variable out = make_node(
      "relu", std::move(y), {x},
      // why hand-written: where(x > 0, x, 0) would build a mask tensor and a second node.
      [](const Tensor& g, Inputs& in) {
        // NOTE: the kink x = 0 gets gradient 0, as PyTorch's relu does; a NaN x gets NaN.
        detail::add_unary_grad(
            in[0], g, [](auto d, auto a) { return a > 0 ? d : detail::nan_or(a, decltype(a)(0)); });
      },
      [](const Inputs& in) { return relu(in[0]); });
  detail::record_kinks(
      out, x.value(), [](auto v) { return v > 0 ? 1 : 0; }, [](auto v) { return v == 0; });
  return out;
}

namespace {
const OpRegistration kRelu("relu", detail::unary_op(relu, detail::nonzero_inputs),
                           /*has_kinks=*/true);
}  // namespace

}  // namespace slope
