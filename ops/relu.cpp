// SPDX-License-Identifier: MIT
#include <type_traits>

#include "op_cases.hpp"
#include "op_helpers.hpp"

namespace slope {

Variable relu(const Variable& x) {
  // NOTE: x <= 0 ? 0 : x, so a NaN passes through (as PyTorch's relu; max(x, 0) would drop it).
  // A loop over the buffers: xtensor's where() took twice its time on conv activations.
  Tensor y = x.value().visit([](const auto& a) -> Tensor {
    using T = detail::value_t<decltype(a)>;
    std::decay_t<decltype(a)> out(a.shape());
    const T* p = a.data();
    T* q = out.data();
    for (std::size_t i = 0, n = a.size(); i < n; ++i) q[i] = p[i] <= T(0) ? T(0) : p[i];
    return out;
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
