// SPDX-License-Identifier: MIT
// Classification losses as fused nodes: one forward pass over the scores computes the loss and
// keeps dL/ds as a residual, so the backward is a single scaled copy into the gradient.
// The shared checks: scores must be 2-D [N, C] with N >= 1 and C >= 1 (ShapeError / ValueError),
// labels must have N entries, each in [0, C) (ValueError naming the index and value).
#pragma once

#include "../graph/variable.hpp"

namespace slope {

/// How per-example losses L_i become the node's value: their mean (shape ()), their sum (shape ())
/// or none (the vector of L_i, shape [N]).
enum class Reduction { mean, sum, none };

/// The lecture's multiclass SVM (hinge) loss on scores s [N, C] with labels y [N]:
///   L_i = sum_{j != y_i} max(0, s_ij - s_iy_i + delta), then reduced.
/// dL_i/ds_ij = 1 for each j != y_i with a positive margin; dL_i/ds_iy_i = -(number of such j).
/// NOTE: a margin of exactly 0 is a kink; it gets the subgradient 0.
/// Throws ShapeError (scores not 2-D), ValueError (empty batch, bad labels, delta < 0 or NaN).
Variable multiclass_svm(const Variable& scores, const Labels& y, double delta = 1.0,
                        Reduction reduction = Reduction::mean);

/// The squared hinge: L_i = sum_{j != y_i} max(0, s_ij - s_iy_i + delta)^2, then reduced.
/// dL_i/ds_ij = 2 max(0, m_ij) for j != y_i; dL_i/ds_iy_i = -sum_{j != y_i} 2 max(0, m_ij).
/// Throws as multiclass_svm does.
Variable squared_hinge(const Variable& scores, const Labels& y, double delta = 1.0,
                       Reduction reduction = Reduction::mean);

/// Softmax cross-entropy on scores s [N, C] with labels y [N], in natural log:
///   L_i = -log(exp(s_iy_i) / sum_j exp(s_ij)) = log sum_j exp(s_ij - m_i) - (s_iy_i - m_i),
/// with m_i the row max, so scores of 1e4 or -1e4 give finite, exact values.
/// dL_i/ds_ij = p_ij - [j == y_i], with p the row softmax. Throws as multiclass_svm does.
Variable softmax_cross_entropy(const Variable& scores, const Labels& y,
                               Reduction reduction = Reduction::mean);

/// The row softmax of scores [N, C] -> [N, C] (max-shifted; each row sums to 1). A plain tensor,
/// not recorded in any graph: the class probabilities a trained classifier reports.
/// Throws ShapeError (not 2-D) or ValueError (empty).
Tensor class_probabilities(const Tensor& scores);

}  // namespace slope
