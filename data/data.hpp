// SPDX-License-Identifier: MIT
// Data sets: IDX files, Fashion-MNIST loading and splits, synthetic sets, a batch's rows.
#pragma once

#include "dataset.hpp"
#include "idx.hpp"
#include "npy.hpp"
