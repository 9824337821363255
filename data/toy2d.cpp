// SPDX-License-Identifier: MIT
#include "toy2d.hpp"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

constexpr double kPi = 3.14159265358979323846;

void check_count(const char* fn, const char* name, std::size_t n, std::size_t least) {
  if (n < least)
    throw ValueError(fmt::format("{}: {} must be at least {} ({} {})", fn, name, least, name, n));
}

// The rows (x_i, y_i) with labels, as a Dataset; `noise` (already scaled) is added when given.
Dataset make_set(const std::vector<double>& xy, Labels y, const Tensor* noise = nullptr) {
  Dataset d;
  d.x = Tensor::zeros({y.size(), 2}, Dtype::float32);
  float* x = d.x.data<float>();
  for (std::size_t i = 0; i < xy.size(); ++i)
    x[i] = static_cast<float>(xy[i] + (noise ? noise->data<double>()[i] : 0.0));
  d.y = std::move(y);
  return d;
}

}  // namespace

Dataset lecture_points() {
  const std::vector<double> xy = {0.5, 0.4,  0.8, 0.3, 0.3,  0.8, -0.4, 0.3,  -0.3,
                                  0.7, -0.7, 0.2, 0.7, -0.4, 0.5, -0.6, -0.4, -0.5};
  return make_set(xy, {0, 0, 0, 1, 1, 1, 2, 2, 2});
}

Dataset spiral(std::size_t per_class, std::size_t classes, double noise, std::uint64_t seed) {
  check_count("spiral", "per_class", per_class, 1);
  check_count("spiral", "classes", classes, 1);
  check_coefficient("spiral", "noise", noise);
  const std::size_t n = per_class * classes;
  const Tensor jitter = randn({n}, seed, Dtype::float64, noise);  // of the angle only
  std::vector<double> xy(2 * n);
  Labels y(n);
  for (std::size_t k = 0; k < classes; ++k)
    for (std::size_t i = 0; i < per_class; ++i) {
      const std::size_t row = k * per_class + i;
      const double r =
          per_class > 1 ? static_cast<double>(i) / static_cast<double>(per_class - 1) : 0.0;
      const double t = 4.0 * static_cast<double>(k) + 4.0 * r + jitter.data<double>()[row];
      xy[2 * row] = r * std::sin(t);
      xy[2 * row + 1] = r * std::cos(t);
      y[row] = static_cast<std::int64_t>(k);
    }
  return make_set(xy, std::move(y));
}

Dataset moons(std::size_t n, double noise, std::uint64_t seed) {
  check_count("moons", "n", n, 2);
  check_coefficient("moons", "noise", noise);
  const std::size_t per_moon[2] = {(n + 1) / 2, n / 2};
  std::vector<double> xy(2 * n);
  Labels y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t label = i % 2, j = i / 2, m = per_moon[label];
    const double t = m > 1 ? kPi * static_cast<double>(j) / static_cast<double>(m - 1) : 0.0;
    xy[2 * i] = label == 0 ? std::cos(t) : 1.0 - std::cos(t);
    xy[2 * i + 1] = label == 0 ? std::sin(t) : 0.5 - std::sin(t);
    y[i] = static_cast<std::int64_t>(label);
  }
  const Tensor jitter = randn({n, 2}, seed, Dtype::float64, noise);
  return make_set(xy, std::move(y), &jitter);
}

Dataset circles(std::size_t n, double noise, std::uint64_t seed, double factor) {
  check_count("circles", "n", n, 2);
  check_coefficient("circles", "noise", noise);
  if (!(factor > 0 && factor < 1))
    throw ValueError(fmt::format("circles: factor must be in (0, 1) (factor {})", factor));
  const std::size_t per_circle[2] = {(n + 1) / 2, n / 2};
  std::vector<double> xy(2 * n);
  Labels y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t label = i % 2, j = i / 2;
    const double t = 2 * kPi * static_cast<double>(j) / static_cast<double>(per_circle[label]);
    const double r = label == 0 ? 1.0 : factor;
    xy[2 * i] = r * std::cos(t);
    xy[2 * i + 1] = r * std::sin(t);
    y[i] = static_cast<std::int64_t>(label);
  }
  const Tensor jitter = randn({n, 2}, seed, Dtype::float64, noise);
  return make_set(xy, std::move(y), &jitter);
}

Dataset blobs_2d(std::size_t n, std::size_t classes, double spread, std::uint64_t seed) {
  check_count("blobs_2d", "n", n, 1);
  check_count("blobs_2d", "classes", classes, 1);
  check_coefficient("blobs_2d", "spread", spread);
  std::vector<double> xy(2 * n);
  Labels y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t label = i % classes;
    const double t = kPi / 2 + 2 * kPi * static_cast<double>(label) / static_cast<double>(classes);
    xy[2 * i] = 0.6 * std::cos(t);
    xy[2 * i + 1] = 0.6 * std::sin(t);
    y[i] = static_cast<std::int64_t>(label);
  }
  const Tensor jitter = randn({n, 2}, seed, Dtype::float64, spread);
  return make_set(xy, std::move(y), &jitter);
}

}  // namespace slope
