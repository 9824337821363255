// SPDX-License-Identifier: MIT
#include "../graph/broadcast.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"

namespace slope {

Variable relu(const Variable& x) {
  Tensor y = map(x.value(), [](const auto& a) {
    return xt::maximum(a, typename std::decay_t<decltype(a)>::value_type(0));
  });
  Variable out = make_node(
      "relu", std::move(y), {x},
      [](const Tensor& g, Inputs& in) {
        // NOTE: the kink x = 0 gets gradient 0, as PyTorch's relu does.
        Tensor dx = g;
        dx.visit([&in](auto& d) {
          using T = typename std::decay_t<decltype(d)>::value_type;
          const T* a = in[0].value().data<T>();
          for (std::size_t i = 0; i < d.size(); ++i)
            if (!(a[i] > 0)) d.data()[i] = T(0);
        });
        in[0].add_grad(std::move(dx));
      },
      [](const Inputs& in) { return relu(in[0]); });
  if (branch_recording() && out.requires_grad())
    out.node()->branches = record_branches(
        x.size(), [&](std::size_t i) { return x.value().flat(i) > 0 ? 1 : 0; },
        [&](std::size_t i) { return x.value().flat(i) == 0; });
  return out;
}

namespace {
std::vector<OpCase> relu_cases(std::uint64_t seed) {
  return detail::unary_cases(
      seed, [](const Inputs& in) { return relu(in[0]); }, detail::nonzero_inputs);
}
const OpRegistration kRelu("relu", relu_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
