// SPDX-License-Identifier: MIT
// The README's code sample, built and run by the tests so that it cannot go stale.
#include <slope/slope.hpp>
using namespace slope;

int main() {
  Variable x(randn({4, 3}, /*seed=*/1));  // 4 examples, 3 features
  Labels y = {0, 2, 1, 2};                // their classes
  Variable W(randn({3, 3}, 2, Dtype::float64, 0.01), /*requires_grad=*/true);
  Variable b(Tensor::zeros({3}, Dtype::float64), true);
  Variable loss = softmax_cross_entropy(linear(x, W, b), y) + 1e-3 * l2(W);
  loss.backward();  // fills W.grad() and b.grad()
  fmt::print("loss {:.4f}, dL/dW[0,0] {:.6f}\n", loss.item(), W.grad().flat(0));
  auto check = gradcheck(  // the analytic gradient against finite differences
      [&](const Inputs& p) { return softmax_cross_entropy(linear(x, p[0], p[1]), y); },
      {W.value(), b.value()});
  fmt::print("{:s}\n", check);
  return check.ok ? 0 : 1;
}
