// SPDX-License-Identifier: MIT
// evaluate(): a model's mean loss and accuracy on a data set, in batches, recording no graph.
#pragma once

#include <cstddef>
#include <functional>

#include "../data/dataset.hpp"
#include "module.hpp"

namespace slope::nn {

struct Evaluation {
  double loss = 0;      ///< the mean per-example loss
  double accuracy = 0;  ///< the fraction of rows whose argmax is their label
  std::size_t examples = 0;
};

/// The loss of a batch's scores: mean over the batch (softmax_cross_entropy by default).
using BatchLoss = std::function<Variable(const Variable& scores, const Labels& y)>;

/// Runs `model` in eval mode (its mode is restored after) under NoGradGuard on `data` in batches
/// of at most `batch_size` rows, so memory stays bounded by one batch. The loss is the mean of
/// `loss` over the batches weighted by their sizes. Throws ValueError for an empty data set or
/// batch_size 0, and whatever the model or loss throws for bad shapes.
Evaluation evaluate(Module& model, const Dataset& data, std::size_t batch_size = 1000,
                    const BatchLoss& loss = nullptr);

}  // namespace slope::nn
