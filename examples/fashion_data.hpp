// SPDX-License-Identifier: MIT
// The examples' data: Fashion-MNIST (or CIFAR-10) split into training, validation and test rows,
// with the one fallback rule (choose_data_source: synthetic blobs only for --quick when the data
// set is absent) and the mean image of the training rows subtracted from every split.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <slope/slope.hpp>

namespace slope::examples {

/// Fashion-MNIST's class names, labels 0..9.
inline const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

/// What to load. The validation rows come out of the training set; test is only evaluated.
struct DataRequest {
  std::string data_set = "fashion-mnist";  // or "cifar10" (its binary batches in `dir`)
  std::string dir = kFashionMnistDir;
  std::uint64_t seed = 0;        // picks the validation rows (and the synthetic blobs)
  bool allow_synthetic = false;  // Fashion-MNIST absent from `dir`: synthetic blobs instead
  std::size_t max_train = 0;     // training rows read, validation included (0: all)
  std::size_t max_test = 0;      // test rows read (0: all)
  std::size_t validation = 5000;
  bool subtract_mean = true;  // the training rows' mean image, subtracted from every split
};

/// The request of a program's --data, --seed and --quick: --quick reads 2,500 training rows (500
/// of them for validation) and `quick_test` test rows, and falls back to synthetic data.
inline DataRequest data_request(std::string dir, std::uint64_t seed, bool quick,
                                std::size_t quick_test = 1000) {
  DataRequest r;
  r.dir = std::move(dir);
  r.seed = seed;
  r.allow_synthetic = quick;
  if (quick) {
    r.max_train = 2500;
    r.max_test = quick_test;
    r.validation = 500;
  }
  return r;
}

struct Data {
  Dataset train, val, test;
  std::string source;  // "Fashion-MNIST from <dir>", "CIFAR-10 from <dir>", "synthetic data"
  std::string note;    // why the data is synthetic (print it), else empty
  bool synthetic = false;
  std::size_t side = 28, channels = 1;  // the images' shape
  std::vector<std::string> names = fashion_mnist_class_names();
};

/// Loads as `r` asks; prints nothing (under MPI only rank 0 prints `note`). Throws the loaders'
/// ValueError naming the directory or the file.
inline Data load_data(const DataRequest& r) {
  TrainValidationTest d;
  Data out;
  if (r.data_set == "cifar10") {
    TrainTest tt = load_cifar10(r.dir, r.max_train, r.max_test);
    TrainValidation tv = split_validation(tt.train, r.validation, r.seed);
    d = {std::move(tv.train), std::move(tv.validation), std::move(tt.test)};
    out.source = fmt::format("CIFAR-10 from {}", r.dir);
    out.side = kCifar10Side;
    out.channels = 3;
    out.names = cifar10_class_names();
  } else if (const DataSource s = choose_data_source(r.dir, r.allow_synthetic); s.synthetic) {
    TrainTest tt = synthetic_fashion_mnist(r.max_train, r.max_test, r.seed);
    TrainValidation tv = split_validation(tt.train, r.validation, r.seed);
    d = {std::move(tv.train), std::move(tv.validation), std::move(tt.test)};
    out.source = "synthetic data";
    out.note = s.note + "\n      (10 Gaussian blobs)\n";
    out.synthetic = true;
  } else {
    d = load_fashion_mnist_split(r.dir, r.validation, r.seed, r.max_train, r.max_test);
    out.source = fmt::format("Fashion-MNIST from {}", r.dir);
  }
  if (r.subtract_mean) {
    const Tensor mean = mean_image(d.train);  // from the training rows only, applied to all
    for (Dataset* s : {&d.train, &d.validation, &d.test}) subtract_mean(*s, mean);
  }
  out.train = std::move(d.train);
  out.val = std::move(d.validation);
  out.test = std::move(d.test);
  return out;
}

}  // namespace slope::examples
