// SPDX-License-Identifier: MIT
// The one header users include.
#pragma once

#include <slope/graph/broadcast.hpp>
#include <slope/graph/errors.hpp>
#include <slope/graph/gradcheck.hpp>
#include <slope/graph/registry.hpp>
#include <slope/graph/tensor.hpp>
#include <slope/graph/variable.hpp>
#include <slope/ops/ops.hpp>
#include <slope/optim/optim.hpp>
