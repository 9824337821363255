// SPDX-License-Identifier: MIT
// The examples' --optimizer: every slope optimizer under one name, made from a step size, a
// momentum and a schedule, with a line saying how it was set up.
#pragma once

#include <cstdint>
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

}  // namespace slope::examples
