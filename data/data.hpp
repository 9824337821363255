// SPDX-License-Identifier: MIT
// Data sets: IDX files, Fashion-MNIST loading and splits, synthetic sets (the 2-D toys too), a
// batch's rows, and the one rule for falling back to synthetic data.
#pragma once

#include "batch.hpp"
#include "cifar10.hpp"
#include "dataset.hpp"
#include "hog.hpp"
#include "idx.hpp"
#include "npy.hpp"
#include "source.hpp"
#include "synthetic.hpp"
#include "toy2d.hpp"
