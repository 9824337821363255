// SPDX-License-Identifier: MIT
// Checkpoints: a model's parameters, its optimizer's state, its random generators and where the
// run is, in one .npz file that numpy.load reads (docs/checkpoints.md has the layout). Saving is
// atomic (write_file_atomic); loading checks the whole file against the model and the optimizer
// before it changes anything, so a resumed run continues bit for bit as if never stopped.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "../nn/module.hpp"
#include "../optim/metrics.hpp"
#include "../optim/optimizer.hpp"

namespace slope {

/// Where a run is. A resumed fit() takes FitOptions::initial_epoch = epoch.
struct TrainingState {
  std::size_t epoch = 0;      ///< epochs completed
  std::size_t iteration = 0;  ///< steps taken
  /// The last epoch's log ("loss", "val_loss", ...), saved as "state/metrics/<name>".
  Metrics metrics;
};

/// Entry prefixes: parameters go under their names, the optimizer's state under kOptimPrefix,
/// the run's under kStatePrefix: "state/epoch" and "state/iteration" (shape (1) float64 counts),
/// "state/metrics/<name>" (shape (1) float64), "state/rng/<module path>" (a module's
/// std::mt19937_64 as a (313, 2) float64 tensor of its state words' 32-bit halves, as optimizers
/// write engines; "state/rng" for the model itself).
constexpr char kOptimPrefix[] = "optim/";
constexpr char kStatePrefix[] = "state/";

/// Writes `model`'s parameters (named as named_parameters() names them), `optimizer`'s state
/// when it is given, `state`, and every random generator state of the model's modules, to `path`
/// atomically. Throws ValueError naming the file when it cannot be written, or when a parameter
/// name starts with "optim/" or "state/".
void save_checkpoint(const std::string& path, const nn::Module& model,
                     const Optimizer* optimizer = nullptr, const TrainingState& state = {});
/// The same for parameters without a module (no generator states).
void save_checkpoint(const std::string& path, const std::vector<nn::NamedParameter>& params,
                     const Optimizer* optimizer = nullptr, const TrainingState& state = {});

/// Reads what save_checkpoint wrote back into `model` (and `optimizer` when given) and returns
/// the run's state. Checks everything first: the file is a valid archive whose CRCs match, each
/// array's data is as long as its header says, the file has exactly the model's parameter names,
/// each with the model's shape and element type, the state entries and one generator state per
/// generator of the model, and the optimizer accepts its state (Optimizer::load_state). Throws
/// ValueError "load_checkpoint: '<path>' ..." naming the parameter or entry at fault; then
/// nothing in the model or the optimizer has changed. Entries under "optim/" are ignored when
/// no optimizer is given.
TrainingState load_checkpoint(const std::string& path, nn::Module& model,
                              Optimizer* optimizer = nullptr);
/// The same for parameters without a module.
TrainingState load_checkpoint(const std::string& path,
                              const std::vector<nn::NamedParameter>& params,
                              Optimizer* optimizer = nullptr);

/// The run's state in a checkpoint (epoch, iteration, metrics), without a model. Throws as
/// load_checkpoint.
TrainingState read_training_state(const std::string& path);

/// Reads parameters only, from a checkpoint or from any .npz whose arrays are named as the
/// parameters (numpy.savez(f, **{"0.weight": w, ...})): entries under "optim/" and "state/" are
/// ignored, the rest is checked and refused as load_checkpoint does.
void load_weights(const std::string& path, const std::vector<nn::NamedParameter>& params);
void load_weights(const std::string& path, nn::Module& model);

}  // namespace slope
