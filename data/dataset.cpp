// SPDX-License-Identifier: MIT
#include "dataset.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <sys/stat.h>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "idx.hpp"
#include "source.hpp"

namespace slope {

namespace {

void check_rows(const char* op, const Dataset& d) {
  check_dim(op, "x", d.x.shape(), 2);
  if (d.x.shape()[0] != d.y.size())
    throw ShapeError(fmt::format("{}: {} labels for {} rows (x shape {})", op, d.y.size(),
                                 d.x.shape()[0], shape_str(d.x.shape())));
}

// `<dir>/<name>.gz`, else `<dir>/<name>`.
std::string find_idx(const std::string& dir, const std::string& name) {
  std::string path = find_idx_file(dir, name);
  if (!path.empty()) return path;
  throw ValueError(
      fmt::format("load_fashion_mnist: '{}' has no '{}.gz' or '{}' (on Debian: apt install "
                  "dataset-fashion-mnist, or point to another directory)",
                  dir, name, name));
}

struct SplitRows {
  std::vector<std::size_t> train, validation;
};

// The seeded split of rows 0..n-1, each part in increasing order.
SplitRows split_rows(const char* op, std::size_t n, std::size_t n_validation, std::uint64_t seed,
                     const Shape& x_shape) {
  if (n_validation == 0 || n_validation >= n)
    throw ValueError(
        fmt::format("{}: the validation size must be in 1..{} (n_validation {}, x shape {})", op,
                    n == 0 ? 0 : n - 1, n_validation, shape_str(x_shape)));
  // Fisher-Yates with our own index draw: the split is the same on every standard library.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
  const auto cut = order.begin() + static_cast<long>(n_validation);
  SplitRows r{{cut, order.end()}, {order.begin(), cut}};
  std::sort(r.train.begin(), r.train.end());
  std::sort(r.validation.begin(), r.validation.end());
  return r;
}

// Float32 rows scaled to [0, 1] for the rows of one part of a split (train or validation).
struct Part {
  Array<float> x;
  Dataset finish(const Labels& labels, const std::vector<std::size_t>& rows) {
    Dataset d;
    for (std::size_t r : rows) d.y.push_back(labels[r]);
    d.x = Tensor(std::move(x));
    return d;
  }
};

// Checks both headers (each against its own file) and that they count the same items, before
// anything is allocated for either. Returns the images' header.
IdxArray check_counts(const char* op, const std::string& images_path,
                      const std::string& labels_path, std::size_t max_items) {
  IdxArray images = read_idx_header(images_path, kIdxImagesMagic, max_items);
  const IdxArray labels = read_idx_header(labels_path, kIdxLabelsMagic, max_items);
  if (images.dims[0] != labels.dims[0])
    throw ValueError(fmt::format("{}: '{}' holds {} images but '{}' holds {} labels", op,
                                 images_path, images.dims[0], labels_path, labels.dims[0]));
  return images;
}

}  // namespace

Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                         std::size_t max_items) {
  check_counts("load_idx_dataset", images_path, labels_path, max_items);
  Dataset d;
  d.x = read_idx_images(images_path, max_items);
  d.y = read_idx_labels(labels_path, 10, max_items);
  if (d.x.shape()[0] != d.y.size())
    throw ValueError(fmt::format("load_idx_dataset: '{}' holds {} images but '{}' holds {} labels",
                                 images_path, d.x.shape()[0], labels_path, d.y.size()));
  return d;
}

TrainTest load_fashion_mnist(const std::string& dir, std::size_t max_train, std::size_t max_test) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw ValueError(
        fmt::format("load_fashion_mnist: '{}' is not a directory (on Debian: apt install "
                    "dataset-fashion-mnist, or point to another directory)",
                    dir));
  // Named in a fixed order, so that a missing file is reported the same way every time.
  const std::string train_images = find_idx(dir, "train-images-idx3-ubyte");
  const std::string train_labels = find_idx(dir, "train-labels-idx1-ubyte");
  const std::string test_images = find_idx(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = find_idx(dir, "t10k-labels-idx1-ubyte");
  TrainTest t;
  t.train = load_idx_dataset(train_images, train_labels, max_train);
  t.test = load_idx_dataset(test_images, test_labels, max_test);
  return t;
}

Dataset subset(const Dataset& d, const std::vector<std::size_t>& rows) {
  check_rows("subset", d);
  const std::size_t n = d.size(), dim = d.features();
  Dataset out;
  out.y.reserve(rows.size());
  out.x = d.x.visit([&](const auto& x) -> Tensor {
    using A = std::decay_t<decltype(x)>;
    A s(Shape{rows.size(), dim});  // [N, D] -> [len(rows), D]
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] >= n)
        throw ValueError(fmt::format("subset: row {} is out of range (x shape {})", rows[i],
                                     shape_str(d.x.shape())));
      std::copy_n(x.data() + rows[i] * dim, dim, s.data() + i * dim);
    }
    return s;
  });
  for (std::size_t r : rows) out.y.push_back(d.y[r]);
  return out;
}

Dataset take(const Dataset& d, std::size_t n) {
  if (n > d.size())
    throw ValueError(fmt::format("take: {} rows asked of a data set of {} (x shape {})", n,
                                 d.size(), shape_str(d.x.shape())));
  std::vector<std::size_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  return subset(d, rows);
}

TrainValidation split_validation(const Dataset& d, std::size_t n_validation, std::uint64_t seed) {
  check_rows("split_validation", d);
  const SplitRows r = split_rows("split_validation", d.size(), n_validation, seed, d.x.shape());
  return {subset(d, r.train), subset(d, r.validation)};
}

TrainValidationTest load_fashion_mnist_split(const std::string& dir, std::size_t n_validation,
                                             std::uint64_t seed, std::size_t max_train,
                                             std::size_t max_test) {
  const std::string images_path = find_idx(dir, "train-images-idx3-ubyte");
  const std::string labels_path = find_idx(dir, "train-labels-idx1-ubyte");
  const std::string test_images = find_idx(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = find_idx(dir, "t10k-labels-idx1-ubyte");
  // Both headers are checked, against their files and each other, before anything is allocated:
  // the float parts below are sized from them.
  const IdxArray header =
      check_counts("load_fashion_mnist_split", images_path, labels_path, max_train);
  check_counts("load_fashion_mnist_split", test_images, test_labels, max_test);
  const Labels labels = read_idx_labels(labels_path, 10, max_train);
  const std::size_t n = labels.size();
  const std::size_t dim = header.dims[1] * header.dims[2];
  const SplitRows r = split_rows("load_fashion_mnist_split", n, n_validation, seed, Shape{n, dim});
  // Each image's bytes are scaled straight into its row of the part it belongs to: the raw data
  // is never held whole, so the peak is one float copy of the images.
  Part parts[2] = {{Array<float>(Shape{r.train.size(), dim})},
                   {Array<float>(Shape{r.validation.size(), dim})}};
  std::vector<std::pair<int, std::size_t>> where(n);  // image -> (part, row in the part)
  for (std::size_t i = 0; i < r.train.size(); ++i) where[r.train[i]] = {0, i};
  for (std::size_t i = 0; i < r.validation.size(); ++i) where[r.validation[i]] = {1, i};
  const IdxArray images =
      read_idx(images_path, kIdxImagesMagic, max_train,
               [&](std::size_t offset, const std::uint8_t* bytes, std::size_t count) {
                 for (std::size_t k = 0; k < count; ++k) {
                   const std::size_t image = (offset + k) / dim, pixel = (offset + k) % dim;
                   if (image >= n) return;  // more images than labels: reported below
                   const auto [part, row] = where[image];
                   parts[part].x.data()[row * dim + pixel] = static_cast<float>(bytes[k]) / 255.0f;
                 }
               });
  if (images.dims[0] != n)
    throw ValueError(
        fmt::format("load_fashion_mnist_split: '{}' holds {} images but '{}' holds {} labels",
                    images_path, images.dims[0], labels_path, n));
  TrainValidationTest out;
  out.train = parts[0].finish(labels, r.train);
  out.validation = parts[1].finish(labels, r.validation);
  out.test = load_idx_dataset(test_images, test_labels, max_test);
  return out;
}

Tensor mean_image(const Dataset& d) {
  check_rows("mean_image", d);
  if (d.size() == 0)
    throw ValueError(
        fmt::format("mean_image: the data set is empty (x shape {})", shape_str(d.x.shape())));
  const std::size_t n = d.size(), dim = d.features();
  const float* x = d.x.data<float>();
  std::vector<double> sum(dim, 0.0);  // double: 60,000 floats summed in float lose digits
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < dim; ++j) sum[j] += x[i * dim + j];
  Array<float> mean(Shape{dim});  // [N, D] -> [D]
  for (std::size_t j = 0; j < dim; ++j)
    mean.data()[j] = static_cast<float>(sum[j] / static_cast<double>(n));
  return Tensor(std::move(mean));
}

void subtract_mean(Dataset& d, const Tensor& mean) {
  check_rows("subtract_mean", d);
  if (mean.shape() != Shape{d.features()})
    throw ShapeError(
        fmt::format("subtract_mean: the mean must have shape ({}) (x shape {}, mean "
                    "shape {})",
                    d.features(), shape_str(d.x.shape()), shape_str(mean.shape())));
  const std::size_t n = d.size(), dim = d.features();
  float* x = d.x.data<float>();
  const float* m = mean.data<float>();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < dim; ++j) x[i * dim + j] -= m[j];
}

Dataset with_bias_column(const Dataset& d) {
  check_rows("with_bias_column", d);
  const std::size_t n = d.size(), dim = d.features();
  Dataset out;
  out.y = d.y;
  out.x = d.x.visit([&](const auto& x) -> Tensor {
    using A = std::decay_t<decltype(x)>;
    A b(Shape{n, dim + 1});  // [N, D] -> [N, D + 1]
    for (std::size_t i = 0; i < n; ++i) {
      std::copy_n(x.data() + i * dim, dim, b.data() + i * (dim + 1));
      b.data()[i * (dim + 1) + dim] = 1;
    }
    return b;
  });
  return out;
}

}  // namespace slope
