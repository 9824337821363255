// SPDX-License-Identifier: MIT
// Built against an installed slope: one include, one backward, one checked gradient.
#include <cmath>
#include <cstdio>

#include <slope/slope.hpp>

int main() {
  slope::Variable w(slope::Tensor::from_vector({1.0, -2.0, 3.0}, {3}), /*requires_grad=*/true);
  slope::Variable loss = slope::sum(w * w);
  loss.backward();
  const double dw1 = w.grad().flat(1);  // d/dw sum(w^2) = 2w
  std::printf("loss %.1f, dloss/dw[1] %.1f, registered ops %zu\n", loss.item(), dw1,
              slope::op_registry().size());
  return std::abs(dw1 + 4.0) < 1e-12 && slope::op_registry().size() > 0 ? 0 : 1;
}
