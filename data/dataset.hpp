// SPDX-License-Identifier: MIT
// A labelled data set held in memory, Fashion-MNIST (or MNIST) loading, and the usual preparation:
// scaling, mean-image subtraction, the bias trick, a seeded validation split, row subsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../graph/tensor.hpp"

namespace slope {

/// Rows of features with one class label per row.
struct Dataset {
  Tensor x;  // float32 [N, D]
  Labels y;  // N labels
  std::size_t size() const { return y.size(); }
  std::size_t features() const { return x.dim() == 2 ? x.shape()[1] : 0; }
};

/// Where Debian's dataset-fashion-mnist package puts the files.
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Images (IDX 0x803) and labels (IDX 0x801) as one data set: x float32 [N, rows * cols] scaled
/// to [0, 1]. At most `max_items` rows (0: all). Throws ValueError naming the file when one cannot
/// be read (see read_idx) and naming both files when their counts differ: both headers are
/// checked, and their counts compared, before anything is allocated.
Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                         std::size_t max_items = 0);

struct TrainTest {
  Dataset train;
  Dataset test;
};

/// Fashion-MNIST (or MNIST: same file names) from `dir`: {train,t10k}-{images-idx3,labels-idx1}-
/// ubyte, each `.gz` or raw. At most `max_train` / `max_test` rows (0: all). Throws ValueError
/// naming the directory and the file when one is missing, else as load_idx_dataset.
TrainTest load_fashion_mnist(const std::string& dir = kFashionMnistDir, std::size_t max_train = 0,
                             std::size_t max_test = 0);

/// The given rows, in that order. Throws ValueError naming a row out of range.
Dataset subset(const Dataset& d, const std::vector<std::size_t>& rows);
/// The first n rows. Throws ValueError when n exceeds the size.
Dataset take(const Dataset& d, std::size_t n);

struct TrainValidation {
  Dataset train;
  Dataset validation;
};
/// Moves `n_validation` rows, drawn at random from `seed` (the same seed gives the same split),
/// into a validation set; the rest, in their original order, stay for training. Throws ValueError
/// unless 0 < n_validation < size.
TrainValidation split_validation(const Dataset& d, std::size_t n_validation, std::uint64_t seed);

struct TrainValidationTest {
  Dataset train;
  Dataset validation;
  Dataset test;
};
/// load_fashion_mnist followed by split_validation(train, n_validation, seed), giving the same
/// rows, but the training file is split while still raw bytes, so its float data is made once:
/// peak memory is one float copy and one chunk of bytes, not two float copies. The headers of all
/// four files are checked (against their files, and the counts of each pair against each other)
/// before anything is allocated. Throws as load_fashion_mnist and split_validation.
TrainValidationTest load_fashion_mnist_split(const std::string& dir, std::size_t n_validation,
                                             std::uint64_t seed, std::size_t max_train = 0,
                                             std::size_t max_test = 0);

/// The mean row (the mean image), float32 [D]. Throws ValueError on an empty data set.
Tensor mean_image(const Dataset& d);
/// x_i -= mean for every row, in place (compute the mean on the training set, apply it to all).
/// Throws ShapeError when the mean is not [D].
void subtract_mean(Dataset& d, const Tensor& mean);
/// The bias trick: x [N, D] -> [N, D + 1] with a last column of ones, so W [D + 1, C] holds b.
Dataset with_bias_column(const Dataset& d);

}  // namespace slope
