// SPDX-License-Identifier: MIT
#include "synthetic.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

Dataset gaussian_blobs(std::size_t n, std::size_t dim, std::size_t classes, std::uint64_t seed,
                       std::uint64_t noise_seed, double spread) {
  if (classes == 0 || !(spread >= 0))
    throw ValueError(
        fmt::format("gaussian_blobs: need at least one class and a spread >= 0 "
                    "(classes {}, spread {})",
                    classes, spread));
  const Tensor centres = uniform({classes, dim}, 0.0, 1.0, seed, Dtype::float32);  // [C, D]
  Dataset d;
  d.x = randn({n, dim}, noise_seed, Dtype::float32, spread);  // [N, D]
  float* x = d.x.data<float>();
  const float* c = centres.data<float>();
  d.y.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t label = i % classes;
    d.y.push_back(static_cast<std::int64_t>(label));
    for (std::size_t j = 0; j < dim; ++j) x[i * dim + j] += c[label * dim + j];
  }
  return d;
}

TrainTest synthetic_fashion_mnist(std::size_t n_train, std::size_t n_test, std::uint64_t seed) {
  return {gaussian_blobs(n_train, 784, 10, seed, seed + 1),
          gaussian_blobs(n_test, 784, 10, seed, seed + 2)};
}

}  // namespace slope
