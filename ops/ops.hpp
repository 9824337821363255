// SPDX-License-Identifier: MIT
// Every op family.
#pragma once

#include "elementwise.hpp"
#include "linalg.hpp"
#include "reduce.hpp"
