// SPDX-License-Identifier: MIT
#include "hog.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Throws ShapeError unless `images` is [N, channels * height * width].
void check_images(const char* who, const Tensor& images, std::size_t height, std::size_t width,
                  std::size_t channels) {
  check_dim(who, "images", images.shape(), 2);
  if (images.shape()[1] != channels * height * width)
    throw ShapeError(fmt::format("{}: images of {} x {} x {} need rows of {} values, got shape {}",
                                 who, channels, height, width, channels * height * width,
                                 shape_str(images.shape())));
}

// L2-Hys (Dalal and Triggs): L2-normalise, clip at 0.2, L2-normalise again. NOTE: eps keeps a
// flat block (all 0) at 0 instead of 0 / 0.
void l2_hys(float* v, std::size_t n) {
  constexpr double kEps = 1e-6, kClip = 0.2;
  for (int pass = 0; pass < 2; ++pass) {
    double sq = 0;
    for (std::size_t i = 0; i < n; ++i) sq += static_cast<double>(v[i]) * v[i];
    const double scale = 1 / std::sqrt(sq + kEps * kEps);
    for (std::size_t i = 0; i < n; ++i)
      v[i] = static_cast<float>(pass == 0 ? std::min(v[i] * scale, kClip) : v[i] * scale);
  }
}

}  // namespace

std::size_t hog_size(std::size_t height, std::size_t width, const HogOptions& o) {
  if (o.cell == 0 || o.bins == 0 || height / std::max<std::size_t>(o.cell, 1) < 2 ||
      width / std::max<std::size_t>(o.cell, 1) < 2)
    throw ValueError(fmt::format(
        "hog: {} x {} images in cells of {} with {} bins: need 2 x 2 whole cells and bins >= 1",
        height, width, o.cell, o.bins));
  return (height / o.cell - 1) * (width / o.cell - 1) * 4 * o.bins;
}

Tensor hog_features(const Tensor& images, std::size_t height, std::size_t width,
                    const HogOptions& o) {
  const std::size_t size = hog_size(height, width, o);
  check_images("hog", images, height, width, 1);
  const std::size_t n = images.shape()[0], cy = height / o.cell, cx = width / o.cell;
  const Tensor grey = images.to(Dtype::float32);
  Tensor out = Tensor::zeros({n, size}, Dtype::float32);  // [N, hog_size]
  std::vector<float> cells(cy * cx * o.bins);
  for (std::size_t k = 0; k < n; ++k) {
    const float* im = grey.data<float>() + k * height * width;
    auto at = [&](std::size_t y, std::size_t x) { return static_cast<double>(im[y * width + x]); };
    std::fill(cells.begin(), cells.end(), 0.0f);
    for (std::size_t y = 0; y < cy * o.cell; ++y)
      for (std::size_t x = 0; x < cx * o.cell; ++x) {
        // Central differences, one-sided at the border (as NumPy's gradient): a ramp's slope
        // everywhere.
        const std::size_t x0 = x > 0 ? x - 1 : 0, x1 = std::min(x + 1, width - 1);
        const std::size_t y0 = y > 0 ? y - 1 : 0, y1 = std::min(y + 1, height - 1);
        const double gx = (at(y, x1) - at(y, x0)) / static_cast<double>(x1 - x0);
        const double gy = (at(y1, x) - at(y0, x)) / static_cast<double>(y1 - y0);
        const double magnitude = std::hypot(gx, gy);
        if (magnitude == 0) continue;
        double angle = std::atan2(gy, gx) * 180 / kPi;  // [-180, 180]
        angle += angle < 0 ? 180 : 0;                   // unsigned: [0, 180]
        angle -= angle >= 180 ? 180 : 0;                // [0, 180)
        const auto bin = std::min(
            static_cast<std::size_t>(angle / 180 * static_cast<double>(o.bins)), o.bins - 1);
        cells[((y / o.cell) * cx + x / o.cell) * o.bins + bin] += static_cast<float>(magnitude);
      }
    float* f = out.data<float>() + k * size;
    for (std::size_t by = 0; by + 1 < cy; ++by)
      for (std::size_t bx = 0; bx + 1 < cx; ++bx) {
        float* block = f;
        for (std::size_t dy = 0; dy < 2; ++dy)
          for (std::size_t dx = 0; dx < 2; ++dx)
            f = std::copy_n(
                cells.begin() + static_cast<std::ptrdiff_t>(((by + dy) * cx + bx + dx) * o.bins),
                o.bins, f);
        l2_hys(block, 4 * o.bins);
      }
  }
  return out;
}

Tensor rgb_to_grey(const Tensor& images, std::size_t height, std::size_t width) {
  check_images("rgb_to_grey", images, height, width, 3);
  const std::size_t n = images.shape()[0], plane = height * width;
  const Tensor rgb = images.to(Dtype::float32);
  Tensor out = Tensor::zeros({n, plane}, Dtype::float32);  // [N, 3 * H * W] -> [N, H * W]
  for (std::size_t k = 0; k < n; ++k) {
    const float* p = rgb.data<float>() + k * 3 * plane;
    float* g = out.data<float>() + k * plane;
    for (std::size_t i = 0; i < plane; ++i)
      g[i] = 0.299f * p[i] + 0.587f * p[plane + i] + 0.114f * p[2 * plane + i];
  }
  return out;
}

Tensor hue_histogram(const Tensor& images, std::size_t height, std::size_t width,
                     std::size_t bins) {
  check_images("hue_histogram", images, height, width, 3);
  if (bins == 0) throw ValueError("hue_histogram: bins must be at least 1");
  const std::size_t n = images.shape()[0], plane = height * width;
  const Tensor rgb = images.to(Dtype::float32);
  Tensor out = Tensor::zeros({n, bins}, Dtype::float32);  // [N, bins]
  for (std::size_t k = 0; k < n; ++k) {
    const float* p = rgb.data<float>() + k * 3 * plane;
    float* h = out.data<float>() + k * bins;
    for (std::size_t i = 0; i < plane; ++i) {
      const double r = p[i], g = p[plane + i], b = p[2 * plane + i];
      const double hi = std::max({r, g, b}), range = hi - std::min({r, g, b});
      double hue = 0;  // in sixths of the circle, as HSV defines it
      if (range > 0)
        hue = hi == r   ? std::fmod((g - b) / range + 6, 6)
              : hi == g ? (b - r) / range + 2
                        : (r - g) / range + 4;
      const auto bin =
          std::min(static_cast<std::size_t>(hue / 6 * static_cast<double>(bins)), bins - 1);
      h[bin] += 1.0f / static_cast<float>(plane);
    }
  }
  return out;
}

}  // namespace slope
