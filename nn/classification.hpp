// SPDX-License-Identifier: MIT
// Classification metrics: plain functions of scores and labels that record no graph.
#pragma once

#include <cstddef>
#include <vector>

#include "../graph/tensor.hpp"

namespace slope::nn {

/// The index of each row's largest score: scores [N, C] -> N labels. A row holding a NaN
/// predicts the first NaN's class (NaN counts as the largest, as in PyTorch's argmax). Throws
/// ShapeError unless scores is 2-D with C >= 1.
Labels argmax(const Tensor& scores);
/// The fraction of rows whose argmax is their label. Throws ShapeError / ValueError when the
/// counts differ, N is 0 or a label is outside [0, C).
double accuracy(const Tensor& scores, const Labels& y);

/// counts[t * classes + p]: how many examples of true class t were predicted as p.
struct ConfusionMatrix {
  std::size_t classes = 0;
  std::vector<std::size_t> counts;
  std::size_t at(std::size_t truth, std::size_t predicted) const {
    return counts[truth * classes + predicted];
  }
};
/// Throws ValueError when the counts differ or a label is outside [0, classes).
ConfusionMatrix confusion_matrix(const Labels& predicted, const Labels& y, std::size_t classes);
/// Per true class, the fraction predicted right (NaN for a class with no examples).
std::vector<double> per_class_accuracy(const ConfusionMatrix& m);

}  // namespace slope::nn
