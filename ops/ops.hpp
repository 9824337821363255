// SPDX-License-Identifier: MIT
// Every op family.
#pragma once

#include "conv.hpp"
#include "elementwise.hpp"
#include "index.hpp"
#include "linalg.hpp"
#include "loss.hpp"
#include "reduce.hpp"
#include "regularizer.hpp"
#include "shape.hpp"
#include "softmax.hpp"
