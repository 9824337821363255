// SPDX-License-Identifier: MIT
#include "classification.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../ops/index.hpp"

namespace slope::nn {

Labels argmax(const Tensor& scores) {
  check_dim("argmax", "scores", scores.shape(), 2);
  const std::size_t n = scores.shape()[0], c = scores.shape()[1];
  if (c == 0) throw ShapeError("argmax: scores have no columns (shape (N, 0))");
  Labels out(n);
  scores.visit([&](const auto& a) {
    const auto* d = a.data();
    for (std::size_t i = 0; i < n; ++i) {
      const auto* row = d + i * c;
      std::size_t best = 0;
      for (std::size_t j = 0; j < c && !std::isnan(row[best]); ++j)
        if (std::isnan(row[j]) || row[j] > row[best]) best = j;
      out[i] = static_cast<std::int64_t>(best);
    }
  });
  return out;
}

double accuracy(const Tensor& scores, const Labels& y) {
  check_dim("accuracy", "scores", scores.shape(), 2);
  if (y.size() != scores.shape()[0])
    throw ValueError(fmt::format("accuracy: {} labels for scores of shape {}", y.size(),
                                 shape_str(scores.shape())));
  if (y.empty()) throw ValueError("accuracy: no examples (scores of shape (0, C))");
  detail::check_labels("accuracy", y, scores.shape()[1], scores.shape());
  const Labels p = argmax(scores);
  std::size_t right = 0;
  for (std::size_t i = 0; i < y.size(); ++i) right += p[i] == y[i];
  return double(right) / double(y.size());
}

ConfusionMatrix confusion_matrix(const Labels& predicted, const Labels& y, std::size_t classes) {
  if (predicted.size() != y.size())
    throw ValueError(
        fmt::format("confusion_matrix: {} predictions for {} labels", predicted.size(), y.size()));
  detail::check_labels("confusion_matrix", y, classes, {});
  detail::check_labels("confusion_matrix", predicted, classes, {});
  ConfusionMatrix m{classes, std::vector<std::size_t>(classes * classes, 0)};
  for (std::size_t i = 0; i < y.size(); ++i)
    ++m.counts[std::size_t(y[i]) * classes + std::size_t(predicted[i])];
  return m;
}

std::vector<double> per_class_accuracy(const ConfusionMatrix& m) {
  std::vector<double> out(m.classes);
  for (std::size_t t = 0; t < m.classes; ++t) {
    std::size_t total = 0;
    for (std::size_t p = 0; p < m.classes; ++p) total += m.at(t, p);
    out[t] =
        total == 0 ? std::numeric_limits<double>::quiet_NaN() : double(m.at(t, t)) / double(total);
  }
  return out;
}

}  // namespace slope::nn
