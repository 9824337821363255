// SPDX-License-Identifier: MIT
// The multiclass SVM (hinge) loss and its squared variant, fused: the forward computes each
// margin once and keeps dL_i/ds_i; the backward scales it into the gradient in one pass.
#include <cmath>
#include <random>

#include "../graph/errors.hpp"
#include "elementwise.hpp"
#include "loss.hpp"
#include "loss_common.hpp"
#include "op_cases.hpp"
#include "reduce.hpp"

namespace slope {

namespace {
// NOTE: margins are formed in double, so float32 scores lose nothing to cancellation in
// s_j - s_y + delta before the comparison with 0 (the kink).
template <class T>
double margin(const T* row, std::size_t j, std::size_t label, double delta) {
  return static_cast<double>(row[j]) - static_cast<double>(row[label]) + delta;
}

// One pass over s [N, C]: per-example losses and r = dL_i/ds_i [N, C].
template <class T>
void hinge_rows(const T* s, std::size_t n, std::size_t c, const Labels& y, double delta,
                bool squared, T* r, double* losses) {
  for (std::size_t i = 0; i < n; ++i) {
    const T* row = s + i * c;
    T* ri = r + i * c;
    const auto label = static_cast<std::size_t>(y[i]);
    double loss = 0.0, d_label = 0.0;
    for (std::size_t j = 0; j < c; ++j) {
      const double m = margin(row, j, label, delta);
      // NOTE: the kink m = 0 takes the subgradient 0 (strict >), as PyTorch's multi_margin_loss.
      // A NaN margin is no "m <= 0": it makes the loss and its gradient NaN (the NaN rule).
      const bool nan = m != m;
      if (j == label || !(m > 0 || nan)) {
        ri[j] = T(0);
        continue;
      }
      loss += squared ? m * m : m;
      const double d = squared ? 2 * m : nan ? m : 1.0;
      ri[j] = static_cast<T>(d);
      d_label += d;
    }
    ri[label] = static_cast<T>(0.0 - d_label);  // +0, not -0, when no margin is positive
    losses[i] = loss;
  }
}

Variable hinge(const char* op, const Variable& scores, const Labels& y, double delta,
               Reduction reduction, bool squared) {
  check_scores_and_labels(op, scores.shape(), y);
  check_coefficient(op, "delta", delta);
  const std::size_t n = scores.shape()[0], c = scores.shape()[1];
  std::vector<double> losses(n);
  Tensor r = scores.value().visit([&](const auto& s) -> Tensor {
    std::decay_t<decltype(s)> out(s.shape());  // [N, C]: dL_i/ds_ij
    hinge_rows(s.data(), n, c, y, delta, squared, out.data(), losses.data());
    return out;
  });
  Variable out = make_node(
      op, detail::reduce_losses(losses, reduction, scores.dtype()), {scores},
      // why hand-written: fused; one pass keeps dL/ds (tested against its composed twin).
      [r = std::move(r), reduction](const Tensor& g, Inputs& in) {
        if (in[0].requires_grad()) detail::add_scaled_rows(in[0], r, g, reduction);
      },
      [y, delta, reduction, squared](const Inputs& in) {
        return squared ? squared_hinge(in[0], y, delta, reduction)
                       : multiclass_svm(in[0], y, delta, reduction);
      });
  if (branch_recording() && out.requires_grad()) {
    // Which margins are positive: the branch of each max(0, m_ij).
    scores.value().visit([&](const auto& s) {
      auto m = [&](std::size_t k) {
        const auto label = static_cast<std::size_t>(y[k / c]);
        return k % c == label ? -1.0 : margin(s.data() + (k / c) * c, k % c, label, delta);
      };
      out.node()->branches = record_branches(
          n * c, [&](std::size_t k) { return m(k) > 0 ? 1 : 0; },
          [&](std::size_t k) { return k % c != static_cast<std::size_t>(y[k / c]) && m(k) == 0; });
    });
  }
  return out;
}
}  // namespace

Variable multiclass_svm(const Variable& scores, const Labels& y, double delta,
                        Reduction reduction) {
  return hinge("multiclass_svm", scores, y, delta, reduction, /*squared=*/false);
}

Variable squared_hinge(const Variable& scores, const Labels& y, double delta, Reduction reduction) {
  return hinge("squared_hinge", scores, y, delta, reduction, /*squared=*/true);
}

namespace {
// Random scores [N, C] whose margins all sit at least 0.3 away from the kink at 0, and labels.
OpCase hinge_case(const char* label, std::size_t n, std::size_t c, double delta,
                  Reduction reduction, bool squared, std::uint64_t seed) {
  Tensor s = randn({n, c}, seed);
  Labels y(n);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = static_cast<std::int64_t>(rng() % c);
    const double sy = s.flat(i * c + static_cast<std::size_t>(y[i]));
    for (std::size_t j = 0; j < c; ++j) {
      const double m = s.flat(i * c + j) - sy + delta;
      if (j != static_cast<std::size_t>(y[i]) && std::abs(m) < 0.3)
        s.set_flat(i * c + j, s.flat(i * c + j) + 0.6);
    }
  }
  auto f = [y, delta, reduction, squared](const Inputs& in) {
    return squared ? squared_hinge(in[0], y, delta, reduction)
                   : multiclass_svm(in[0], y, delta, reduction);
  };
  return {label, {s}, f};
}

std::vector<OpCase> cases(std::uint64_t seed, bool squared) {
  std::vector<OpCase> out{hinge_case("mean", 4, 3, 1.0, Reduction::mean, squared, seed),
                          hinge_case("sum", 3, 4, 1.0, Reduction::sum, squared, seed + 1),
                          hinge_case("none", 5, 4, 1.0, Reduction::none, squared, seed + 2),
                          hinge_case("delta_half", 4, 6, 0.5, Reduction::mean, squared, seed + 3),
                          hinge_case("one_row", 1, 3, 2.0, Reduction::mean, squared, seed + 4)};
  // Reuse: the scores also feed a second path, so the gradient accumulates from two closures.
  OpCase reuse = hinge_case("reuse", 3, 4, 1.0, Reduction::mean, squared, seed + 5);
  reuse.apply = [f = reuse.apply](const Inputs& in) { return mul(f(in), sum(in[0])); };
  out.push_back(std::move(reuse));
  return out;
}
std::vector<OpCase> svm_cases(std::uint64_t seed) { return cases(seed, false); }
std::vector<OpCase> squared_hinge_cases(std::uint64_t seed) { return cases(seed, true); }
const OpRegistration kMulticlassSvm("multiclass_svm", svm_cases, /*has_kinks=*/true);
const OpRegistration kSquaredHinge("squared_hinge", squared_hinge_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
