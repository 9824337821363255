// SPDX-License-Identifier: MIT
// Image features, the lecture's last step before neural networks: histograms of oriented
// gradients (HOG, Dalal and Triggs 2005) for shape, and a hue histogram for colour.
#pragma once

#include <cstddef>

#include "../graph/tensor.hpp"

namespace slope {

struct HogOptions {
  std::size_t cell = 4;  ///< cells of cell x cell pixels
  std::size_t bins = 9;  ///< orientation bins over [0, 180) degrees (unsigned gradients)
};

/// The length of one image's HOG vector: blocks of 2 x 2 cells at a stride of one cell, each
/// `bins` per cell: (height / cell - 1) * (width / cell - 1) * 4 * bins (pixels past the last
/// whole cell are left out). Throws ValueError unless there are at least 2 x 2 cells and bins >= 1.
std::size_t hog_size(std::size_t height, std::size_t width, const HogOptions& options = {});

/// HOG of grey images [N, height * width] (row-major) -> float32 [N, hog_size]. Per pixel the
/// gradient (central differences, one-sided at the border), its magnitude, and its
/// orientation folded into [0, 180); each cell sums the magnitudes into the orientation's bin;
/// each block's 4 cells are L2-Hys normalised (L2, clipped at 0.2, L2 again; a flat block stays
/// 0). Throws ShapeError when the images are not [N, height * width], ValueError as hog_size.
Tensor hog_features(const Tensor& images, std::size_t height, std::size_t width,
                    const HogOptions& options = {});

/// Colour images [N, 3 * height * width] (R, G, B planes, as CIFAR-10) -> grey [N, height *
/// width]: 0.299 R + 0.587 G + 0.114 B. Throws ShapeError for other shapes.
Tensor rgb_to_grey(const Tensor& images, std::size_t height, std::size_t width);

/// The hue of colour images [N, 3 * height * width] (R, G, B planes, values in [0, 1]) as
/// float32 [N, bins]: the fraction of each image's pixels whose hue (HSV, [0, 1)) falls in each
/// of `bins` equal bins; grey pixels count as hue 0. Throws ShapeError for other shapes,
/// ValueError for bins 0.
Tensor hue_histogram(const Tensor& images, std::size_t height, std::size_t width,
                     std::size_t bins = 10);

}  // namespace slope
