// SPDX-License-Identifier: MIT
// The examples' --optimizer: every slope optimizer under one name, made from a step size, a
// momentum and a schedule, with a line saying how it was set up.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <slope/slope.hpp>

namespace slope::examples {

/// The names --optimizer accepts (sgd: momentum, sgd_plain: none, nesterov: Nesterov's momentum,
/// gd: full-batch gradient descent, the random searches: no gradient).
inline const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {
      "sgd",     "sgd_plain", "nesterov", "gd",   "random_search", "random_local_search",
      "adagrad", "rmsprop",   "adam",     "lbfgs"};
  return names;
}

struct OptimizerSpec {
  std::string name = "sgd";
  /// The step size (random_search: the draw scale; random_local_search: sigma).
  double step_size = 0.01;
  double momentum = 0;     // sgd, sgd_plain, nesterov, gd
  bool cosine = false;     // a cosine schedule to 0 over the run (the gradient methods)
  std::uint64_t seed = 0;  // the random searches' draws
  std::size_t batch = 0;   // the minibatch size, for the description only
};

struct MadeOptimizer {
  std::unique_ptr<Optimizer> optimizer;
  std::string describe;        // "lr 0.05, momentum 0.9, cosine, batch 128"
  bool gradient_free = false;  // a random search
};

/// The optimizer `s.name` names, set up as `s` says. Throws ValueError naming --optimizer for an
/// unknown name.
inline MadeOptimizer make_optimizer(const OptimizerSpec& s) {
  auto gradient = [&](auto o) {
    o.step_size = s.step_size;
    if (s.cosine) o.schedule = Schedule::cosine();
    return o;
  };
  auto batched = [&](const GradientOptions& o) {
    return fmt::format("lr {:g}, {}batch {}", o.step_size,
                       s.cosine ? o.schedule.describe() + ", " : "", s.batch);
  };
  const std::string& n = s.name;
  if (n == "sgd" || n == "sgd_plain" || n == "nesterov" || n == "gd") {
    SgdOptions o = gradient(SgdOptions());
    o.momentum = s.momentum;
    o.nesterov = n == "nesterov";
    if (n == "gd")
      return {std::make_unique<GradientDescent>(o),
              fmt::format("lr {:g}, momentum {:g}, full batch", o.step_size, o.momentum), false};
    return {std::make_unique<Sgd>(o),
            fmt::format("{}lr {:g}, momentum {:g}, {}, batch {}", o.nesterov ? "Nesterov, " : "",
                        o.step_size, o.momentum, o.schedule.describe(), s.batch),
            false};
  }
  if (n == "random_search") {
    RandomSearchOptions o;
    o.scale = s.step_size;
    o.seed = s.seed;
    return {std::make_unique<RandomSearch>(o), fmt::format("W ~ {:g} N(0, 1)", o.scale), true};
  }
  if (n == "random_local_search") {
    RandomLocalSearchOptions o;
    o.step_size = s.step_size;
    o.seed = s.seed;
    return {std::make_unique<RandomLocalSearch>(o), fmt::format("sigma {:g}", o.step_size), true};
  }
  if (n == "adagrad") {
    const AdaGradOptions o = gradient(AdaGradOptions());
    return {std::make_unique<AdaGrad>(o), batched(o), false};
  }
  if (n == "rmsprop") {
    const RMSPropOptions o = gradient(RMSPropOptions());
    return {std::make_unique<RMSProp>(o), batched(o), false};
  }
  if (n == "adam") {
    const AdamOptions o = gradient(AdamOptions());
    return {std::make_unique<Adam>(o), batched(o), false};
  }
  if (n == "lbfgs") return {std::make_unique<Lbfgs>(), "memory 10, full batch", false};
  throw ValueError(fmt::format("--optimizer: unknown optimizer '{}'", n));
}

/// One optimizer's defaults: its step size per loss, its momentum and schedule, its epochs (steps
/// for gd and lbfgs, draws for the random searches) per loss and for --quick.
struct OptimizerDefaults {
  double lr_softmax, lr_svm, momentum;
  bool cosine;
  std::size_t epochs_softmax, epochs_svm, epochs_quick;
};

/// The linear classifier's defaults (examples/linear_classifier.cpp), chosen by validation
/// accuracy (seed 0, 5,000 validation rows; the test set never consulted):
///   sgd, softmax: lr in {0.005 .. 0.2} x L2 in {0, 1e-5, 1e-4, 1e-3} x {10, 20, 30} epochs x
///     batch {64, 128, 256}: lr 0.05, L2 1e-4, 20 epochs, batch 128 (0.8620; the top is flat,
///     0.861-0.862 from lr 0.02 to 0.2).
///   sgd, svm: lr in {0.002 .. 0.05} x L2 in {0, 1e-4, 1e-3} x {20, 30}: lr 0.02, L2 1e-3, 30
///     epochs (0.8600).
///   gd (100 full-batch steps, momentum 0.9): softmax lr 1 (of 0.05 .. 2), svm lr 0.5 (of 0.1 ..
///   1). random_search: every scale >= 0.3 picks the same draws (0.1896); smaller scales do worse.
///   adam 1e-3, rmsprop 1e-3, adagrad 0.03 (each of three step sizes, 20 epochs).
inline const std::map<std::string, OptimizerDefaults>& linear_classifier_defaults() {
  static const std::map<std::string, OptimizerDefaults> table = {
      {"sgd", {0.05, 0.02, 0.9, true, 20, 30, 3}},
      {"nesterov", {0.05, 0.02, 0.9, true, 20, 30, 3}},
      {"sgd_plain", {0.2, 0.2, 0.0, false, 5, 5, 3}},
      {"gd", {1.0, 0.5, 0.9, false, 100, 100, 20}},
      {"random_search", {0.3, 0.3, 0.0, false, 1000, 1000, 50}},
      {"random_local_search", {1e-3, 1e-3, 0.0, false, 1000, 1000, 50}},
      {"adagrad", {0.03, 0.03, 0.0, false, 20, 20, 3}},
      {"rmsprop", {1e-3, 1e-3, 0.0, true, 20, 20, 3}},
      {"adam", {1e-3, 1e-3, 0.0, true, 20, 20, 3}},
      {"lbfgs", {0.0, 0.0, 0.0, false, 50, 50, 15}}};
  return table;
}

/// A program's optimizer flags; 0 (lr, epochs) or < 0 (momentum), values the flags refuse, where
/// not given.
struct OptimizerFlags {
  std::string name = "sgd";
  bool svm = false;  // --loss svm (else softmax): picks the step size and epochs
  double lr = 0, momentum = -1;
  std::size_t epochs = 0, batch = 0;
  bool quick = false;
  std::uint64_t seed = 0;
};

struct DefaultedOptimizer {
  MadeOptimizer made;
  std::size_t epochs = 0;  // the flag's, else the default's
};

/// The optimizer `f.name` with the flags given and `table`'s defaults for the rest. Throws
/// ValueError naming --optimizer when `table` has no `f.name`.
inline DefaultedOptimizer make_optimizer(const OptimizerFlags& f,
                                         const std::map<std::string, OptimizerDefaults>& table) {
  const auto it = table.find(f.name);
  if (it == table.end())
    throw ValueError(fmt::format("--optimizer: no defaults for optimizer '{}'", f.name));
  const OptimizerDefaults& d = it->second;
  OptimizerSpec s;
  s.name = f.name;
  s.step_size = f.lr > 0 ? f.lr : (f.svm ? d.lr_svm : d.lr_softmax);
  s.momentum = f.momentum >= 0 ? f.momentum : d.momentum;
  s.cosine = d.cosine;
  s.seed = f.seed;
  s.batch = f.batch;
  const std::size_t epochs = f.epochs > 0 ? f.epochs
                             : f.quick    ? d.epochs_quick
                             : f.svm      ? d.epochs_svm
                                          : d.epochs_softmax;
  return {make_optimizer(s), epochs};
}

}  // namespace slope::examples
