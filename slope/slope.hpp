// SPDX-License-Identifier: MIT
// The one header users include.
#pragma once

#include <slope/data/data.hpp>
#include <slope/gradcheck/gradcheck.hpp>
#include <slope/graph/anomaly.hpp>
#include <slope/graph/broadcast.hpp>
#include <slope/graph/errors.hpp>
#include <slope/graph/tensor.hpp>
#include <slope/graph/variable.hpp>
#include <slope/nn/nn.hpp>
#include <slope/ops/ops.hpp>
#include <slope/ops/registry.hpp>
#include <slope/optim/adagrad.hpp>
#include <slope/optim/adam.hpp>
#include <slope/optim/builtin_callbacks.hpp>
#include <slope/optim/callback.hpp>
#include <slope/optim/finite.hpp>
#include <slope/optim/fit.hpp>
#include <slope/optim/gradient_method.hpp>
#include <slope/optim/lbfgs.hpp>
#include <slope/optim/metrics.hpp>
#include <slope/optim/objective.hpp>
#include <slope/optim/optimizer.hpp>
#include <slope/optim/random_search.hpp>
#include <slope/optim/rmsprop.hpp>
#include <slope/optim/sampler.hpp>
#include <slope/optim/schedule.hpp>
#include <slope/optim/sgd.hpp>
#include <slope/version.hpp>
#include <slope/viz/plot.hpp>
#include <slope/viz/png.hpp>
#include <slope/viz/svg.hpp>
