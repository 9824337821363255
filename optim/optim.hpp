// SPDX-License-Identifier: MIT
// Every optimizer, the sampler, schedules, callbacks and the training loop.
#pragma once

#include "adagrad.hpp"
#include "adam.hpp"
#include "callback.hpp"
#include "callbacks.hpp"
#include "dataset.hpp"
#include "fit.hpp"
#include "gradient_method.hpp"
#include "idx.hpp"
#include "lbfgs.hpp"
#include "metrics.hpp"
#include "objective.hpp"
#include "optimizer.hpp"
#include "random_search.hpp"
#include "rmsprop.hpp"
#include "sampler.hpp"
#include "schedule.hpp"
#include "sgd.hpp"
