// SPDX-License-Identifier: MIT
// The small training run the checkpoint tests save, kill, load and resume: blobs, an MLP with
// dropout (Sequential of Linear, ReLU, Dropout, Linear), softmax cross-entropy, fit() with one of
// Sgd with momentum, Adam or L-BFGS, the loss of every step recorded; and a bitwise comparison.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <slope/slope.hpp>

namespace slope::test {

/// Whether two tensors have the same dtype, shape and bytes (both empty counts as the same).
inline bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty();
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const std::size_t bytes = a.size() * (a.dtype() == Dtype::float32 ? 4 : 8);
  return a.visit([&](const auto& x) {
    return b.visit([&](const auto& y) { return std::memcmp(x.data(), y.data(), bytes) == 0; });
  });
}

struct CheckpointRun {
  Dataset data = gaussian_blobs(48, 6, 3, /*seed=*/5, /*noise_seed=*/6);
  Variable x{data.x};
  RowGather rows{x, data.y};
  nn::Sequential net;
  std::unique_ptr<Optimizer> optimizer;
  Objective f;
  std::vector<double> losses;  // one per step taken, in order

  /// `model_seed` seeds the layers (a resumed run builds its model from another seed: the
  /// checkpoint must overwrite all of it). `kind` is "sgd", "adam" or "lbfgs".
  CheckpointRun(const std::string& kind, std::uint64_t model_seed) {
    nn::manual_seed(model_seed);
    net.emplace<nn::Linear>(6, 12);
    net.emplace<nn::ReLU>();
    net.emplace<nn::Dropout>(0.25);
    net.emplace<nn::Linear>(12, 3);
    if (kind == "sgd") {
      SgdOptions o;
      o.step_size = 0.1;
      o.momentum = 0.9;
      optimizer = std::make_unique<Sgd>(o);
    } else if (kind == "adam") {
      AdamOptions o;
      o.step_size = 0.01;
      optimizer = std::make_unique<Adam>(o);
    } else {
      optimizer = std::make_unique<Lbfgs>();
    }
    f = Objective::from_named(
        net.named_parameters(),
        [this](const Batch& b) {
          return softmax_cross_entropy(net(rows.x(b.indices)), rows.y(b.indices));
        },
        data.size());
  }

  /// Trains epochs [first, stop) of a run planned for `total` epochs (an interrupted run stops
  /// early), with `more` callbacks after the one recording losses.
  void train(std::size_t first, std::size_t stop, std::size_t total,
             std::vector<Callback*> more = {}) {
    struct Record : Callback {
      CheckpointRun* run;
      std::size_t stop;
      Record(CheckpointRun* r, std::size_t s) : run(r), stop(s) {}
      bool on_step(const TrainState& s) override {
        run->losses.push_back(s.loss);
        return false;
      }
      bool on_epoch_end(const TrainState& s, Metrics& /*log*/) override {
        return s.epoch + 1 >= stop;
      }
    } record(this, stop);
    FitOptions o;
    o.batch_size = 16;
    o.seed = 11;
    o.epochs = total;
    o.initial_epoch = first;
    more.push_back(&record);  // last: its stop comes after the others' epoch ends
    fit(*optimizer, f, o, more);
  }
};

}  // namespace slope::test
