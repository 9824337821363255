// SPDX-License-Identifier: MIT
// Regularizers R(W) as fused nodes with hand-derived gradients. A full objective is one line:
//   Variable loss = softmax_cross_entropy(matmul(x, W), y) + l2(W, lambda);
// (or `... + lambda * l2(W)`, which is the same value with one more node).
//
// Convention: slope's l2 is lambda * sum W^2, with gradient 2 lambda W (the lecture's R(W)).
// Many texts and CS231n's assignments use 0.5 * lambda * sum W^2 instead, whose gradient is
// lambda W; get it with l2(W, 0.5 * lambda). The two differ only in what a given lambda means.
//
// Each regularizer also takes a list of parameters and sums over all of them. Pass only the
// weights: biases are usually left unregularized, and leaving them out is leaving them off the
// list. Throws ValueError when lambda (or beta) is negative, infinite or NaN, or the list is empty;
// TypeError when the parameters mix float32 and float64.
#pragma once

#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// y = lambda * sum w^2, shape (). dy/dw = 2 lambda w.
Variable l2(const Variable& w, double lambda = 1.0);
/// y = lambda * sum over the list of sum w_k^2. dy/dw_k = 2 lambda w_k.
Variable l2(const std::vector<Variable>& params, double lambda = 1.0);

/// y = lambda * sum |w|, shape (). dy/dw = lambda sign(w).
/// NOTE: w = 0 is a kink; it gets the subgradient 0.
Variable l1(const Variable& w, double lambda = 1.0);
/// y = lambda * sum over the list of sum |w_k|. dy/dw_k = lambda sign(w_k).
Variable l1(const std::vector<Variable>& params, double lambda = 1.0);

/// The elastic net: y = lambda * (beta * sum w^2 + sum |w|), shape ().
/// dy/dw = lambda (2 beta w + sign(w)) (subgradient 0 for the |w| part at w = 0).
Variable elastic_net(const Variable& w, double beta, double lambda = 1.0);
/// The elastic net summed over a list of parameters.
Variable elastic_net(const std::vector<Variable>& params, double beta, double lambda = 1.0);

}  // namespace slope
