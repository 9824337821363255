// SPDX-License-Identifier: MIT
// Reductions over all elements or over given axes.
#pragma once

#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// y = sum of all elements, shape (). dy/dx = 1 everywhere.
Variable sum(const Variable& x);
/// Sum over `axes` (negative counts from the end); `keepdims` keeps them as extent 1.
/// dy/dx = g broadcast back over the summed axes. Throws ShapeError for an axis out of range.
Variable sum(const Variable& x, const std::vector<long>& axes, bool keepdims = false);

/// y = (1/n) sum of all n elements, shape (). dy/dx = g / n everywhere.
/// Throws ValueError when x is empty (the mean of nothing is undefined).
Variable mean(const Variable& x);
/// Mean over `axes` (negative counts from the end); `keepdims` keeps them as extent 1.
/// dy/dx = g / n broadcast back over the reduced axes, n = product of their extents.
/// Throws ShapeError for an axis out of range or repeated, ValueError when a reduced axis is
/// empty.
Variable mean(const Variable& x, const std::vector<long>& axes, bool keepdims = false);

/// y = the largest element, shape (). dy/dx = g at the first maximal element (row-major), 0
/// elsewhere. NOTE: a kink wherever two elements tie; the tie's gradient goes to the first one.
/// NaN propagates. Throws ValueError when x is empty.
Variable max(const Variable& x);
/// Max over `axes` (negative counts from the end); `keepdims` keeps them as extent 1.
/// dy/dx = g at the first maximal element of each reduced group (row-major), 0 elsewhere.
/// Throws ShapeError for an axis out of range or repeated, ValueError when a reduced axis is
/// empty.
Variable max(const Variable& x, const std::vector<long>& axes, bool keepdims = false);

/// y = log(sum_k exp(x_k)) along `axis`, computed as m + log(sum_k exp(x_k - m)) with m the max
/// of the line, so inputs of 1e4 or -1e4 stay finite. dy/dx_k = g * exp(x_k - y) (the softmax).
/// Shapes: the axis is dropped, or kept as extent 1 under keepdims. Throws ShapeError for an
/// axis out of range, ValueError when the axis is empty.
Variable logsumexp(const Variable& x, long axis = -1, bool keepdims = false);

}  // namespace slope
