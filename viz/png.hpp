// SPDX-License-Identifier: MIT
// PNG pictures through libpng: an 8-bit grey or RGB image, and a grid of many small images in one
// picture (a linear classifier's templates, a batch of inputs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../graph/tensor.hpp"

namespace slope::viz {

/// 8-bit pixels, row-major, channels interleaved: pixels[(y * width + x) * channels + c].
struct Image {
  std::size_t width = 0;
  std::size_t height = 0;
  std::size_t channels = 1;  ///< 1: grey, 3: RGB
  std::vector<std::uint8_t> pixels;
};

/// Writes `image` as a PNG file. Throws ValueError naming the file when the image is not a
/// non-empty grey or RGB image whose pixels match its size, or when libpng cannot write the file
/// (with libpng's reason).
void write_png(const std::string& path, const Image& image);

struct GridOptions {
  std::size_t columns = 0;  ///< images per row; 0: as many as there are images (one row)
  std::size_t gap = 1;      ///< pixels between images (before scaling), filled with `background`
  std::size_t scale = 1;    ///< each pixel becomes scale x scale pixels
  std::uint8_t background = 255;
};

/// The K rows of `images` [K, channels * height * width] (channel planes one after another, as
/// CIFAR-10 stores them) as one picture: each image min-max scaled on its own to 0..255 (a
/// constant image is mid grey), laid out in rows of `columns`. Throws ShapeError when `images` is
/// not 2-D with rows of channels * height * width values, ValueError for channels other than 1 or
/// 3, a zero extent or scale, and for an image holding NaN or infinity (naming its index).
Image image_grid(const Tensor& images, std::size_t height, std::size_t width,
                 std::size_t channels = 1, const GridOptions& options = GridOptions());

}  // namespace slope::viz
