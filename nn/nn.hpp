// SPDX-License-Identifier: MIT
// Layers, initialisers and classification metrics (namespace slope::nn).
#pragma once

#include "activation.hpp"
#include "classification.hpp"
#include "conv2d.hpp"
#include "dropout.hpp"
#include "evaluate.hpp"
#include "flatten.hpp"
#include "init.hpp"
#include "linear.hpp"
#include "module.hpp"
#include "pool.hpp"
#include "seed.hpp"
#include "sequential.hpp"
