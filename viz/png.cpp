// SPDX-License-Identifier: MIT
#include "png.hpp"

#include <algorithm>
#include <cmath>
#include <png.h>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::viz {

void write_png(const std::string& path, const Image& image) {
  if (image.channels != 1 && image.channels != 3)
    throw ValueError(fmt::format("png '{}': channels must be 1 (grey) or 3 (RGB), got {}", path,
                                 image.channels));
  if (image.width == 0 || image.height == 0 || image.width > PNG_UINT_31_MAX ||
      image.height > PNG_UINT_31_MAX)
    throw ValueError(fmt::format("png '{}': the size {} x {} is not a PNG size", path, image.width,
                                 image.height));
  // NOTE: the product cannot overflow: both extents are below 2^31 and channels <= 3.
  if (image.pixels.size() != image.width * image.height * image.channels)
    throw ValueError(fmt::format("png '{}': {} pixel bytes for {} x {} x {}", path,
                                 image.pixels.size(), image.width, image.height, image.channels));
  // libpng's simplified API: no setjmp, errors come back in `message`.
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  const auto stride = static_cast<png_int_32>(image.width * image.channels);
  const int ok =
      png_image_write_to_file(&png, path.c_str(), 0, image.pixels.data(), stride, nullptr);
  const std::string why = png.message;
  png_image_free(&png);
  if (!ok) throw ValueError(fmt::format("png: cannot write the file '{}' ({})", path, why));
}

Image image_grid(const Tensor& images, std::size_t height, std::size_t width, std::size_t channels,
                 const GridOptions& options) {
  check_dim("image_grid", "images", images.shape(), 2);
  if (channels != 1 && channels != 3)
    throw ValueError(fmt::format("image_grid: channels must be 1 or 3, got {}", channels));
  if (height == 0 || width == 0 || options.scale == 0)
    throw ValueError(fmt::format("image_grid: height {}, width {} and scale {} must be positive",
                                 height, width, options.scale));
  const std::size_t k = images.shape()[0], plane = height * width;
  if (images.shape()[1] != channels * plane)
    throw ShapeError(
        fmt::format("image_grid: images of {} x {} x {} need rows of {} values, got shape {}",
                    channels, height, width, channels * plane, shape_str(images.shape())));
  check_not_empty("image_grid", "images", images.shape());
  const std::size_t columns = options.columns == 0 ? k : std::min(options.columns, k);
  const std::size_t rows = (k + columns - 1) / columns;
  const std::size_t s = options.scale, gap = options.gap;
  Image out;
  out.channels = channels;
  out.width = (columns * width + (columns - 1) * gap) * s;
  out.height = (rows * height + (rows - 1) * gap) * s;
  out.pixels.assign(out.width * out.height * channels, options.background);

  const std::vector<double> v = images.to_vector();
  for (std::size_t i = 0; i < k; ++i) {
    const double* first = v.data() + i * channels * plane;
    const double* last = first + channels * plane;
    if (!std::all_of(first, last, [](double x) { return std::isfinite(x); }))
      throw ValueError(fmt::format("image_grid: image {} holds NaN or infinity", i));
    const auto [lo, hi] = std::minmax_element(first, last);
    const double range = *hi - *lo;
    const std::size_t x0 = (i % columns) * (width + gap) * s,
                      y0 = (i / columns) * (height + gap) * s;
    for (std::size_t y = 0; y < height * s; ++y)
      for (std::size_t x = 0; x < width * s; ++x)
        for (std::size_t c = 0; c < channels; ++c) {
          const double value = first[c * plane + (y / s) * width + x / s];
          const double level = range > 0 ? (value - *lo) / range * 255 : 127.5;
          out.pixels[((y0 + y) * out.width + x0 + x) * channels + c] =
              static_cast<std::uint8_t>(std::lround(level));
        }
  }
  return out;
}

}  // namespace slope::viz
