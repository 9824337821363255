// SPDX-License-Identifier: MIT
// Seeded synthetic labelled data sets: what a program trains on when it is asked to (--quick)
// and the real data set is not installed (data/source.hpp says when).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataset.hpp"

namespace slope {

/// `n` rows of `dim` features in `classes` Gaussian blobs: row i has label i % classes and the
/// features centre[label] + N(0, spread^2) noise, float32. The centres, uniform in [0, 1]^dim,
/// come from `seed` and the noise from `noise_seed`, so that sets drawn with one seed and two
/// noise seeds share their blobs (a training and a test set). Throws ValueError when `classes` is
/// 0 or `spread` is negative.
Dataset gaussian_blobs(std::size_t n, std::size_t dim, std::size_t classes, std::uint64_t seed,
                       std::uint64_t noise_seed, double spread = 0.5);

/// Fashion-MNIST's stand-in: 10 blobs in 784 dimensions (spread 0.5), `n_train` training rows
/// (noise seed `seed + 1`) and `n_test` test rows (noise seed `seed + 2`) around the same centres.
TrainTest synthetic_fashion_mnist(std::size_t n_train, std::size_t n_test, std::uint64_t seed);

}  // namespace slope
