// SPDX-License-Identifier: MIT
// The work each row measures, and one factory per contender (slope, libtorch, the bare BLAS
// products). Each contender lives in its own translation unit: <cblas.h> must not meet xtensor
// (NOTES-xtensor.md), and libtorch's headers are heavy and optional.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "problem.hpp"

namespace bench {

/// One contender of one row, ready to run.
struct Runner {
  /// One unit of work (an SGD step, a whole numeric gradient); returns the loss it computed (NaN
  /// when it computes none, as the BLAS floor).
  std::function<double()> step;
  /// The values the cross-check compares (gradients, parameters); may be empty.
  std::function<std::vector<double>()> state;
  /// Where this runner keeps each batch's inputs (slope's training rows), so that the other
  /// contenders read the very same memory and meet the same caches.
  std::vector<const float*> batches;
};

enum class LossKind { softmax, svm };

/// An SGD (or full-batch gradient-descent) step on a linear classifier or a one-hidden-layer ReLU
/// MLP: scores = relu(X W1 + b1) W2 + b2 (or X W1 + b1), loss, backward, W -= lr dW.
struct TrainWork {
  const Problem* data = nullptr;
  std::size_t batch = 128;
  std::size_t batches = 1;  // steps cycle through batches 0..batches-1 of `data`
  std::size_t hidden = 0;   // 0: a linear classifier
  LossKind loss = LossKind::softmax;
  float lr = 0.1f;
  std::vector<float> w1, b1, w2, b2;  // [d, h or c], [h or c], [h, c], [c]
  /// Batch k's inputs [batch, d] (another contender's memory); empty: rows of `data`.
  std::vector<const float*> x;
  const float* batch_x(std::size_t k) const { return x.empty() ? data->row(k * batch) : x[k]; }
};

/// Central differences of the mean softmax loss of a linear classifier with respect to every
/// parameter (W [d, c] then b [c]), in float64, on the first `batch` rows of `data`.
struct NumgradWork {
  const Problem* data = nullptr;
  std::size_t batch = 64;
  double h = 1e-5;
  std::vector<double> w, b;
};

// The contenders of each row; a libtorch factory returns an empty Runner when slope_bench was built
// without libtorch.
Runner slope_train(const TrainWork& w);
/// The MLP step (w.hidden > 0) twice, on the same batch tensors: written with nn::Sequential,
/// nn::Linear and nn::ReLU (first), and with linear() and relu() (second).
std::pair<Runner, Runner> slope_train_layers_and_functional(const TrainWork& w);
Runner slope_tiny();
Runner slope_numgrad(const NumgradWork& w);
Runner slope_numgrad_checker(const NumgradWork& w);

/// The products of a training step: issued in slope's row blocks, or as one call per product.
Runner floor_train(const TrainWork& w, bool one_call = false);
Runner floor_numgrad(const NumgradWork& w);
/// Sets OpenBLAS's thread count (from the floor's translation unit, the one that sees <cblas.h>).
void floor_set_threads(int n);
std::string floor_blas_config();

bool torch_available();
std::string torch_version();
Runner torch_train(const TrainWork& w);
Runner torch_tiny();
Runner torch_numgrad(const NumgradWork& w);
void torch_set_threads(int n);

/// The slope/libtorch part of the peak-memory row: loads the whole training set into the
/// framework's own float32 tensor and trains a softmax classifier with SGD (batch 128, shuffled
/// each epoch) for `epochs` epochs; prints one line per epoch with the resident set size.
int slope_memory_run(int epochs);
int torch_memory_run(int epochs);

/// Central differences of `loss` over values[0..n), appended to `grad`. Every contender of the
/// numeric-gradient row runs this same loop, so the row compares the forward passes, not the loops.
template <class Loss>
void central_differences(double* values, std::size_t n, double h, Loss&& loss,
                         std::vector<double>& grad) {
  for (std::size_t j = 0; j < n; ++j) {
    const double x0 = values[j];
    values[j] = x0 + h;
    const double up = loss();
    values[j] = x0 - h;
    const double down = loss();
    values[j] = x0;
    grad.push_back((up - down) / (2 * h));
  }
}

}  // namespace bench
