// SPDX-License-Identifier: MIT
// Softmax cross-entropy, fused: the forward computes the max-shifted row softmax once and keeps
// p - onehot(y) as the residual; the backward scales it into the gradient in one pass.
#include <cmath>
#include <random>

#include "../graph/errors.hpp"
#include "elementwise.hpp"
#include "loss.hpp"
#include "loss_common.hpp"
#include "op_cases.hpp"
#include "reduce.hpp"
#include "row_softmax.hpp"

namespace slope {

Variable softmax_cross_entropy(const Variable& scores, const Labels& y, Reduction reduction) {
  const char* op = "softmax_cross_entropy";
  check_scores_and_labels(op, scores.shape(), y);
  const std::size_t n = scores.shape()[0], c = scores.shape()[1];
  std::vector<double> losses(n), sums(n), shift(n);
  Tensor r = scores.value().visit([&](const auto& s) -> Tensor {
    using A = std::decay_t<decltype(s)>;
    using T = typename A::value_type;
    A p(s.shape());  // [N, C]: p, then p - onehot(y) = dL_i/ds_i
    detail::row_softmax(s, p, c, /*log=*/false, shift.data(), sums.data());
    for (std::size_t i = 0; i < n; ++i) {
      const auto label = static_cast<std::size_t>(y[i]);
      // L_i = log sum_j exp(s_ij - m_i) - (s_iy - m_i), never log(p_iy), which underflows to 0.
      losses[i] = std::log(sums[i]) - (static_cast<double>(s.data()[i * c + label]) - shift[i]);
      p.data()[i * c + label] -= T(1);
    }
    return p;
  });
  return make_node(
      op, detail::reduce_losses(losses, reduction, scores.dtype()), {scores},
      // why hand-written: fused and max-shifted; composed, exp(s) overflows and log(p) underflows.
      [r = std::move(r), reduction](const Tensor& g, Inputs& in) {
        if (in[0].requires_grad()) detail::add_scaled_rows(in[0], r, g, reduction);
      },
      [y, reduction](const Inputs& in) { return softmax_cross_entropy(in[0], y, reduction); });
}

Tensor class_probabilities(const Tensor& scores) {
  const char* op = "class_probabilities";
  check_dim(op, "scores", scores.shape(), 2);
  check_not_empty(op, "scores", scores.shape());
  return scores.visit([&](const auto& s) -> Tensor {
    std::decay_t<decltype(s)> p(s.shape());  // [N, C]
    detail::row_softmax(s, p, s.shape()[1], /*log=*/false);
    return p;
  });
}

namespace {
OpCase softmax_case(const char* label, std::size_t n, std::size_t c, double scale,
                    Reduction reduction, std::uint64_t seed) {
  Labels y(n);
  std::mt19937_64 rng(seed);
  for (auto& v : y) v = static_cast<std::int64_t>(rng() % c);
  return {label, {randn({n, c}, seed, Dtype::float64, scale)}, [y, reduction](const Inputs& in) {
            return softmax_cross_entropy(in[0], y, reduction);
          }};
}

std::vector<OpCase> softmax_cross_entropy_cases(std::uint64_t seed) {
  std::vector<OpCase> out{softmax_case("mean", 4, 3, 1.0, Reduction::mean, seed),
                          softmax_case("sum", 3, 5, 1.0, Reduction::sum, seed + 1),
                          softmax_case("none", 5, 4, 1.0, Reduction::none, seed + 2),
                          softmax_case("wide_scores", 4, 6, 3.0, Reduction::mean, seed + 3),
                          softmax_case("one_class", 3, 1, 1.0, Reduction::mean, seed + 4)};
  // Reuse: the scores also feed a second path, so the gradient accumulates from two closures.
  OpCase reuse = softmax_case("reuse", 3, 4, 1.0, Reduction::mean, seed + 5);
  reuse.apply = [f = reuse.apply](const Inputs& in) { return mul(f(in), sum(in[0])); };
  out.push_back(std::move(reuse));
  return out;
}
const OpRegistration kSoftmaxCrossEntropy("softmax_cross_entropy", softmax_cross_entropy_cases);
}  // namespace

}  // namespace slope
