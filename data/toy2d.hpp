// SPDX-License-Identifier: MIT
// Seeded 2-D toy data sets, the pictures of the lecture's demo: its nine points, CS231n's spiral,
// two moons, two circles and blobs. Each returns x float32 [N, 2] and one label per row; the same
// arguments give the same set.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataset.hpp"

namespace slope {

/// The lecture's interactive linear-classifier demo: nine points, three per class (labels
/// 0 0 0 1 1 1 2 2 2), in [-1, 1]^2.
Dataset lecture_points();

/// CS231n's spiral: `classes` arms of `per_class` points each, arm k in rows k * per_class ..
/// (k + 1) * per_class - 1 with label k. Point i of an arm has radius r = i / (per_class - 1)
/// (0 .. 1) and angle t = 4 k + 4 r + noise * N(0, 1), at (r sin t, r cos t). Throws ValueError
/// naming spiral when a count is 0 or the noise is negative or not finite.
Dataset spiral(std::size_t per_class, std::size_t classes, double noise, std::uint64_t seed);

/// Two interleaved half circles (scikit-learn's make_moons): label 0 on (cos t, sin t), label 1
/// on (1 - cos t, 0.5 - sin t), t evenly in [0, pi], plus N(0, noise^2) on each coordinate. Row i
/// has label i % 2. Throws ValueError naming moons when n < 2 or the noise is bad.
Dataset moons(std::size_t n, double noise, std::uint64_t seed);

/// Two concentric circles: label 0 on the unit circle, label 1 on the circle of radius `factor`,
/// angles evenly spaced, plus N(0, noise^2) on each coordinate. Row i has label i % 2. Throws
/// ValueError naming circles when n < 2, the noise is bad or factor is not in (0, 1).
Dataset circles(std::size_t n, double noise, std::uint64_t seed, double factor = 0.5);

/// `classes` Gaussian blobs around centres evenly spaced on the circle of radius 0.6 (the first at
/// angle 90 degrees), spread `spread` in each coordinate. Row i has label i % classes. (For
/// centres drawn at random, in any dimension, see gaussian_blobs.) Throws ValueError naming
/// blobs_2d when n or classes is 0 or the spread is bad.
Dataset blobs_2d(std::size_t n, std::size_t classes, double spread, std::uint64_t seed);

}  // namespace slope
