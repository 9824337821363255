// SPDX-License-Identifier: MIT
// CIFAR-10's binary batches (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version"):
// data_batch_1.bin ... data_batch_5.bin and test_batch.bin, each a run of 3,073-byte records: one
// label byte (0-9) and a 32x32 image as its red, green and blue planes (1,024 bytes each).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "dataset.hpp"

namespace slope {

constexpr std::size_t kCifar10Side = 32;
constexpr std::size_t kCifar10ImageBytes = 3 * kCifar10Side * kCifar10Side;  // 3072
constexpr std::size_t kCifar10RecordBytes = 1 + kCifar10ImageBytes;          // 3073

/// "airplane", "automobile", ..., "truck": the names of labels 0..9.
const std::vector<std::string>& cifar10_class_names();

/// One batch file as x float32 [N, 3072] (R, G, B planes, pixel / 255) and N labels. At most
/// `max_items` records (0: all). Throws ValueError naming the file when it cannot be opened or
/// read, when its size is 0 or not a multiple of 3,073 bytes (before anything is allocated: the
/// data allocated is what the file's size holds), or when a label is 10 or more (naming the
/// record and the value).
Dataset read_cifar10_batch(const std::string& path, std::size_t max_items = 0);

/// The training set (data_batch_1.bin ... data_batch_5.bin, in that order) and the test set
/// (test_batch.bin) from `dir`, at most `max_train` / `max_test` rows (0: all; a limit stops the
/// reading early, so later batches are not opened). Throws ValueError naming the directory and
/// the file when one is missing, else as read_cifar10_batch.
TrainTest load_cifar10(const std::string& dir, std::size_t max_train = 0, std::size_t max_test = 0);

}  // namespace slope
